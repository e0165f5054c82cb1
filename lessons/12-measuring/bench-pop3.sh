#!/usr/bin/env bash
# Chapter 11's POP3 server next to Dovecot, both fetched from by chapter
# 11's client.
#
# Usage (from anywhere in the repository):
#
#   lessons/12-measuring/bench-pop3.sh
#   RUNS=5 MESSAGES=50000 lessons/12-measuring/bench-pop3.sh
#
#   RUNS      how many times each server is measured in each mode (default 3)
#   MESSAGES  how many messages the mailbox holds (default 10000)
#   SIZE      about how many bytes each message has (default 1024)
#
# It builds `11-pop3` in release mode, writes a Maildir of MESSAGES
# messages for user alice, and serves that same Maildir on 127.0.0.1 with
# the crate's server and with Dovecot (its own temporary config: plain
# logins, a passwd-file user, no SSL). Then the crate's client,
# `11-pop3 fetch pop3://alice:secret@ADDR/ --keep`, downloads every
# message from each server in turn, RUNS times, in two modes:
#
#   maildir   with --to-maildir into an empty Maildir, each message made
#             durable (fsync, rename, fsync) before the next is asked for,
#             as a mail client that may delete them must;
#   mbox      to standard output, an mbox file, with nothing made durable:
#             the protocol and the servers alone.
#
# Each run must bring exactly MESSAGES messages. The figure is messages a
# second, from the client's start to its end; the table shows each run
# and the median of the ratios crate/Dovecot, then the result rows of
# lib.sh. A fetch from each server
# comes first, uncounted: Dovecot builds its index of the Maildir then,
# and both find the files in the page cache afterwards. Everything it
# started and wrote is removed when it exits.
#
# Needs Dovecot's POP3 server (Debian: apt-get install dovecot-pop3d; the
# script installs it as root), and root: Dovecot will not
# read mail as root, so the Maildir is given to nobody, which only root
# can do. The client, the servers and the machine share the same cores
# and the same disk, so the numbers say how the servers compare here, not
# what either can do on its own machine; run it on an otherwise idle
# machine, and compare ratios rather than raw numbers.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init bench-pop3.sh

MESSAGES=${MESSAGES:-10000}
SIZE=${SIZE:-1024}
bench_whole_numbers MESSAGES SIZE

bench_need dovecot dovecot-pop3d
bench_need /usr/lib/dovecot/pop3 dovecot-pop3d
bench_need python3 python3
bench_require
bench_require_root "only root can give the mail to nobody"

bench_build 11-pop3
pop3_cmd=("${bench_cmd[@]}")

# Dovecot reads the mail as nobody, and must reach it through every folder.
nobody=$(id -u nobody)
nogroup=$(id -g nobody)
chmod 755 "$tmp"
mkdir -p "$tmp/mail/alice/tmp" "$tmp/mail/alice/new" "$tmp/mail/alice/cur" \
  "$tmp/dovecot/run" "$tmp/got"

echo "writing $MESSAGES messages..." >&2
python3 - "$tmp/mail/alice/new" "$MESSAGES" "$SIZE" <<'EOF'
import os
import sys

folder, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
line = "The quick brown fox jumps over the lazy dog, again and again.\n"
for n in range(count):
    header = (
        f"From: <bob@example.test>\nTo: <alice@example.test>\n"
        f"Subject: message {n}\nMessage-ID: <{n}@example.test>\n\n"
    )
    body = line * max(1, (size - len(header)) // len(line))
    name = f"{1764585600 + n}.M{n}P1Q{n}.bench"
    with open(os.path.join(folder, name), "w") as f:
        f.write(header + body)
EOF
chown -R "$nobody:$nogroup" "$tmp/mail"

bench_start_listening 11-pop3 "${pop3_cmd[@]}" serve --maildir-root "$tmp/mail" \
  --user alice:secret --port 0
crate_addr=$bench_addr

# Dovecot on port $1: plain logins, a passwd-file user, no SSL.
echo "alice:{PLAIN}secret:$nobody:$nogroup::$tmp/mail/alice" >"$tmp/dovecot/passwd"
start_dovecot() {
  cat >"$tmp/dovecot/dovecot.conf" <<EOF
protocols = pop3
listen = 127.0.0.1
base_dir = $tmp/dovecot/run
state_dir = $tmp/dovecot/run
log_path = $tmp/dovecot.log
ssl = no
disable_plaintext_auth = no
mail_location = maildir:$tmp/mail/%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = $tmp/dovecot/passwd
}
userdb {
  driver = passwd-file
  args = $tmp/dovecot/passwd
}
service pop3-login {
  chroot =
  inet_listener pop3 {
    port = $1
  }
}
service anvil {
  chroot =
}
EOF
  # What Dovecot prints before it opens its log goes to the same file.
  dovecot -F -c "$tmp/dovecot/dovecot.conf" >>"$tmp/dovecot.log" 2>&1 &
}
bench_start_on_free_port Dovecot start_dovecot
dovecot_addr=127.0.0.1:$bench_port

# One fetch of every message: prints its messages a second, after
# checking that all of them came. measure NAME ADDR maildir|mbox RUN
measure() {
  local name=$1 addr=$2 mode=$3 run=$4 dest="$tmp/got/$1-$3-$4" start end count
  local url="pop3://alice:secret@$addr/"
  # Nothing left to write back from the run before. Each run's Maildir
  # is kept until the end: ext4 without a journal does not reuse an
  # inode for a minute or more after its file was deleted, and would
  # make the next run search past the thousands just freed.
  sync
  start=$(date +%s.%N)
  case $mode in
    maildir) "${pop3_cmd[@]}" fetch "$url" --keep --to-maildir "$dest" 2>"$tmp/fetch.err" ;;
    mbox) "${pop3_cmd[@]}" fetch "$url" --keep >"$dest.mbox" 2>"$tmp/fetch.err" ;;
  esac || {
    echo "$name, $mode, run $run: the fetch failed:" >&2
    cat "$tmp/fetch.err" >&2
    exit 1
  }
  end=$(date +%s.%N)
  case $mode in
    maildir) count=$(find "$dest/new" -type f | wc -l) ;;
    mbox)
      count=$(grep -c '^From MAILER-DAEMON ' "$dest.mbox" || true)
      rm -f "$dest.mbox"
      ;;
  esac
  if [ "$count" != "$MESSAGES" ]; then
    echo "$name, $mode, run $run: $count messages arrived, not $MESSAGES" >&2
    exit 1
  fi
  awk -v n="$MESSAGES" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n / (e - s) }'
}
crate_run() { measure crate "$crate_addr" "$mode" "$1"; }
dovecot_run() { measure dovecot "$dovecot_addr" "$mode" "$1"; }

echo "warming up..." >&2
measure crate "$crate_addr" mbox 0 >/dev/null
measure dovecot "$dovecot_addr" mbox 0 >/dev/null

echo "crate: $crate_addr   Dovecot: $dovecot_addr   $(nproc) cores"
echo "11-pop3 fetch --keep, $MESSAGES messages of about $SIZE bytes, $RUNS run(s) per server and mode"
echo
bench_table '%-8s %6s %14.0f %14.0f %14.2f\n' mode run "crate msg/s" "Dovecot msg/s" crate/Dovecot
dovecot_name="Dovecot $(bench_version dovecot-core)"
for mode in maildir mbox; do
  bench_pair crate_run dovecot_run "$mode"
  bench_result "11 pop3" "$dovecot_name" "fetch $MESSAGES messages, into $mode" msg/s 1.0
done
bench_results

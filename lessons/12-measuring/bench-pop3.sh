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
# and the median of the ratios crate/Dovecot. A fetch from each server
# comes first, uncounted: Dovecot builds its index of the Maildir then,
# and both find the files in the page cache afterwards. Everything it
# started and wrote is removed when it exits.
#
# Needs Dovecot's POP3 server (Debian: apt-get install dovecot-pop3d; the
# script installs it with apt-get if it can), and root: Dovecot will not
# read mail as root, so the Maildir is given to nobody, which only root
# can do. The client, the servers and the machine share the same cores
# and the same disk, so the numbers say how the servers compare here, not
# what either can do on its own machine; run it on an otherwise idle
# machine, and compare ratios rather than raw numbers.
set -euo pipefail

RUNS=${RUNS:-3}
MESSAGES=${MESSAGES:-10000}
SIZE=${SIZE:-1024}

cd "$(dirname "$0")/../.."

# dovecot lives in /usr/sbin, which is not on every user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
for knob in RUNS MESSAGES SIZE; do
  if ! [[ ${!knob} =~ ^[1-9][0-9]*$ ]]; then
    echo "$knob must be a whole number, not '${!knob}'" >&2
    exit 2
  fi
done
if [ "$(id -u)" != 0 ]; then
  echo "bench-pop3.sh must run as root: only root can give the mail to nobody" >&2
  exit 1
fi
if ! command -v dovecot >/dev/null || ! [ -x /usr/lib/dovecot/pop3 ]; then
  echo "installing dovecot-pop3d..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-pop3d >/dev/null ||
    { echo "bench-pop3.sh needs Dovecot: apt-get install dovecot-pop3d" >&2; exit 1; }
fi
if ! command -v python3 >/dev/null; then
  echo "bench-pop3.sh needs python3, to write the messages: apt-get install python3" >&2
  exit 1
fi

echo "building 11-pop3 (release)..." >&2
cargo build --quiet --release --example 11-pop3
pop3_bin=${CARGO_TARGET_DIR:-target}/release/examples/11-pop3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-pop3.XXXXXX")
crate_pid=
dovecot_pid=
cleanup() {
  for pid in $crate_pid $dovecot_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

# Waits until something accepts connections on 127.0.0.1:$1, for up to 10 s.
wait_for_port() {
  local tries
  for ((tries = 0; tries < 200; tries++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# The crate's server picks a free port itself and says which.
"$pop3_bin" serve --maildir-root "$tmp/mail" --user alice:secret --port 0 \
  >"$tmp/crate.out" 2>"$tmp/crate.err" &
crate_pid=$!
crate_addr=
for ((tries = 0; tries < 200; tries++)); do
  line=$(head -n 1 "$tmp/crate.out")
  if [[ $line == "listening on "* ]]; then
    crate_addr=${line#listening on }
    break
  fi
  kill -0 "$crate_pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$crate_addr" ]; then
  echo "the crate's POP3 server did not start:" >&2
  cat "$tmp/crate.err" >&2
  exit 1
fi

# Dovecot cannot pick a free port: try random ones until one binds.
echo "alice:{PLAIN}secret:$nobody:$nogroup::$tmp/mail/alice" >"$tmp/dovecot/passwd"
dovecot_addr=
for ((attempt = 0; attempt < 10; attempt++)); do
  port=$((20000 + RANDOM % 40000))
  cat >"$tmp/dovecot/dovecot.conf" <<EOF
protocols = pop3
listen = 127.0.0.1
base_dir = $tmp/dovecot/run
state_dir = $tmp/dovecot/run
log_path = $tmp/dovecot/log
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
    port = $port
  }
}
service anvil {
  chroot =
}
EOF
  dovecot -F -c "$tmp/dovecot/dovecot.conf" >"$tmp/dovecot/out.log" 2>&1 &
  dovecot_pid=$!
  if wait_for_port "$port" && kill -0 "$dovecot_pid" 2>/dev/null; then
    dovecot_addr=127.0.0.1:$port
    break
  fi
  kill "$dovecot_pid" 2>/dev/null || true
  wait "$dovecot_pid" 2>/dev/null || true
  dovecot_pid=
done
if [ -z "$dovecot_addr" ]; then
  echo "Dovecot did not start:" >&2
  cat "$tmp/dovecot/out.log" "$tmp/dovecot/log" >&2 2>/dev/null || true
  exit 1
fi

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
    maildir) "$pop3_bin" fetch "$url" --keep --to-maildir "$dest" 2>"$tmp/fetch.err" ;;
    mbox) "$pop3_bin" fetch "$url" --keep >"$dest.mbox" 2>"$tmp/fetch.err" ;;
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

# The median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "warming up..." >&2
measure crate "$crate_addr" mbox 0 >/dev/null
measure dovecot "$dovecot_addr" mbox 0 >/dev/null

echo "crate: $crate_addr   Dovecot: $dovecot_addr   $(nproc) cores"
echo "11-pop3 fetch --keep, $MESSAGES messages of about $SIZE bytes, $RUNS run(s) per server and mode"
echo
printf '%-8s %6s %14s %14s %14s\n' mode run "crate msg/s" "Dovecot msg/s" crate/Dovecot
for mode in maildir mbox; do
  crates=()
  dovecots=()
  ratios=()
  for ((run = 1; run <= RUNS; run++)); do
    crate=$(measure crate "$crate_addr" "$mode" "$run")
    dovecot=$(measure dovecot "$dovecot_addr" "$mode" "$run")
    ratio=$(awk -v a="$crate" -v b="$dovecot" 'BEGIN { printf "%.2f", a / b }')
    crates+=("$crate")
    dovecots+=("$dovecot")
    ratios+=("$ratio")
    printf '%-8s %6s %14s %14s %14s\n' "$mode" "$run" "$crate" "$dovecot" "$ratio"
  done
  printf '%-8s %6s %14.0f %14.0f %14.2f\n' "$mode" median \
    "$(median "${crates[@]}")" "$(median "${dovecots[@]}")" "$(median "${ratios[@]}")"
done

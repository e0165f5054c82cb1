#!/usr/bin/env bash
# Chapter 10's SMTP server next to aiosmtpd and smtp-sink, under postfix's
# smtp-source.
#
# Usage (from anywhere in the repository):
#
#   lessons/12-measuring/bench-smtp.sh
#   RUNS=5 MESSAGES=50000 lessons/12-measuring/bench-smtp.sh
#
#   RUNS      how many times each server is measured in each mode (default 3)
#   MESSAGES  how many messages smtp-source sends in a run (default 20000)
#   SESSIONS  how many connections it sends them over at once (default 8)
#   SIZE      the bytes of each message's body (default 1024)
#
# It builds `10-smtp` in release mode and measures two pairs, each on
# 127.0.0.1, with smtp-source sending MESSAGES messages of SIZE bytes over
# SESSIONS connections that stay open from one message to the next (-d):
#
#   durable   the crate's server, storing each message into a Maildir
#             (fsync of the file, rename into new/, fsync of new/) before
#             its 250, next to aiosmtpd's Mailbox handler (Python's
#             mailbox.Maildir: fsync of the file, link into new/);
#   discard   the crate's server with --discard next to postfix's
#             smtp-sink, both reading every message and keeping none.
#
# Each run gets a server started afresh, and an empty Maildir that is
# counted afterwards: it must hold exactly MESSAGES messages. The figure
# is messages a second, from smtp-source's start to its end; the table
# shows each run and the median of the ratios crate/other, then the
# result rows of lib.sh. Everything it started and wrote is removed when
# it exits.
#
# Needs smtp-source and smtp-sink (Debian: apt-get install postfix), and
# python3 with aiosmtpd (pip install aiosmtpd); as root the script
# installs what is missing. smtp-source, the
# servers and the machine share the same cores and the same disk, so the
# numbers say how the servers compare here, not what either can do on its
# own machine; run it on an otherwise idle machine, and compare ratios
# rather than raw numbers.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init bench-smtp.sh

MESSAGES=${MESSAGES:-20000}
SESSIONS=${SESSIONS:-8}
SIZE=${SIZE:-1024}
bench_whole_numbers MESSAGES SESSIONS SIZE

bench_need smtp-source postfix
bench_need smtp-sink postfix
bench_need_python aiosmtpd aiosmtpd
bench_require

bench_build 10-smtp
server_cmd=("${bench_cmd[@]}")

# aiosmtpd, on a port of the system's choosing, storing into the Maildir
# given; it says where it listens as the crate's server does.
cat >"$tmp/aiosmtpd-maildir.py" <<'EOF'
import asyncio
import sys

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP


async def main(maildir):
    handler = Mailbox(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="example.test"), "127.0.0.1", 0
    )
    host, port = server.sockets[0].getsockname()[:2]
    print(f"listening on {host}:{port}", flush=True)
    await server.serve_forever()


asyncio.run(main(sys.argv[1]))
EOF

# smtp-sink on port $1. As root, it insists on a user to become once it
# has its port.
start_sink() {
  local as_user=()
  [ "$(id -u)" = 0 ] && as_user=(-u nobody)
  smtp-sink "${as_user[@]}" "127.0.0.1:$1" 256 >"$tmp/smtp-sink.log" 2>&1 &
}

# start SERVER MAILDIR: starts SERVER (crate and aiosmtpd store into
# MAILDIR) and sets bench_pid and server_addr.
start() {
  case $1 in
    crate)
      # The crate's server makes DIR/alice itself, at the first message.
      bench_start_listening 10-smtp "${server_cmd[@]}" serve --domain example.test \
        --maildir-root "$2" --user alice:secret --port 0
      ;;
    crate-discard)
      bench_start_listening 10-smtp "${server_cmd[@]}" serve --domain example.test \
        --maildir-root "$2" --user alice:secret --discard --port 0
      ;;
    aiosmtpd)
      mkdir -p "$2/alice/tmp" "$2/alice/new" "$2/alice/cur"
      bench_start_listening aiosmtpd python3 "$tmp/aiosmtpd-maildir.py" "$2/alice"
      ;;
    smtp-sink)
      bench_start_on_free_port smtp-sink start_sink
      bench_addr=127.0.0.1:$bench_port
      ;;
  esac
  server_addr=$bench_addr
}

# One run against SERVER, started afresh: prints its messages a second,
# after checking that a durable run left exactly MESSAGES messages in
# the Maildir. measure SERVER RUN
measure() {
  local name=$1 run=$2 dir="$tmp/mail-$1-$2" start end count
  # A Maildir of its own, kept until the end: ext4 without a journal
  # does not reuse an inode for a minute or more after its file was
  # deleted, and searching past the thousands a deletion had just freed
  # would slow down whichever run came next.
  mkdir -p "$dir"
  start "$name" "$dir"
  # Nothing left to write back from the run before.
  sync
  start=$(date +%s.%N)
  if ! smtp-source -d -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" \
    -f from@x -t alice@example.test "$server_addr" >"$tmp/source.out" 2>&1; then
    echo "$name, run $run: smtp-source failed:" >&2
    cat "$tmp/source.out" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  bench_stop "$bench_pid"
  case $name in
    crate | aiosmtpd)
      count=$(find "$dir/alice/new" -type f | wc -l)
      if [ "$count" != "$MESSAGES" ]; then
        echo "$name, run $run: the Maildir holds $count messages, not $MESSAGES" >&2
        exit 1
      fi
      ;;
  esac
  awk -v n="$MESSAGES" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n / (e - s) }'
}
ours_run() { measure "$ours" "$1"; }
theirs_run() { measure "$theirs" "$1"; }

echo "smtp-source -d -s $SESSIONS -m $MESSAGES -l $SIZE, $RUNS run(s) per server, $(nproc) cores"
echo
bench_table '%-8s %6s %14.0f %14.0f %9.2f\n' mode run "crate msg/s" "other msg/s" crate/other
aiosmtpd_name="aiosmtpd $(python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)')"
sink_name="smtp-sink (postfix $(bench_version postfix))"
load="$MESSAGES messages of $SIZE bytes, $SESSIONS sessions"
ours=crate theirs=aiosmtpd
bench_pair ours_run theirs_run durable
bench_result "10 smtp" "$aiosmtpd_name" "durable: $load" msg/s 5.0
ours=crate-discard theirs=smtp-sink
bench_pair ours_run theirs_run discard
bench_result "10 smtp, --discard" "$sink_name" "discard: $load" msg/s 1.0
echo
echo "durable: the crate's server (fsync, rename, fsync) against aiosmtpd's Maildir handler"
echo "discard: the crate's server with --discard against smtp-sink"
bench_results

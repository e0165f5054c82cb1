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
# shows each run and the median of the ratios crate/other. Everything it
# started and wrote is removed when it exits.
#
# Needs smtp-source and smtp-sink (Debian: apt-get install postfix; the
# script installs it with apt-get if it can), and python3 with aiosmtpd
# (pip install aiosmtpd; the script tries that too). smtp-source, the
# servers and the machine share the same cores and the same disk, so the
# numbers say how the servers compare here, not what either can do on its
# own machine; run it on an otherwise idle machine, and compare ratios
# rather than raw numbers.
set -euo pipefail

RUNS=${RUNS:-3}
MESSAGES=${MESSAGES:-20000}
SESSIONS=${SESSIONS:-8}
SIZE=${SIZE:-1024}

cd "$(dirname "$0")/../.."

# smtp-source and smtp-sink live in /usr/sbin, not on every user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
for knob in RUNS MESSAGES SESSIONS SIZE; do
  if ! [[ ${!knob} =~ ^[1-9][0-9]*$ ]]; then
    echo "$knob must be a whole number, not '${!knob}'" >&2
    exit 2
  fi
done

if ! command -v smtp-source >/dev/null || ! command -v smtp-sink >/dev/null; then
  echo "installing postfix, for smtp-source and smtp-sink..." >&2
  # Postfix asks how it should deliver mail: it is only wanted for its
  # test programs, so the answer is "no configuration".
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/dev/null ||
    { echo "bench-smtp.sh needs smtp-source and smtp-sink: apt-get install postfix" >&2; exit 1; }
fi
if ! command -v python3 >/dev/null; then
  echo "bench-smtp.sh needs python3: apt-get install python3" >&2
  exit 1
fi
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  echo "installing aiosmtpd..." >&2
  python3 -m pip install -q aiosmtpd 2>/dev/null ||
    python3 -m pip install -q --break-system-packages aiosmtpd ||
    { echo "bench-smtp.sh needs aiosmtpd: pip install aiosmtpd" >&2; exit 1; }
fi

echo "building 10-smtp (release)..." >&2
cargo build --quiet --release --example 10-smtp
server_bin=${CARGO_TARGET_DIR:-target}/release/examples/10-smtp

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-smtp.XXXXXX")
server_pid=
cleanup() {
  stop_server
  # A run is measured in a subshell, $(measure ...): the server it had
  # started when it failed is known by its file alone.
  if [ -f "$tmp/server.pid" ]; then
    server_pid=$(cat "$tmp/server.pid")
    stop_server
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    # Not a child of this shell if it was started in a subshell: then
    # `wait` returns at once, and the loop waits for it to go.
    wait "$server_pid" 2>/dev/null || true
    while kill -0 "$server_pid" 2>/dev/null; do sleep 0.05; done
    server_pid=
    rm -f "$tmp/server.pid"
  fi
}

# Starts a server that prints `listening on ADDR` first, and sets
# server_pid and server_addr. start_listening COMMAND...
start_listening() {
  # The last server's line must not be taken for this one's.
  rm -f "$tmp/server.out"
  "$@" >"$tmp/server.out" 2>"$tmp/server.err" &
  server_pid=$!
  echo "$server_pid" >"$tmp/server.pid"
  server_addr=
  local tries line
  for ((tries = 0; tries < 200; tries++)); do
    line=$(head -n 1 "$tmp/server.out" 2>/dev/null || true)
    if [[ $line == "listening on "* ]]; then
      server_addr=${line#listening on }
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "$1 did not start:" >&2
  cat "$tmp/server.err" >&2
  exit 1
}

# smtp-sink cannot pick a free port: try random ones until one binds.
start_sink() {
  local attempt port tries as_user=()
  # As root, smtp-sink insists on a user to become once it has its port.
  [ "$(id -u)" = 0 ] && as_user=(-u nobody)
  for ((attempt = 0; attempt < 10; attempt++)); do
    port=$((20000 + RANDOM % 40000))
    smtp-sink "${as_user[@]}" "127.0.0.1:$port" 256 >"$tmp/server.out" 2>"$tmp/server.err" &
    server_pid=$!
    echo "$server_pid" >"$tmp/server.pid"
    for ((tries = 0; tries < 200; tries++)); do
      kill -0 "$server_pid" 2>/dev/null || break
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        server_addr=127.0.0.1:$port
        return 0
      fi
      sleep 0.05
    done
    stop_server
  done
  echo "smtp-sink did not start:" >&2
  cat "$tmp/server.err" >&2
  exit 1
}

# start SERVER MAILDIR: crate and aiosmtpd store into MAILDIR.
start() {
  case $1 in
    crate)
      # The crate's server makes DIR/alice itself, at the first message.
      start_listening "$server_bin" serve --domain example.test \
        --maildir-root "$2" --user alice:secret --port 0
      ;;
    crate-discard)
      start_listening "$server_bin" serve --domain example.test \
        --maildir-root "$2" --user alice:secret --discard --port 0
      ;;
    aiosmtpd)
      mkdir -p "$2/alice/tmp" "$2/alice/new" "$2/alice/cur"
      start_listening python3 "$tmp/aiosmtpd-maildir.py" "$2/alice"
      ;;
    smtp-sink)
      start_sink
      ;;
  esac
}

# One run against SERVER: prints its messages a second, after checking
# that a durable run left exactly MESSAGES messages in the Maildir.
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
  stop_server
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

# The median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "smtp-source -d -s $SESSIONS -m $MESSAGES -l $SIZE, $RUNS run(s) per server, $(nproc) cores"
echo
printf '%-8s %6s %14s %14s %9s\n' mode run "crate msg/s" "other msg/s" crate/other
for mode in durable discard; do
  case $mode in
    durable) ours=crate theirs=aiosmtpd ;;
    discard) ours=crate-discard theirs=smtp-sink ;;
  esac
  crates=()
  others=()
  ratios=()
  for ((run = 1; run <= RUNS; run++)); do
    crate=$(measure "$ours" "$run")
    other=$(measure "$theirs" "$run")
    ratio=$(awk -v a="$crate" -v b="$other" 'BEGIN { printf "%.2f", a / b }')
    crates+=("$crate")
    others+=("$other")
    ratios+=("$ratio")
    printf '%-8s %6s %14s %14s %9s\n' "$mode" "$run" "$crate" "$other" "$ratio"
  done
  printf '%-8s %6s %14.0f %14.0f %9.2f\n' "$mode" median \
    "$(median "${crates[@]}")" "$(median "${others[@]}")" "$(median "${ratios[@]}")"
done
echo
echo "durable: the crate's server (fsync, rename, fsync) against aiosmtpd's Maildir handler"
echo "discard: the crate's server with --discard against smtp-sink"

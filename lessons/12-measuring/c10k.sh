#!/usr/bin/env bash
# C10K: chapter 06's server holding thousands of idle keep-alive
# connections, a thread each, with its memory, its threads, and how fast a
# new client is answered meanwhile.
#
# Usage (from anywhere in the repository):
#
#   lessons/12-measuring/c10k.sh
#   HOLD=1000,5000,10000 lessons/12-measuring/c10k.sh
#
#   HOLD             the counts of connections to hold, in turn
#                    (default 1000,5000,10000,19000)
#   MALLOC_ARENA_MAX glibc's limit on malloc arenas, passed to the server
#                    (default: unset, glibc's own 8 a core; measured with
#                    10000 connections: unset 147.1 MiB, 2 arenas 146.5 MiB,
#                    1 arena 146.9 MiB: an idle connection holds no buffer,
#                    so the arenas hold little whatever their number)
#
# It builds `06-http-server` and `12-measuring` in release mode, writes a
# 4 KiB file into a temporary folder, starts the server with the open-file
# limit raised to the hard limit and `--max-connections` above the largest
# count, and runs `12-measuring c10k` from another process: each process
# may open `ulimit -n` descriptors, and each end of a connection takes one,
# so the top of the curve is that limit, less a few; or the threads the
# system can map (vm.max_map_count / 4: about 16 000 with Linux's default
# 65530), past which the server gives new clients its busy reply (503).
# Everything it started and wrote is removed when it exits.
set -euo pipefail

HOLD=${HOLD:-1000,5000,10000,19000}
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX-}

cd "$(dirname "$0")/../.."

if ! [[ $HOLD =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]]; then
  echo "HOLD must be counts separated by commas, as in 1000,5000,10000, not '$HOLD'" >&2
  exit 2
fi
largest=${HOLD##*,}

# As many open files as this shell may have, for the server and the client.
hard=$(ulimit -Hn)
ulimit -n "$hard"
if [ "$hard" != unlimited ] && [ "$largest" -gt $((hard - 16)) ]; then
  echo "note: ulimit -n is $hard here: the server cannot hold $largest connections" >&2
  echo "      (one descriptor each, and a few of its own); the curve stops before" >&2
fi

echo "building 06-http-server and 12-measuring (release)..." >&2
cargo build --quiet --release --example 06-http-server --example 12-measuring
bin=${CARGO_TARGET_DIR:-target}/release/examples

tmp=$(mktemp -d "${TMPDIR:-/tmp}/c10k.XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$tmp/site"
head -c 4096 /dev/urandom >"$tmp/site/4k.bin"

# The server picks a free port itself and says which.
env ${MALLOC_ARENA_MAX:+MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX} \
  "$bin/06-http-server" serve --root "$tmp/site" --port 0 \
  --max-connections $((largest + 1000)) >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
addr=
for ((tries = 0; tries < 200; tries++)); do
  line=$(head -n 1 "$tmp/server.out")
  if [[ $line == "listening on "* ]]; then
    addr=${line#listening on }
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$addr" ]; then
  echo "06-http-server did not start:" >&2
  cat "$tmp/server.err" >&2
  exit 1
fi

echo "06-http-server on $addr (pid $server_pid, MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-unset}, ulimit -n $(ulimit -n))"
start=$SECONDS
"$bin/12-measuring" c10k "http://$addr/4k.bin" --pid "$server_pid" --hold "$HOLD"
echo "took $((SECONDS - start)) s"
if [ -s "$tmp/server.err" ]; then
  echo "the server said:"
  sort "$tmp/server.err" | uniq -c | sort -rn | head -n 5
fi

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
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init c10k.sh

HOLD=${HOLD:-1000,5000,10000,19000}
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX-}

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

bench_build 06-http-server
server_cmd=("${bench_cmd[@]}")
bench_build 12-measuring
load_cmd=("${bench_cmd[@]}")

bench_write_site "$tmp/site"
server_env=()
[ -z "$MALLOC_ARENA_MAX" ] || server_env+=("MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX")
# `env` execs the server, so bench_pid is the server's own, for --pid.
bench_start_listening 06-http-server env "${server_env[@]}" "${server_cmd[@]}" serve \
  --root "$tmp/site" --port 0 --max-connections $((largest + 1000))

echo "06-http-server on $bench_addr (pid $bench_pid, MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-unset}, ulimit -n $(ulimit -n))"
start=$SECONDS
"${load_cmd[@]}" c10k "http://$bench_addr/4k.bin" --pid "$bench_pid" --hold "$HOLD"
echo "took $((SECONDS - start)) s"
if [ -s "$tmp/06-http-server.err" ]; then
  echo "the server said:"
  sort "$tmp/06-http-server.err" | uniq -c | sort -rn | head -n 5
fi

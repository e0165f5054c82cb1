#!/usr/bin/env bash
# The crate's load generator next to wrk, both against chapter 06's server.
#
# Usage (from anywhere in the repository):
#
#   lessons/12-measuring/bench-loadgen.sh
#   RUNS=5 SECONDS_PER_RUN=30 lessons/12-measuring/bench-loadgen.sh
#
#   RUNS             how many times each tool is measured (default 3)
#   SECONDS_PER_RUN  how long each run lasts, in seconds (default 10)
#   THREADS          wrk's -t (default 2)
#   CONNECTIONS      both tools' connections (default 64)
#   LOAD_CMD         for development: the load generator to use instead of
#                    the release build of `12-measuring`, taking the same
#                    arguments and printing the same report.
#
# It builds `06-http-server` and `12-measuring` in release mode, writes a
# 4 KiB file into a temporary folder and serves it with the crate's server
# on 127.0.0.1. Then it runs, in turn, RUNS times each (wrk first in
# every other run),
#
#   12-measuring http http://ADDR/4k.bin --connections 64 --seconds 10
#   wrk -t2 -c64 -d10s http://ADDR/4k.bin
#
# and prints each run's requests per second, the medians and the median
# of the ratios load generator/wrk, then the result rows of lib.sh. Here
# the server stays the same and the tool is what is measured: a load
# generator that does less than wrk with the same server and connections
# is measuring itself, not the server. The goal is a ratio of 0.7 or
# more. Everything it started and wrote is removed when it exits.
#
# Needs wrk (Debian: apt-get install wrk; the script installs it as
# root). Both tools share the machine's cores with the server, so compare
# the ratio, not the raw numbers.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init bench-loadgen.sh

SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
bench_whole_numbers SECONDS_PER_RUN THREADS CONNECTIONS

bench_need wrk wrk
bench_require

bench_build 06-http-server
server_cmd=("${bench_cmd[@]}")
bench_build 12-measuring LOAD_CMD
load_cmd=("${bench_cmd[@]}")

bench_write_site "$tmp/site"
bench_start_listening 06-http-server "${server_cmd[@]}" serve --root "$tmp/site" --port 0
url=http://$bench_addr/4k.bin

# One run of each tool: prints its requests a second.
loadgen_run() {
  local figures
  figures=$(bench_load "12-measuring, run $1" "${load_cmd[@]}" http "$url" \
    --connections "$CONNECTIONS" --seconds "$SECONDS_PER_RUN")
  # Only the rate: wrk's table has no p99 to set beside this one.
  echo "${figures%% *}"
}
wrk_run() {
  bench_wrk "wrk, run $1" -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" "$url"
}

echo "server: $bench_addr   $(nproc) cores"
echo "12-measuring --connections $CONNECTIONS --seconds $SECONDS_PER_RUN and" \
  "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s, GET /4k.bin, $RUNS run(s) each"
echo
bench_table '%6s %15.0f %13.0f %14.2f\n' run "loadgen req/s" "wrk req/s" loadgen/wrk
bench_alternate=yes
bench_pair loadgen_run wrk_run
bench_result "12 load generator" "wrk $(bench_version wrk)" \
  "GET 4 KiB from 06, keep-alive, $CONNECTIONS connections" req/s 0.7
bench_results

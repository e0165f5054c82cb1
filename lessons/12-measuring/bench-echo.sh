#!/usr/bin/env bash
# Chapter 02's echo server next to socat, under the crate's load
# generator.
#
# Usage (from anywhere in the repository):
#
#   lessons/12-measuring/bench-echo.sh
#   RUNS=5 SECONDS_PER_RUN=30 lessons/12-measuring/bench-echo.sh
#
#   RUNS             how many times each server is measured (default 3)
#   SECONDS_PER_RUN  how long each run lasts, in seconds (default 10)
#   CONNECTIONS      how many connections the load keeps open (default 64)
#   SIZE             the bytes written and read back per request (default 64)
#   SOCAT_ECHO       socat's second address, the echo (default PIPE; see
#                    below for EXEC:cat)
#   ECHO_SERVER_CMD  for development: the command that starts the crate's
#                    server instead of the release build of `02-tcp`. It
#                    gets the same arguments (`serve --port 0`) and must
#                    print `listening on ADDR` first.
#   LOAD_CMD         for development: the load generator to use instead of
#                    the release build of `12-measuring`, taking the same
#                    arguments and printing the same report.
#
# It builds `02-tcp` and `12-measuring` in release mode and starts two
# echo servers on 127.0.0.1: the crate's (`02-tcp serve`, a thread per
# connection, RFC 862) and socat's
#
#   socat TCP-LISTEN:PORT,bind=127.0.0.1,reuseaddr,fork,backlog=128 PIPE
#
# Then `12-measuring tcp ADDR --connections 64 --seconds 10 --size 64`
# loads each in turn, RUNS times (the other server first in every other
# run): on each of its connections it writes SIZE bytes, reads them back,
# and starts again. The table shows each run's requests a second (the
# load generator's own figure, after its one second of warm-up), the p99
# of their latency, and the median of the ratios crate/socat, then the
# result rows of lib.sh. Everything it started and wrote is removed when
# it exits.
#
# Why PIPE and not EXEC:cat: with `fork`, socat serves each connection
# in a process of its own, as the crate serves each in a thread of its
# own. PIPE echoes in that process (it writes what it reads into a pipe
# and reads it back), which is what an echo server does. EXEC:cat runs a
# cat for each connection, so every request also crosses two pipes and
# wakes a second process, and each connection costs a fork and an exec:
# on two cores it answered about half as many requests a second as PIPE
# did (26 000 and 34 000 against 61 000 and 60 000, 64 connections).
# That measures cat, not an echo server; SOCAT_ECHO=EXEC:cat shows it.
# And backlog=128, the queue of connections not yet accepted
# that the crate's listener has (`ss -ltn` shows it): socat's default
# of 5 dropped some of the 64 connections opened at once, which came
# back a second later, and a run's max latency was 1.8 s instead of 8 ms.
#
# Needs socat (Debian: apt-get install socat; the script installs it as
# root). The load generator, the two servers and the machine share the
# same cores, so the numbers say how the servers compare here, not what
# either can do on its own machine; run it on an otherwise idle machine,
# and compare ratios rather than raw numbers.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init bench-echo.sh

SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CONNECTIONS=${CONNECTIONS:-64}
SIZE=${SIZE:-64}
SOCAT_ECHO=${SOCAT_ECHO:-PIPE}
bench_whole_numbers SECONDS_PER_RUN CONNECTIONS SIZE

bench_need socat socat
bench_require

bench_build 02-tcp ECHO_SERVER_CMD
server_cmd=("${bench_cmd[@]}")
bench_build 12-measuring LOAD_CMD
load_cmd=("${bench_cmd[@]}")

bench_start_listening 02-tcp "${server_cmd[@]}" serve --port 0
crate_addr=$bench_addr

# socat on port $1, a process per connection echoing what it reads.
start_socat() {
  socat "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork,backlog=128" "$SOCAT_ECHO" \
    >"$tmp/socat.log" 2>&1 &
}
bench_start_on_free_port socat start_socat
socat_addr=127.0.0.1:$bench_port

# One run of the load against NAME at ADDR: prints its requests a second
# and its p99.
# measure NAME ADDR
measure() {
  bench_load "$1" "${load_cmd[@]}" tcp "$2" --connections "$CONNECTIONS" \
    --seconds "$SECONDS_PER_RUN" --size "$SIZE"
}
crate_run() { measure "crate, run $1" "$crate_addr"; }
socat_run() { measure "socat, run $1" "$socat_addr"; }

echo "crate: $crate_addr   socat $SOCAT_ECHO: $socat_addr   $(nproc) cores"
echo "12-measuring tcp --connections $CONNECTIONS --seconds $SECONDS_PER_RUN --size $SIZE," \
  "$RUNS run(s) per server"
echo
bench_table '%4s %12.0f %9s %12.0f %9s %12.2f\n' \
  run "crate req/s" p99 "socat req/s" p99 crate/socat
bench_alternate=yes
bench_pair crate_run socat_run
bench_result "02 tcp echo" "socat $(bench_version socat) $SOCAT_ECHO" \
  "echo $SIZE bytes, $CONNECTIONS connections" req/s 1.0
bench_results

#!/usr/bin/env bash
# The crate's load generator next to wrk, against chapter 06's server.
#
# Usage (from anywhere in the repository):
#
#   lessons/12-measuring/bench-loadgen.sh
#   RUNS=5 SECONDS_EACH=30 lessons/12-measuring/bench-loadgen.sh
#
#   RUNS          how many times each tool is measured (default 3)
#   SECONDS_EACH  how long each run lasts, in seconds (default 10)
#   THREADS, CONNECTIONS   wrk's -t and both tools' connections (default 2 and 64)
#
# It builds `06-http-server` and `12-measuring` in release mode, writes a
# 4 KiB file into a temporary folder and serves it with the crate's server
# on a free port of 127.0.0.1. Then it runs, in turn, RUNS times each,
#
#   wrk -t2 -c64 -d10s http://ADDR/4k.bin
#   12-measuring http http://ADDR/4k.bin --connections 64 --seconds 10
#
# and prints each run's requests per second, the medians and their ratio,
# load generator/wrk. A load generator that does less than wrk with the
# same server and connections is measuring itself, not the server: the
# goal is a ratio of 0.7 or more. Everything it started and wrote is
# removed when it exits.
#
# Needs wrk (Debian: apt-get install wrk). Both tools share the machine's
# cores with the server, so compare the ratio, not the raw numbers.
set -euo pipefail

RUNS=${RUNS:-3}
SECONDS_EACH=${SECONDS_EACH:-10}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}

cd "$(dirname "$0")/../.."

if ! command -v wrk >/dev/null; then
  echo "bench-loadgen.sh needs wrk: apt-get install wrk" >&2
  exit 1
fi
for name in RUNS SECONDS_EACH THREADS CONNECTIONS; do
  if ! [[ ${!name} =~ ^[1-9][0-9]*$ ]]; then
    echo "$name must be a whole number, not '${!name}'" >&2
    exit 2
  fi
done

echo "building 06-http-server and 12-measuring (release)..." >&2
cargo build --quiet --release --example 06-http-server --example 12-measuring
bin=${CARGO_TARGET_DIR:-target}/release/examples

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-loadgen.XXXXXX")
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
"$bin/06-http-server" serve --root "$tmp/site" --port 0 >"$tmp/server.out" 2>"$tmp/server.err" &
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
url=http://$addr/4k.bin

# One wrk run: prints its requests per second, and warns of errors.
run_wrk() {
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_EACH}s" "$url")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "warning: wrk: $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ')" >&2
  fi
  awk '/^Requests\/sec:/ { print $2; found = 1 } END { exit !found }' <<<"$out" || {
    echo "no Requests/sec in wrk's output:" >&2
    echo "$out" >&2
    return 1
  }
}

# One run of the crate's load generator: the same, from its report.
run_loadgen() {
  local out
  out=$("$bin/12-measuring" http "$url" --connections "$CONNECTIONS" --seconds "$SECONDS_EACH")
  if ! grep -q '^errors: 0$' <<<"$out"; then
    echo "warning: 12-measuring: $(grep '^errors: ' <<<"$out")" >&2
  fi
  awk '/^requests\/s: / { print $2; found = 1 } END { exit !found }' <<<"$out" || {
    echo "no requests/s in 12-measuring's output:" >&2
    echo "$out" >&2
    return 1
  }
}

# The median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "server: $addr   $(nproc) cores"
echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_EACH}s and 12-measuring --connections $CONNECTIONS --seconds $SECONDS_EACH, GET /4k.bin, $RUNS run(s) each"
echo
printf '%6s %13s %15s %14s\n' run "wrk req/s" "loadgen req/s" "loadgen/wrk"
wrks=()
loadgens=()
ratios=()
for ((run = 1; run <= RUNS; run++)); do
  wrk_rate=$(run_wrk)
  loadgen_rate=$(run_loadgen)
  ratio=$(awk -v a="$loadgen_rate" -v b="$wrk_rate" 'BEGIN { printf "%.2f", a / b }')
  wrks+=("$wrk_rate")
  loadgens+=("$loadgen_rate")
  ratios+=("$ratio")
  printf '%6s %13.0f %15.0f %14s\n' "$run" "$wrk_rate" "$loadgen_rate" "$ratio"
done
printf '%6s %13.0f %15.0f %14.2f\n' median \
  "$(median "${wrks[@]}")" "$(median "${loadgens[@]}")" "$(median "${ratios[@]}")"

#!/usr/bin/env bash
# Chapter 04's DNS server next to dnsmasq, under dnsperf.
#
# Usage (from anywhere in the repository):
#
#   lessons/12-measuring/bench-dns.sh
#   RUNS=5 SECONDS_PER_RUN=20 lessons/12-measuring/bench-dns.sh
#
#   RUNS             how many times each server is measured (default 3)
#   SECONDS_PER_RUN  how long dnsperf asks in each run (default 10)
#   CLIENTS          how many sockets dnsperf asks from (-c, default 8)
#   OUTSTANDING      how many queries may be unanswered at once (-q,
#                    default 100, dnsperf's own default)
#   DNS_SERVER_CMD   for development: the command that starts the crate's
#                    server instead of the release build of `04-dns` (an
#                    older build, say, to measure a change). It gets the
#                    same arguments (`serve --zone FILE --port 0`) and
#                    must print `listening on ADDR` first.
#
# It builds `04-dns` in release mode and serves the chapter's zone,
# lessons/04-dns/example.test.zone, on 127.0.0.1 twice: with the crate's
# server, and with dnsmasq given the same records on its command line
# (--host-record, --mx-host, --txt-record, --cname; --local so that it
# answers for example.test from those alone and asks no one else). Both
# are asked the same eight questions, the names and types of the zone
# that dnsmasq can answer too: the A and AAAA records, the MX, the TXT,
# and an alias (web, a CNAME to www).
#
# First each question goes once to each server with dig: both must give
# the same records, and the crate's the ones in the zone file. Then
# dnsperf asks each server in turn, RUNS times, for SECONDS_PER_RUN
# seconds, after an uncounted warm-up of 2 seconds each. A run counts only
# if every answer was NOERROR and dnsperf lost at most one query in a
# thousand (a lost query is one with no answer within 5 seconds: dropped
# by a full socket buffer). The table shows each run's queries a second
# (dnsperf's own figure), the queries lost, how busy each server's
# process kept the CPU (its user and system time over the run's time:
# 100% is one core), and the median of the ratios crate/dnsmasq, then
# the result rows of lib.sh. Everything it started and wrote is removed
# when it exits.
#
# Needs dnsperf, dnsmasq and dig (Debian: apt-get install dnsperf
# dnsmasq-base bind9-dnsutils; the script installs them as root). dnsperf, the two servers and the machine share the same cores,
# so the numbers say how the servers compare here, not what either can do
# on its own machine; run it on an otherwise idle machine, and compare
# ratios rather than raw numbers.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init bench-dns.sh

SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CLIENTS=${CLIENTS:-8}
OUTSTANDING=${OUTSTANDING:-100}
bench_whole_numbers SECONDS_PER_RUN CLIENTS OUTSTANDING

bench_need dnsperf dnsperf
bench_need dnsmasq dnsmasq-base
bench_need dig bind9-dnsutils
bench_require

bench_build 04-dns DNS_SERVER_CMD
server_cmd=("${bench_cmd[@]}")
zone_file=lessons/04-dns/example.test.zone

# The questions, as dnsperf reads them: a name and a type a line.
cat >"$tmp/queries" <<'EOF'
www.example.test A
www.example.test AAAA
web.example.test A
example.test MX
example.test TXT
mail.example.test A
ns1.example.test A
ns2.example.test A
EOF

# What the zone file says to each, as `dig +short` prints it, in the
# order of the questions.
cat >"$tmp/expected" <<'EOF'
www.example.test A: 192.0.2.80
www.example.test AAAA: 2001:db8::80
web.example.test A: www.example.test. 192.0.2.80
example.test MX: 10 mail.example.test.
example.test TXT: "v=spf1 mx -all"
mail.example.test A: 192.0.2.25
ns1.example.test A: 192.0.2.53
ns2.example.test A: 198.51.100.53
EOF

bench_start_listening 04-dns "${server_cmd[@]}" serve --zone "$zone_file" --port 0
crate_pid=$bench_pid
crate_port=${bench_addr##*:}

# Whether a server answers on 127.0.0.1:$1, trying for up to 10 s.
wait_for_dns() {
  local tries
  for ((tries = 0; tries < 100; tries++)); do
    if dig @127.0.0.1 -p "$1" +tries=1 +time=1 +short www.example.test A >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# dnsmasq on port $1. As root it insists on a user to become once it has
# its port.
start_dnsmasq() {
  local as_user=()
  [ "$(id -u)" = 0 ] && as_user=(--user=nobody)
  dnsmasq --no-daemon --no-resolv --no-hosts --pid-file= "${as_user[@]}" \
    --port="$1" --listen-address=127.0.0.1 --bind-interfaces \
    --local=/example.test/ \
    --host-record=www.example.test,192.0.2.80,2001:db8::80 \
    --host-record=mail.example.test,192.0.2.25 \
    --host-record=ns1.example.test,192.0.2.53 \
    --host-record=ns2.example.test,198.51.100.53 \
    --mx-host=example.test,mail.example.test,10 \
    --txt-record=example.test,"v=spf1 mx -all" \
    --cname=web.example.test,www.example.test \
    >"$tmp/dnsmasq.log" 2>&1 &
}
bench_start_on_free_port dnsmasq start_dnsmasq wait_for_dns
dnsmasq_pid=$bench_pid
dnsmasq_port=$bench_port

# Every question to a server on port $1, each answer on one line as the
# expected file has it.
answers_of() {
  local name type
  while read -r name type; do
    printf '%s %s: %s\n' "$name" "$type" \
      "$(dig @127.0.0.1 -p "$1" +norecurse +short "$name" "$type" | tr '\n' ' ' | sed 's/ $//')"
  done <"$tmp/queries"
}
answers_of "$crate_port" >"$tmp/crate.answers"
answers_of "$dnsmasq_port" >"$tmp/dnsmasq.answers"
for server in crate dnsmasq; do
  if ! diff -u "$tmp/expected" "$tmp/$server.answers" >"$tmp/diff"; then
    echo "$server does not answer as the zone says (- the zone, + $server):" >&2
    cat "$tmp/diff" >&2
    exit 1
  fi
done

# The CPU time, user and system, that process $1 has used so far, in
# clock ticks (fields 14 and 15 of /proc/PID/stat; the name in field 2
# holds no space for either server).
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# One run of dnsperf against NAME on PORT for SECS seconds: prints its
# queries a second, the queries it lost, and the server's CPU use in per
# cent of one core, after checking every answer and the loss.
# measure NAME PORT PID SECS
measure() {
  local name=$1 port=$2 pid=$3 secs=$4 before after sent lost noerror qps runtime
  before=$(cpu_ticks "$pid")
  if ! dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries" -l "$secs" \
    -c "$CLIENTS" -q "$OUTSTANDING" >"$tmp/dnsperf.out" 2>&1; then
    echo "$name: dnsperf failed:" >&2
    cat "$tmp/dnsperf.out" >&2
    exit 1
  fi
  after=$(cpu_ticks "$pid")
  sent=$(awk '/Queries sent:/ { print $3 }' "$tmp/dnsperf.out")
  lost=$(awk '/Queries lost:/ { print $3 }' "$tmp/dnsperf.out")
  noerror=$(awk '/Response codes:/ { for (i = 3; i <= NF; i++) if ($i == "NOERROR") print $(i + 1) }' "$tmp/dnsperf.out")
  qps=$(awk '/Queries per second:/ { print $4 }' "$tmp/dnsperf.out")
  runtime=$(awk '/Run time \(s\):/ { print $4 }' "$tmp/dnsperf.out")
  if [ -z "$sent" ] || [ -z "$qps" ]; then
    echo "$name: dnsperf printed no figures:" >&2
    cat "$tmp/dnsperf.out" >&2
    exit 1
  fi
  # Every answer that came must be NOERROR: completed = sent - lost.
  if [ "${noerror:-0}" != "$((sent - lost))" ]; then
    echo "$name: not every answer was NOERROR:" >&2
    grep 'Response codes:' "$tmp/dnsperf.out" >&2
    exit 1
  fi
  if [ "$((lost * 1000))" -gt "$sent" ]; then
    echo "$name: dnsperf lost $lost of $sent queries" >&2
    exit 1
  fi
  awk -v q="$qps" -v l="$lost" -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" -v s="$runtime" \
    'BEGIN { printf "%.0f %d %.0f%%\n", q, l, 100 * t / hz / s }'
}
crate_run() { measure crate "$crate_port" "$crate_pid" "$SECONDS_PER_RUN"; }
dnsmasq_run() { measure dnsmasq "$dnsmasq_port" "$dnsmasq_pid" "$SECONDS_PER_RUN"; }

echo "warming up..." >&2
measure crate "$crate_port" "$crate_pid" 2 >/dev/null
measure dnsmasq "$dnsmasq_port" "$dnsmasq_pid" 2 >/dev/null

echo "crate: 127.0.0.1:$crate_port   dnsmasq $(dnsmasq --version | awk 'NR == 1 { print $3 }'): 127.0.0.1:$dnsmasq_port   $(nproc) cores"
echo "dnsperf -c $CLIENTS -q $OUTSTANDING -l $SECONDS_PER_RUN, $(wc -l <"$tmp/queries") questions in turn, $RUNS run(s) per server"
echo
bench_table '%4s %12.0f %6s %5s %12.0f %6s %5s %9.2f\n' \
  run "crate q/s" lost cpu "dnsmasq q/s" lost cpu crate/dnsmasq
bench_alternate=yes
bench_pair crate_run dnsmasq_run
bench_result "04 dns" "dnsmasq $(bench_version dnsmasq-base)" \
  "UDP queries, dnsperf -c $CLIENTS -q $OUTSTANDING" q/s 1.0
bench_results

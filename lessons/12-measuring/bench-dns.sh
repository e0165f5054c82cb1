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
# 100% is one core), and the median of the ratios crate/dnsmasq.
# Everything it started and wrote is removed when it exits.
#
# Needs dnsperf, dnsmasq and dig (Debian: apt-get install dnsperf
# dnsmasq-base bind9-dnsutils; the script installs them with apt-get if
# it can). dnsperf, the two servers and the machine share the same cores,
# so the numbers say how the servers compare here, not what either can do
# on its own machine; run it on an otherwise idle machine, and compare
# ratios rather than raw numbers.
set -euo pipefail

RUNS=${RUNS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CLIENTS=${CLIENTS:-8}
OUTSTANDING=${OUTSTANDING:-100}

cd "$(dirname "$0")/../.."

# dnsmasq lives in /usr/sbin, which is not on every user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
for knob in RUNS SECONDS_PER_RUN CLIENTS OUTSTANDING; do
  if ! [[ ${!knob} =~ ^[1-9][0-9]*$ ]]; then
    echo "$knob must be a whole number, not '${!knob}'" >&2
    exit 2
  fi
done

missing=()
command -v dnsperf >/dev/null || missing+=(dnsperf)
command -v dnsmasq >/dev/null || missing+=(dnsmasq-base)
command -v dig >/dev/null || missing+=(bind9-dnsutils)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
    { echo "bench-dns.sh needs ${missing[*]}: apt-get install ${missing[*]}" >&2; exit 1; }
fi

if [ -n "${DNS_SERVER_CMD:-}" ]; then
  read -r -a server_cmd <<<"$DNS_SERVER_CMD"
else
  echo "building 04-dns (release)..." >&2
  cargo build --quiet --release --example 04-dns
  server_cmd=("${CARGO_TARGET_DIR:-target}/release/examples/04-dns")
fi
zone_file=lessons/04-dns/example.test.zone

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-dns.XXXXXX")
crate_pid=
dnsmasq_pid=
cleanup() {
  for pid in $crate_pid $dnsmasq_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

# The crate's server picks a free port itself and says which.
"${server_cmd[@]}" serve --zone "$zone_file" --port 0 >"$tmp/crate.out" 2>"$tmp/crate.err" &
crate_pid=$!
crate_port=
for ((tries = 0; tries < 200; tries++)); do
  line=$(head -n 1 "$tmp/crate.out")
  if [[ $line == "listening on "* ]]; then
    crate_port=${line##*:}
    break
  fi
  kill -0 "$crate_pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$crate_port" ]; then
  echo "the crate's DNS server did not start:" >&2
  cat "$tmp/crate.err" >&2
  exit 1
fi

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

# dnsmasq cannot pick a free port: try random ones until one binds. As
# root it insists on a user to become once it has its port.
as_user=()
[ "$(id -u)" = 0 ] && as_user=(--user=nobody)
dnsmasq_port=
for ((attempt = 0; attempt < 10; attempt++)); do
  port=$((20000 + RANDOM % 40000))
  dnsmasq --no-daemon --no-resolv --no-hosts --pid-file= "${as_user[@]}" \
    --port="$port" --listen-address=127.0.0.1 --bind-interfaces \
    --local=/example.test/ \
    --host-record=www.example.test,192.0.2.80,2001:db8::80 \
    --host-record=mail.example.test,192.0.2.25 \
    --host-record=ns1.example.test,192.0.2.53 \
    --host-record=ns2.example.test,198.51.100.53 \
    --mx-host=example.test,mail.example.test,10 \
    --txt-record=example.test,"v=spf1 mx -all" \
    --cname=web.example.test,www.example.test \
    >"$tmp/dnsmasq.log" 2>&1 &
  dnsmasq_pid=$!
  if wait_for_dns "$port" && kill -0 "$dnsmasq_pid" 2>/dev/null; then
    dnsmasq_port=$port
    break
  fi
  kill "$dnsmasq_pid" 2>/dev/null || true
  wait "$dnsmasq_pid" 2>/dev/null || true
  dnsmasq_pid=
done
if [ -z "$dnsmasq_port" ]; then
  echo "dnsmasq did not start:" >&2
  cat "$tmp/dnsmasq.log" >&2
  exit 1
fi

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
    'BEGIN { printf "%.0f %d %.0f\n", q, l, 100 * t / hz / s }'
}

# The median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "warming up..." >&2
measure crate "$crate_port" "$crate_pid" 2 >/dev/null
measure dnsmasq "$dnsmasq_port" "$dnsmasq_pid" 2 >/dev/null

echo "crate: 127.0.0.1:$crate_port   dnsmasq $(dnsmasq --version | awk 'NR == 1 { print $3 }'): 127.0.0.1:$dnsmasq_port   $(nproc) cores"
echo "dnsperf -c $CLIENTS -q $OUTSTANDING -l $SECONDS_PER_RUN, $(wc -l <"$tmp/queries") questions in turn, $RUNS run(s) per server"
echo
printf '%4s %12s %6s %5s %12s %6s %5s %9s\n' run "crate q/s" lost cpu "dnsmasq q/s" lost cpu crate/dnsmasq
crates=()
dnsmasqs=()
ratios=()
for ((run = 1; run <= RUNS; run++)); do
  # Each server goes first in every other run, so that neither always
  # follows the other's leftovers (a warm cache, a busy core).
  if ((run % 2)); then
    read -r crate crate_lost crate_cpu < <(measure crate "$crate_port" "$crate_pid" "$SECONDS_PER_RUN")
    read -r other other_lost other_cpu < <(measure dnsmasq "$dnsmasq_port" "$dnsmasq_pid" "$SECONDS_PER_RUN")
  else
    read -r other other_lost other_cpu < <(measure dnsmasq "$dnsmasq_port" "$dnsmasq_pid" "$SECONDS_PER_RUN")
    read -r crate crate_lost crate_cpu < <(measure crate "$crate_port" "$crate_pid" "$SECONDS_PER_RUN")
  fi
  ratio=$(awk -v a="$crate" -v b="$other" 'BEGIN { printf "%.2f", a / b }')
  crates+=("$crate")
  dnsmasqs+=("$other")
  ratios+=("$ratio")
  printf '%4s %12s %6s %4s%% %12s %6s %4s%% %9s\n' "$run" "$crate" "$crate_lost" "$crate_cpu" \
    "$other" "$other_lost" "$other_cpu" "$ratio"
done
printf '%4s %12.0f %6s %5s %12.0f %6s %5s %9.2f\n' median "$(median "${crates[@]}")" "" "" \
  "$(median "${dnsmasqs[@]}")" "" "" "$(median "${ratios[@]}")"

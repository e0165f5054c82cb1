#!/usr/bin/env bash
# Every benchmark of chapter 12, one after the other, and one table of
# their results.
#
# Usage (from anywhere in the repository; root, for bench-ftp.sh and
# bench-pop3.sh, and to install what is missing):
#
#   sudo lessons/12-measuring/bench-all.sh
#   sudo QUICK=1 lessons/12-measuring/bench-all.sh
#   sudo ONLY="http dns" lessons/12-measuring/bench-all.sh
#
#   RUNS     how many times each server is measured, in every script
#            (default 3; 1 with QUICK=1)
#   QUICK=1  a smoke run, to see that every script works: one run each,
#            with short durations and small sizes (a few minutes in all,
#            half of it building the release examples)
#   ONLY     the scripts to run, by the word after bench- (default: echo
#            dns http ftp smtp pop3 loadgen, the order of the chapters);
#            any bench-*.sh that sources lib.sh and ends with
#            bench_results may be named
#
# Other variables reach the scripts as they are (DURATION, SIZE_MIB,
# MESSAGES...: see each script), and win over QUICK's.
#
# First it asks each script what it lacks (BENCH_LIST_MISSING=1, see
# lib.sh), and installs all of it at once: apt-get update and apt-get
# install, then pip install, saying what. Then it runs the scripts in
# turn, each printing its own table on stderr as it goes, and gathers
# their result rows (RESULTS=FILE). A script that fails is a row that
# says so, and the others still run. Last, on stdout, one markdown table
# of every result, the machine it ran on, the load average before and
# after, and how long it all took (installs included). It exits with 1 if any script failed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
QUICK=${QUICK:-}
[ -n "$QUICK" ] && RUNS=${RUNS:-1}
bench_init bench-all.sh
here=lessons/12-measuring
started=$(date +%s)

# The crate's servers against their references, in the order of the
# chapters, and last chapter 12's load generator against wrk.
read -r -a names <<<"${ONLY:-echo dns http ftp smtp pop3 loadgen}"
for name in "${names[@]}"; do
  if ! [ -f "$here/bench-$name.sh" ]; then
    echo "there is no $here/bench-$name.sh (ONLY names scripts by the word after bench-)" >&2
    exit 2
  fi
done

# What QUICK=1 gives each script, unless the environment says otherwise.
declare -A quick=(
  [echo]="SECONDS_PER_RUN=2"
  [dns]="SECONDS_PER_RUN=2"
  [http]="DURATION=2s"
  [ftp]="SIZE_MIB=64"
  [smtp]="MESSAGES=1000"
  [pop3]="MESSAGES=1000"
  [loadgen]="SECONDS_PER_RUN=2"
)

# Everything every script lacks, installed at once.
missing_apt=()
missing_pip=()
for name in "${names[@]}"; do
  while read -r kind package; do
    case $kind in
      apt) missing_apt+=("$package") ;;
      pip) missing_pip+=("$package") ;;
    esac
  done < <(BENCH_LIST_MISSING=1 bash "$here/bench-$name.sh" 2>/dev/null || true)
done
if [ "${#missing_apt[@]}" -gt 0 ] || [ "${#missing_pip[@]}" -gt 0 ]; then
  read -r -a missing_apt <<<"$(printf '%s\n' "${missing_apt[@]}" | sort -u | tr '\n' ' ')"
  read -r -a missing_pip <<<"$(printf '%s\n' "${missing_pip[@]}" | sort -u | tr '\n' ' ')"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    bench_install "${missing_apt[@]}" -- "${missing_pip[@]}" ||
      echo "the install failed: the scripts that need it will fail" >&2
  else
    echo "not root: the scripts that need ${missing_apt[*]} ${missing_pip[*]} will fail" >&2
  fi
fi

# The machine, and how busy it is.
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
memory=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
machine="$(nproc) cores, ${cpu:-an unknown processor}, $memory, Linux $(uname -r)"
load_average() { cut -d' ' -f1-3 /proc/loadavg; }
load_before=$(load_average)

# Seconds as minutes and seconds: 754 is "12 min 34 s".
minutes() {
  if (($1 >= 60)); then
    echo "$(($1 / 60)) min $(($1 % 60)) s"
  else
    echo "$1 s"
  fi
}

rows=()
timings=()
failed=0
for name in "${names[@]}"; do
  script=bench-$name.sh
  knobs=(RUNS="$RUNS" RESULTS="$tmp/$name.results")
  if [ -n "$QUICK" ]; then
    for knob in ${quick[$name]:-}; do
      variable=${knob%%=*}
      [ -n "${!variable:-}" ] || knobs+=("$knob")
    done
  fi
  echo "== $script ${knobs[*]:2}" >&2
  script_started=$(date +%s)
  status=0
  env "${knobs[@]}" bash "$here/$script" 2>&1 | tee "$tmp/$name.log" >&2 || status=${PIPESTATUS[0]}
  timings+=("$script $(minutes $(($(date +%s) - script_started)))")
  if [ "$status" = 0 ] && [ -s "$tmp/$name.results" ]; then
    while IFS= read -r row; do rows+=("$row"); done <"$tmp/$name.results"
  else
    failed=$((failed + 1))
    why=$(grep -v '^result|' "$tmp/$name.log" | grep -v '^[[:space:]]*$' | tail -n 1 || true)
    [ "$status" = 0 ] && why="it printed no result rows"
    rows+=("failed|$script|exit $status: ${why//|/\/}")
  fi
done
took=$(minutes $(($(date +%s) - started)))

# A figure as the table shows it: whole numbers from 100 up.
figure() {
  awk -v f="$1" 'BEGIN { printf (f >= 100 ? "%.0f" : "%.1f"), f }'
}

echo "| server | reference | measure | crate | reference | ratio | target | met? |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |"
for row in "${rows[@]}"; do
  IFS='|' read -r kind server reference measure unit ours theirs ratio target _ <<<"$row"
  if [ "$kind" = failed ]; then
    # A failed row: the script's name and why, in the server and
    # reference columns.
    echo "| $server | FAILED: $reference | | | | | | no |"
    continue
  fi
  # Met or not as the ratio shown says, two decimals.
  ratio=$(printf '%.2f' "$ratio")
  met=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r + 0 >= t + 0) ? "yes" : "no" }')
  printf '| %s | %s | %s | %s %s | %s %s | %s | ≥ %s | %s |\n' "$server" "$reference" \
    "$measure" "$(figure "$ours")" "$unit" "$(figure "$theirs")" "$unit" "$ratio" "$target" "$met"
done
echo
echo "Each figure is the median of $RUNS run(s); the ratio is the median of the runs' ratios."
[ -z "$QUICK" ] || echo "QUICK=1: a smoke run, with short runs and small sizes; not figures to quote."
echo "Machine: $machine."
echo "Load average (1, 5, 15 min): $load_before before, $(load_average) after."
echo "Time: $took in all ($(printf '%s, ' "${timings[@]}" | sed 's/, $//'))."
[ "$failed" = 0 ] || echo "$failed script(s) failed: their rows say why, and their output is above."
[ "$failed" = 0 ]

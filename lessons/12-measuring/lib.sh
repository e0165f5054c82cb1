# shellcheck shell=bash
# What every benchmark script of chapter 12 does the same way: sourced by
# bench-*.sh, never run on its own.
#
#   source "$(dirname "$0")/lib.sh"
#   bench_init bench-http.sh
#
# A script then names the knobs it takes (bench_whole_numbers), the
# programs it needs (bench_need, bench_need_python, bench_require), builds
# the crate's example (bench_build), starts the servers (bench_start_*),
# measures them in pairs (bench_table, bench_pair, bench_result) and ends
# with bench_results. Everything it started is stopped and its temporary
# folder removed when it exits, however it exits.
#
# What a script may read after bench_init:
#
#   tmp         the script's own temporary folder
#   RUNS        how many times each server is measured (default 3)
#
# The functions that start or build something leave their answer in
# variables named bench_*: bench_pid, bench_addr, bench_port, bench_cmd.
#
# Environment, for every script:
#
#   RUNS                  how many runs of each server (default 3)
#   RESULTS=FILE          also append the result rows to FILE
#   BENCH_LIST_MISSING=1  print what is missing (`apt PACKAGE`, `pip
#                         PACKAGE`, a line each) and exit: bench-all.sh
#                         installs it all at once before the first script
#
# The result rows, printed last, are for scripts to read, one a line:
#
#   result|SERVER|REFERENCE|MEASURE|UNIT|CRATE|OTHER|RATIO|TARGET|RUNS
#
# CRATE and OTHER are the medians of the runs, RATIO the median of the
# runs' ratios CRATE/OTHER, TARGET the ratio the crate's server should
# reach.

# The bench_* variables are set here for the scripts to read.
# shellcheck disable=SC2034

# A command substitution, $(measure ...), stops at its first failing
# command as the script does: without this bash runs it on to the end.
shopt -s inherit_errexit

# bench_init NAME: NAME is the script's, for its messages.
bench_init() {
  bench_name=$1
  RUNS=${RUNS:-3}
  cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
  # nginx, vsftpd, dovecot, dnsmasq and postfix's tools live in /usr/sbin,
  # which is not on every user's PATH.
  PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
  bench_missing_apt=()
  bench_missing_pip=()
  bench_rows=()
  bench_alternate=no
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/${bench_name%.sh}.XXXXXX")
  : >"$tmp/pids"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  bench_whole_numbers RUNS
}

# Stops every process a bench_start_* started, in this shell or in a
# subshell (hence a file, not a variable), and removes $tmp.
bench_cleanup() {
  local pid
  if [ -f "$tmp/pids" ]; then
    # Read whole before the first bench_stop rewrites it.
    for pid in $(<"$tmp/pids"); do
      bench_stop "$pid"
    done
  fi
  rm -rf "$tmp"
}

# bench_whole_numbers VAR...: each variable named must hold a whole
# number of at least 1.
bench_whole_numbers() {
  local knob
  for knob in "$@"; do
    if ! [[ ${!knob} =~ ^[1-9][0-9]*$ ]]; then
      echo "$knob must be a whole number, not '${!knob}'" >&2
      exit 2
    fi
  done
}

# bench_need COMMAND PACKAGE: the script runs COMMAND (a name on the PATH,
# or an absolute path), which Debian's PACKAGE installs.
bench_need() {
  if [[ $1 == /* ]]; then
    [ -x "$1" ] && return 0
  else
    command -v "$1" >/dev/null && return 0
  fi
  bench_missing "$2"
}

# bench_missing PACKAGE: adds it to what apt-get must install, once.
bench_missing() {
  [[ " ${bench_missing_apt[*]} " == *" $1 "* ]] || bench_missing_apt+=("$1")
}

# bench_need_python MODULE PACKAGE: python3 must import MODULE, which
# `pip install PACKAGE` brings.
bench_need_python() {
  command -v python3 >/dev/null || bench_missing python3
  python3 -c "import $1" 2>/dev/null || bench_missing_pip+=("$2")
}

# Installs what bench_need and bench_need_python found missing, as root
# (apt-get update first), or says what to install and exits.
bench_require() {
  local missing=() package
  for package in "${bench_missing_apt[@]}"; do missing+=("apt $package"); done
  for package in "${bench_missing_pip[@]}"; do missing+=("pip $package"); done
  if [ -n "${BENCH_LIST_MISSING:-}" ]; then
    [ "${#missing[@]}" = 0 ] || printf '%s\n' "${missing[@]}"
    exit 0
  fi
  [ "${#missing[@]}" = 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    bench_install "${bench_missing_apt[@]}" -- "${bench_missing_pip[@]}" && return 0
  fi
  [ "${#bench_missing_apt[@]}" = 0 ] ||
    echo "$bench_name needs apt-get install ${bench_missing_apt[*]}" >&2
  [ "${#bench_missing_pip[@]}" = 0 ] ||
    echo "$bench_name needs pip install ${bench_missing_pip[*]}" >&2
  exit 1
}

# bench_install APT_PACKAGE... -- PIP_PACKAGE...: installs them, saying
# what first. bench-all.sh uses it too.
bench_install() {
  local apt=() pip=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do apt+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  pip=("$@")
  if [ "${#apt[@]}" -gt 0 ]; then
    echo "installing ${apt[*]} (apt-get update, apt-get install)..." >&2
    # Postfix asks how it should deliver mail: it is only wanted for its
    # test programs, so the answer is "no configuration".
    echo "postfix postfix/main_mailer_type select No configuration" |
      debconf-set-selections 2>/dev/null || true
    apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt[@]}" >/dev/null ||
      return 1
  fi
  if [ "${#pip[@]}" -gt 0 ]; then
    echo "installing ${pip[*]} (pip install)..." >&2
    # A Debian python3 refuses system-wide installs unless told (PEP 668);
    # a python3 of its own (pyenv, a venv) takes them as they are.
    python3 -m pip install -q "${pip[@]}" 2>/dev/null ||
      python3 -m pip install -q --break-system-packages "${pip[@]}" ||
      return 1
  fi
}

# bench_require_root WHY: exits unless the script runs as root.
bench_require_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "$bench_name must run as root: $1" >&2
    exit 1
  fi
}

# bench_build EXAMPLE [OVERRIDE]: sets bench_cmd to the command that runs
# the release build of the crate's EXAMPLE, which it builds first; or,
# when the variable named OVERRIDE holds a command, to that command (to
# measure another build of the server, say).
bench_build() {
  local override=${2:-}
  if [ -n "$override" ] && [ -n "${!override:-}" ]; then
    read -r -a bench_cmd <<<"${!override}"
    return 0
  fi
  if ! grep -q "^name = \"$1\"\$" Cargo.toml; then
    # One line: bench-all.sh shows a failed script's last.
    echo "there is no example $1 in Cargo.toml yet: its chapter is not written" \
      "${override:+($override names another command to use meanwhile)}" >&2
    exit 1
  fi
  echo "building $1 (release)..." >&2
  cargo build --quiet --release --example "$1"
  bench_cmd=("${CARGO_TARGET_DIR:-target}/release/examples/$1")
}

# bench_track PID: stop PID when the script ends.
bench_track() {
  echo "$1" >>"$tmp/pids"
}

# bench_stop PID: stops it and waits until it is gone (for up to 10 s:
# `wait` cannot wait for a process that a subshell started).
bench_stop() {
  local pid=$1 tries
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for ((tries = 0; tries < 200; tries++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  grep -vx "$pid" "$tmp/pids" >"$tmp/pids.new" || true
  mv "$tmp/pids.new" "$tmp/pids"
}

# bench_wait_for_port PORT: whether something accepts connections on
# 127.0.0.1:PORT, trying for up to 10 s.
bench_wait_for_port() {
  local tries
  for ((tries = 0; tries < 200; tries++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# bench_start_listening NAME COMMAND...: starts a server that picks its
# own port and says which in a first line `listening on ADDR`, as every
# example of the crate does; sets bench_pid and bench_addr. Its output
# goes to $tmp/NAME.out and $tmp/NAME.err.
bench_start_listening() {
  local name=$1 tries line
  shift
  # A server started before under the same name must not be taken for this one.
  rm -f "$tmp/$name.out"
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  bench_pid=$!
  bench_track "$bench_pid"
  bench_addr=
  for ((tries = 0; tries < 200; tries++)); do
    line=$(head -n 1 "$tmp/$name.out" 2>/dev/null || true)
    if [[ $line == "listening on "* ]]; then
      bench_addr=${line#listening on }
      return 0
    fi
    kill -0 "$bench_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "$name did not start:" >&2
  cat "$tmp/$name.err" >&2
  exit 1
}

# bench_start_on_free_port NAME START [READY]: for a server that cannot
# pick a free port itself, tries random ones until one binds. START PORT
# starts it in the background, its log in $tmp/NAME.log; READY PORT says
# whether it answers (default: it accepts TCP connections). Sets
# bench_pid and bench_port.
bench_start_on_free_port() {
  local free_name=$1 free_start=$2 free_ready=${3:-bench_wait_for_port} free_try free_port
  for ((free_try = 0; free_try < 10; free_try++)); do
    free_port=$((20000 + RANDOM % 40000))
    "$free_start" "$free_port"
    bench_pid=$!
    bench_track "$bench_pid"
    if "$free_ready" "$free_port" && kill -0 "$bench_pid" 2>/dev/null; then
      bench_port=$free_port
      return 0
    fi
    bench_stop "$bench_pid"
  done
  echo "$free_name did not start:" >&2
  cat "$tmp/$free_name.log" >&2 2>/dev/null || true
  exit 1
}

# bench_write_site DIR: makes DIR with one file for chapter 06's server
# to serve, 4k.bin, of 4096 random bytes (a small static file: the
# server's own cost per request, not the disk's).
bench_write_site() {
  mkdir "$1"
  head -c 4096 /dev/urandom >"$1/4k.bin"
}

# bench_wrk NAME ARG...: one run of `wrk ARG...`; prints its requests a
# second. A run with socket errors or non-2xx answers is not a fair
# number: it says so on stderr, naming the run NAME.
bench_wrk() {
  local name=$1 out
  shift
  out=$(wrk "$@")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "warning: $name: $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ')" >&2
  fi
  awk '/^Requests\/sec:/ { print $2; found = 1 } END { exit !found }' <<<"$out" || {
    echo "no Requests/sec in wrk's output for $name:" >&2
    echo "$out" >&2
    return 1
  }
}

# bench_load NAME COMMAND...: one run of the crate's load generator,
# COMMAND being `12-measuring PROTOCOL ...`; prints its requests a second
# and its p99, from its report. Errors make it no fair number: it says so
# on stderr, naming the run NAME.
bench_load() {
  local name=$1 out rate p99 errors first
  shift
  out=$("$@")
  rate=$(awk '/^requests\/s: / { print $2 }' <<<"$out")
  p99=$(awk '/^p99: / { $1 = ""; gsub(/ /, ""); print }' <<<"$out")
  errors=$(awk '/^errors: / { print $2 }' <<<"$out")
  first=$(awk '/^first error: / { sub(/^first error: /, ""); print }' <<<"$out")
  if [ -z "$rate" ]; then
    echo "$name: no requests/s in the load generator's report:" >&2
    echo "$out" >&2
    return 1
  fi
  if [ "${errors:-0}" != 0 ]; then
    echo "warning: $name: $errors errors${first:+, the first: $first}" >&2
  fi
  echo "$rate ${p99:-?}"
}

# bench_version PACKAGE: prints the upstream version of an installed
# Debian package (2.3.19.1 of 1:2.3.19.1+dfsg1-2.1), or nothing.
bench_version() {
  dpkg-query -W -f '${Version}' "$1" 2>/dev/null | sed -E 's/^[0-9]+://; s/[-+~].*//' || true
}

# bench_median NUMBER...: prints the median.
bench_median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_ratio A B: prints A/B with two decimals.
bench_ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

# bench_table FORMAT HEADING...: prints the headings of the table that
# bench_pair fills, in the columns of FORMAT, the printf format of one of
# its rows (a `%N.Mf` column takes its heading as `%Ns`).
bench_table() {
  bench_format=$1
  shift
  # shellcheck disable=SC2059 # the format is the table's
  printf "$(sed -E 's/%(-?[0-9]*)(\.[0-9]+)?[a-z]/%\1s/g' <<<"$bench_format")" "$@"
}

# bench_pair OURS THEIRS [LABEL]: measures RUNS times the crate's server
# (OURS RUN prints its figure) and the other one (THEIRS RUN), one after
# the other, and prints a row of bench_table a run, then the medians:
#
#   [LABEL] RUN OURS-FIGURE [EXTRA...] THEIRS-FIGURE [EXTRA...] RATIO
#
# A measure may print more fields after its figure, for more columns
# (left blank in the median row). With bench_alternate=yes the other
# server goes first in every other run, so that neither always follows
# the other's leftovers (a warm cache, a busy core). Sets bench_ours,
# bench_theirs and bench_ratio to the medians, for bench_result.
bench_pair() {
  # The measures see the script's variables: the names here are the
  # pair's own, so as to hide none of them.
  local pair_ours=$1 pair_theirs=$2 pair_label=("${@:3}") pair_run pair_ratio pair_line1 pair_line2
  local pair_mine=() pair_other=() pair_mines=() pair_others=() pair_ratios=() pair_row i
  for ((pair_run = 1; pair_run <= RUNS; pair_run++)); do
    if [ "$bench_alternate" = yes ] && ! ((pair_run % 2)); then
      pair_line2=$("$pair_theirs" "$pair_run")
      pair_line1=$("$pair_ours" "$pair_run")
    else
      pair_line1=$("$pair_ours" "$pair_run")
      pair_line2=$("$pair_theirs" "$pair_run")
    fi
    read -r -a pair_mine <<<"$pair_line1"
    read -r -a pair_other <<<"$pair_line2"
    pair_ratio=$(bench_ratio "${pair_mine[0]}" "${pair_other[0]}")
    pair_mines+=("${pair_mine[0]}")
    pair_others+=("${pair_other[0]}")
    pair_ratios+=("$pair_ratio")
    # shellcheck disable=SC2059 # the format is the table's
    printf "$bench_format" "${pair_label[@]}" "$pair_run" "${pair_mine[@]}" "${pair_other[@]}" \
      "$pair_ratio"
  done
  bench_ours=$(bench_median "${pair_mines[@]}")
  bench_theirs=$(bench_median "${pair_others[@]}")
  bench_ratio=$(bench_median "${pair_ratios[@]}")
  # The median row: the extra columns left blank.
  pair_row=("${pair_label[@]}" median "$bench_ours")
  for ((i = 1; i < ${#pair_mine[@]}; i++)); do pair_row+=(""); done
  pair_row+=("$bench_theirs")
  for ((i = 1; i < ${#pair_other[@]}; i++)); do pair_row+=(""); done
  # shellcheck disable=SC2059 # the format is the table's
  printf "$bench_format" "${pair_row[@]}" "$bench_ratio"
}

# bench_result SERVER REFERENCE MEASURE UNIT TARGET: keeps the last
# bench_pair's medians as a result row, for bench_results.
bench_result() {
  bench_rows+=("result|$1|$2|$3|$4|$bench_ours|$bench_theirs|$bench_ratio|$5|$RUNS")
}

# Prints the result rows (after a blank line), and appends them to the
# file $RESULTS names, if it names one.
bench_results() {
  echo
  printf '%s\n' "${bench_rows[@]}"
  if [ -n "${RESULTS:-}" ]; then
    printf '%s\n' "${bench_rows[@]}" >>"$RESULTS"
  fi
}

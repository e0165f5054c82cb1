#!/usr/bin/env bash
# Chapter 06's static file server next to nginx, under wrk.
#
# Usage (from anywhere in the repository):
#
#   lessons/12-measuring/bench-http.sh
#   RUNS=5 DURATION=30s lessons/12-measuring/bench-http.sh
#
#   RUNS      how many times each server is measured in each mode (default 3)
#   DURATION  how long each wrk run lasts, in wrk's notation (default 10s)
#   THREADS, CONNECTIONS   wrk's -t and -c (default 2 and 64)
#
# It builds `06-http-server` in release mode, writes a 4 KiB file into a
# temporary folder, and serves that folder twice on 127.0.0.1: with the
# crate's server and with nginx (its own temporary config: every worker,
# sendfile, no access log). Then, for each mode (keep-alive, and a new
# connection per request with `Connection: close`), it runs wrk against
# each server in turn, RUNS times, and prints each run's requests per
# second and the median ratio crate/nginx. Everything it started and wrote
# is removed when it exits.
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx). wrk, the two
# servers and the machine share the same cores, so the numbers say how the
# servers compare here, not what either can do on its own machine; run it
# on an otherwise idle machine, and compare ratios rather than raw numbers.
set -euo pipefail

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}

cd "$(dirname "$0")/../.."

# nginx lives in /usr/sbin, which is not on every user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench-http.sh needs ${missing[*]}: apt-get install wrk nginx" >&2
  exit 1
fi
if ! [[ $RUNS =~ ^[1-9][0-9]*$ ]]; then
  echo "RUNS must be a whole number of runs, not '$RUNS'" >&2
  exit 2
fi

echo "building 06-http-server (release)..." >&2
cargo build --quiet --release --example 06-http-server
server_bin=${CARGO_TARGET_DIR:-target}/release/examples/06-http-server

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-http.XXXXXX")
crate_pid=
nginx_pid=
cleanup() {
  for pid in $crate_pid $nginx_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$tmp/site" "$tmp/nginx"
head -c 4096 /dev/urandom >"$tmp/site/4k.bin"

# Waits until something accepts connections on 127.0.0.1:$1, for up to 10 s.
wait_for_port() {
  local tries
  for ((tries = 0; tries < 200; tries++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# The crate's server picks a free port itself and says which.
"$server_bin" serve --root "$tmp/site" --port 0 >"$tmp/crate.out" 2>"$tmp/crate.err" &
crate_pid=$!
crate_addr=
for ((tries = 0; tries < 200; tries++)); do
  line=$(head -n 1 "$tmp/crate.out")
  if [[ $line == "listening on "* ]]; then
    crate_addr=${line#listening on }
    break
  fi
  kill -0 "$crate_pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$crate_addr" ]; then
  echo "06-http-server did not start:" >&2
  cat "$tmp/crate.err" >&2
  exit 1
fi

# nginx cannot pick a free port: try random ones until one binds.
user=
[ "$(id -u)" = 0 ] && user="user root;" # as root it would switch to nobody, who cannot read $tmp
nginx_addr=
for ((attempt = 0; attempt < 10; attempt++)); do
  port=$((20000 + RANDOM % 40000))
  cat >"$tmp/nginx/nginx.conf" <<EOF
$user
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 127.0.0.1:$port;
        root $tmp/site;
    }
}
EOF
  nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" \
    -g 'daemon off;' 2>>"$tmp/nginx/error.log" &
  nginx_pid=$!
  if wait_for_port "$port" && kill -0 "$nginx_pid" 2>/dev/null; then
    nginx_addr=127.0.0.1:$port
    break
  fi
  kill "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=
done
if [ -z "$nginx_addr" ]; then
  echo "nginx did not start:" >&2
  cat "$tmp/nginx/error.log" >&2
  exit 1
fi

# One wrk run: prints the requests per second. A run with errors or
# non-2xx answers is not a fair number: say so on stderr.
measure() {
  local name=$1 addr=$2
  shift 2
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$@" "http://$addr/4k.bin")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "warning: $name: $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ')" >&2
  fi
  awk '/^Requests\/sec:/ { print $2; found = 1 } END { exit !found }' <<<"$out" || {
    echo "no Requests/sec in wrk's output for $name:" >&2
    echo "$out" >&2
    return 1
  }
}

# The median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "crate: $crate_addr   nginx: $nginx_addr   $(nproc) cores"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, GET /4k.bin, $RUNS run(s) per server and mode"
echo
printf '%-11s %6s %13s %13s %12s\n' mode run "crate req/s" "nginx req/s" crate/nginx
for mode in keep-alive close; do
  headers=()
  [ "$mode" = close ] && headers=(-H 'Connection: close')
  ratios=()
  crates=()
  nginxes=()
  for ((run = 1; run <= RUNS; run++)); do
    crate=$(measure "crate, $mode, run $run" "$crate_addr" "${headers[@]}")
    nginx=$(measure "nginx, $mode, run $run" "$nginx_addr" "${headers[@]}")
    ratio=$(awk -v a="$crate" -v b="$nginx" 'BEGIN { printf "%.2f", a / b }')
    crates+=("$crate")
    nginxes+=("$nginx")
    ratios+=("$ratio")
    printf '%-11s %6s %13.0f %13.0f %12s\n' "$mode" "$run" "$crate" "$nginx" "$ratio"
  done
  printf '%-11s %6s %13.0f %13.0f %12.2f\n' "$mode" median \
    "$(median "${crates[@]}")" "$(median "${nginxes[@]}")" "$(median "${ratios[@]}")"
done

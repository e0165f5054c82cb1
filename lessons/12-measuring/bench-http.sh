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
# second and the median ratio crate/nginx, then the result rows of lib.sh.
# Everything it started and wrote is removed when it exits.
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx; as root the
# script installs them). wrk, the two servers and the machine share the
# same cores, so the numbers say how the servers compare here, not what
# either can do on its own machine; run it on an otherwise idle machine,
# and compare ratios rather than raw numbers.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init bench-http.sh

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
bench_whole_numbers THREADS CONNECTIONS

bench_need wrk wrk
bench_need nginx nginx
bench_require

bench_build 06-http-server
server_cmd=("${bench_cmd[@]}")

bench_write_site "$tmp/site"
mkdir "$tmp/nginx"

bench_start_listening 06-http-server "${server_cmd[@]}" serve --root "$tmp/site" --port 0
crate_addr=$bench_addr

# nginx on port $1, with its own config: every worker, sendfile, no access log.
start_nginx() {
  local user=
  # As root it would switch to nobody, who cannot read $tmp.
  [ "$(id -u)" = 0 ] && user="user root;"
  cat >"$tmp/nginx/nginx.conf" <<EOF
$user
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx.log;
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
        listen 127.0.0.1:$1;
        root $tmp/site;
    }
}
EOF
  # What nginx prints before it opens its log goes to the same file.
  # shellcheck disable=SC2094
  nginx -p "$tmp/nginx" -e "$tmp/nginx.log" -c "$tmp/nginx/nginx.conf" \
    -g 'daemon off;' 2>>"$tmp/nginx.log" &
}
bench_start_on_free_port nginx start_nginx
nginx_addr=127.0.0.1:$bench_port

# One wrk run against the server at ADDR: prints the requests per second.
# measure NAME ADDR [WRK_ARG...]
measure() {
  local name=$1 addr=$2
  shift 2
  bench_wrk "$name" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$@" "http://$addr/4k.bin"
}
crate_run() { measure "crate, $mode, run $1" "$crate_addr" "${headers[@]}"; }
nginx_run() { measure "nginx, $mode, run $1" "$nginx_addr" "${headers[@]}"; }

echo "crate: $crate_addr   nginx: $nginx_addr   $(nproc) cores"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, GET /4k.bin, $RUNS run(s) per server and mode"
echo
bench_table '%-11s %6s %13.0f %13.0f %12.2f\n' mode run "crate req/s" "nginx req/s" crate/nginx
nginx_name="nginx $(bench_version nginx)"
for mode in keep-alive close; do
  headers=()
  [ "$mode" = close ] && headers=(-H 'Connection: close')
  bench_pair crate_run nginx_run "$mode"
  bench_result "06 http-server" "$nginx_name" "GET 4 KiB, $mode, wrk -c$CONNECTIONS" req/s 1.0
done
bench_results

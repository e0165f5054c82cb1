#!/usr/bin/env bash
# Chapter 09's FTP server next to vsftpd, under curl.
#
# Usage (from anywhere in the repository):
#
#   lessons/12-measuring/bench-ftp.sh
#   RUNS=5 SIZE_MIB=256 lessons/12-measuring/bench-ftp.sh
#
#   RUNS      how many times each server is measured each way (default 3)
#   SIZE_MIB  the size of the file moved, in MiB (default 1024)
#   FTP_SERVER_CMD  for development: the command that starts the crate's
#             server instead of the release build of `09-ftp-server`. It
#             gets the same arguments (`serve --root DIR --port 0 --user
#             alice:secret`) and must print `listening on ADDR` first.
#
# It builds `09-ftp-server` in release mode, writes a file of random bytes
# into a temporary folder, and serves that folder twice on 127.0.0.1: with
# the crate's server (user alice, password secret) and with vsftpd (its
# own temporary config: anonymous login, uploads allowed into `up/`,
# passive mode only). Then, for each direction (RETR of the file, STOR of
# it into `up/`), it runs curl in passive mode against each server in
# turn, RUNS times, checks the SHA-256 of what arrived, and prints each
# run's MB/s (curl's own average, 10^6 bytes a second) and the median
# ratio crate/vsftpd, then the result rows of lib.sh. The download is written to a file in the same
# folder, as the upload is by the servers, so that it can be checked.
# A download from each server comes first, uncounted, to warm up. Each
# transfer starts after a `sync`, so that no run pays for writing
# back what the one before it left. Everything it started and wrote is
# removed when it exits.
#
# Needs curl, sha256sum and vsftpd (Debian: apt-get install curl vsftpd;
# the script installs what is missing), and root, which vsftpd insists on. The client, the two servers and the
# machine share the same cores and the same disk, so the numbers say how
# the servers compare here, not what either can do on its own machine; run
# it on an otherwise idle machine, and compare ratios rather than raw
# numbers. The crate's server makes an upload durable (fsync) before its
# 226, and vsftpd does not: the upload figures include that difference.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init bench-ftp.sh

SIZE_MIB=${SIZE_MIB:-1024}
bench_whole_numbers SIZE_MIB

bench_need curl curl
bench_need vsftpd vsftpd
bench_need sha256sum coreutils
bench_require
bench_require_root "vsftpd will not start otherwise"

bench_build 09-ftp-server FTP_SERVER_CMD
server_cmd=("${bench_cmd[@]}")

# vsftpd drops to this user for anonymous sessions.
ftp_user=ftp
id "$ftp_user" >/dev/null 2>&1 || ftp_user=nobody

# One root for both servers, so that both read and write the same
# file system. vsftpd refuses a root its anonymous user may write to:
# the root stays root's, and only `up/` is the anonymous user's.
mkdir -p "$tmp/root/up" "$tmp/vsftpd/empty" "$tmp/got"
chmod 755 "$tmp" "$tmp/root"
chown "$ftp_user" "$tmp/root/up"
echo "writing a $SIZE_MIB MiB file..." >&2
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$tmp/root/big.bin"
chmod 644 "$tmp/root/big.bin"
want=$(sha256sum <"$tmp/root/big.bin" | cut -d' ' -f1)

bench_start_listening 09-ftp-server "${server_cmd[@]}" serve --root "$tmp/root" --port 0 \
  --user alice:secret
crate_addr=$bench_addr

# vsftpd on port $1. The sandboxes it sets up by default (seccomp,
# namespaces) fail in many containers, and are no part of what is
# measured.
start_vsftpd() {
  cat >"$tmp/vsftpd/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$1
background=NO
anonymous_enable=YES
local_enable=NO
no_anon_password=YES
ftp_username=$ftp_user
anon_root=$tmp/root
write_enable=YES
anon_upload_enable=YES
anon_umask=022
pasv_enable=YES
port_enable=NO
pasv_address=127.0.0.1
pasv_min_port=$(($1 + 1))
pasv_max_port=$(($1 + 50))
secure_chroot_dir=$tmp/vsftpd/empty
xferlog_enable=NO
use_sendfile=YES
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
EOF
  vsftpd "$tmp/vsftpd/vsftpd.conf" >"$tmp/vsftpd.log" 2>&1 &
}
bench_start_on_free_port vsftpd start_vsftpd
vsftpd_addr=127.0.0.1:$bench_port

# One transfer: prints its MB/s, after checking what arrived.
# measure NAME URL_BASE get|put
measure() {
  local name=$1 base=$2 way=$3 speed got
  # Each run starts with nothing left to write back to the disk: not the
  # new file, nor the last run's upload.
  sync
  case $way in
    get)
      speed=$(curl -sS --ftp-pasv -o "$tmp/got/big.bin" -w '%{speed_download}' "$base/big.bin")
      got=$(sha256sum <"$tmp/got/big.bin" | cut -d' ' -f1)
      rm -f "$tmp/got/big.bin"
      ;;
    put)
      speed=$(curl -sS --ftp-pasv -T "$tmp/root/big.bin" -w '%{speed_upload}' "$base/up/put.bin")
      got=$(sha256sum <"$tmp/root/up/put.bin" | cut -d' ' -f1)
      rm -f "$tmp/root/up/put.bin"
      ;;
  esac
  if [ "$got" != "$want" ]; then
    echo "$name: the file that arrived is not the file sent" >&2
    return 1
  fi
  awk -v s="$speed" 'BEGIN { printf "%.1f", s / 1e6 }'
}
crate_run() { measure "crate, $direction, run $1" "ftp://alice:secret@$crate_addr" "$way"; }
vsftpd_run() { measure "vsftpd, $direction, run $1" "ftp://anonymous:@$vsftpd_addr" "$way"; }

# One download from each server that is not counted: the first transfer
# after the file was written was the slowest, whichever server made it.
echo "warming up..." >&2
measure "crate, warm-up" "ftp://alice:secret@$crate_addr" get >/dev/null
measure "vsftpd, warm-up" "ftp://anonymous:@$vsftpd_addr" get >/dev/null

echo "crate: $crate_addr   vsftpd: $vsftpd_addr   $(nproc) cores"
echo "curl, passive mode, a $SIZE_MIB MiB file, $RUNS run(s) per server and direction"
echo
bench_table '%-9s %6s %12.1f %12.1f %13.2f\n' direction run "crate MB/s" "vsftpd MB/s" crate/vsftpd
vsftpd_name="vsftpd $(bench_version vsftpd)"
for way in get put; do
  direction=download
  [ "$way" = put ] && direction=upload
  bench_pair crate_run vsftpd_run "$direction"
  bench_result "09 ftp-server" "$vsftpd_name" "$direction of $SIZE_MIB MiB, curl" MB/s 1.0
done
bench_results

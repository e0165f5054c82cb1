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
# ratio crate/vsftpd. The download is written to a file in the same
# folder, as the upload is by the servers, so that it can be checked.
# A download from each server comes first, uncounted, to warm up. Each
# transfer starts after a `sync`, so that no run pays for writing
# back what the one before it left. Everything it started and wrote is
# removed when it exits.
#
# Needs curl, sha256sum and vsftpd (Debian: apt-get install curl vsftpd),
# and root, which vsftpd insists on. The client, the two servers and the
# machine share the same cores and the same disk, so the numbers say how
# the servers compare here, not what either can do on its own machine; run
# it on an otherwise idle machine, and compare ratios rather than raw
# numbers. The crate's server makes an upload durable (fsync) before its
# 226, and vsftpd does not: the upload figures include that difference.
set -euo pipefail

RUNS=${RUNS:-3}
SIZE_MIB=${SIZE_MIB:-1024}

cd "$(dirname "$0")/../.."

# vsftpd lives in /usr/sbin, which is not on every user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
missing=()
command -v curl >/dev/null || missing+=(curl)
command -v vsftpd >/dev/null || missing+=(vsftpd)
command -v sha256sum >/dev/null || missing+=(coreutils)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench-ftp.sh needs ${missing[*]}: apt-get install ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "bench-ftp.sh must run as root: vsftpd will not start otherwise" >&2
  exit 1
fi
for knob in RUNS SIZE_MIB; do
  if ! [[ ${!knob} =~ ^[1-9][0-9]*$ ]]; then
    echo "$knob must be a whole number, not '${!knob}'" >&2
    exit 2
  fi
done

if [ -n "${FTP_SERVER_CMD:-}" ]; then
  read -r -a server_cmd <<<"$FTP_SERVER_CMD"
else
  if ! grep -q '^name = "09-ftp-server"$' Cargo.toml; then
    echo "chapter 09's example is not built yet: there is no 09-ftp-server in Cargo.toml" >&2
    echo "(FTP_SERVER_CMD names another server to measure meanwhile)" >&2
    exit 1
  fi
  echo "building 09-ftp-server (release)..." >&2
  cargo build --quiet --release --example 09-ftp-server
  server_cmd=("${CARGO_TARGET_DIR:-target}/release/examples/09-ftp-server")
fi

# vsftpd drops to this user for anonymous sessions.
ftp_user=ftp
id "$ftp_user" >/dev/null 2>&1 || ftp_user=nobody

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ftp.XXXXXX")
crate_pid=
vsftpd_pid=
cleanup() {
  for pid in $crate_pid $vsftpd_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
"${server_cmd[@]}" serve --root "$tmp/root" --port 0 --user alice:secret \
  >"$tmp/crate.out" 2>"$tmp/crate.err" &
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
  echo "the crate's FTP server did not start:" >&2
  cat "$tmp/crate.err" >&2
  exit 1
fi

# vsftpd cannot pick a free port: try random ones until one binds. The
# sandboxes it sets up by default (seccomp, namespaces) fail in many
# containers, and are no part of what is measured.
vsftpd_addr=
for ((attempt = 0; attempt < 10; attempt++)); do
  port=$((20000 + RANDOM % 40000))
  cat >"$tmp/vsftpd/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$port
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
pasv_min_port=$((port + 1))
pasv_max_port=$((port + 50))
secure_chroot_dir=$tmp/vsftpd/empty
xferlog_enable=NO
use_sendfile=YES
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
EOF
  vsftpd "$tmp/vsftpd/vsftpd.conf" >"$tmp/vsftpd/out.log" 2>&1 &
  vsftpd_pid=$!
  if wait_for_port "$port" && kill -0 "$vsftpd_pid" 2>/dev/null; then
    vsftpd_addr=127.0.0.1:$port
    break
  fi
  kill "$vsftpd_pid" 2>/dev/null || true
  wait "$vsftpd_pid" 2>/dev/null || true
  vsftpd_pid=
done
if [ -z "$vsftpd_addr" ]; then
  echo "vsftpd did not start:" >&2
  cat "$tmp/vsftpd/out.log" >&2
  exit 1
fi

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

# The median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One download from each server that is not counted: the first transfer
# after the file was written was the slowest, whichever server made it.
echo "warming up..." >&2
measure "crate, warm-up" "ftp://alice:secret@$crate_addr" get >/dev/null
measure "vsftpd, warm-up" "ftp://anonymous:@$vsftpd_addr" get >/dev/null

echo "crate: $crate_addr   vsftpd: $vsftpd_addr   $(nproc) cores"
echo "curl, passive mode, a $SIZE_MIB MiB file, $RUNS run(s) per server and direction"
echo
printf '%-9s %6s %12s %12s %13s\n' direction run "crate MB/s" "vsftpd MB/s" crate/vsftpd
for way in get put; do
  direction=download
  [ "$way" = put ] && direction=upload
  ratios=()
  crates=()
  vsftpds=()
  for ((run = 1; run <= RUNS; run++)); do
    crate=$(measure "crate, $direction, run $run" "ftp://alice:secret@$crate_addr" "$way")
    vsftpd=$(measure "vsftpd, $direction, run $run" "ftp://anonymous:@$vsftpd_addr" "$way")
    ratio=$(awk -v a="$crate" -v b="$vsftpd" 'BEGIN { printf "%.2f", a / b }')
    crates+=("$crate")
    vsftpds+=("$vsftpd")
    ratios+=("$ratio")
    printf '%-9s %6s %12.1f %12.1f %13s\n' "$direction" "$run" "$crate" "$vsftpd" "$ratio"
  done
  printf '%-9s %6s %12.1f %12.1f %13.2f\n' "$direction" median \
    "$(median "${crates[@]}")" "$(median "${vsftpds[@]}")" "$(median "${ratios[@]}")"
done

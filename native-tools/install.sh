#!/usr/bin/env bash
# Installs the native peers l4stress tests and calibrates against: HAProxy and nginx with its stream module
# (PROXY protocol and TLS interop), iperf3 and netperf (hardware calibration; iperf3 -u is also the UDP stream
# bench's reference), sockperf (the UDP echo bench's reference: ping-pong), openssl (certificates, the TLS
# bench), Chromium and a font (the HTML report is tested in a real browser), gcc (the native reference peers of
# the bench, native-tools/c). Debian/Ubuntu only; idempotent: does nothing when all are present.
# netperf lives in Debian's non-free component, so the script enables it before installing.
set -euo pipefail

need=()
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
command -v iperf3 >/dev/null 2>&1 || need+=(iperf3)
command -v netperf >/dev/null 2>&1 || need+=(netperf)
command -v sockperf >/dev/null 2>&1 || need+=(sockperf)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
[ -f /usr/lib/nginx/modules/ngx_stream_module.so ] || need+=(libnginx-mod-stream)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "l4stress: missing ${need[*]}; install them with your package manager (macOS: brew install haproxy nginx iperf3 netperf; sockperf from its source, github.com/Mellanox/sockperf)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "l4stress: missing ${need[*]}; run this script as root" >&2; exit 1; }
  sudo="sudo"
fi

# Enable non-free (netperf) in whichever sources format this system uses.
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  if ! grep -qE '^Components:.*non-free( |$)' /etc/apt/sources.list.d/debian.sources; then
    $sudo sed -i -E '/^Components:/ { / non-free( |$)/! s/$/ non-free/ }' /etc/apt/sources.list.d/debian.sources
  fi
elif [ -f /etc/apt/sources.list ] && grep -qE '^deb .*debian' /etc/apt/sources.list; then
  if ! grep -qE '^deb .* non-free( |$)' /etc/apt/sources.list; then
    $sudo sed -i -E '/^deb .*debian/ { / non-free( |$)/! s/$/ non-free/ }' /etc/apt/sources.list
  fi
fi

echo "l4stress: installing ${need[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Packages must not start their services (nginx would take port 80): the tests start the peers they need.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  made_policy=1
fi
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
if [ -n "$made_policy" ]; then $sudo rm -f "$policy"; fi
for bin in haproxy iperf3 netperf netserver sockperf nginx openssl chromium; do
  command -v "$bin" >/dev/null 2>&1 || { echo "l4stress: $bin still missing after install" >&2; exit 1; }
done
[ -f /usr/lib/nginx/modules/ngx_stream_module.so ] || { echo "l4stress: nginx's stream module still missing" >&2; exit 1; }

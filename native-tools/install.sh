#!/usr/bin/env bash
# Installs the native peers l4stress tests and calibrates against: HAProxy (PROXY protocol interop),
# iperf3 and netperf (hardware calibration). Debian/Ubuntu only; idempotent: does nothing when all are present.
# netperf lives in Debian's non-free component, so the script enables it before installing.
set -euo pipefail

need=()
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
command -v iperf3 >/dev/null 2>&1 || need+=(iperf3)
command -v netperf >/dev/null 2>&1 || need+=(netperf)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "l4stress: missing ${need[*]}; install them with your package manager (macOS: brew install haproxy iperf3 netperf)" >&2
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
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
for bin in haproxy iperf3 netperf netserver; do
  command -v "$bin" >/dev/null 2>&1 || { echo "l4stress: $bin still missing after install" >&2; exit 1; }
done

#!/usr/bin/env bash
# Installs what CallBot and its tests need on a fresh Debian 12 machine. Idempotent: installs only what is missing.
#   scripts/setup.sh            everything the tests need (FFmpeg, Prosody, coturn, Chromium, libsrtp2, npm SDK, s3rver)
#   scripts/setup.sh --runtime  only what the bot itself needs (FFmpeg, the DejaVu font)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runtime_only=false
[ "${1:-}" = "--runtime" ] && runtime_only=true

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
pkgs=(ffmpeg fonts-dejavu-core) # the font: drawtext on the synthetic test card
if [ "$runtime_only" = false ]; then
  pkgs+=(prosody lua-sec coturn chromium libsrtp2-1 openssl iproute2 util-linux docker-compose nodejs npm)
fi
for p in "${pkgs[@]}"; do
  if [ "$p" = nodejs ] || [ "$p" = npm ]; then
    command -v "${p/nodejs/node}" >/dev/null 2>&1 && continue
  fi
  have "$p" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]} (apt)"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Prosody and coturn are started privately by the test fixtures, never as system services.
if [ "$runtime_only" = false ]; then
  for svc in prosody coturn; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then "${sudo_cmd[@]}" systemctl stop "$svc" || true; fi
    if [ -x "/etc/init.d/$svc" ] && pgrep -x "$svc" >/dev/null 2>&1; then "${sudo_cmd[@]}" "/etc/init.d/$svc" stop >/dev/null 2>&1 || true; fi
  done
  sdk_dir="$here/tests/sdk"
  if [ -f "$sdk_dir/package.json" ] && [ ! -f "$sdk_dir/node_modules/connectycube/package.json" ]; then
    echo "setup: installing the ConnectyCube JS SDK (npm)"
    (cd "$sdk_dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  s3_dir="$here/tests/s3" # s3rver: the S3-compatible server of the recording-delivery tests
  if [ -f "$s3_dir/package.json" ] && [ ! -f "$s3_dir/node_modules/s3rver/package.json" ]; then
    echo "setup: installing s3rver (npm)"
    (cd "$s3_dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi
echo "setup: ok"

#!/usr/bin/env bash
# Call setup time benchmark (issue 7): N sequential real calls per path — bot → bot through a private Prosody, the real
# ConnectyCube SDK in headless Chromium → bot, and bot → SDK — printing p50/p95/min/max of call → accept,
# call → ICE connected and call → first remote frame. Everything stays on loopback; as root it runs in a fresh network
# namespace that has only `lo` (Chromium must not see another interface).
#   scripts/bench/setup-times.sh                    50 calls per path
#   scripts/bench/setup-times.sh --calls 10 --paths bot --no-record --out /tmp/setup.md
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh >&2 # Prosody, Chromium and the real SDK on a fresh machine (idempotent)
dotnet build bench/CallBot.Benchmarks -c Release -nologo -v quiet -clp:ErrorsOnly
run=(dotnet run -c Release --no-build --project bench/CallBot.Benchmarks -- setup "$@")
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
  exec unshare --net -- bash -c 'ip link set lo up && exec "$@"' _ "${run[@]}"
fi
exec "${run[@]}"

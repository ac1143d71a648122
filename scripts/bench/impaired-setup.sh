#!/usr/bin/env bash
# Call setup over an impaired link, side by side (issue 14, must-show 2): the real ConnectyCube SDK in headless Chromium
# calling Chromium, Chromium calling a bot, and a bot calling Chromium, every call through its own UdpImpairmentRelay
# (independent random loss, one-way delay ± jitter keeping order, both directions). Prints success rate and setup p50/p95
# per path. Defaults: profile b of issue 14 (10 % loss, 50 ± 10 ms each way), 50 calls per path. As root it runs in a
# fresh network namespace that has only `lo`.
#   scripts/bench/impaired-setup.sh
#   scripts/bench/impaired-setup.sh --calls 10 --loss 0.20 --delay-ms 100 --jitter-ms 0 --budget-s 6 --paths chromium-bot --out /tmp/c.md
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh >&2 # Prosody, Chromium and the real SDK on a fresh machine (idempotent)
dotnet build bench/CallBot.Benchmarks -c Release -nologo -v quiet -clp:ErrorsOnly
run=(dotnet run -c Release --no-build --project bench/CallBot.Benchmarks -- impaired-setup "$@")
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
  exec unshare --net -- bash -c 'ip link set lo up && exec "$@"' _ "${run[@]}"
fi
exec "${run[@]}"

#!/usr/bin/env bash
# Received video over a lossy link, side by side (issue 15, must-show a): VP8 640x360@30 through UdpImpairmentRelay at
# 5 %, 10 %, 20 % independent random loss each direction, 100 ms RTT, 60 s per row, for Chromium → Chromium, bot →
# Chromium and Chromium → bot (the real ConnectyCube SDK in headless Chromium, each call through its own relay). Prints
# one markdown table (fps, freezes by the W3C definition, received/sent frames, RTX+FEC overhead) and writes JSON.
# As root it runs in a fresh network namespace that has only `lo`. About 10 min with the defaults.
#   scripts/bench/loss-table.sh                       the full table
#   scripts/bench/loss-table.sh --quick               smoke check: 10 s at 10 % only
#   scripts/bench/loss-table.sh --duration-s 30 --loss 0.1,0.2 --paths bot-chromium,chromium-bot --json /tmp/l.json --out /tmp/l.md
#   scripts/bench/loss-table.sh --stages nack,keyframe,report,remb,stats     CallBot:Media:Stages of the bot's calls
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh >&2 # Prosody, Chromium and the real SDK on a fresh machine (idempotent)
dotnet build bench/CallBot.Benchmarks -c Release -nologo -v quiet -clp:ErrorsOnly
run=(dotnet run -c Release --no-build --project bench/CallBot.Benchmarks -- loss-table "$@")
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
  exec unshare --net -- bash -c 'ip link set lo up && exec "$@"' _ "${run[@]}"
fi
exec "${run[@]}"

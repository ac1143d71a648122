#!/usr/bin/env bash
# How a video sender follows a bottleneck that steps down and up (issue 15, must-show b): through UdpImpairmentRelay,
# 2.5 Mbit/s → 500 kbit/s at 20 s → 2.5 Mbit/s at 40 s, 60 s from the first decoded frame, 50 ms RTT, a 1 s FIFO with
# drop-tail, on the media direction only, for Chromium → Chromium, bot → Chromium and Chromium → bot (the real
# ConnectyCube SDK in headless Chromium; 1280x720@30 VP8 both ways). From the relay's per-second counters: the sender's
# rate each second, seconds until under the cap after the drop and until ≥ 85 % after the rise, queueing delay p50/p95.
# Prints one markdown table and writes the per-second series as JSON. As root it runs in a fresh network namespace that
# has only `lo`. About 5 min (the first run also encodes the bot's 720p clips).
#   scripts/bench/bandwidth-step.sh                                  the full run
#   scripts/bench/bandwidth-step.sh --quick                          smoke check: steps at 10 / 20 / 30 s
#   scripts/bench/bandwidth-step.sh --paths bot-chromium --json /tmp/b.json --out /tmp/b.md
#   scripts/bench/bandwidth-step.sh --stages nack,keyframe,report,remb,transport-cc,pacer,stats   the bot's stages
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh >&2 # Prosody, Chromium and the real SDK on a fresh machine (idempotent)
dotnet build bench/CallBot.Benchmarks -c Release -nologo -v quiet -clp:ErrorsOnly
run=(dotnet run -c Release --no-build --project bench/CallBot.Benchmarks -- bandwidth-step "$@")
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
  exec unshare --net -- bash -c 'ip link set lo up && exec "$@"' _ "${run[@]}"
fi
exec "${run[@]}"

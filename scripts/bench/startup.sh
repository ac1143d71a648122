#!/usr/bin/env bash
# Startup benchmark (issue 19): time from process start (exec of `callbot run`) to "Bot N online" and to
# "media ready", for one answering bot with the default synthetic media (640x360 VP8, 3 renditions + Opus), cold (empty
# clip cache) and warm (the clips the cold run wrote). Chat is the embedded loopback hub, so "online" is the process's own
# startup; a real chat login adds its round trips (≈ 0.1 s to a Prosody on loopback).
#   scripts/bench/startup.sh              3 cold + 3 warm runs
#   scripts/bench/startup.sh --runs 5
#   scripts/bench/startup.sh --warm-only   one cache fill, then N warm runs
#   CALLBOT_BENCH_BIN=DIR scripts/bench/startup.sh   use a Release build already in DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=3
cold=true
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --warm-only) cold=false; shift ;;
    *) echo "usage: $0 [--runs N] [--warm-only]" >&2; exit 2 ;;
  esac
done
out="$(mktemp -d /tmp/callbot-startup-XXXXXX)"
trap 'rm -rf "$out"' EXIT
bin="${CALLBOT_BENCH_BIN:-$out/bin}"
[ -f "$bin/callbot.dll" ] || dotnet build src/CallBot.Worker -c Release -nologo -v quiet -clp:ErrorsOnly -o "$bin"
cat > "$out/callbot.json" <<JSON
{ "CallBot": {
    "Bots": [ { "UserId": 1001, "Password": "bench", "Role": "Answer" } ],
    "Media": { "CacheDirectory": "$out/clips" },
    "Telemetry": { "HealthPrefix": "" } } }
JSON

# Prints "<ms to online> <ms to media ready>" for one run, then stops the process.
one_run() {
  local start line online="" media=""
  start=$(date +%s%N)
  coproc CB { exec dotnet "$bin/callbot.dll" run --config "$out/callbot.json" 2>&1; }
  while IFS= read -r -t 120 line <&"${CB[0]}"; do
    case "$line" in
      *"Bot 1001 online"*) online=$(( ($(date +%s%N) - start) / 1000000 )) ;;
      *"media ready after"*) media=$(( ($(date +%s%N) - start) / 1000000 )) ;;
    esac
    [ -n "$online" ] && [ -n "$media" ] && break
  done
  kill "$CB_PID" 2>/dev/null || true
  wait "$CB_PID" 2>/dev/null || true
  echo "${online:-?} ${media:-?}"
}

echo "kind  run  start→online(ms)  start→media-ready(ms)"
for i in $(seq 1 "$runs"); do
  $cold || break
  rm -rf "$out/clips"
  read -r online media < <(one_run)
  echo "cold  $i    $online              $media"
done
one_run >/dev/null # fill the cache
for i in $(seq 1 "$runs"); do
  read -r online media < <(one_run)
  echo "warm  $i    $online              $media"
done

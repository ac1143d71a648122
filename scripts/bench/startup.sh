#!/usr/bin/env bash
# Startup benchmark (issue 19): time from process start (exec of `callbot run`) to "Bot N online" and to
# "media ready", for one answering bot with the default synthetic media (640x360 VP8, 3 renditions + Opus), cold (empty
# clip cache) and warm (the clips the cold run wrote). Chat is the embedded loopback hub, so "online" is the process's own
# startup; a real chat login adds its round trips (≈ 0.1 s to a Prosody on loopback). Each run prints the 1-minute load
# average when it started (the machine may be shared); the last lines are the medians.
#   scripts/bench/startup.sh              3 cold + 3 warm runs
#   scripts/bench/startup.sh --runs 10
#   scripts/bench/startup.sh --warm-only   one cache fill, then N warm runs
#   CALLBOT_BENCH_BIN=DIR scripts/bench/startup.sh   use a build already in DIR (default: the one ./callbot runs,
#                                                    ReadyToRun-published into artifacts/callbot)
#   nice -n -20 scripts/bench/startup.sh   on a busy machine (root), so other processes' builds weigh less
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
if [ -n "${CALLBOT_BENCH_BIN:-}" ]; then
  bin="$CALLBOT_BENCH_BIN"
else
  ./callbot --help >/dev/null # builds artifacts/callbot when the sources changed
  bin="artifacts/callbot"
fi
[ -f "$bin/callbot.dll" ] || { echo "no callbot.dll in $bin" >&2; exit 2; }
cat > "$out/callbot.json" <<JSON
{ "CallBot": {
    "Bots": [ { "UserId": 1001, "Password": "bench", "Role": "Answer" } ],
    "Media": { "CacheDirectory": "$out/clips" },
    "Telemetry": { "HealthPrefix": "" } } }
JSON

# CPU time (user + system, ms) the process has used so far: unlike wall time, it hardly depends on the machine's load.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat" 2>/dev/null || echo "?"; }

# Prints "<ms to online> <ms to media ready> <CPU ms to online>" for one run, then stops the process.
one_run() {
  local start line online="" media="" cpu="?"
  start=$(date +%s%N)
  coproc CB { exec dotnet "$bin/callbot.dll" run --config "$out/callbot.json" 2>&1; }
  while IFS= read -r -t 120 line <&"${CB[0]}"; do
    case "$line" in
      *"Bot 1001 online"*) online=$(( ($(date +%s%N) - start) / 1000000 )); cpu=$(cpu_ms "$CB_PID") ;;
      *"media ready after"*) media=$(( ($(date +%s%N) - start) / 1000000 )) ;;
    esac
    [ -n "$online" ] && [ -n "$media" ] && break
  done
  kill "$CB_PID" 2>/dev/null || true
  wait "$CB_PID" 2>/dev/null || true
  echo "${online:-?} ${media:-?} $cpu"
}

load() { cut -d' ' -f1 /proc/loadavg; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cold_online=() warm_online=() cold_media=() warm_media=() cold_cpu=() warm_cpu=()
echo "kind  run  load  start→online(ms)  start→media-ready(ms)  CPU→online(ms)"
for i in $(seq 1 "$runs"); do
  $cold || break
  rm -rf "$out/clips"
  l=$(load)
  read -r online media cpu < <(one_run)
  cold_online+=("$online"); cold_media+=("$media"); cold_cpu+=("$cpu")
  echo "cold  $i    $l  $online              $media                  $cpu"
done
one_run >/dev/null # fill the cache
for i in $(seq 1 "$runs"); do
  l=$(load)
  read -r online media cpu < <(one_run)
  warm_online+=("$online"); warm_media+=("$media"); warm_cpu+=("$cpu")
  echo "warm  $i    $l  $online              $media                  $cpu"
done
if $cold; then
  echo "median cold: online $(printf '%s\n' "${cold_online[@]}" | median) ms, media ready $(printf '%s\n' "${cold_media[@]}" | median) ms, CPU to online $(printf '%s\n' "${cold_cpu[@]}" | median) ms"
fi
echo "median warm: online $(printf '%s\n' "${warm_online[@]}" | median) ms, media ready $(printf '%s\n' "${warm_media[@]}" | median) ms, CPU to online $(printf '%s\n' "${warm_cpu[@]}" | median) ms"

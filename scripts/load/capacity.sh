#!/usr/bin/env bash
# Capacity benchmark, one command: how many concurrent bot<->bot calls (video 640x360/30 fps ~600 kbit/s VP8 + Opus)
# this machine carries while every threshold holds (setup p95 < 1 s, loss < 1 %, no freezes, every call succeeds),
# with CPU and RSS per participant; then, in the same run, the same figures for headless Chromium participants with
# fake media (scripts/load/chromium-participants.mjs). Runs in its own network namespace (only `lo`).
#   scripts/load/capacity.sh [--steps "10 50 100 150 200 250 300 350 400"] [--hold 30] [--chromium-pairs 2] [--out DIR] [--own-sockets]
# --own-sockets: `callbot load --own-sockets` (a UDP socket per peer connection) instead of its shared ports.
# Writes DIR/capacity.md (the table for docs/performance.md), DIR/capacity.json, and each step's report under DIR/step-N/.
#
# A/B against an older build (issue 15, must-show e): --baseline REV builds commit REV in Release in its own git worktree
# (once; later runs reuse it, see load_lab_build_rev in lab.sh) and runs every step with both builds back to back, on
# the same Prosody, so both see the same machine; --rounds R repeats each step's pair R times, and the build that goes
# first alternates from one pair to the next so neither always runs on the machine the other just warmed or loaded.
# The table then has both builds side by side and the ratio new/old of CPU and RSS per participant.
# Chromium is skipped in A/B mode unless --chromium-pairs is given (0 skips it in either mode).
#   scripts/load/capacity.sh --baseline REV [--rounds 1] [--steps ...] [--hold 30] [--chromium-pairs 0] [--out DIR]
# Each run's report is under DIR/step-N/old-rR/ and DIR/step-N/new-rR/; DIR/runs.jsonl holds one line per run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/scripts/load/lab.sh"
args=("$@")
steps="10 50 100 150 200 250 300 350 400"
hold=30
chromium_pairs=""
baseline=""
rounds=1
sockets_arg=()
out="$here/docs/load/capacity-$(date -u +%Y-%m-%d)"
usage() {
  echo "usage: $0 [--steps \"N ...\"] [--hold S] [--chromium-pairs N] [--baseline REV [--rounds R]] [--own-sockets] [--out DIR]" >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --hold) hold="$2"; shift 2 ;;
    --chromium-pairs) chromium_pairs="$2"; shift 2 ;;
    --baseline) baseline="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --own-sockets) sockets_arg=(--own-sockets); shift ;;
    *) usage ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || usage
if [[ -z "$chromium_pairs" ]]; then
  chromium_pairs=$([[ -n "$baseline" ]] && echo 0 || echo 2)
fi
if [[ -n "$baseline" ]]; then
  # Before the namespace (a restore may need the network) and before any Prosody or run, so a REV that does not build
  # stops the script at once; inside the namespace the second call finds the build and only prints its folder.
  if ! baseline_bin="$(load_lab_build_rev "$baseline")"; then
    echo "capacity: no A/B run: the baseline '$baseline' is not a commit or does not build (see above)" >&2
    exit 1
  fi
  baseline_sha="$(git -C "$here" rev-parse "$baseline^{commit}")"
fi
load_lab_netns "$0" "${args[@]}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
max=0
for n in $steps; do ((n > max)) && max=$n; done
first=8001
last=$((first + 2 * max + max / 4 + 3))
load_lab_start capacity "$first" "$last" "cap-{id}"
ticks=$(getconf CLK_TCK)
ramp=15
: > "$out/runs.jsonl"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# UDP sockets of a process: its socket descriptors whose inode is in its /proc/PID/net/udp or udp6.
udp_sockets() {
  { awk 'FNR > 1 {print "udp " $10}' "/proc/$1/net/udp" "/proc/$1/net/udp6" 2>/dev/null
    find "/proc/$1/fd" -lname 'socket:*' -printf 'fd %l\n' 2>/dev/null | sed 's/socket:\[\(.*\)\]/\1/'; } |
    awk '$1 == "udp" {u[$2] = 1} $1 == "fd" {f[$2]++} END {n = 0; for (i in f) if (i in u) n += f[i]; print n}'
}

# Runs the step's scenario (DIR/scenario.yaml, n calls) with the callbot executable BIN, reports into RUNDIR, and sets
# code, cpu, rss, per_cpu, per_rss, udp_max, breaches and load (further arguments go to `callbot load`); appends one JSON line (labelled BUILD, ROUND) to runs.jsonl.
run_step() {
  local bin="$1" rundir="$2" build="$3" round="$4" pid t0="" c0=0 t1="" c1=0 rss_sum=0 rss_n=0 active now c start udp
  shift 4 # the rest: extra arguments of `callbot load` (--own-sockets)
  udp_max=0
  mkdir -p "$rundir"
  start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  "$bin" load "$dir/scenario.yaml" --out "$rundir" --loopback-candidates --json "$@" > "$rundir/verdict.json" 2> "$rundir/progress.log" &
  pid=$!
  # Sample while all n calls are up: CPU over the window, RSS averaged.
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    active=$(grep -o 'active=[0-9]*' "$rundir/progress.log" | tail -1 | cut -d= -f2 || true)
    if [[ "${active:-0}" -ge "$n" ]]; then
      now=$(date +%s.%N); c=$(cpu_ticks "$pid")
      if [[ -z "$t0" ]]; then t0=$now; c0=$c; else t1=$now; c1=$c; fi
      rss_sum=$((rss_sum + $(rss_kb "$pid"))); rss_n=$((rss_n + 1))
      udp=$(udp_sockets "$pid"); ((udp > udp_max)) && udp_max=$udp
    fi
  done
  set +e; wait "$pid"; code=$?; set -e
  participants=$((2 * n))
  if [[ -n "$t1" ]]; then
    cpu=$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" -v hz="$ticks" 'BEGIN { printf "%.1f", (b - a) / hz / (e - s) * 100 }')
    rss=$(awk -v s="$rss_sum" -v k="$rss_n" 'BEGIN { printf "%.0f", s / k / 1024 }')
  else
    cpu=NaN; rss=NaN
  fi
  per_cpu=$(awk -v c="$cpu" -v p="$participants" 'BEGIN { printf "%.2f", c / p }')
  per_rss=$(awk -v r="$rss" -v p="$participants" 'BEGIN { printf "%.1f", r / p }')
  breaches=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("; ".join(d.get("breaches", [])) or "-")' "$rundir/verdict.json" 2>/dev/null || echo "?")
  load=$(cut -d' ' -f1 /proc/loadavg)
  python3 - "$build" "$round" "$n" "$code" "$cpu" "$rss" "$breaches" "$load" "$start" >> "$out/runs.jsonl" <<'PY'
import datetime, json, math, sys
build, rnd, n, code, cpu, rss, breaches, load, start = sys.argv[1:]
num = lambda s: None if math.isnan(float(s)) else float(s)
print(json.dumps({"build": build, "round": int(rnd), "calls": int(n), "exit": int(code), "cpu": num(cpu), "rssMb": num(rss),
                  "breaches": breaches, "load1": float(load), "startUtc": start,
                  "endUtc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}))
PY
  echo "capacity:${build:+ $build build,} $n calls ($participants participants): exit $code, CPU ${cpu}% (${per_cpu}%/participant), RSS ${rss} MB (${per_rss} MB/participant), UDP sockets ≤ $udp_max, load $load, breaches: $breaches"
}

rows=()
best=0
pair=0
for n in $steps; do
  dir="$out/step-$n"
  mkdir -p "$dir"
  users_last=$((first + 2 * n + n / 4 + 3))
  cat > "$dir/scenario.yaml" <<YAML
# Generated by scripts/load/capacity.sh: $n concurrent bot<->bot calls held for ${hold}s.
name: capacity-$n
seed: 11
chat: { endpoint: "tcp://127.0.0.1:$PROSODY_PORT", app_id: "1", domain: localhost, tls: none }
users:
  range: { from: $first, to: $users_last, login: "bot-{id}", password: "cap-{id}" }
calls:
  pattern: pairs
  duration: { fixed: $((ramp + hold + 5))s }
  answer_delay: { fixed: 100ms }
load:
  executor: concurrency
  stages:
    - { duration: ${ramp}s, target: $n }
    - { duration: ${hold}s, target: $n }
    - { duration: 1s, target: 0 }
media:
  video: { codec: vp8, width: 640, height: 360, fps: 30, bitrate_kbps: 600 }
  audio: opus
thresholds:
  call_setup_ms: ["p(95) < 1000"]
  call_success_rate: ["rate == 1"]
  video_packet_loss: ["p(99) < 0.01"]
  audio_packet_loss: ["p(99) < 0.01"]
  freezes: ["count == 0"]
YAML
  if [[ -z "$baseline" ]]; then
    run_step "$CALLBOT" "$dir" "" 1 "${sockets_arg[@]}"
    rows+=("| $n | $participants | $([[ $code == 0 ]] && echo pass || echo "FAIL ($breaches)") | $cpu | $per_cpu | $rss | $per_rss | $udp_max | $load |")
    [[ $code == 0 ]] || break
  else
    failed=0
    for ((r = 1; r <= rounds; r++)); do
      if ((pair % 2 == 0)); then order="old new"; else order="new old"; fi
      pair=$((pair + 1))
      for build in $order; do
        # The baseline build has no --own-sockets flag (it always has a socket per connection).
        if [[ $build == old ]]; then
          run_step "$baseline_bin/callbot" "$dir/old-r$r" old "$r"
        else
          run_step "$CALLBOT" "$dir/new-r$r" new "$r" "${sockets_arg[@]}"
        fi
        [[ $code == 0 ]] || failed=1
      done
    done
    # A step where either build breaks a threshold ends the run: past it one side is saturated, so CPU per participant
    # no longer compares like with like.
    ((failed == 0)) || break
  fi
  best=$n
done

chromium_json='{"skipped": "--chromium-pairs 0"}'
if ((chromium_pairs > 0)); then
  echo "capacity: Chromium, $chromium_pairs pairs…"
  chromium_json=$(node "$here/scripts/load/chromium-participants.mjs" "$chromium_pairs" "$hold")
  echo "capacity: Chromium: $chromium_json"
fi
machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
sockets="$([[ ${#sockets_arg[@]} -gt 0 ]] && echo 'a UDP socket per connection (--own-sockets)' || echo 'shared ports (single-port mode)')"
if [[ -z "$baseline" ]]; then
  {
    echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $machine, load average at start of report: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "Sockets: $sockets."
    echo
    echo "| calls | participants | thresholds | CPU % (100 = 1 core) | CPU %/participant | RSS MB | RSS MB/participant | UDP sockets (peak) | load avg |"
    echo "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Most concurrent calls with every threshold holding: **$best** ($((2 * best)) participants)."
    echo
    if ((chromium_pairs > 0)); then
      echo "Headless Chromium (fake 640x360/30 video capped at 600 kbit/s + Opus), one browser per participant: \`$chromium_json\`"
    fi
  } > "$out/capacity.md"
else
  new_rev="$(git -C "$here" rev-parse HEAD)$(git -C "$here" status --porcelain --untracked-files=no -- src | grep -q . && echo ' + uncommitted changes in src/' || true)"
  python3 "$here/scripts/load/capacity-ab-table.py" "$out/runs.jsonl" "$baseline ($baseline_sha)" "$new_rev, sockets: $sockets" "$machine" \
    "$(uptime)" "$chromium_json" > "$out/capacity.md"
fi
python3 - "$out" "$best" "$chromium_json" <<'PY'
import json, sys
out, best, chromium = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
json.dump({"bestCalls": best, "bestParticipants": 2 * best, "chromium": chromium}, open(out + "/capacity.json", "w"), indent=2)
PY
cat "$out/capacity.md"

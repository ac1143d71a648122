#!/usr/bin/env bash
# One side of cpu-ab.sh: runs the capacity scenario with N calls held HOLD s in its own network namespace and
# Prosody, and prints the process CPU over the hold window (% of one core), the share of the .NET tiered-compilation
# thread (warm-up JIT), the rest, and context switches/s. MODE "perf" also records a 20 s perf profile (run with
# PERFMAP=1 DOTNET_EnableWriteXorExecute=0 so JIT frames resolve).
#   bench/load/cpu-side.sh BIN N HOLD OUTDIR [perf]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/scripts/load/lab.sh"
load_lab_netns "$0" "$@"
bin="$1"; n="$2"; hold="$3"; dir="$4"; mode="${5:-}"
# Not load_lab_start: this runs a given build (one side of an A/B), so only the Prosody part of the lab is wanted.
LAB_WORK="$(mktemp -d /tmp/callbot-cpu-side.XXXXXX)"
trap load_lab_cleanup EXIT
first=8001
users_last=$((first + 2 * n + n / 4 + 3))
prosody_lab_start "$LAB_WORK/prosody" "$first" "$users_last" "cap-{id}"
mkdir -p "$dir"
ramp=15
ticks=$(getconf CLK_TCK)
# The scenario is capacity.sh's own (its heredoc, expanded with the same variable names), so both stay in step.
template="$(sed -n '/cat > "\$dir\/scenario.yaml" <<YAML/,/^YAML$/p' "$here/scripts/load/capacity.sh" | sed '1d;$d')"
[[ -n "$template" ]] || { echo "cpu-side: scenario heredoc not found in scripts/load/capacity.sh" >&2; exit 1; }
eval "cat > \"\$dir/scenario.yaml\" <<YAML
$template
YAML"
DOTNET_PerfMapEnabled=${PERFMAP:-0} nice -n 10 "$bin/callbot" load "$dir/scenario.yaml" --out "$dir" --loopback-candidates --json > "$dir/verdict.json" 2> "$dir/progress.log" &
pid=$!
t0=""; c0=0; t1=""; c1=0; perfstarted=""
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
jit_dump() { for f in /proc/$1/task/*/stat; do read -r line < "$f" 2>/dev/null || continue; case "$line" in *"(.NET Tiered"*) tid=${line%% *}; rest=${line##*) }; set -- $rest; echo "$tid $(( ${12} + ${13} ))";; esac; done 2>/dev/null; }
declare -A jit0 jitN
ctx() { awk '/ctxt_switches/ {s+=$2} END {print s}' /proc/$1/task/*/status 2>/dev/null || echo 0; }
while kill -0 "$pid" 2>/dev/null; do
  sleep 2
  active=$(grep -o 'active=[0-9]*' "$dir/progress.log" | tail -1 | cut -d= -f2 || true)
  if [[ "${active:-0}" -ge "$n" ]]; then
    now=$(date +%s.%N); c=$(cpu_ticks "$pid")
    while read -r tid tk; do [[ -n "$tid" ]] || continue; if [[ -z "$t0" ]]; then jit0[$tid]=$tk; fi; jitN[$tid]=$tk; done < <(jit_dump $pid)
    if [[ -z "$t0" ]]; then t0=$now; c0=$c; x0=$(ctx $pid)
      if [[ "$mode" == perf && -z "$perfstarted" ]]; then perfstarted=1; perf record -F 499 -g -p "$pid" -o "$dir/perf.data" -- sleep 20 > "$dir/perf.log" 2>&1 & fi
    else t1=$now; c1=$c; x1=$(ctx $pid); fi
  fi
done
set +e; wait "$pid"; code=$?; set -e
cpu=$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" -v hz="$ticks" 'BEGIN { printf "%.1f", (b - a) / hz / (e - s) * 100 }')
cs=$(awk -v a="$x0" -v b="$x1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", (b - a) / (e - s) }')
jt=0; for tid in "${!jitN[@]}"; do jt=$(( jt + ${jitN[$tid]} - ${jit0[$tid]:-0} )); done
jit=$(awk -v j="$jt" -v s="$t0" -v e="$t1" -v hz="$ticks" 'BEGIN { printf "%.1f", j / hz / (e - s) * 100 }')
nojit=$(awk -v c="$cpu" -v j="$jit" 'BEGIN { printf "%.1f", c - j }')
echo "n=$n exit=$code cpu=$cpu% jit=$jit% cpu_minus_jit=$nojit% per_participant=$(awk -v c=$cpu -v n=$n 'BEGIN{printf "%.3f", c/(2*n)}') ctxsw/s=$cs load=$(cut -d' ' -f1 /proc/loadavg) breaches=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("; ".join(d.get("breaches", [])) or "-")' "$dir/verdict.json" 2>/dev/null || echo "?")" | tee "$dir/result.txt"
true

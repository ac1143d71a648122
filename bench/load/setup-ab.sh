#!/usr/bin/env bash
# Clean-link regression check of two callbot builds on capacity.sh's scenario: the sides run one after another
# (A, B, A, B …: both at N calls at once would measure a saturated machine), each with cpu-side.sh in its own network
# namespace and Prosody, and one line per run gives the thresholds, setup p50/p95 and CPU, then the median per side.
#   bench/load/setup-ab.sh [--calls 200] [--hold 30] [--rounds 2] [--out DIR] BIN_A BIN_B
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
calls=200
hold=30
rounds=2
out="$(mktemp -d /tmp/callbot-setup-ab.XXXXXX)"
usage() { echo "usage: $0 [--calls N] [--hold S] [--rounds R] [--out DIR] BIN_A BIN_B" >&2; exit 2; }
while [[ $# -gt 2 ]]; do
  case "$1" in
    --calls) calls="$2"; shift 2 ;;
    --hold) hold="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[[ $# -eq 2 ]] || usage
mkdir -p "$out"
declare -A bins=([A]="$1" [B]="$2")
for ((r = 1; r <= rounds; r++)); do
  for side in A B; do
    dir="$out/$side-$r"
    "$here/cpu-side.sh" "${bins[$side]}" "$calls" "$hold" "$dir" > "$dir.log" 2>&1 || true
    python3 - "$dir" "$side" "$r" <<'PY' | tee -a "$out/runs.txt"
import json, sys
d, side, r = sys.argv[1], sys.argv[2], sys.argv[3]
rep = json.load(open(d + "/report.json"))
verdict = json.load(open(d + "/verdict.json"))
s = rep["metrics"]["call_setup_ms"]["summary"]
ok = rep["metrics"]["call_success_rate"]["summary"]["rate"]
res = open(d + "/result.txt").read().split()
cpu = next((x.split("=")[1] for x in res if x.startswith("cpu=")), "?")
print(f"{side} round {r}: passed={verdict['passed']} success={ok * 100:.1f}% setup p50={s['med']:.0f} ms p95={s['p95']:.0f} ms cpu={cpu} breaches={'; '.join(verdict.get('breaches', [])) or '-'}")
PY
  done
done
python3 - "$out/runs.txt" <<'PY'
import re, statistics, sys
p95 = {"A": [], "B": []}
for line in open(sys.argv[1]):
    m = re.match(r"(A|B) round \d+: .* p95=(\d+) ms", line)
    if m:
        p95[m.group(1)].append(float(m.group(2)))
a, b = statistics.median(p95["A"]), statistics.median(p95["B"])
print(f"setup p95 median: A {a:.0f} ms, B {b:.0f} ms, B/A {b / a:.2f}")
PY

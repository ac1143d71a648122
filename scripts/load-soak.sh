#!/usr/bin/env bash
# The 1-hour soak: 50 concurrent cycling calls (docs/load/soak-50.yaml) against the local Prosody fixture, report kept
# under docs/soak/<date>/. Needs the worker's `callbot load` command (CallBot.Load wired into CallBot.Worker).
#   scripts/load-soak.sh [scenario.yaml] [output-dir]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scenario="${1:-$here/docs/load/soak-50.yaml}"
out="${2:-$here/docs/soak/$(date -u +%Y-%m-%d)}"
mkdir -p "$out"
dotnet build "$here/src/CallBot.Worker" -c Release -v quiet -clp:ErrorsOnly
set +e
dotnet run -c Release --no-build --project "$here/src/CallBot.Worker" -- load "$scenario" -o "$out"
code=$?
set -e
echo "load-soak: exit $code, report in $out/report.html"
exit $code

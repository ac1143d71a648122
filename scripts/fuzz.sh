#!/usr/bin/env bash
# Long property/fuzz run over the parsers remote parties feed (issue 16): the WebSocket XML path, the SCRAM
# server-first parser and ChatJid (tests/CallBot.Signaling.Tests/Hostile/FuzzTests.cs). The suite runs 3,000
# samples per property; this runs FUZZ_ITERATIONS each (default 1,000,000) and prints iterations, time and escapes
# (samples that threw anything but the documented rejection, or hung: CsCheck stops at the first and shrinks it).
#   scripts/fuzz.sh                      FUZZ_ITERATIONS=200000 scripts/fuzz.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
iterations="${FUZZ_ITERATIONS:-1000000}"
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

if ! build_log="$(dotnet build "$here/tests/CallBot.Signaling.Tests" -v q -nologo 2>&1)"; then echo "$build_log" | tail -20; exit 2; fi
start=$(date +%s)
set +e
CALLBOT_FUZZ_ITERATIONS="$iterations" dotnet test "$here/tests/CallBot.Signaling.Tests" --no-build \
  --filter "FullyQualifiedName~CallBot.Signaling.Tests.Hostile.FuzzTests" \
  --logger "trx;LogFileName=fuzz.trx" --results-directory "$results" >"$results/out.txt" 2>&1
code=$?
set -e
elapsed=$(( $(date +%s) - start ))
trx="$results/fuzz.trx"
passed=$( (grep -o 'outcome="Passed"' "$trx" 2>/dev/null || true) | wc -l)
failed=$( (grep -o 'outcome="Failed"' "$trx" 2>/dev/null || true) | wc -l)
echo "fuzz: iterations_per_property=$iterations properties_passed=$passed escapes=$failed seconds=$elapsed"
(grep -o 'testName="[^"]*" [^>]*duration="[^"]*"' "$trx" 2>/dev/null || true) | sed -E 's/testName="[^"]*\.([^".]*)" .*duration="([^"]*)"/  \1 \2/'
if [ "$code" -ne 0 ]; then
  grep -E "Error Message|Failed " -A8 "$results/out.txt" | head -60
fi
exit "$code"

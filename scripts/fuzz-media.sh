#!/usr/bin/env bash
# Long run of the media-plane property tests (issue 16): each CsCheck property runs for a time budget instead of the
# suite's fixed iterations. Prints CsCheck's per-property summary (iterations, time) and fails on the first escape,
# which CsCheck reports shrunk with its seed (replay it with CALLBOT_FUZZ_SEED=<seed>).
#   scripts/fuzz-media.sh          60 s per property
#   scripts/fuzz-media.sh 600      10 min per property
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export CALLBOT_FUZZ_SECONDS="${1:-60}"
properties="FullyQualifiedName~TurnResponsePropertyTests|FullyQualifiedName~AnnexBPropertyTests"
status=0
for project in tests/CallBot.Rtc.Tests tests/CallBot.Recording.Tests; do
  dotnet build "$project" -c Debug -nologo -v quiet -clp:ErrorsOnly
  dotnet test "$project" -c Debug --no-build --nologo --filter "$properties" \
    --logger "console;verbosity=detailed" 2>&1 | grep -E "Passed|Failed|iterations|Seed|seed|Error|Total" || status=$?
done
exit $status

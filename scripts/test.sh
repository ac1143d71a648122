#!/usr/bin/env bash
# Runs every test: installs prerequisites, builds, then runs the suites inside a private network namespace
# that has only a loopback interface, so no test can send a packet anywhere but 127.0.0.1/::1.
#   scripts/test.sh                         every test except the long ones (Category=Slow, e.g. 10-minute sync runs);
#                                           tests that measure real-time smoothness in Chromium (Category=RunsAlone)
#                                           run after the parallel suite, on their own
#   scripts/test.sh --filter Category=Slow  only the long ones; any other dotnet test arguments work too
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
scripts/setup.sh
results="$here/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
dotnet build CallBot.sln -c Debug -nologo -v quiet -clp:ErrorsOnly

run_tests() {
  # -m:1: one test assembly at a time. Many tests are real-time (browsers, media, timers); two cores shared by several
  # assemblies at once turned their waits into flaky failures, and the whole suite still fits well within 30 minutes.
  dotnet test CallBot.sln -c Debug --no-build --nologo -m:1 \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
    --blame-hang-timeout 10m "$@"
}
export -f run_tests
export results
export CALLBOT_TEST_ARTIFACTS="$results" # screenshots and other files tests keep (TestArtifacts)

in_lo_namespace() {
  if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
    unshare --net -- bash -c 'ip link set lo up && run_tests "$@"' _ "$@"
  else
    echo "test: not root, running in the host network namespace (tests bind to loopback only)" >&2
    run_tests "$@"
  fi
}

status=0
if [ $# -eq 0 ]; then
  in_lo_namespace --filter "Category!=Slow&Category!=RunsAlone" || status=$?
  in_lo_namespace --filter "Category=RunsAlone" || status=$?
else
  in_lo_namespace "$@" || status=$?
fi
scripts/summarize-trx.sh "$results"
exit $status

#!/usr/bin/env bash
# The preamble shared by scripts/load/capacity.sh and soak.sh: re-run in a private network namespace (only `lo`), start a
# private Prosody with the run's accounts, and build the worker in Release and run it from a copy (rebuilding the
# worktree during an hours-long run must not swap assemblies under it). Cleans everything up on exit.
#   source scripts/load/lab.sh
#   load_lab_netns "$0" "$@"                       # first line: re-execs the script inside `unshare --net` once
#   load_lab_start NAME FIRST LAST PASSWORD_PATTERN # sets LAB_WORK, CALLBOT (the built binary), PROSODY_PORT
#   load_lab_on_exit PID                           # also stop this helper (e.g. a sampler loop) on exit
set -euo pipefail
LAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$LAB_ROOT/scripts/load/prosody-lab.sh"
LAB_HELPERS=()

load_lab_netns() {
  local script="$1"
  shift
  if [[ -z "${CALLBOT_LOAD_NETNS:-}" ]]; then
    "$LAB_ROOT/scripts/setup.sh" >&2 # Prosody, Chromium and the real SDK on a fresh machine (idempotent), before the
                                      # namespace cuts the network off
    export CALLBOT_LOAD_NETNS=1
    exec unshare --net bash -c 'ip link set lo up && exec "$0" "$@"' "$script" "$@"
  fi
}

load_lab_start() {
  local name="$1" first="$2" last="$3" pattern="$4"
  LAB_WORK="$(mktemp -d "/tmp/callbot-$name.XXXXXX")"
  trap load_lab_cleanup EXIT
  prosody_lab_start "$LAB_WORK/prosody" "$first" "$last" "$pattern"
  dotnet build "$LAB_ROOT/src/CallBot.Worker" -c Release -v quiet -clp:ErrorsOnly
  cp -r "$LAB_ROOT/src/CallBot.Worker/bin/Release/net10.0" "$LAB_WORK/bin"
  CALLBOT="$LAB_WORK/bin/callbot"
}

load_lab_on_exit() {
  LAB_HELPERS+=("$1")
}

load_lab_cleanup() {
  local pid
  for pid in "${LAB_HELPERS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  prosody_lab_stop
  if [[ -n "${LAB_WORK:-}" ]]; then
    rm -rf "$LAB_WORK"
  fi
}

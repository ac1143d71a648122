#!/usr/bin/env bash
# The preamble shared by scripts/load/capacity.sh and soak.sh: re-run in a private network namespace (only `lo`), start a
# private Prosody with the run's accounts, and build the worker in Release and run it from a copy (rebuilding the
# worktree during an hours-long run must not swap assemblies under it). Cleans everything up on exit.
#   source scripts/load/lab.sh
#   load_lab_netns "$0" "$@"                       # first line: re-execs the script inside `unshare --net` once
#   load_lab_start NAME FIRST LAST PASSWORD_PATTERN # sets LAB_WORK, CALLBOT (the built binary), PROSODY_PORT
#   load_lab_on_exit PID                           # also stop this helper (e.g. a sampler loop) on exit
#   load_lab_build_rev REV                         # prints the folder of REV's Release callbot, built once (A/B runs)
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

# Builds commit REV of this repository in Release in a detached git worktree of its own and prints the folder holding its
# callbot executable. Idempotent: the build lives under $CALLBOT_BASELINE_ROOT (default /tmp/callbot-baseline)/<commit>
# and a later call reuses it; bin/ appears only once a build succeeded (copied, then renamed), so a failed or interrupted
# build is never taken for a good one. Call it before load_lab_netns: a restore may need the network. Fails, naming REV
# and the build log, if REV is not a commit or does not build.
load_lab_build_rev() {
  local rev="$1" sha root
  if ! sha="$(git -C "$LAB_ROOT" rev-parse --verify --quiet "$rev^{commit}")"; then
    echo "load_lab_build_rev: '$rev' is not a commit of $LAB_ROOT" >&2
    return 1
  fi
  root="${CALLBOT_BASELINE_ROOT:-/tmp/callbot-baseline}/$sha"
  if [[ -x "$root/bin/callbot" ]]; then
    echo "load_lab_build_rev: reusing the build of $rev ($sha) in $root/bin" >&2
    echo "$root/bin"
    return 0
  fi
  mkdir -p "$root"
  if [[ ! -e "$root/tree/.git" ]]; then
    git -C "$LAB_ROOT" worktree prune # a worktree whose folder was deleted (e.g. /tmp cleared) still blocks its path
    git -C "$LAB_ROOT" worktree add --quiet --detach "$root/tree" "$sha" >&2
  fi
  echo "load_lab_build_rev: building $rev ($sha) in Release (log: $root/build.log)" >&2
  if ! dotnet build "$root/tree/src/CallBot.Worker" -c Release -v quiet -clp:ErrorsOnly > "$root/build.log" 2>&1; then
    tail -n 20 "$root/build.log" >&2
    echo "load_lab_build_rev: $rev ($sha) does not build; full log: $root/build.log" >&2
    return 1
  fi
  rm -rf "$root/bin.partial"
  cp -r "$root/tree/src/CallBot.Worker/bin/Release/net10.0" "$root/bin.partial"
  mv "$root/bin.partial" "$root/bin"
  echo "$root/bin"
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

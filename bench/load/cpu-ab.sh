#!/usr/bin/env bash
# Same-conditions CPU comparison of two callbot builds (or one build under two environments): both run the capacity
# scenario of scripts/load/capacity.sh side by side, each in its own network namespace with its own Prosody, so both see
# the same machine load. Prints one line per side (see cpu-side.sh).
#   bench/load/cpu-ab.sh [--calls 100] [--hold 30] [--out DIR] BIN_A BIN_B
# BIN_x is a folder holding the callbot executable (a copy of src/CallBot.Worker/bin/Release/net10.0). Extra environment
# for one side: CPU_AB_ENV_A="NAME=value ...", CPU_AB_ENV_B=... Repeated pairs on the shared 2-core machine differ by a few
# percent; run at least two pairs and swap the sides.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
calls=100
hold=30
out="$(mktemp -d /tmp/callbot-cpu-ab.XXXXXX)"
usage() { echo "usage: $0 [--calls N] [--hold S] [--out DIR] BIN_A BIN_B" >&2; exit 2; }
while [[ $# -gt 2 ]]; do
  case "$1" in
    --calls) calls="$2"; shift 2 ;;
    --hold) hold="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[[ $# -eq 2 ]] || usage
mkdir -p "$out/A" "$out/B"
# shellcheck disable=SC2086 # the environment lists are word-split on purpose
env ${CPU_AB_ENV_A:-} "$here/cpu-side.sh" "$1" "$calls" "$hold" "$out/A" > "$out/A.txt" 2>&1 &
a=$!
# shellcheck disable=SC2086
env ${CPU_AB_ENV_B:-} "$here/cpu-side.sh" "$2" "$calls" "$hold" "$out/B" > "$out/B.txt" 2>&1 &
b=$!
wait "$a" || true
wait "$b" || true
echo "A ($1 ${CPU_AB_ENV_A:-}): $(tail -1 "$out/A.txt")"
echo "B ($2 ${CPU_AB_ENV_B:-}): $(tail -1 "$out/B.txt")"

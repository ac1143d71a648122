#!/usr/bin/env bash
# Idle peer connections per process (issue 21, must-show 2): N ICE agents connected pairwise over loopback inside one
# process, then idle (consent checks only); prints file descriptors, sockets, RSS and CPU while idle.
#   scripts/bench/idle-connections.sh                               5,000 connections, single-port mode, 30 s idle
#   scripts/bench/idle-connections.sh --connections 500 --own-sockets   a socket per connection, for comparison
# As root it runs in a fresh network namespace that has only `lo`.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/CallBot.Benchmarks -c Release -nologo -v quiet -clp:ErrorsOnly
run=(dotnet run -c Release --no-build --project bench/CallBot.Benchmarks -- idle-connections "$@")
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
  exec unshare --net -- bash -c 'ip link set lo up && exec "$@"' _ "${run[@]}"
fi
exec "${run[@]}"

#!/usr/bin/env bash
# Upload throughput and CPU per GB of the recording uploader (docs/performance.md §Upload).
#   scripts/bench/upload.sh [MiB=1024] [part MiB=8] [parallel parts=4]
# Starts a private s3rver (tests/s3, scripts/setup.sh) on a free loopback port, writes a random file of MiB, and runs the
# uploader child (tests/CallBot.Delivery.TestHost: the product's delivery services in a host) under /usr/bin/time.
# Prints wall time, MB/s, and the uploader's user+sys CPU seconds per GB (hashing, MD5 per part, SigV4 payload hash, HTTP).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mib="${1:-1024}"; part="${2:-8}"; parallel="${3:-4}"
dotnet build "$here/tests/CallBot.Delivery.TestHost" -c Release --nologo -v q >/dev/null
work="$(mktemp -d /tmp/callbot-upload-bench.XXXXXX)"
trap 'kill "$s3pid" 2>/dev/null || true; rm -rf "$work"' EXIT
port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
node "$here/tests/s3/node_modules/s3rver/bin/s3rver.js" -d "$work/s3" -a 127.0.0.1 -p "$port" --silent --no-vhost-buckets --configure-bucket recordings &
s3pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
mkdir -p "$work/rec/d/bench"
head -c "$((mib * 1024 * 1024))" /dev/urandom > "$work/rec/d/bench/1.webm"
cat > "$work/rec/d/bench/session.json" <<JSON
{"sessionId":"bench","startedAtUtc":"2026-12-07T00:00:00Z","finalizeStatus":"completed","participants":[{"userId":"1","file":"d/bench/1.webm","status":"Completed"}]}
JSON
cat > "$work/config.json" <<JSON
{"CallBot":{"Upload":{"Enabled":true,"ServiceUrl":"http://127.0.0.1:$port","Bucket":"recordings","AccessKey":"S3RVER","SecretKey":"S3RVER",
 "PartSizeMiB":$part,"MaxConcurrentParts":$parallel,"JournalDirectory":"$work/journal"}}}
JSON
dll="$(ls "$here"/tests/CallBot.Delivery.TestHost/bin/Release/net*/CallBot.Delivery.TestHost.dll | head -1)"
/usr/bin/time -f "%e %U %S" -o "$work/time" dotnet "$dll" "$work/config.json" "$work/rec/d/bench/session.json" "$work/rec" >/dev/null
read -r wall user sys < "$work/time"
python3 - "$mib" "$wall" "$user" "$sys" "$part" "$parallel" <<'PY'
import sys
mib, wall, user, sys_ = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
gb = mib / 1024
print(f"file {mib:.0f} MiB, parts {sys.argv[5]} MiB x {sys.argv[6]} in flight")
print(f"wall {wall:.1f} s  throughput {mib / wall:.1f} MiB/s")
print(f"uploader CPU user {user:.1f} s + sys {sys_:.1f} s = {(user + sys_) / gb:.1f} CPU-s per GiB (process start ~0.3 s included)")
PY

#!/usr/bin/env bash
# Prints the failed tests (name and first lines of the message), then one closing line,
# "tests: N passed, N failed, N skipped", summed over every TRX file in a folder.
set -euo pipefail
dir="${1:?results folder}"
passed=0; failed=0; skipped=0
shopt -s nullglob
for f in "$dir"/*.trx; do
  line=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  get() { echo "$line" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$f" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
root = ET.parse(sys.argv[1]).getroot()
for r in root.iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") in ("Passed", "NotExecuted"):
        continue
    msg = r.find("./t:Output/t:ErrorInfo/t:Message", ns)
    text = (msg.text or "").strip().splitlines() if msg is not None else []
    print(f"FAILED {r.get('testName')} [{r.get('duration')}]")
    for l in text[:12]:
        print(f"    {l}")
for m in root.iterfind(".//t:ResultSummary/t:RunInfos/t:RunInfo", ns):
    if m.get("outcome") in ("Error", "Failed"):
        t = m.find("./t:Text", ns)
        print(f"RUN {m.get('outcome')}: {(t.text or '').strip()[:600] if t is not None else ''}")
PY
  fi
done
echo "tests: $passed passed, $failed failed, $skipped skipped"

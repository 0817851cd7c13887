#!/usr/bin/env bash
# Run ADL's LRS conformance suite against a fresh Proficio, beside the project (never inside it).
#   scripts/conformance.sh SUITE_DIR [sqlite|postgres] [XAPI_VERSION]
# SUITE_DIR is a checkout of adlnet/lrs-conformance-test-suite with `npm install` done.
# For postgres, PROFICIO_CONFORMANCE_PG (default postgresql://postgres@127.0.0.1:5432) names a
# server where a database `proficio_conformance` may be dropped and created.
# PROFICIO_XAPI_VERSIONS (default 1.0.3,2.0.0) is passed to the server: the 1.0.3 suite expects
# a request without a version header to be answered as 1.0.3, the 2.0 suite as 2.0.0, so each
# suite passes completely only when its version is the newest served (docs/conformance.md).
set -euo pipefail
suite=$(cd "$1" && pwd); backend=${2:-sqlite}; version=${3:-1.0.3}
root=$(cd "$(dirname "$0")/.." && pwd); bin="$root/.venv/bin"
work=$(mktemp -d); port=$((20000 + RANDOM % 20000))
if [ "$backend" = postgres ]; then
  pg=${PROFICIO_CONFORMANCE_PG:-postgresql://postgres@127.0.0.1:5432}
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS proficio_conformance" -c "CREATE DATABASE proficio_conformance"
  db="$pg/proficio_conformance"
else
  db="$work/conformance.db"
fi
cred=$("$bin/proficio" credentials create --name conformance --scopes all --json --db "$db")
key=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["key"])' "$cred")
secret=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["secret"])' "$cred")
"$bin/proficio" serve --db "$db" --port "$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/xapi/about" >/dev/null && break; sleep 0.2; done
cd "$suite"
timeout 1500 node bin/console_runner.js -x "$version" -e "http://127.0.0.1:$port/xapi" -a -u "$key" -p "$secret" \
  >"$work/runner.out" 2>&1 || true
echo "xAPI versions served: ${PROFICIO_XAPI_VERSIONS:-1.0.3,2.0.0}"
grep '"total"' "$work/runner.out" | tail -1
log=$(ls -t logs/*.log | head -1)
python3 - "$log" <<'PY'
import collections, json, sys
failed = []
def walk(node, path):
    for t in node.get("tests") or []:
        if t.get("tests"):
            walk(t, path + [t.get("title", "")])
        elif t.get("status") == "failed" or t.get("error"):
            failed.append((path + [t.get("title", "")], str(t.get("error")).split("\n")[0]))
walk(json.load(open(sys.argv[1]))["log"], [])
for group, count in collections.Counter(p[0] for p, _ in failed).most_common():
    print(f"{count:4d} failed  {group}")
PY
echo "server log: $work/server.log; runner log: $suite/$log"

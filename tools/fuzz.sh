#!/usr/bin/env bash
# Runs the KQL parser fuzzer for SECONDS (default 60), seeded with the corpus queries.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
seeds=corpus/parse_kql
mkdir -p "$seeds"
python3 - "$seeds" <<'PY'
import glob, hashlib, os, sys, yaml
out = sys.argv[1]
for path in glob.glob("../../shared/corpus/**/*.yaml", recursive=True):
    try:
        q = yaml.safe_load(open(path, encoding="utf-8")).get("query")
    except Exception:
        continue
    if isinstance(q, str):
        name = hashlib.sha1(q.encode()).hexdigest()
        open(os.path.join(out, name), "w", encoding="utf-8").write(q)
PY
# cargo-fuzz passes nightly-only flags; the machine's stable compiler accepts them this way.
RUSTC_BOOTSTRAP=1 cargo fuzz run parse_kql "$seeds" -- -max_total_time="$seconds" -max_len=8192

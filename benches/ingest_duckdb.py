#!/usr/bin/env python3
"""Ingest side by side with DuckDB: the same Streaming API JSON lines into Parquet, one thread.

Usage (the input is the one `cargo bench --bench ingest` builds, kept with an env variable):

    LAKEHUNT_BENCH_KEEP_INPUT=/tmp/stream16.json cargo bench --bench ingest
    cargo build --release --bin lakehunt
    python3 benches/ingest_duckdb.py "$CARGO_TARGET_DIR/release/lakehunt" /tmp/stream16.json [RUNS]

The two run in turn, RUNS times (3 by default), so that the machine's swings fall on both.
DuckDB (the `duckdb` Python package, `threads=1`) copies `read_json` into one zstd Parquet
file. Its tables' keys differ, so it must read the whole file to infer a schema
(`sample_size=-1`); a `DESCRIBE` of the same `read_json` times that inference alone, and the
report gives DuckDB with and without it. lakehunt does more than the copy: it sorts each
table's rows by Timestamp, writes one file per table and day, checks every value against the
catalog's types, and hashes the file. Prints medians and their ratios.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def duckdb_copy(duckdb, source: str, work: str) -> tuple[float, float]:
    """Seconds for DuckDB's copy, and for its schema inference alone."""
    con = duckdb.connect()
    con.execute("SET threads=1")
    scan = f"read_json('{source}', format='newline_delimited', sample_size=-1)"
    target = os.path.join(work, "duckdb.parquet")
    start = time.perf_counter()
    con.execute(f"COPY (SELECT * FROM {scan}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
    copy = time.perf_counter() - start
    start = time.perf_counter()
    con.execute(f"DESCRIBE SELECT * FROM {scan}")
    inference = time.perf_counter() - start
    con.close()
    os.remove(target)
    return copy, inference


def lakehunt_ingest(binary: str, source: str, work: str) -> float:
    """Seconds for `lakehunt ingest` into a fresh lake."""
    lake = os.path.join(work, "lake")
    start = time.perf_counter()
    subprocess.run([binary, "ingest", "--lake", lake, "-q", source], check=True)
    elapsed = time.perf_counter() - start
    shutil.rmtree(lake)
    return elapsed


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    binary, source = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) == 4 else 3
    try:
        import duckdb
    except ImportError:
        print("ingest_duckdb.py: the duckdb Python package is not installed", file=sys.stderr)
        return 1
    copies, without, ours = [], [], []
    with tempfile.TemporaryDirectory() as work:
        for _ in range(runs):
            copy, inference = duckdb_copy(duckdb, source, work)
            copies.append(copy)
            without.append(copy - inference)
            ours.append(lakehunt_ingest(binary, source, work))
    m = statistics.median
    print(f"DuckDB {duckdb.__version__}: {m(copies):.2f} s ({m(without):.2f} s without schema inference); "
          f"lakehunt: {m(ours):.2f} s; medians of {runs}")
    print(f"lakehunt is {m(without) / m(ours):.2f}x as fast as DuckDB without inference, {m(copies) / m(ours):.2f}x with it")
    return 0


if __name__ == "__main__":
    sys.exit(main())

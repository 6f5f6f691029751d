#!/usr/bin/env python3
"""Times `pii-audit derive-owners` against the same as-of join in DuckDB (ASOF JOIN) on
the same CDN log, alternating runs in one process; checks that both give every row the
same owner and origin time, and that both equal the generator's truth (exposure.parquet).

usage: derive.py DATA_DIR [--runs N]     (DATA_DIR from `pii-audit generate --cdn`)
"""
import argparse, os, statistics, subprocess, sys, time

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peak import run as peak_run  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "pii-audit")

# The same rule as pii-audit: key = normalised path (scheme/host, query, fragment and
# trailing slash dropped); origin = MISS or PASS; a cached row takes the latest origin row
# of its key at or before it, an origin at the same instant counting as before, and among
# origins at one instant the later in the log. DuckDB's ASOF has one inequality, so time
# and log position are folded into one HUGEINT: origins at (µs, row), cached rows at
# (µs, after every row).
SQL = """
COPY (
WITH raw AS (
  SELECT row_number() OVER () AS n, ts, path, viewer_id, cache_status FROM read_parquet('{cdn}')),
cdn AS (
  SELECT n, ts, path, viewer_id, cache_status,
    upper(trim(cache_status)) IN ('MISS', 'PASS') AS is_origin,
    coalesce(nullif(regexp_replace(regexp_replace(regexp_replace(path,
      '^[^/]*://[^/?#]*', ''), '[?#].*$', ''), '/+$', ''), ''), '/') AS key,
    epoch_us(ts)::HUGEINT * 100000000 AS pos
  FROM raw),
origins AS (SELECT key, pos + n AS pos, ts AS origin_ts, viewer_id AS origin_viewer FROM cdn WHERE is_origin),
cached AS (SELECT *, pos + 99999999 AS pos_end FROM cdn)
SELECT c.ts, c.path,
  CASE WHEN c.is_origin THEN nullif(c.viewer_id, '') ELSE nullif(o.origin_viewer, '') END AS owner_id,
  c.viewer_id, c.cache_status,
  CASE WHEN c.is_origin THEN c.ts ELSE o.origin_ts END AS origin_ts
FROM cached c ASOF LEFT JOIN origins o ON c.key = o.key AND c.pos_end >= o.pos
ORDER BY c.ts, c.n
) TO '{out}' (FORMAT parquet)
"""


def run_pii(cdn, out):
    cmd = [BIN, "derive-owners", "-e", cdn, "-o", out]
    elapsed, peak, err = peak_run(cmd, {**os.environ, "PII_AUDIT_TIMINGS": "1"})
    timings = next((l for l in err.splitlines() if l.startswith("timings:")), "")
    return elapsed, peak, timings


def run_duck(cdn, out):
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(SQL.format(cdn=cdn, out=out))
    con.close()
    return time.perf_counter() - start


def mismatches(a, b):
    """Rows (by position) whose owner or origin time differ, and the two row counts."""
    con = duckdb.connect()
    n_a = con.execute(f"SELECT count(*) FROM read_parquet('{a}')").fetchone()[0]
    n_b = con.execute(f"SELECT count(*) FROM read_parquet('{b}')").fetchone()[0]
    bad = con.execute(f"""
      SELECT count(*) FROM (SELECT ts, path, viewer_id, coalesce(owner_id, '') AS o FROM read_parquet('{a}')) x
      POSITIONAL JOIN (SELECT ts, path, viewer_id, coalesce(owner_id, '') AS o FROM read_parquet('{b}')) y
      WHERE x.ts IS DISTINCT FROM y.ts OR x.path IS DISTINCT FROM y.path
         OR x.viewer_id IS DISTINCT FROM y.viewer_id OR x.o IS DISTINCT FROM y.o""").fetchone()[0]
    con.close()
    return bad, n_a, n_b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    cdn = os.path.join(a.data, "cdn.parquet")
    truth = os.path.join(a.data, "exposure.parquet")
    pii_out, duck_out = "/tmp/bench-derive-pii.parquet", "/tmp/bench-derive-duck.parquet"
    pii_times, duck_times, rss, timings = [], [], [], []
    for _ in range(a.runs):
        t, r, tm = run_pii(cdn, pii_out)
        pii_times.append(t); rss.append(r); timings.append(tm)
        duck_times.append(run_duck(cdn, duck_out))
    rows = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{cdn}')").fetchone()[0]
    same_duck = mismatches(pii_out, duck_out)
    same_truth = mismatches(pii_out, truth)
    p, d = statistics.median(pii_times), statistics.median(duck_times)
    print(f"data: {cdn} ({rows} rows)  runs: {a.runs} (alternating)")
    print(f"rows differing from DuckDB (ts, path, viewer, owner): {same_duck[0]} of {same_duck[1]} / {same_duck[2]}")
    print(f"rows differing from the generator's truth: {same_truth[0]} of {same_truth[1]} / {same_truth[2]}")
    print(f"pii-audit derive-owners: median {p:.3f}s (min {min(pii_times):.3f}s), peak RSS {max(rss):.0f} MiB")
    print(f"DuckDB {duckdb.__version__} ASOF JOIN:  median {d:.3f}s (min {min(duck_times):.3f}s)")
    print(f"ratio pii-audit / DuckDB: {p / d:.2f}")
    print(f"pii-audit stage split (last run): {timings[-1]}")
    if same_duck[0] or same_truth[0] or len({rows, same_duck[1], same_duck[2]}) != 1:
        sys.exit(1)


if __name__ == "__main__":
    main()

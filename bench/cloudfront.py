#!/usr/bin/env python3
"""Times `pii-audit derive-owners --log-format cloudfront` on a folder of CloudFront
standard log files (gzip, as AWS delivers them) against DuckDB doing the same parse
(tab-separated, two header lines, date + time, the URL-encoded cs(Cookie)'s session) and
as-of join by (edge location, path), alternating runs in one process. pii-audit runs as
the generated incident's README says (`--cache-key path --max-age 70s`, CloudFront's
defaults otherwise: a shared tier behind the edge locations, arrivals from time-taken),
so it does more than DuckDB's join, which pins every hit on its edge's latest miss by the
logged end times: the figures say how many rows pii-audit found cached, ambiguous and
unattributed.

usage: cloudfront.py DATA_DIR [--runs N] [--memory-limit SIZE] [--tmp-dir DIR] [--pii-only]
(DATA_DIR from `pii-audit generate --cdn --log-format cloudfront`; PII_AUDIT_BIN names the
binary, else $CARGO_TARGET_DIR/release/pii-audit)
"""
import argparse, glob, os, statistics, subprocess, sys, time

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peak import run as peak_run  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("PII_AUDIT_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "pii-audit")

FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
          "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id "
          "x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher "
          "x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port "
          "time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
          "sc-range-start sc-range-end").split()

SQL = """
COPY (
WITH raw AS (
  SELECT row_number() OVER () AS n, * FROM read_csv('{files}', delim='\t', header=false,
    skip=2, quote='', escape='', columns={columns}, all_varchar=true)),
cdn AS (
  SELECT n, strptime("date" || ' ' || "time", '%Y-%m-%d %H:%M:%S') AS ts,
    "cs-uri-stem" AS path, "x-edge-location" AS node,
    nullif(regexp_extract(url_decode("cs(Cookie)"), '(?:^|;)\\s*session=([^;]*)', 1), '') AS viewer_id,
    "x-edge-result-type" AS cache_status,
    "x-edge-result-type" = 'Miss' AS is_origin,
    coalesce(nullif(regexp_replace(regexp_replace(regexp_replace("cs-uri-stem",
      '^[^/]*://[^/?#]*', ''), '[?#].*$', ''), '/+$', ''), ''), '/') AS key
  FROM raw),
origins AS (SELECT node, key, ts AS origin_ts, viewer_id AS origin_viewer FROM cdn WHERE is_origin)
SELECT c.ts, c.path,
  CASE WHEN c.is_origin THEN c.viewer_id ELSE o.origin_viewer END AS owner_id,
  c.viewer_id, c.cache_status, c.node AS cache_node
FROM cdn c ASOF LEFT JOIN origins o ON c.node = o.node AND c.key = o.key AND c.ts >= o.origin_ts
ORDER BY c.ts, c.n
) TO '{out}' (FORMAT parquet)
"""


def run_pii(folder, out, extra):
    cmd = [BIN, "derive-owners", "-e", folder, "--log-format", "cloudfront",
           "--viewer", "cookie:session", "--cache-key", "path", "--max-age", "70s", "-o", out,
           *extra]
    elapsed, peak, err = peak_run(cmd)
    if err.strip():
        print(err.strip(), file=sys.stderr)
    return elapsed, peak


def run_duck(files, out):
    start = time.perf_counter()
    con = duckdb.connect()
    columns = "{" + ", ".join(f"'{f}': 'VARCHAR'" for f in FIELDS) + "}"
    con.execute(SQL.format(files=files, columns=columns, out=out))
    con.close()
    return time.perf_counter() - start


def attributions(pii):
    """pii-audit's rows by attribution."""
    con = duckdb.connect()
    return dict(con.execute(f"""
      SELECT attribution, count(*) FROM read_parquet('{pii}') GROUP BY ALL""").fetchall())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--memory-limit", help="passed to derive-owners")
    ap.add_argument("--tmp-dir", help="passed to derive-owners")
    ap.add_argument("--pii-only", action="store_true", help="no DuckDB runs")
    ap.add_argument("--out", default="/tmp/bench-cf-pii.parquet", help="pii-audit's output")
    a = ap.parse_args()
    extra = []
    if a.memory_limit:
        extra += ["--memory-limit", a.memory_limit]
    if a.tmp_dir:
        extra += ["--tmp-dir", a.tmp_dir]
    folder = os.path.join(a.data, "cdn")
    files = os.path.join(folder, "*.gz")
    n_files = len(glob.glob(files))
    pii_out, duck_out = a.out, "/tmp/bench-cf-duck.parquet"
    pii_times, duck_times, rss = [], [], []
    for _ in range(a.runs):
        t, r = run_pii(folder, pii_out, extra)
        pii_times.append(t); rss.append(r)
        if not a.pii_only:
            duck_times.append(run_duck(files, duck_out))
    counts = attributions(pii_out)
    p = statistics.median(pii_times)
    rows = sum(counts.values())
    print(f"data: {folder} ({n_files} gzip files, {rows} rows)  runs: {a.runs} (alternating)")
    print("pii-audit's attribution: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"pii-audit derive-owners --log-format cloudfront {' '.join(extra)}: median {p:.3f}s (min {min(pii_times):.3f}s), peak RSS {max(rss):.0f} MiB")
    if duck_times:
        d = statistics.median(duck_times)
        print(f"DuckDB {duckdb.__version__} read_csv + ASOF JOIN: median {d:.3f}s (min {min(duck_times):.3f}s)")
        print(f"ratio pii-audit / DuckDB: {p / d:.2f}")


if __name__ == "__main__":
    main()

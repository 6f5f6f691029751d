#!/usr/bin/env python3
"""Times `pii-audit report users` against the same computation in DuckDB SQL, on the
same files, alternating runs in one process so machine noise hits both alike. Also
checks that both produce the same users (tier, exposures, distinct viewers, fields).

usage: compare.py DATA_DIR [--runs N] [--from T --to T] [--variant NAME=ARGS ...]

Each --variant is one more way of running pii-audit (extra arguments, e.g.
`streaming=--streaming=on`), timed in the same alternation; without any, pii-audit runs
once per round with its defaults.
"""
import argparse, csv, os, re, subprocess, sys, time, statistics

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peak import run as peak_run  # noqa: E402
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("PII_AUDIT_BIN") or os.path.join(ROOT, "target", "release", "pii-audit")


def reader(log):
    """DuckDB's reader of the log, every column as text for CSV and NDJSON (as pii-audit
    reads them; `ts` is cast to an instant in the query)."""
    columns = "{'ts': 'VARCHAR', 'path': 'VARCHAR', 'owner_id': 'VARCHAR', 'viewer_id': 'VARCHAR'}"
    if log.endswith(".csv"):
        return f"read_csv('{log}', header=true, columns={columns})"
    if log.endswith(".ndjson") or log.endswith(".jsonl"):
        return f"read_json('{log}', format='newline_delimited', columns={columns})"
    return f"read_parquet('{log}')"


def route_regex(route):
    body = route.rstrip("/")
    if body == "":
        return "^/$"
    out = ""
    for seg in body[1:].split("/"):
        if seg.startswith("{*"):
            out += "(/.*)?"
        elif seg.startswith("{"):
            out += "/[^/]+"
        else:
            out += "/" + re.escape(seg)
    return "^" + out + "$"


def route_rank(route):
    body = route.rstrip("/")
    segs = [] if body == "" else body[1:].split("/")
    return tuple(2 if s.startswith("{*") else 1 if s.startswith("{") else 0 for s in segs)


def sql_for(inventory, log, registered, window):
    fields = list(inventory["fields"].keys())
    bit = {f: 1 << i for i, f in enumerate(fields)}
    direct = sum(bit[f] for f, d in inventory["fields"].items() if d.get("direct_notice"))
    everything = sum(bit.values())
    pages = inventory["pages"]
    # Most specific first: sorting routes by their rank tuple makes the first match the
    # most specific one for every path (same rule as the contract).
    ordered = sorted(pages, key=lambda p: route_rank(p["route"]))
    case = "CASE " + " ".join(
        f"WHEN regexp_full_match(np, '{route_regex(p['route'])}') THEN '{p['id']}'" for p in ordered
    ) + " END"
    masks = ", ".join(f"('{p['id']}', {sum(bit[f] for f in p.get('fields', []))}::UBIGINT)" for p in pages)
    with open(registered) as fh:
        header = next(csv.reader(fh))
    reg_terms = []
    for f in fields:
        if f in header:
            reg_terms.append(f"CASE WHEN lower(trim({f})) IN ('false','0','no') THEN 0 ELSE {bit[f]} END")
        else:
            reg_terms.append(str(bit[f]))
    reg_mask = " + ".join(reg_terms)
    where = ""
    if window:
        where = f"AND ts::TIMESTAMPTZ >= '{window[0]}'::TIMESTAMPTZ AND ts::TIMESTAMPTZ < '{window[1]}'::TIMESTAMPTZ"
    def field_list(mask):
        items = ", ".join(f"CASE WHEN {mask} & {bit[f]} <> 0 THEN '{f}' END" for f in sorted(fields))
        return f"array_to_string(list_filter([{items}], lambda x: x IS NOT NULL), ';')"
    return f"""
WITH log AS (
  SELECT ts::TIMESTAMPTZ AS ts, path, owner_id, NULLIF(viewer_id, '') AS viewer_id FROM {reader(log)}
  WHERE owner_id IS NOT NULL AND owner_id <> '' {where}),
paths AS (SELECT DISTINCT path FROM log),
norm AS (
  SELECT path, CASE WHEN n = '' THEN '/' ELSE n END AS np FROM (
    SELECT path, regexp_replace(regexp_replace(regexp_replace(path,
      '^[^/]*://[^/?#]*', ''), '[?#].*$', ''), '/+$', '') AS n FROM paths)),
matched AS (SELECT path, {case} AS page_id FROM norm),
pm AS (SELECT * FROM (VALUES {masks}) t(page_id, pm)),
reg AS (SELECT user_id, ({reg_mask})::UBIGINT AS reg FROM read_csv('{registered}', all_varchar = true)),
rows AS (
  SELECT l.ts, l.owner_id, l.viewer_id, m.page_id,
         pm.pm & COALESCE(reg.reg, {everything}::UBIGINT) AS dm
  FROM log l JOIN matched m USING (path) JOIN pm USING (page_id)
  LEFT JOIN reg ON reg.user_id = l.owner_id),
e AS (SELECT *, (viewer_id IS NULL OR viewer_id <> owner_id) AS exposure FROM rows WHERE dm <> 0),
u AS (
  SELECT owner_id AS user_id,
    COALESCE(bit_or(dm) FILTER (WHERE exposure), 0) AS exp, bit_or(dm) AS pot,
    count(*) FILTER (WHERE exposure) AS exposures,
    count(DISTINCT viewer_id) FILTER (WHERE exposure)
      + count(*) FILTER (WHERE exposure AND viewer_id IS NULL) AS distinct_viewers,
    min(ts) FILTER (WHERE exposure) AS first_exposed,
    max(ts) FILTER (WHERE exposure) AS last_exposed,
    array_to_string(list_sort(list(DISTINCT page_id) FILTER (WHERE exposure)), ';') AS pages
  FROM e GROUP BY owner_id)
SELECT user_id,
  CASE WHEN exp & {direct} <> 0 THEN 'direct' WHEN exp <> 0 THEN 'notice' ELSE 'potential' END AS tier,
  {field_list('exp')} AS exposed_fields, {field_list('pot')} AS potential_fields,
  exposures, distinct_viewers, first_exposed, last_exposed, pages
FROM u
ORDER BY CASE WHEN exp & {direct} <> 0 THEN 0 WHEN exp <> 0 THEN 1 ELSE 2 END,
  distinct_viewers DESC, exposures DESC, user_id
"""


def run_pii(args, out):
    cmd = [BIN, "report", "users", *args, "--format", "csv", "-o", out]
    elapsed, peak, err = peak_run(cmd, {**os.environ, "PII_AUDIT_TIMINGS": "1"})
    timings = next((l for l in err.splitlines() if l.startswith("timings:")), "")
    return elapsed, peak, timings


def run_duck(sql, out):
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"COPY ({sql}) TO '{out}' (HEADER, DELIMITER ',')")
    con.close()
    return time.perf_counter() - start


def key_rows(path, columns):
    with open(path) as fh:
        return [tuple(r[c] for c in columns) for r in csv.DictReader(fh)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--from", dest="start")
    ap.add_argument("--to", dest="end")
    ap.add_argument("--variant", action="append", default=[])
    ap.add_argument("--log", default="exposure.parquet", help="the log file in DATA_DIR")
    a = ap.parse_args()
    variants = [(v.split("=", 1)[0], v.split("=", 1)[1].split()) for v in a.variant] or [("pii-audit", [])]
    inv_path = os.path.join(a.data, "inventory.yaml")
    log = os.path.join(a.data, a.log)
    reg = os.path.join(a.data, "registered.csv")
    with open(inv_path) as fh:
        inventory = yaml.safe_load(fh)
    window = (a.start, a.end) if a.start else None
    sql = sql_for(inventory, log, reg, window)
    args = ["-i", inv_path, "-e", log, "-r", reg]
    if window:
        args += ["--from", a.start, "--to", a.end]
    duck_out = "/tmp/bench-duck.csv"
    times = {name: [] for name, _ in variants}
    rss = {name: [] for name, _ in variants}
    timings = {name: "" for name, _ in variants}
    duck_times = []
    cols = ["user_id", "tier", "exposed_fields", "potential_fields", "exposures", "distinct_viewers", "pages"]
    same = True
    out = {name: f"/tmp/bench-pii-{name}.csv" for name, _ in variants}
    for _ in range(a.runs):
        for name, extra in variants:
            t, r, tm = run_pii(args + extra, out[name])
            times[name].append(t); rss[name].append(r); timings[name] = tm
        duck_times.append(run_duck(sql, duck_out))
        expected = key_rows(duck_out, cols)
        same = same and all(key_rows(out[name], cols) == expected for name, _ in variants)
    rows = sum(1 for _ in open(out[variants[0][0]])) - 1
    d = statistics.median(duck_times)
    print(f"data: {a.data}  window: {window or 'all rows'}  runs: {a.runs} (alternating)")
    print(f"users in report: {rows}; same users, tiers, counts and fields as DuckDB: {same}")
    for name, extra in variants:
        p = statistics.median(times[name])
        label = "pii-audit report users" if name == "pii-audit" else f"pii-audit {name} ({' '.join(extra) or 'defaults'})"
        print(f"{label}: median {p:.3f}s (min {min(times[name]):.3f}s), peak RSS {max(rss[name]):.0f} MiB")
        print(f"  ratio to DuckDB: {p / d:.2f}; stage split (last run): {timings[name]}")
    print(f"DuckDB {duckdb.__version__} same SQL: median {d:.3f}s (min {min(duck_times):.3f}s)")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Compares two derived logs (Parquet) position by position: row n of one against row n of
the other, every column with IS DISTINCT FROM (DuckDB). Prints the row counts and how many
positions differ.

usage: same_rows.py A.parquet B.parquet
"""
import duckdb, sys
a, b = sys.argv[1], sys.argv[2]
con = duckdb.connect()
cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{a}')").fetchall()]
na = con.execute(f"SELECT count(*) FROM read_parquet('{a}')").fetchone()[0]
nb = con.execute(f"SELECT count(*) FROM read_parquet('{b}')").fetchone()[0]
cond = " OR ".join(f'x."{c}" IS DISTINCT FROM y."{c}"' for c in cols)
q = f"""WITH x AS (SELECT row_number() OVER () n, * FROM read_parquet('{a}')),
y AS (SELECT row_number() OVER () n, * FROM read_parquet('{b}'))
SELECT count(*) FROM x JOIN y USING (n) WHERE {cond}"""
con.execute("SET preserve_insertion_order=true")
d = con.execute(q).fetchone()[0]
print(f"rows {na} vs {nb}; columns {len(cols)}; positions differing: {d}")

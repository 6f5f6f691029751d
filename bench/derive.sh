#!/usr/bin/env bash
# Reproduces BENCHMARKS.md "derive-owners": builds the release binary, generates the
# synthetic incident with its CDN view (`pii-audit generate --cdn`), and times
# `derive-owners` against DuckDB's ASOF JOIN on the same file.
#   bench/derive.sh                 # 5,000,000 rows, 54,180 users
#   ROWS=1000000 bench/derive.sh    # another size
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-54180}
ROWS=${ROWS:-5000000}
RUNS=${RUNS:-5}
DATA=bench/data/cdn-$USERS-$ROWS
BIN=${CARGO_TARGET_DIR:-target}/release/pii-audit
cargo build --release --quiet
if [ ! -f "$DATA/cdn.parquet" ]; then
  /usr/bin/env time -f "generate --cdn: %e s, peak %M KiB" \
    "$BIN" generate --cdn --users "$USERS" --rows "$ROWS" --seed 2017 --out-dir "$DATA"
fi
python3 -c 'import duckdb' 2>/dev/null || pip install --quiet duckdb
python3 bench/derive.py "$DATA" --runs "$RUNS"

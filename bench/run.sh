#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: builds the release binary, generates the synthetic incident
# with `pii-audit generate`, and times `report users` against DuckDB on the same files.
#   bench/run.sh                 # 5,000,000 rows, 54,180 users
#   ROWS=1000000 bench/run.sh    # another size
# The binary is taken from $CARGO_TARGET_DIR when it is set (as cargo does).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-54180}
ROWS=${ROWS:-5000000}
RUNS=${RUNS:-5}
DATA=bench/data/$USERS-$ROWS
cargo build --release --quiet
export PII_AUDIT_BIN="${CARGO_TARGET_DIR:-target}/release/pii-audit"
if [ ! -f "$DATA/exposure.parquet" ]; then
  /usr/bin/env time -f "generate: %e s, peak %M KiB" \
    "$PII_AUDIT_BIN" generate --users "$USERS" --rows "$ROWS" --seed 2017 --out-dir "$DATA"
fi
python3 -c 'import duckdb, yaml' 2>/dev/null || pip install --quiet duckdb pyyaml
python3 bench/compare.py "$DATA" --runs "$RUNS" \
  --from 2017-06-22T09:00:00+09:00 --to 2017-06-22T15:00:00+09:00

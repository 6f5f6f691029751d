#!/usr/bin/env bash
# Issue 6's table: `report users` on 1M, 5M and 50M rows (users = rows / 100), read whole
# and streamed, against DuckDB on the same files in the same alternation (bench/compare.py).
#   bench/scale.sh                      # 1M, 5M and 50M rows, 3 runs each
#   SIZES="1000000" RUNS=5 bench/scale.sh
# The binary is taken from $CARGO_TARGET_DIR when it is set (as cargo does).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1000000 5000000 50000000"}
RUNS=${RUNS:-3}
cargo build --release --quiet
export PII_AUDIT_BIN="${CARGO_TARGET_DIR:-target}/release/pii-audit"
python3 -c 'import duckdb, yaml' 2>/dev/null || pip install --quiet duckdb pyyaml
for ROWS in $SIZES; do
  USERS=$((ROWS / 100))
  DATA=bench/data/$USERS-$ROWS
  if [ ! -f "$DATA/exposure.parquet" ]; then
    /usr/bin/env time -f "generate $ROWS rows: %e s, peak %M KiB" \
      "$PII_AUDIT_BIN" generate --users "$USERS" --rows "$ROWS" --seed 2017 --out-dir "$DATA"
  fi
  echo "== $ROWS rows, $USERS users, $(du -h "$DATA/exposure.parquet" | cut -f1) Parquet"
  python3 bench/compare.py "$DATA" --runs "$RUNS" \
    --from 2017-06-22T09:00:00+09:00 --to 2017-06-22T15:00:00+09:00 \
    --variant "whole=--streaming=off" --variant "streaming=--streaming=on"
done

#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: builds the release binary, generates the synthetic incident
# with `pii-audit generate`, and times `report users` against DuckDB on the same files,
# for each kind of log users feed it: Parquet with native times, Parquet with text times,
# CSV and NDJSON (text times, as exports carry them).
#   bench/run.sh                          # 5,000,000 rows, 54,180 users, every kind
#   ROWS=50000000 KINDS=csv bench/run.sh  # another size, some kinds
# The binary is taken from $CARGO_TARGET_DIR when it is set (as cargo does).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-54180}
ROWS=${ROWS:-5000000}
RUNS=${RUNS:-5}
KINDS=${KINDS:-parquet parquet-text csv ndjson}
cargo build --release --quiet
export PII_AUDIT_BIN="${CARGO_TARGET_DIR:-target}/release/pii-audit"
python3 -c 'import duckdb, yaml' 2>/dev/null || pip install --quiet duckdb pyyaml
for kind in $KINDS; do
  case $kind in
    parquet) DATA=bench/data/$USERS-$ROWS; flags=(); log=exposure.parquet ;;
    parquet-text) DATA=bench/data/$USERS-$ROWS-text; flags=(--ts-text); log=exposure.parquet ;;
    csv) DATA=bench/data/$USERS-$ROWS-csv; flags=(--log-format csv); log=exposure.csv ;;
    ndjson) DATA=bench/data/$USERS-$ROWS-ndjson; flags=(--log-format ndjson); log=exposure.ndjson ;;
    *) echo "unknown kind $kind (parquet, parquet-text, csv, ndjson)" >&2; exit 2 ;;
  esac
  if [ ! -f "$DATA/$log" ]; then
    /usr/bin/env time -f "generate $kind: %e s, peak %M KiB" \
      "$PII_AUDIT_BIN" generate --users "$USERS" --rows "$ROWS" --seed 2017 "${flags[@]}" --out-dir "$DATA"
  fi
  echo "== $kind"
  python3 bench/compare.py "$DATA" --log "$log" --runs "$RUNS" \
    --from 2017-06-22T09:00:00+09:00 --to 2017-06-22T15:00:00+09:00
done

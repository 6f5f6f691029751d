#!/usr/bin/env bash
# Reproduces BENCHMARKS.md "derive-owners on CloudFront logs as delivered": builds the
# release binary, writes the synthetic incident's CDN log as CloudFront standard log files
# (`pii-audit generate --cdn --log-format cloudfront`), and times `derive-owners` against
# DuckDB's read_csv + ASOF JOIN on the same gzip files.
#   bench/cloudfront.sh                 # 5,000,000 rows, 54,180 users
#   ROWS=1000000 bench/cloudfront.sh    # another size
#   DATA=/work/data/cloudfront-300000-50000000 RUNS=1 bench/cloudfront.sh --memory-limit 1GiB
#     (an existing folder; the arguments go to cloudfront.py: --memory-limit, --tmp-dir,
#     --pii-only; PII_AUDIT_BIN names another binary)
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-54180}
ROWS=${ROWS:-5000000}
RUNS=${RUNS:-5}
DATA=${DATA:-bench/data/cloudfront-$USERS-$ROWS}
BIN=${PII_AUDIT_BIN:-${CARGO_TARGET_DIR:-target}/release/pii-audit}
[ -n "${PII_AUDIT_BIN:-}" ] || cargo build --release --quiet
if [ ! -d "$DATA/cdn" ]; then
  /usr/bin/env time -f "generate --cdn --log-format cloudfront: %e s, peak %M KiB" \
    "$BIN" generate --cdn --log-format cloudfront --users "$USERS" --rows "$ROWS" --seed 2017 --out-dir "$DATA"
fi
python3 -c 'import duckdb' 2>/dev/null || pip install --quiet duckdb
PII_AUDIT_BIN=$BIN python3 bench/cloudfront.py "$DATA" --runs "$RUNS" "$@"

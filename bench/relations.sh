#!/usr/bin/env bash
# Issue 9: `report users` with a relations table of 1,000,000 rows against the same command
# without it, on the 5,000,000-row synthetic incident. Runs alternate; medians printed.
#   bench/relations.sh                      # 5,000,000 rows, 1,000,000 relations, 5 runs each
#   RELATIONS=200000 RUNS=3 bench/relations.sh
# The binary is taken from $CARGO_TARGET_DIR when it is set (as cargo does).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-54180}
ROWS=${ROWS:-5000000}
RELATIONS=${RELATIONS:-1000000}
RUNS=${RUNS:-5}
DATA=${DATA:-bench/data/$USERS-$ROWS-relations-$RELATIONS}
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/pii-audit"
if [ ! -f "$DATA/relations.parquet" ]; then
  "$BIN" generate --users "$USERS" --rows "$ROWS" --seed 2017 --relations "$RELATIONS" --out-dir "$DATA"
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
run() { # $1 = label, rest = extra flags; prints elapsed seconds
  local label=$1; shift
  /usr/bin/env time -f "%e %M" -o "$OUT/time" "$BIN" report users -i "$DATA/inventory.yaml" \
    -e "$DATA/exposure.parquet" -r "$DATA/registered.csv" "$@" \
    --from 2017-06-22T09:00:00+09:00 --to 2017-06-22T15:00:00+09:00 --tz Asia/Tokyo \
    -o "$OUT/$label.csv" 2>/dev/null
  read -r secs kib < "$OUT/time"
  echo "$label $secs $kib"
}
for i in $(seq "$RUNS"); do
  run without
  run with --relations "$DATA/relations.parquet"
done | tee "$OUT/runs"
python3 - "$OUT/runs" "$OUT" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label, secs, kib = line.split()
    runs.setdefault(label, []).append((float(secs), int(kib)))
med = {k: statistics.median(s for s, _ in v) for k, v in runs.items()}
for k, v in runs.items():
    print(f"{k:8} relations: median {med[k]:.2f}s (min {min(s for s, _ in v):.2f}s), peak RSS {max(m for _, m in v) // 1024} MiB")
print(f"ratio with/without: {med['with'] / med['without']:.2f}x")
users = {k: sum(1 for _ in open(f"{sys.argv[2]}/{k}.csv")) - 1 for k in runs}
print("users in report:", users)
PY

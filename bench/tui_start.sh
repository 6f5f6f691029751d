#!/usr/bin/env bash
# Time to first frame and time to data of the real TUI, in a real terminal (tmux):
# launches `pii-audit tui` on a generated incident and polls the screen every 10 ms.
#   bench/tui_start.sh [DATA_DIR]     (default bench/data/54180-5000000, made by bench/run.sh)
#   LOG=exposure.csv bench/tui_start.sh bench/data/54180-5000000-csv    (another log in DATA_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-bench/data/54180-5000000}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/pii-audit}
RUNS=${RUNS:-5}
[ -x "$BIN" ] || cargo build --release --quiet
LOG=${LOG:-exposure.parquet}
[ -f "$DATA/$LOG" ] || { echo "no $DATA/$LOG: run bench/run.sh first" >&2; exit 2; }
socket=pii-audit-bench-$$
trap 'tmux -L $socket kill-server 2>/dev/null || true' EXIT
now() { date +%s.%N; }
for run in $(seq "$RUNS"); do
  tmux -L "$socket" kill-server 2>/dev/null || true
  start=$(now)
  tmux -L "$socket" new-session -d -s b -x 120 -y 40 "$BIN" tui -i "$DATA/inventory.yaml" \
    -e "$DATA/$LOG" -r "$DATA/registered.csv" \
    --from 2017-06-22T09:00:00+09:00 --to 2017-06-22T15:00:00+09:00 --tz "${TZ_FLAG:-Asia/Tokyo}"
  first="" data=""
  while [ -z "$data" ]; do
    screen=$(tmux -L "$socket" capture-pane -p -t b 2>/dev/null || true)
    t=$(now)
    if [ -z "$first" ] && grep -q "pii-audit" <<<"$screen"; then first=$t; fi
    if grep -q "headline figures" <<<"$screen"; then data=$t; fi
    if awk -v a="$start" -v b="$t" 'BEGIN{exit !(b-a>120)}'; then echo "timed out" >&2; exit 1; fi
    sleep 0.01
  done
  tmux -L "$socket" send-keys -t b q
  awk -v s="$start" -v f="$first" -v d="$data" -v r="$run" \
    'BEGIN{printf "run %d: first frame %.3f s, data on screen %.3f s\n", r, f-s, d-s}'
  sleep 0.5
done

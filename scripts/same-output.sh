#!/usr/bin/env bash
# Runs every batch command of two pii-audit binaries on the same inputs and compares what
# they wrote, byte for byte: the proof that a change which should not alter behaviour did
# not. The inputs are the bundled sample incident and a generated 1,000,000-row incident
# (with relations and a CDN log), written once by the first binary.
#
#   scripts/same-output.sh BEFORE_BINARY AFTER_BINARY [WORK_DIR]
#
# Exit 0 when every output is identical; otherwise the differing files are listed (exit 1).
# Every command's stdout, stderr, exit code and files are compared; the one line left out
# is the notices summary's "Written <time> by pii-audit", and the notices folder's time of
# the run and time left before each deadline (the clock's, not the program's).
set -euo pipefail
before=$(realpath "$1")
after=$(realpath "$2")
work=${3:-$(mktemp -d)}
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${ROWS:-1000000}
users=${USERS:-54180}
mkdir -p "$work"

# The inputs, made once.
inputs="$work/inputs"
if [ ! -d "$inputs/big" ]; then
  mkdir -p "$inputs"
  cp -r "$root/sample-data" "$inputs/sample"
  "$before" generate --users "$users" --rows "$rows" --relations 100000 --cdn --out-dir "$inputs/big" >/dev/null
  "$before" generate --users 300 --rows 5000 --log-format csv --relations 400 --cdn --out-dir "$inputs/small-csv" >/dev/null
  "$before" generate --users 300 --rows 5000 --log-format ndjson --out-dir "$inputs/small-ndjson" >/dev/null
fi

# The audit's tables, as the CLI lists them (`report --help`: its subcommands, less the
# two that take flags of their own, regulator and window, run after the tables).
mapfile -t tables < <("$after" report --help | awk '/^Commands:/ {on = 1; next} on && NF == 0 {on = 0} on && $1 != "help" && $1 != "regulator" && $1 != "window" {print $1}')
[ ${#tables[@]} -gt 0 ] || { echo "no reports listed by $after report --help" >&2; exit 2; }

# Every command of one binary, each output in a file of its own (stdout, stderr, exit code).
run_all() {
  local bin=$1 out=$2
  rm -rf "$out"
  mkdir -p "$out"
  local n=0
  step() {
    n=$((n + 1))
    local name
    name=$(printf '%03d' "$n")
    set +e
    (cd "$out" && "$bin" "$@") >"$out/$name.out" 2>"$out/$name.err"
    echo $? >"$out/$name.code"
    set -e
    printf '%s\n' "$*" >"$out/$name.args"
  }
  local s="$inputs/sample" b="$inputs/big" c="$inputs/small-csv" j="$inputs/small-ndjson"
  local sample=(-i "$s/inventory.yaml" -e "$s/exposure.csv" -r "$s/registered.csv"
    --from 2017-06-22T09:00:00+09:00 --to 2017-06-22T15:00:00+09:00 --tz Asia/Tokyo)
  local big=(-i "$b/inventory.yaml" -e "$b/exposure.parquet" -r "$b/registered.csv")
  for kind in "${tables[@]}"; do
    for format in table csv json ndjson; do
      step report "$kind" "${sample[@]}" --format "$format"
    done
    step report "$kind" "${sample[@]}" -o "sample-$kind.parquet"
    step report "$kind" "${big[@]}" -o "big-$kind.csv"
    step report "$kind" "${big[@]}" --relations "$b/relations.parquet" -o "big-rel-$kind.csv"
    step report "$kind" -i "$b/inventory.yaml" -e "$b/cdn.parquet" --derive-owners -o "big-cdn-$kind.csv"
    step report "$kind" -i "$c/inventory.yaml" -e "$c/exposure.csv" -r "$c/registered.csv" --relations "$c/relations.csv" --format csv
    step report "$kind" -i "$j/inventory.yaml" -e "$j/exposure.ndjson" -r "$j/registered.csv" --format csv
  done
  step report regulator "${sample[@]}" --jurisdiction appi --as-of 2017-06-23T10:00:00+09:00
  step report regulator "${sample[@]}" --jurisdiction gdpr --lang ja --stage final --as-of 2017-06-23T10:00:00+09:00 -o regulator.html
  step report window -i "$b/inventory.yaml" -e "$b/cdn.parquet" --derive-owners --format csv
  step report users "${big[@]}" --streaming=on -o big-streamed-users.csv
  for user in $(cut -d, -f1 "$s/registered.csv" | sed -n '2,4p'); do
    step check "$user" "${sample[@]}"
    step check "$user" "${sample[@]}" --lang ja
  done
  step notices "${sample[@]}" --out-dir notices-sample --tiers direct,notice,potential
  step notices "${big[@]}" --out-dir notices-big --format parquet
  step inventory check "$s/inventory.yaml"
  step inventory check "$s/inventory.yaml" -e "$s/exposure.csv" --tz Asia/Tokyo --suggest
  step inventory check "$b/inventory.yaml" -e "$b/exposure.parquet"
  cp "$s/inventory.yaml" "$out/fmt.yaml"
  step inventory fmt fmt.yaml --comments-to-notes
  step derive-owners -e "$b/cdn.parquet" -o derived.parquet
  step derive-owners -e "$c/cdn.csv" -o derived.csv
  step generate --users 50 --rows 400 --relations 30 --cdn --out-dir generated
  # Bad input: the same refusals, word for word.
  step report users -i "$s/inventory.yaml" -e "$s/registered.csv"
  step report users -i "$s/exposure.csv" -e "$s/exposure.csv"
  step check nobody "${sample[@]}"
  find "$out" -name summary.md -exec sed -i '/^Written .* by pii-audit /d' {} +
  # `notices` counts the deadlines from the time it runs: that time and the time left are
  # the clock's, not the program's (the incident's own times are years before the run).
  find "$out" -path '*/notices-*' -type f \( -name '*.md' -o -name '*.html' \) -exec sed -i -E \
    -e "s/$(date +%Y)-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})/<run time>/g" \
    -e 's/[0-9]+d [0-9]{2}h [0-9]{2}m/<time left>/g' {} +
}

run_all "$before" "$work/before"
run_all "$after" "$work/after"
if diff -r -q "$work/before" "$work/after"; then
  echo "identical: $(find "$work/before" -type f | wc -l) files in $work/before and $work/after"
else
  echo "outputs differ (above)" >&2
  exit 1
fi

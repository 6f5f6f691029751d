#!/usr/bin/env bash
# The warehouse chain with the spark-sql CLI: a raw CDN log, owners derived
# (derive_owners.sql), reduced (aggregate_exposure.sql), written as Parquet folders that
# pii-audit opens as they are. The same chain as spark_chain.py, for a shell on a cluster.
#
# usage: sql/spark_sql_chain.sh RAW_CDN_LOG OUT_DIR FROM TO [spark-sql options...]
#   RAW_CDN_LOG  Parquet (a file, or a lake partitioned by dt=/hour=) with ts, path,
#                viewer_id, cache_status; NODE=cache_node names its edge-location column
#                (default: none, the whole log is one cache)
#   OUT_DIR      gets derived/ and aggregated/
#   FROM, TO     the window, e.g. 2017-06-22T09:00:00+09:00
# The SQL files' comments are left out (the CLI splits statements at every `;`), and the
# window is pasted into aggregate_exposure.sql as TIMESTAMP literals.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
raw=$(realpath -m "$1") out=$(realpath -m "$2") from=$3 to=$4
shift 4
node=${NODE:-CAST(NULL AS STRING)}
body() { grep -v '^--' "$here/$1"; }
# spark-sql leaves a Derby metastore (metastore_db/, derby.log) in its working
# directory: it runs in a scratch one, so the caller's folder stays as it was.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
script=$scratch/chain.sql
{
  echo "CREATE TEMPORARY VIEW raw_cdn_log AS SELECT ts, path, viewer_id, cache_status,"
  echo "  $node AS cache_node, CAST(NULL AS STRING) AS method,"
  echo "  monotonically_increasing_id() AS seq FROM parquet.\`$raw\`;"
  echo "INSERT OVERWRITE DIRECTORY '$out/derived' USING parquet"
  body derive_owners.sql
  echo ";"
  echo "CREATE TEMPORARY VIEW raw_exposure_log AS SELECT * FROM parquet.\`$out/derived\`;"
  echo "INSERT OVERWRITE DIRECTORY '$out/aggregated' USING parquet"
  body aggregate_exposure.sql | sed "s/:from_ts/TIMESTAMP '$from'/g; s/:to_ts/TIMESTAMP '$to'/g"
  echo ";"
} > "$script"
cd "$scratch"
spark-sql --conf spark.sql.session.timeZone=UTC \
  --conf spark.sql.parquet.outputTimestampType=TIMESTAMP_MICROS \
  --conf spark.ui.enabled=false "$@" -f "$script"

#!/usr/bin/env python3
"""The warehouse chain on Apache Spark: a raw CDN log, owners derived
(sql/derive_owners.sql), reduced to the aggregated log (sql/aggregate_exposure.sql or
aggregate_exposure_per_minute.sql), written as Parquet folders pii-audit opens as they are.

usage: spark_chain.py RAW_CDN_LOG OUT_DIR --from T --to T [--per-minute] [--master local[2]]

RAW_CDN_LOG: Parquet (a file, or a folder such as a lake partitioned by dt=/hour=) with
ts, path, viewer_id, cache_status and optionally cache_node (the edge location). The
log's order gives `seq`, which only breaks ties between responses logged at one instant.
OUT_DIR gets `derived/` (the exposure log with owners) and `aggregated/` (one row per
path, owner and viewer, with requests and first/last time), each as Spark writes a
folder: part-*.parquet, _SUCCESS and .crc files. Then, for example:

    pii-audit report users -i inventory.yaml -e OUT_DIR/aggregated --from T --to T
    pii-audit tui -i inventory.yaml -e OUT_DIR/derived

T: RFC 3339 (2017-06-22T09:00:00+09:00). The tests run this script (tests/it/spark.rs).
"""
import argparse
import datetime
import os

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

SQL = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("out")
    ap.add_argument("--from", dest="start", required=True)
    ap.add_argument("--to", dest="end", required=True)
    ap.add_argument("--per-minute", action="store_true",
                    help="aggregate per minute too (pii-audit can then draw the timeline)")
    ap.add_argument("--master", default="local[2]")
    a = ap.parse_args()
    spark = (SparkSession.builder.master(a.master).appName("pii-audit chain")
             .config("spark.sql.session.timeZone", "UTC")
             # Parquet's standard timestamps (Spark's default is the legacy INT96).
             .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    raw = spark.read.parquet(a.raw)
    if "cache_node" not in raw.columns:
        raw = raw.withColumn("cache_node", F.lit(None).cast("string"))
    if "method" not in raw.columns:
        raw = raw.withColumn("method", F.lit(None).cast("string"))
    raw.withColumn("seq", F.monotonically_increasing_id()).createOrReplaceTempView("raw_cdn_log")
    derive = open(os.path.join(SQL, "derive_owners.sql")).read()
    derived_dir = os.path.join(a.out, "derived")
    spark.sql(derive).write.mode("overwrite").parquet(derived_dir)
    spark.read.parquet(derived_dir).createOrReplaceTempView("raw_exposure_log")
    name = "aggregate_exposure_per_minute" if a.per_minute else "aggregate_exposure"
    aggregate = open(os.path.join(SQL, f"{name}.sql")).read()
    window = {"from_ts": datetime.datetime.fromisoformat(a.start),
              "to_ts": datetime.datetime.fromisoformat(a.end)}
    spark.sql(aggregate, args=window).write.mode("overwrite").parquet(
        os.path.join(a.out, "aggregated"))
    spark.stop()


if __name__ == "__main__":
    main()

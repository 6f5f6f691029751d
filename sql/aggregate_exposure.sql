-- pii-audit: reduce a raw exposure log to the aggregated input pii-audit reads.
--
-- One row per distinct (path, owner_id, viewer_id) served in the window [:from_ts, :to_ts),
-- with how many responses it stands for and the first and last of them:
--
--   path, owner_id, viewer_id, requests, first_ts, last_ts
--
-- pii-audit gives exactly the same users, fields, pages, unmapped and summary reports
-- from this as from the raw rows (every figure is a count, a distinct count, a min or a
-- max). For the timeline too, use aggregate_exposure_per_minute.sql.
--
-- Standard SQL: runs as is on Spark SQL, Trino, BigQuery and DuckDB. Before running:
--   * `raw_exposure_log`: your table or view with ts (a TIMESTAMP, UTC or with zone),
--     path, owner_id, viewer_id. Rename in the SELECT if your columns are called
--     otherwise, or keep your names and pass `--column` to pii-audit.
--   * :from_ts and :to_ts: the incident window, inclusive and exclusive, as timestamps.
--     Named parameter markers as Spark SQL (spark.sql(query, args={...})) and DuckDB ($name)
--     bind them; on BigQuery write @from_ts/@to_ts, on Trino use PREPARE ... EXECUTE ...
--     USING with ? markers, or paste TIMESTAMP '2017-06-22 00:00:00 UTC' literals.
-- Run pii-audit with the same --from/--to (or none): a row is kept only when all its
-- responses fall in pii-audit's window, and one that straddles it is refused.
--
-- Rows without an owner are kept (pii-audit counts them as skipped, as for a raw log).
-- Paths are grouped as served: pii-audit normalises them (query strings, trailing
-- slashes, full URLs) itself.

SELECT
    path,
    owner_id,
    viewer_id,
    COUNT(*) AS requests,
    MIN(ts)  AS first_ts,
    MAX(ts)  AS last_ts
FROM raw_exposure_log
WHERE ts >= :from_ts
  AND ts <  :to_ts
GROUP BY path, owner_id, viewer_id

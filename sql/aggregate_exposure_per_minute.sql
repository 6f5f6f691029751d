-- pii-audit: as aggregate_exposure.sql, one row per distinct (path, owner_id, viewer_id)
-- and minute, so that pii-audit can also draw the timeline (report timeline, the TUI's
-- chart). Larger than the per-triple output; every other report is the same.
--
--   path, owner_id, viewer_id, minute, requests, first_ts, last_ts
--
-- Parameters and table as in aggregate_exposure.sql. DATE_TRUNC('minute', ts) is the
-- spelling of Spark SQL, Trino and DuckDB; on BigQuery write TIMESTAMP_TRUNC(ts, MINUTE).
-- The minute is truncated in UTC (pii-audit checks that first_ts and last_ts lie in it).

SELECT
    path,
    owner_id,
    viewer_id,
    DATE_TRUNC('minute', ts) AS minute,
    COUNT(*) AS requests,
    MIN(ts)  AS first_ts,
    MAX(ts)  AS last_ts
FROM raw_exposure_log
WHERE ts >= :from_ts
  AND ts <  :to_ts
GROUP BY path, owner_id, viewer_id, DATE_TRUNC('minute', ts)

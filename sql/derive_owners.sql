-- pii-audit: derive whose page each response of a raw CDN log carried, in the warehouse.
-- The same rule as `pii-audit derive-owners` on a contract CDN log (README, "Starting from
-- a CDN log"), as two window passes, so that a billion-row log need not leave the lake.
--
-- Reads `raw_cdn_log`, your table or view with
--   ts            TIMESTAMP (UTC, or with zone)
--   path          the URL path as served
--   viewer_id     who asked (NULL or '' for an unidentified visitor)
--   cache_status  MISS/PASS (rendered by the origin) or HIT/STALE/UPDATING/REVALIDATED
--                 (served from the cache), compared trimmed and in any case
--   cache_node    the edge location (POP) that served it; NULL (or one constant) when
--                 the log has none: the whole log is then one cache
--   seq           the response's place in the log (a number that grows down the log):
--                 only breaks ties between responses logged at the same instant
-- Writes the contract's exposure log plus what the derivation found:
--   ts, path, owner_id, viewer_id, cache_status, origin_ts, cache_node, attribution
-- attribution: `origin` (rendered for its viewer), `cached` (the page of the latest
-- origin response for the same node and cache key at or before it) or `unattributed`
-- (no origin response before it). pii-audit reads this as any exposure log.
--
-- The rule, exactly as the binary applies it to a contract (exact-time) log:
--   * per (cache_node, cache key), rows in time order; at one instant the origin
--     responses come first, in log order (seq): an origin at the same instant counts as
--     before a cached response, and among several the last in the log wins;
--   * each origin response opens a run (a running count of origin responses), and every
--     cached response in the run carries the page of the origin response that opened it:
--     FIRST_VALUE over the run, no IGNORE NULLS (whose syntax differs between engines);
--   * an origin response to an unidentified visitor rendered nobody's page: its run has
--     an empty owner.
-- Coarse clocks: this is the exact rule. A log at one-second resolution (CloudFront
-- standard logs, nginx $time_local) needs the ambiguity rule of `--log-format`, which
-- lists several candidate owners where the clock cannot tell; it is not written here.
-- Derive such logs with the binary.
--
-- Changing the rule:
--   * statuses: edit the two lists in `classified` (a status in neither is `unknown`
--     here; the binary refuses it);
--   * cache key: `key` below is the contract's normalised path (scheme and host, query,
--     fragment and trailing slashes dropped; empty = '/'). For `--cache-key path+query`
--     keep the query: replace '[?#].*$' by '#.*$' and move the trailing-slash strip
--     before the query;
--   * max age: add `AND ts - origin_ts <= INTERVAL '30' SECOND` (Spark, Trino, DuckDB;
--     BigQuery: TIMESTAMP_DIFF(ts, origin_ts, SECOND) <= 30) to the `cached` case of
--     `attribution` and to owner_id's.
--
-- Dialects (run here: Spark SQL 4.x in local mode and DuckDB, in tests/it/spark.rs):
--   * Spark SQL, DuckDB: as is. regexp_replace is Java's regex on Spark (the patterns
--     below mean the same in both);
--   * Trino: as is (regexp_replace is Java's regex too). Not run here;
--   * BigQuery: REGEXP_REPLACE takes RE2 (the same patterns), and the window frames are
--     the same. Not run here.

WITH classified AS (
    SELECT
        ts,
        path,
        viewer_id,
        cache_status,
        cache_node,
        seq,
        UPPER(TRIM(cache_status)) IN ('MISS', 'PASS') AS is_origin,
        UPPER(TRIM(cache_status)) IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED') AS is_cached,
        COALESCE(
            NULLIF(
                REGEXP_REPLACE(
                    REGEXP_REPLACE(REGEXP_REPLACE(path, '^[^/]*://[^/?#]*', ''), '[?#].*$', ''),
                    '/+$', ''),
                ''),
            '/') AS key
    FROM raw_cdn_log
),
runs AS (
    SELECT
        *,
        -- The number of origin responses so far for this node and key: a run per origin.
        COUNT(CASE WHEN is_origin THEN 1 END) OVER (
            PARTITION BY cache_node, key
            ORDER BY ts, CASE WHEN is_origin THEN 0 ELSE 1 END, seq
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS run
    FROM classified
),
owned AS (
    SELECT
        *,
        -- The run's first row is the origin response that opened it ('' = nobody's page).
        FIRST_VALUE(CASE WHEN is_origin THEN COALESCE(viewer_id, '') END) OVER (
            PARTITION BY cache_node, key, run
            ORDER BY ts, CASE WHEN is_origin THEN 0 ELSE 1 END, seq
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS run_owner,
        FIRST_VALUE(CASE WHEN is_origin THEN ts END) OVER (
            PARTITION BY cache_node, key, run
            ORDER BY ts, CASE WHEN is_origin THEN 0 ELSE 1 END, seq
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS run_origin_ts
    FROM runs
)
SELECT
    ts,
    path,
    CASE
        WHEN is_origin THEN NULLIF(viewer_id, '')
        WHEN is_cached AND run > 0 THEN NULLIF(run_owner, '')
    END AS owner_id,
    viewer_id,
    cache_status,
    CASE
        WHEN is_origin THEN ts
        WHEN is_cached AND run > 0 THEN run_origin_ts
    END AS origin_ts,
    cache_node,
    CASE
        WHEN is_origin THEN 'origin'
        WHEN is_cached AND run > 0 THEN 'cached'
        WHEN is_cached THEN 'unattributed'
        ELSE 'unknown'
    END AS attribution
FROM owned

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
--   method        the request's method; NULL when the log has none (taken as GET)
-- Writes the contract's exposure log plus what the derivation found:
--   ts, path, owner_id, viewer_id, cache_status, origin_ts, cache_node, attribution
-- attribution: `origin` (rendered for its viewer), `cached` (the page of the latest
-- origin response for the same node and cache key at or before it) or `unattributed`
-- (no origin response before it). pii-audit reads this as any exposure log.
--
-- The rule, exactly as the binary applies it to a contract (exact-time) log with one
-- cache tier (`--cache-topology edge`, the contract's default):
--   * per (cache_node, cache key), rows in time order; at one instant the origin
--     responses come first, in log order (seq): an origin at the same instant counts as
--     before a cached response, and among several the last in the log wins;
--   * each origin response of a method that fills a cache (GET, HEAD: the binary's
--     --fill-methods) opens a run (a running count of such responses), and every cached
--     response in the run carries the page of the origin response that opened it:
--     FIRST_VALUE over the run, no IGNORE NULLS (whose syntax differs between engines);
--     an origin response of another method (a POST) is its requester's own page and
--     opens nothing;
--   * an origin response to an unidentified visitor rendered nobody's page: its run has
--     an empty owner.
-- Refused, as the binary refuses them: a cache_status in neither list, and an empty path.
-- SQL has no error statement common to the engines, so the query fails on a cast that
-- cannot succeed: Spark (ANSI mode, its default since 4.0) and DuckDB both stop with
-- "... 'pii-audit: <why> at seq N' ... cannot be cast to INT" (Trino and BigQuery too).
--
-- What this file does not do, and the binary does: coarse clocks (a log at one-second
-- resolution, CloudFront standard logs, nginx $time_local, needs the ambiguity rule of
-- `--log-format`, which lists several candidate owners where the clock cannot tell);
-- shared cache tiers (`--cache-topology tiered`, the default for CloudFront, Cloudflare,
-- Akamai and Fastly logs: a miss may be a regional or upper tier's copy of another
-- node's page); durations, Workers and the vendors' own status tables. On such logs
-- this query pins pages on owners the log cannot support: derive them with the binary,
-- or, for CloudFront and Cloudflare, with `sql/derive_owners_delivered.sql` over
-- `sql/cloudfront_input.sql` or `sql/cloudflare_input.sql`.
--
-- Changing the rule:
--   * statuses: edit the two lists in `checked` (a status in neither stops the query,
--     as the binary refuses it);
--   * methods: edit the list in `checked`;
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

WITH checked AS (
    SELECT
        ts,
        path,
        viewer_id,
        cache_status,
        cache_node,
        seq,
        COALESCE(UPPER(TRIM(cache_status)) IN ('MISS', 'PASS'), FALSE) AS is_origin,
        COALESCE(
            UPPER(TRIM(cache_status)) IN ('HIT', 'STALE', 'UPDATING', 'REVALIDATED'),
            FALSE) AS is_cached,
        UPPER(COALESCE(NULLIF(TRIM(method), ''), 'GET')) IN ('GET', 'HEAD') AS fills
    FROM raw_cdn_log
),
classified AS (
    SELECT
        ts,
        path,
        viewer_id,
        cache_status,
        cache_node,
        seq,
        is_origin,
        is_cached,
        is_origin AND fills AS opens,
        CASE
            WHEN path IS NULL OR TRIM(path) = '' THEN CAST(CAST(
                CONCAT('pii-audit: an empty path at seq ', CAST(seq AS STRING)) AS INT) AS STRING)
            WHEN NOT (is_origin OR is_cached) THEN CAST(CAST(
                CONCAT('pii-audit: a cache_status neither of origin nor cached at seq ',
                       CAST(seq AS STRING)) AS INT) AS STRING)
            -- The root's slash is stripped too: '' is '/'.
            ELSE COALESCE(
                NULLIF(
                    REGEXP_REPLACE(
                        REGEXP_REPLACE(REGEXP_REPLACE(path, '^[^/]*://[^/?#]*', ''), '[?#].*$', ''),
                        '/+$', ''),
                    ''),
                '/')
        END AS key
    FROM checked
),
runs AS (
    SELECT
        *,
        -- The number of filling origin responses so far for this node and key: a run each.
        COUNT(CASE WHEN opens THEN 1 END) OVER (
            PARTITION BY cache_node, key
            ORDER BY ts, CASE WHEN opens THEN 0 ELSE 1 END, seq
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS run
    FROM classified
),
owned AS (
    SELECT
        *,
        -- The run's first row is the origin response that opened it ('' = nobody's page).
        FIRST_VALUE(CASE WHEN opens THEN COALESCE(viewer_id, '') END) OVER (
            PARTITION BY cache_node, key, run
            ORDER BY ts, CASE WHEN opens THEN 0 ELSE 1 END, seq
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS run_owner,
        FIRST_VALUE(CASE WHEN opens THEN ts END) OVER (
            PARTITION BY cache_node, key, run
            ORDER BY ts, CASE WHEN opens THEN 0 ELSE 1 END, seq
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
        WHEN run > 0 THEN 'cached'
        ELSE 'unattributed'
    END AS attribution
FROM owned

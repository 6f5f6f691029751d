-- pii-audit: Cloudflare Logpush `http_requests` as `sql/derive_owners_delivered.sql` reads
-- them. Make it the view `delivered_cdn_log`:
--   CREATE OR REPLACE TEMPORARY VIEW delivered_cdn_log AS <this query>   -- Spark
--   CREATE OR REPLACE VIEW delivered_cdn_log AS <this query>             -- DuckDB
--
-- Reads `cloudflare_http_requests`: the job's NDJSON files as a table, the dataset's field
-- names as columns (spark.read.json, DuckDB read_json; the fields of
-- https://developers.cloudflare.com/logs/logpush/logpush-job/datasets/zone/http_requests/):
-- EdgeStartTimestamp, RayID, ParentRayID, ClientRequestSource, WorkerSubrequest,
-- ClientRequestMethod, ClientRequestHost, ClientRequestURI, EdgeResponseStatus,
-- CacheCacheStatus, CacheTieredFill, UpperTierColoID, EdgeColoCode, and the custom field
-- `Cookies` (an object: Cookies.session). What each field means is
-- `src/cdn/delivered/format.rs` (cloudflare), `status.rs` (CLOUDFLARE) and `source.rs`
-- (cloudflare), as the binary reads the same files with `--log-format cloudflare`:
--   * arrival: EdgeStartTimestamp ("Timestamp at which the edge received request from the
--     client") as a number: Unix seconds, milliseconds, microseconds or nanoseconds by its
--     digits (the job's timestamp_format unix or unixnano, the default); the arrival's
--     width is the finest unit the values show;
--   * CacheCacheStatus (any case): miss, expired the origin, stored (through the upper
--     tier unless CacheTieredFill or UpperTierColoID say it was not used); dynamic, bypass
--     the origin, not stored; hit, revalidated, stream_hit a copy (the upper tier's when
--     CacheTieredFill is true or UpperTierColoID non-zero, the colo's own when they say
--     false, either when neither is logged); stale, updating a stale copy; ignored,
--     deferred any; unknown, none no page;
--   * ClientRequestSource: eyeball, orangeToOrange a visitor; edgeWorkerFetch,
--     edgeWorkerCacheAPI a Worker's subrequest; purge, alwaysOnline, healthcheck,
--     edgeWorkerKV, imageResizing, sslDetector, earlyHintsCache, inBrowserChallenge,
--     unknown internal (no page); absent: a subrequest when WorkerSubrequest is true or
--     ParentRayID is set;
--   * a Worker's subrequest and its visitor's line (its RayID = the subrequest's
--     ParentRayID) are one response: the subrequest's line says where the page came
--     from, the visitor received it (viewer_id), and the origin rendered it for the
--     subrequest's own cookie, else the visitor's (renderer);
--   * EdgeResponseStatus outside 200-299: no page; ClientRequestMethod other than GET,
--     HEAD: not stored (a miss then went to the origin);
--   * the viewer: Cookies.session; node EdgeColoCode; cache key host, path and query
--     ("scheme, host, URI with query string"); topology tiered.
--
-- Settings, to match the binary's flags: the cookie (`Cookies.session` in `logs`,
-- --viewer cookie:NAME), `cache_key` (--cache-key) and `tiered` (--cache-topology) in
-- `settings`, the fill methods and page statuses (--fill-methods, --statuses) in
-- `classified`.
--
-- Refused (the query stops on a cast that cannot succeed, naming why and the RayID): a
-- CacheCacheStatus or ClientRequestSource Cloudflare does not document, a time that is not
-- a whole number, a subrequest whose parent line is not in the table, an empty
-- ClientRequestURI on a response with a page, a tier's copy under the edge topology.
--
-- Not covered (the binary reads them; here they stop or differ):
--   * EdgeStartTimestamp as rfc3339 text (the job's timestamp_format rfc3339);
--   * a Worker's subrequest whose parent is itself a subrequest (a Worker calling a
--     Worker): the binary follows the chain up to 16 lines; this query refuses it;
--   * CSV deliveries, and RequestHeaders.cookie when the cookie is not a Cookies field;
--   * the width: the binary takes each file's finest unit, then the coarsest of the
--     files; here the finest of all rows (the same when the job's format is one).

WITH settings AS (
    SELECT
        'host+path+query' AS cache_key,
        TRUE AS tiered
),
logs AS (
    SELECT
        NULLIF(NULLIF(TRIM(l.RayID), '-'), '') AS row_id,
        NULLIF(NULLIF(NULLIF(TRIM(l.ParentRayID), '-'), ''), '00') AS parent,
        TRIM(CAST(l.EdgeStartTimestamp AS STRING)) AS start_text,
        NULLIF(NULLIF(TRIM(l.ClientRequestSource), '-'), '') AS request_source,
        LOWER(TRIM(CAST(l.WorkerSubrequest AS STRING))) AS subrequest_flag,
        NULLIF(NULLIF(TRIM(l.ClientRequestMethod), '-'), '') AS method,
        NULLIF(NULLIF(TRIM(l.ClientRequestHost), '-'), '') AS host,
        NULLIF(NULLIF(TRIM(l.ClientRequestURI), '-'), '') AS uri,
        l.EdgeResponseStatus AS http,
        l.CacheCacheStatus AS cache_status,
        LOWER(COALESCE(TRIM(l.CacheCacheStatus), '-')) AS status,
        LOWER(TRIM(CAST(l.CacheTieredFill AS STRING))) AS tiered_fill,
        TRIM(CAST(l.UpperTierColoID AS STRING)) AS upper_tier,
        NULLIF(NULLIF(TRIM(l.EdgeColoCode), '-'), '') AS cache_node,
        NULLIF(NULLIF(TRIM(l.Cookies.session), '-'), '') AS own_viewer
    FROM cloudflare_http_requests l
),
timed AS (
    SELECT
        *,
        CASE
            WHEN start_text IS NULL OR start_text = ''
                OR REGEXP_REPLACE(start_text, '^[0-9]+$', '') <> ''
            THEN CAST(CAST(CONCAT('pii-audit: EdgeStartTimestamp is not a whole number at ',
                COALESCE(row_id, 'NULL')) AS INT) AS BIGINT)
            WHEN LENGTH(start_text) <= 11 THEN CAST(start_text AS BIGINT) * 1000000
            WHEN LENGTH(start_text) <= 14 THEN CAST(start_text AS BIGINT) * 1000
            WHEN LENGTH(start_text) <= 17 THEN CAST(start_text AS BIGINT)
            -- Nanoseconds, floored to the microsecond.
            ELSE CAST(SUBSTR(start_text, 1, LENGTH(start_text) - 3) AS BIGINT)
        END AS ts_us,
        CASE
            WHEN LENGTH(start_text) <= 11 THEN 1000000
            WHEN LENGTH(start_text) <= 14 THEN 1000
            ELSE 1
        END AS unit_us,
        CASE
            WHEN request_source IN ('eyeball', 'orangeToOrange') THEN 'visitor'
            WHEN request_source IN ('edgeWorkerFetch', 'edgeWorkerCacheAPI') THEN 'subrequest'
            WHEN request_source IN ('purge', 'alwaysOnline', 'healthcheck', 'edgeWorkerKV',
                'imageResizing', 'sslDetector', 'earlyHintsCache', 'inBrowserChallenge',
                'unknown') THEN 'internal'
            WHEN request_source IS NOT NULL THEN CAST(CAST(CONCAT(
                'pii-audit: ClientRequestSource is not a documented value at ',
                COALESCE(row_id, 'NULL')) AS INT) AS STRING)
            WHEN subrequest_flag IN ('true', '1') OR parent IS NOT NULL THEN 'subrequest'
            ELSE 'visitor'
        END AS kind,
        -- Whether the upper tier was on the way (NULL: the line does not say).
        CASE
            WHEN tiered_fill IN ('true', '1') THEN TRUE
            WHEN tiered_fill IN ('false', '0') THEN FALSE
            WHEN upper_tier IS NULL THEN NULL
            WHEN upper_tier IN ('0', '') THEN FALSE
            ELSE TRUE
        END AS via_tier,
        CASE
            WHEN status IN ('hit', 'revalidated', 'stream_hit') THEN 'cached'
            WHEN status IN ('stale', 'updating') THEN 'stale'
            WHEN status IN ('miss', 'expired') THEN 'origin_stored'
            WHEN status IN ('dynamic', 'bypass') THEN 'origin_not_stored'
            WHEN status IN ('ignored', 'deferred') THEN 'any'
            WHEN status IN ('unknown', 'none') THEN 'no_page'
        END AS status_means
    FROM logs
),
placed AS (
    SELECT
        t.*,
        s.cache_key AS key_kind,
        s.tiered,
        CASE
            WHEN status_means IS NULL THEN CAST(CAST(CONCAT(
                'pii-audit: CacheCacheStatus is not a documented value at ',
                COALESCE(row_id, 'NULL')) AS INT) AS STRING)
            WHEN kind = 'internal' THEN 'no_page'
            WHEN status_means = 'cached' AND via_tier THEN 'tier'
            WHEN status_means = 'cached' AND NOT via_tier THEN 'node'
            WHEN status_means = 'cached' THEN 'node_or_tier'
            WHEN status_means = 'origin_stored' AND NOT via_tier THEN 'origin'
            WHEN status_means = 'origin_stored' THEN 'origin_or_tier'
            WHEN status_means = 'origin_not_stored' THEN 'origin'
            ELSE status_means
        END AS place,
        method IS NULL OR UPPER(method) IN ('GET', 'HEAD') AS fills
    FROM timed t
    CROSS JOIN settings s
),
classified AS (
    SELECT
        *,
        CASE
            WHEN http IS NOT NULL AND (http < 200 OR http > 299) THEN 'no_page'
            WHEN place = 'tier' AND NOT tiered THEN CAST(CAST(CONCAT(
                'pii-audit: a response served by a shared cache tier under the edge topology at ',
                COALESCE(row_id, 'NULL')) AS INT) AS STRING)
            WHEN place = 'node_or_tier' AND NOT tiered THEN 'node'
            WHEN place = 'origin_or_tier' AND (NOT tiered OR NOT fills) THEN 'origin'
            ELSE place
        END AS source,
        CASE
            WHEN NOT fills THEN 'not_stored'
            WHEN kind = 'internal' THEN 'not_stored'
            WHEN status_means IN ('origin_stored', 'any') THEN 'stored'
            WHEN place = 'tier' THEN 'stored'
            ELSE 'not_stored'
        END AS fill
    FROM placed
),
-- A Worker's subrequest with its visitor's line.
merged AS (
    SELECT
        c.*,
        CASE
            WHEN c.kind <> 'subrequest' THEN c.own_viewer
            WHEN v.row_id IS NULL THEN CAST(CAST(CONCAT(
                'pii-audit: a Worker subrequest whose parent request is not in the log at ',
                COALESCE(c.row_id, 'NULL')) AS INT) AS STRING)
            WHEN v.kind = 'subrequest' THEN CAST(CAST(CONCAT(
                'pii-audit: a Worker subrequest of a subrequest (not followed here) at ',
                COALESCE(c.row_id, 'NULL')) AS INT) AS STRING)
            ELSE v.own_viewer
        END AS viewer_id,
        CASE
            WHEN c.kind <> 'subrequest' THEN c.own_viewer
            ELSE COALESCE(c.own_viewer, v.own_viewer)
        END AS renderer,
        CASE
            WHEN c.uri IS NULL AND c.source = 'no_page' THEN ''
            WHEN c.uri IS NULL THEN CAST(CAST(CONCAT('pii-audit: empty path at ',
                COALESCE(c.row_id, 'NULL')) AS INT) AS STRING)
            ELSE c.uri
        END AS path,
        MAX(CASE WHEN c.host IS NOT NULL THEN 1 ELSE 0 END) OVER () = 1 AS any_host
    FROM classified c
    LEFT JOIN (SELECT row_id, kind, own_viewer FROM classified) AS v
        ON c.kind = 'subrequest' AND v.row_id = c.parent
),
normalised AS (
    SELECT
        *,
        -- The path as the contract normalises it (scheme and host, query, fragment and
        -- trailing slashes dropped; '' is '/'); the query is added when the key has it.
        COALESCE(NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(REGEXP_REPLACE(TRIM(path),
            '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*', ''), '[?#].*$', ''), '[/ \t]+$', ''), ''), '/')
            AS trimmed_path
    FROM merged
)
SELECT
    row_id,
    ts_us,
    MIN(unit_us) OVER () AS width_us,
    path,
    CONCAT(
        CASE
            WHEN key_kind LIKE 'host+%' AND any_host THEN
                COALESCE(CONCAT(CAST(LENGTH(host) AS STRING), ':', LOWER(host)), '-')
            ELSE ''
        END,
        '|',
        CASE WHEN SUBSTR(trimmed_path, 1, 1) = '/' THEN trimmed_path
             ELSE CONCAT('/', trimmed_path) END,
        CASE
            WHEN key_kind LIKE '%+query' AND REGEXP_EXTRACT(path, '^[^#?]*[?]([^#]*)', 1) <> ''
            THEN CONCAT('?', REGEXP_EXTRACT(path, '^[^#?]*[?]([^#]*)', 1))
            ELSE ''
        END
    ) AS cache_key,
    viewer_id,
    renderer,
    cache_status,
    cache_node,
    source,
    fill,
    tiered
FROM normalised

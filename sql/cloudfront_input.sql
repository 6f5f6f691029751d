-- pii-audit: CloudFront standard logs as `sql/derive_owners_delivered.sql` reads them.
-- Make it the view `delivered_cdn_log`:
--   CREATE OR REPLACE TEMPORARY VIEW delivered_cdn_log AS <this query>   -- Spark
--   CREATE OR REPLACE VIEW delivered_cdn_log AS <this query>             -- DuckDB
--
-- Reads `cloudfront_standard_logs`, the table AWS's Athena guide creates over the log
-- files ("Create a table for CloudFront standard logs (legacy)",
-- https://docs.aws.amazon.com/athena/latest/ug/create-cloudfront-table-standard-logs.html:
-- tab-separated, 'skip.header.line.count'='2', its column names and types: `date` DATE,
-- time STRING, x_edge_location, cs_method, cs_host, cs_uri_stem, sc_status INT,
-- cs_uri_query, cs_cookie, x_edge_result_type, x_edge_request_id, time_taken FLOAT,
-- x_edge_response_result_type, x_edge_detailed_result_type, ...). What each field means,
-- after the standard log reference
-- (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html),
-- is `src/cdn/delivered/format.rs` (cloudfront) and `status.rs` (CLOUDFRONT), as the
-- binary reads the same files with `--log-format cloudfront`:
--   * arrival: `date` + time is "when the CloudFront server finished responding" (UTC, to
--     the second), less time_taken (seconds to the thousandth); the arrival's width is one
--     second, plus 2 ms both ways when any line logs a time_taken;
--   * x_edge_result_type: Hit, RefreshHit the edge's copy or the regional cache's
--     (node_or_tier); Miss the origin or a regional cache's copy (origin_or_tier, stored);
--     OriginShieldHit (also in x_edge_detailed_result_type) the tier's copy;
--     MissGeneratedResponse (detailed) no page; Error while x_edge_response_result_type
--     says otherwise: as that says; Error with sc_status 200: any; LimitExceeded,
--     CapacityExceeded, Redirect, LambdaExecutionError, other errors: no page;
--   * sc_status outside 200-299: no page; cs_method other than GET, HEAD: not stored (a
--     miss then went to the origin);
--   * the viewer: the cookie `session` in cs_cookie (URL-encoded as CloudFront writes it);
--   * node x_edge_location; cache key the distribution's domain (cs_host) and the path
--     (host+path, CloudFront's default key); topology tiered.
--
-- Settings, to match the binary's flags: the cookie's name (`session` in the regular
-- expression of `viewers`, --viewer cookie:NAME; a name with regex characters must be
-- escaped); `cache_key` (--cache-key: path, path+query, host+path, host+path+query);
-- `tiered` (--cache-topology: TRUE tiered, FALSE edge); the fill methods and the page
-- statuses (--fill-methods, --statuses) in `classified`.
--
-- Refused, as the binary refuses them (the query stops on a cast that cannot succeed,
-- naming why and the line's x_edge_request_id): an x_edge_result_type or
-- x_edge_response_result_type CloudFront does not document, a time that is not HH:MM:SS,
-- a missing date, an empty cs_uri_stem on a response with a page, and OriginShieldHit
-- under the edge topology.
--
-- Not covered (the binary reads them; here they differ or stop):
--   * v2 JSON and Parquet deliveries with their own column names, and a file whose
--     #Fields line lists other fields (Athena's table maps columns by position);
--   * time_taken is Athena's FLOAT: read to the millisecond (CloudFront logs thousandths;
--     a FLOAT holds them exactly below about 8,000 seconds);
--   * an sc_status that is not a number is NULL in Athena's table and taken as not
--     logged, where the binary refuses the line;
--   * the cookie: the first `session=` pair is taken even when its value is empty (the
--     binary takes the first with a value); `+` is kept, as the binary keeps it;
--     a malformed %-escape stops Spark's url_decode;
--   * --viewer other than a cookie: change `viewer_id` (c_ip for ip).

WITH settings AS (
    SELECT
        'host+path' AS cache_key,
        TRUE AS tiered
),
logs AS (
    SELECT
        l.x_edge_request_id AS row_id,
        l.date AS log_date,
        TRIM(l.time) AS log_time,
        NULLIF(NULLIF(TRIM(l.x_edge_location), '-'), '') AS cache_node,
        NULLIF(NULLIF(TRIM(l.cs_method), '-'), '') AS method,
        NULLIF(NULLIF(TRIM(l.cs_host), '-'), '') AS host,
        NULLIF(NULLIF(TRIM(l.cs_uri_stem), '-'), '') AS stem,
        NULLIF(NULLIF(REGEXP_REPLACE(TRIM(l.cs_uri_query), '^[?]+', ''), '-'), '') AS query,
        l.sc_status AS http,
        NULLIF(NULLIF(TRIM(l.cs_cookie), '-'), '') AS cookie,
        l.x_edge_result_type AS cache_status,
        COALESCE(TRIM(l.x_edge_result_type), '-') AS result,
        NULLIF(NULLIF(TRIM(l.x_edge_response_result_type), '-'), '') AS response,
        NULLIF(NULLIF(TRIM(l.x_edge_detailed_result_type), '-'), '') AS detailed,
        CASE WHEN l.time_taken IS NOT NULL
            THEN CAST(ROUND(CAST(l.time_taken AS DOUBLE) * 1000) AS BIGINT) * 1000
        END AS taken_us
    FROM cloudfront_standard_logs l
),
timed AS (
    SELECT
        *,
        CASE
            WHEN log_date IS NULL OR log_time IS NULL
                OR REGEXP_REPLACE(log_time, '^[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?$', '') <> ''
            THEN CAST(CAST(CONCAT('pii-audit: date and time are not YYYY-MM-DD and HH:MM:SS at ',
                COALESCE(row_id, 'NULL')) AS INT) AS BIGINT)
            ELSE (CAST(log_date - DATE '1970-01-01' AS BIGINT) * 86400
                + CAST(SUBSTR(log_time, 1, 2) AS BIGINT) * 3600
                + CAST(SUBSTR(log_time, 4, 2) AS BIGINT) * 60) * 1000000
                + CAST(CAST(SUBSTR(log_time, 7) AS DECIMAL(12, 6)) * 1000000 AS BIGINT)
        END AS end_us,
        -- What x_edge_result_type says, and what the response type says when the viewer
        -- disconnected (NULL: not documented).
        CASE
            WHEN result IN ('Hit', 'RefreshHit') THEN 'cached'
            WHEN result = 'Miss' THEN 'origin'
            WHEN result = 'OriginShieldHit' THEN 'tier'
            WHEN result IN ('LimitExceeded', 'CapacityExceeded', 'Error', 'Redirect',
                            'LambdaExecutionError') THEN 'no_page'
        END AS result_means,
        CASE
            WHEN response IN ('Hit', 'RefreshHit') THEN 'cached'
            WHEN response = 'Miss' THEN 'origin'
            WHEN response = 'OriginShieldHit' THEN 'tier'
            WHEN response IN ('LimitExceeded', 'CapacityExceeded', 'Error', 'Redirect',
                              'LambdaExecutionError') THEN 'no_page'
        END AS response_means
    FROM logs
),
placed AS (
    SELECT
        t.*,
        s.cache_key AS key_kind,
        s.tiered,
        CASE
            WHEN detailed = 'OriginShieldHit' THEN 'tier'
            WHEN detailed = 'MissGeneratedResponse' THEN 'no_page'
            WHEN result_means IS NULL THEN CAST(CAST(CONCAT(
                'pii-audit: x_edge_result_type is not a documented value at ',
                COALESCE(row_id, 'NULL')) AS INT) AS STRING)
            WHEN result = 'Error' AND response IS NOT NULL AND response <> 'Error' THEN
                CASE
                    WHEN response_means IS NULL THEN CAST(CAST(CONCAT(
                        'pii-audit: x_edge_response_result_type is not a documented value at ',
                        COALESCE(row_id, 'NULL')) AS INT) AS STRING)
                    WHEN response_means = 'cached' THEN 'node_or_tier'
                    WHEN response_means = 'origin' THEN 'origin_or_tier'
                    ELSE response_means
                END
            WHEN result = 'Error' AND http = 200 THEN 'any'
            WHEN result_means = 'cached' THEN 'node_or_tier'
            WHEN result_means = 'origin' THEN 'origin_or_tier'
            ELSE result_means
        END AS place
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
            WHEN place IN ('origin_or_tier', 'tier', 'any') THEN 'stored'
            ELSE 'not_stored'
        END AS fill
    FROM (
        SELECT *, method IS NULL OR UPPER(method) IN ('GET', 'HEAD') AS fills FROM placed
    ) AS p
),
viewers AS (
    SELECT
        *,
        -- The cookie's pair, found in the header as written unless `;` or `=` are encoded
        -- too (then in the decoded header); its value trimmed of spaces and quotes, then
        -- decoded.
        INSTR(cookie, '%3') > 0 AS decoded_header,
        NULLIF(NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(TRIM(REGEXP_EXTRACT(
            CASE WHEN INSTR(cookie, '%3') > 0 THEN URL_DECODE(REPLACE(cookie, '+', '%2B'))
                 ELSE cookie END,
            '(^|;)[ \t]*(%20[ \t]*)*session=([^;]*)', 3)), '^"+', ''), '"+$', ''), ''), '-')
            AS cookie_value
    FROM classified
),
keyed AS (
    SELECT
        *,
        CASE
            WHEN stem IS NULL AND source = 'no_page' THEN ''
            WHEN stem IS NULL THEN CAST(CAST(CONCAT('pii-audit: empty path at ',
                COALESCE(row_id, 'NULL')) AS INT) AS STRING)
            WHEN query IS NULL THEN stem
            ELSE CONCAT(stem, '?', query)
        END AS path,
        MAX(CASE WHEN host IS NOT NULL THEN 1 ELSE 0 END) OVER () = 1 AS any_host,
        CASE WHEN decoded_header THEN cookie_value
             ELSE URL_DECODE(REPLACE(cookie_value, '+', '%2B')) END AS viewer_id
    FROM viewers
),
normalised AS (
    SELECT
        *,
        -- The path as the contract normalises it (scheme and host, query, fragment and
        -- trailing slashes dropped; '' is '/'); the query is added when the key has it.
        COALESCE(NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(REGEXP_REPLACE(TRIM(path),
            '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*', ''), '[?#].*$', ''), '[/ \t]+$', ''), ''), '/')
            AS trimmed_path
    FROM keyed
)
SELECT
    row_id,
    end_us - COALESCE(taken_us, 0) AS ts_us,
    1000000 + MAX(CASE WHEN taken_us IS NOT NULL THEN 2000 ELSE 0 END) OVER () AS width_us,
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
    viewer_id AS renderer,
    cache_status,
    cache_node,
    source,
    fill,
    tiered
FROM normalised

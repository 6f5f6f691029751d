-- pii-audit: whose page each response of a CDN log *as the vendor delivered it* carried, in
-- the warehouse: the rule of `pii-audit derive-owners --log-format cloudfront|cloudflare`
-- (README, "Starting from a CDN log" and "When the clock cannot tell"), store by store,
-- for logs whose clock cannot tell the order of close responses and whose edges share a
-- cache tier. `sql/derive_owners.sql` stays the rule for an exact-clock contract log.
--
-- Reads `delivered_cdn_log`, the view that `sql/cloudfront_input.sql` (over AWS's Athena
-- table `cloudfront_standard_logs`) or `sql/cloudflare_input.sql` (over a Logpush
-- `http_requests` table) makes, one row per log line:
--   row_id        unique per line (CloudFront x_edge_request_id, Cloudflare RayID)
--   ts_us         the request's earliest possible arrival, UTC microseconds
--   width_us      how far after ts_us the arrival may lie (the clock's resolution, widened
--                 by a duration's); the same on every row, at least 1
--   path          the requested path with its query, as the binary writes it
--   cache_key     the cache key (the vendor's default: host and path...)
--   viewer_id     who received the response (NULL: an unidentified visitor)
--   renderer      whom the origin rendered it for (a Worker's subrequest may name its own
--                 viewer; otherwise viewer_id). NULL: nobody's page
--   cache_status, cache_node   as logged
--   source        where the page came from: origin, node, tier, node_or_tier,
--                 origin_or_tier, any, stale or no_page (src/cdn/source.rs)
--   fill          what it did to the caches: stored, maybe, not_stored, removed,
--                 stored_via_tier
--   tiered        whether the edges share a cache tier (`--cache-topology tiered`)
-- Writes the binary's derived log, the same rows and values:
--   ts, path, owner_id, viewer_id, cache_status, origin_ts, cache_node, attribution,
--   owner_candidates (a sorted list, on ambiguous rows only), and `reason` (why a row is
--   ambiguous: clock, tier, status; or unattributed: no_fill, too_old, too_many), which
--   the binary counts in its output rather than writing per row.
-- Run it with the session time zone UTC (Spark: spark.sql.session.timeZone=UTC; DuckDB:
-- SET TimeZone='UTC'): `ts` and `origin_ts` are built from UTC microseconds.
--
-- The rule (src/cdn/stores.rs), with w = width_us:
--   * A cache is a set of stores: one per (cache_node, cache_key), and under a shared tier
--     one per cache_key for the tier. An origin rendering that was stored may have filled
--     the tier (a possible fill: the log cannot say it went through it); a response that
--     went past its edge's copy filled the edge's store (surely: a miss, a tier's copy;
--     possibly: a status of no documented meaning).
--   * A lookup at t in a store: L is the latest certain fill with f + w <= t (none for a
--     stale copy). Its candidates are the fills with f > L - w (any f without L) and
--     f < t + w, and, with max_age_us, f >= t - max_age_us; the row itself is not its own
--     candidate. None in reach: no_fill (too_old when only older fills were there). More
--     than max_candidates + 1 in reach: too_many, without naming them.
--   * A tier fill's page is its requester's (renderer's); an edge fill's page is its own
--     renderer's when the origin may have rendered it, plus every page the tier may have
--     given it (the fill row's own tier lookup; too many there: too many here).
--   * A row's owners: its renderer, when the origin may have rendered it; the pages of its
--     edge lookup, when its edge's copy may have served it; the pages of its tier lookup,
--     when the tier's may have. One owner: `origin` (its own) or `cached`; several:
--     `ambiguous` with the candidates (nobody's page left out); none, or more than
--     max_candidates: `unattributed`. origin_ts is the latest candidate fill's time (its
--     own arrival for its own page). An unidentified visitor's page is nobody's: it counts
--     as one owner, written as an empty owner_id.
--   * `reason` of an ambiguous row: status (a status of no documented meaning), tier (a
--     response that may have come from the tier, or a possible fill among the candidates),
--     else clock.
-- How: each lookup is two sweeps per store (window counts over fills and probes in time
-- order: how many fills lie before t + w, the latest certain one before t - w; then how
-- many lie before L - w and t - max_age_us), so a hot key never joins to all its fills;
-- only the at most max_candidates + 1 fills in reach are joined, by place, through the
-- `offsets` table (0..999, so max_candidates at most 998).
--
-- Refused, as the binary refuses them (the query stops on a cast that cannot succeed, its
-- text naming why: "... 'pii-audit: <why>' ... cannot be cast to INT"): a row_id twice;
-- no response with a page naming a viewer, or more than max_unidentified of them naming
-- none (the binary's --max-unidentified, default 50%).
--
-- Settings (`settings` below): max_age_us (--max-age; NULL, the binary's default, is none),
-- max_candidates (--max-candidates, default 100), max_unidentified (--max-unidentified).
-- The cache key, topology, fill methods and page statuses are the input view's.
--
-- Not covered (derive such logs with the binary): an exact clock (width 0: the contract's
-- tie rule, `sql/derive_owners.sql`, or --ts-resolution exact), --origin-id, and the other
-- vendors (Akamai, Fastly, nginx, Apache, W3C), whose input views are not written; what
-- each input view leaves out, its header says.
--
-- Dialects: one text for Spark SQL 4.x and DuckDB (both run in tests/it/vendor_sql.rs):
-- standard window functions, joins, CASE, and array_sort(array_agg(DISTINCT ...)
-- FILTER (...)), which both engines spell alike. DuckDB runs it whole. Spark inlines every
-- reference to a WITH step and cannot plan it whole: run it with sql/spark_delivered.py,
-- which runs the same steps one by one (each `name AS (` ... `),` at a line's start).
-- Times: ts and origin_ts are built as days, seconds and microseconds after the epoch
-- (DuckDB cannot multiply an interval by a BIGINT count of microseconds).

WITH settings AS (
    SELECT
        CAST(NULL AS BIGINT) AS max_age_us,
        100 AS max_candidates,
        0.5 AS max_unidentified
),
offsets AS (
    SELECT a.d * 100 + b.d * 10 + c.d AS k
    FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS a(d)
    CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS b(d)
    CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS c(d)
),
r AS (
    SELECT
        CASE
            WHEN COUNT(*) OVER (PARTITION BY row_id) > 1 OR row_id IS NULL THEN CAST(CAST(
                CONCAT('pii-audit: row_id ', COALESCE(row_id, 'NULL'), ' is not unique')
                AS INT) AS STRING)
            ELSE row_id
        END AS row_id,
        ts_us AS lo,
        width_us AS w,
        path,
        viewer_id,
        cache_status,
        cache_node,
        source,
        fill,
        -- '' is nobody's page (an unidentified visitor's): it counts as an owner.
        COALESCE(renderer, '') AS own,
        source IN ('origin', 'origin_or_tier', 'any') AS may_origin,
        source IN ('node', 'node_or_tier', 'any', 'stale') AS may_node,
        tiered AND source IN ('tier', 'node_or_tier', 'origin_or_tier', 'any') AS may_tier,
        CONCAT('t|', cache_key) AS tier_store,
        CONCAT('n', COALESCE(CONCAT(CAST(LENGTH(cache_node) AS STRING), ':', cache_node), '-'),
               '|', cache_key) AS node_store,
        tiered AND source IN ('origin', 'origin_or_tier', 'any')
            AND fill IN ('stored', 'maybe', 'stored_via_tier') AS tier_fill,
        fill = 'stored_via_tier' AS tier_fill_certain,
        source NOT IN ('no_page', 'node', 'stale') AND fill <> 'not_stored' AS node_fill,
        CASE
            WHEN fill = 'removed' THEN TRUE
            WHEN source IN ('origin', 'tier', 'origin_or_tier')
                THEN fill IN ('stored', 'stored_via_tier')
            ELSE FALSE
        END AS node_fill_certain,
        -- The binary refuses a log where too many responses with a page name nobody.
        SUM(CASE WHEN source <> 'no_page' THEN 1 ELSE 0 END) OVER () AS with_page,
        SUM(CASE WHEN source <> 'no_page' AND viewer_id IS NULL THEN 1 ELSE 0 END) OVER ()
            AS unidentified
    FROM delivered_cdn_log
),
fills AS (
    SELECT tier_store AS store, lo AS t, row_id, tier_fill_certain AS certain
    FROM r WHERE tier_fill
    UNION ALL
    SELECT node_store, lo, row_id, node_fill_certain FROM r WHERE node_fill
),
placed_fills AS (
    SELECT store, t, row_id, certain,
        ROW_NUMBER() OVER (PARTITION BY store ORDER BY t, row_id) - 1 AS place
    FROM fills
),
lookups AS (
    SELECT row_id, 'tier' AS part, tier_store AS store, lo, w, FALSE AS stale
    FROM r WHERE may_tier
    UNION ALL
    SELECT row_id, 'node', node_store, lo, w, source = 'stale' FROM r WHERE may_node
),
-- First sweep: fills (tie 1) and, per lookup, a probe at t + w before the fills of that
-- instant (fills with f < t + w) and one at t - w after them (fills with f <= t - w).
probes1 AS (
    SELECT store, t AS at_us, 1 AS tie, certain, CAST(NULL AS STRING) AS row_id,
        CAST(NULL AS STRING) AS part, CAST(NULL AS STRING) AS probe
    FROM fills
    UNION ALL
    SELECT store, lo + w, 0, FALSE, row_id, part, 'end' FROM lookups
    UNION ALL
    SELECT store, lo - w, 2, FALSE, row_id, part, 'before' FROM lookups WHERE NOT stale
),
swept1 AS (
    SELECT row_id, part, probe,
        COUNT(CASE WHEN probe IS NULL THEN 1 END) OVER (
            PARTITION BY store ORDER BY at_us, tie
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS fills_before,
        MAX(CASE WHEN probe IS NULL AND certain THEN at_us END) OVER (
            PARTITION BY store ORDER BY at_us, tie
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS latest_certain
    FROM probes1
),
ends AS (
    SELECT l.row_id, l.part, l.store, l.lo, l.w,
        MAX(CASE WHEN s.probe = 'end' THEN s.fills_before END) AS reach_end,
        MAX(CASE WHEN s.probe = 'before' THEN s.latest_certain END) AS latest_certain
    FROM lookups l
    JOIN swept1 s ON s.row_id = l.row_id AND s.part = l.part
    GROUP BY l.row_id, l.part, l.store, l.lo, l.w
),
-- Second sweep: where the reach starts: after the fills L certainly precedes
-- (f <= L - w) and the fills older than max_age_us (f < t - max_age_us).
probes2 AS (
    SELECT store, t AS at_us, 1 AS tie, CAST(NULL AS STRING) AS row_id,
        CAST(NULL AS STRING) AS part, CAST(NULL AS STRING) AS probe
    FROM fills
    UNION ALL
    SELECT store, latest_certain - w, 2, row_id, part, 'after_certain'
    FROM ends WHERE latest_certain IS NOT NULL
    UNION ALL
    SELECT e.store, e.lo - s.max_age_us, 0, e.row_id, e.part, 'young'
    FROM ends e CROSS JOIN settings s WHERE s.max_age_us IS NOT NULL
),
swept2 AS (
    SELECT row_id, part,
        MAX(CASE WHEN probe IS NOT NULL THEN fills_before END) AS reach_start
    FROM (
        SELECT row_id, part, probe,
            COUNT(CASE WHEN probe IS NULL THEN 1 END) OVER (
                PARTITION BY store ORDER BY at_us, tie
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS fills_before
        FROM probes2
    ) AS swept
    WHERE probe IS NOT NULL
    GROUP BY row_id, part
),
found AS (
    SELECT e.row_id, e.part, e.store, e.reach_end,
        COALESCE(s2.reach_start, 0) AS reach_start,
        e.reach_end - COALESCE(s2.reach_start, 0) AS in_reach,
        CASE
            WHEN e.reach_end - COALESCE(s2.reach_start, 0) <= 0 THEN
                CASE WHEN e.reach_end > 0 AND s.max_age_us IS NOT NULL THEN 'too_old'
                     ELSE 'nothing' END
            WHEN e.reach_end - COALESCE(s2.reach_start, 0) > s.max_candidates + 1 THEN 'too_many'
            ELSE 'reach'
        END AS status
    FROM ends e
    LEFT JOIN swept2 s2 ON s2.row_id = e.row_id AND s2.part = e.part
    CROSS JOIN settings s
),
-- The fills in reach of each lookup, by place, but the row itself.
reached AS (
    SELECT f.row_id, f.part, p.row_id AS fill_row, p.t AS fill_t, p.certain
    FROM found f
    JOIN offsets o ON o.k < f.in_reach
    JOIN placed_fills p ON p.store = f.store AND p.place = f.reach_start + o.k
    WHERE f.status = 'reach' AND p.row_id <> f.row_id
),
parts AS (
    SELECT f.row_id, f.part, f.status,
        COUNT(c.fill_row) AS counted,
        MAX(c.fill_t) AS latest,
        MAX(CASE WHEN NOT c.certain THEN 1 ELSE 0 END) AS possible
    FROM found f
    LEFT JOIN reached c ON c.row_id = f.row_id AND c.part = f.part
    GROUP BY f.row_id, f.part, f.status
),
-- A tier fill's page is its requester's own.
tier_pages AS (
    SELECT c.row_id, r.own AS owner
    FROM reached c JOIN r ON r.row_id = c.fill_row
    WHERE c.part = 'tier'
),
-- An edge fill's page: its own, when the origin may have rendered it, and what the tier may
-- have given it (its own tier lookup's pages); a removal leaves the store empty.
edge_fills AS (
    SELECT c.row_id, c.fill_row, r.own, r.may_origin
    FROM reached c JOIN r ON r.row_id = c.fill_row
    WHERE c.part = 'node' AND r.fill <> 'removed'
),
node_pages AS (
    SELECT row_id, own AS owner FROM edge_fills WHERE may_origin
    UNION ALL
    SELECT e.row_id, t.owner FROM edge_fills e JOIN tier_pages t ON t.row_id = e.fill_row
),
node_too_many AS (
    SELECT DISTINCT e.row_id
    FROM edge_fills e
    JOIN found t ON t.row_id = e.fill_row AND t.part = 'tier' AND t.status = 'too_many'
),
owners AS (
    SELECT row_id, own AS owner FROM r WHERE may_origin AND source <> 'no_page'
    UNION ALL
    SELECT row_id, owner FROM tier_pages
    UNION ALL
    SELECT row_id, owner FROM node_pages
),
owned AS (
    SELECT row_id,
        COUNT(DISTINCT owner) AS n_owners,
        MAX(owner) AS any_owner,
        array_sort(array_agg(DISTINCT owner) FILTER (WHERE owner <> '')) AS candidates
    FROM owners
    GROUP BY row_id
),
summed AS (
    SELECT row_id,
        MAX(CASE WHEN status = 'too_many' THEN 1 ELSE 0 END) AS too_many,
        MAX(CASE WHEN status = 'too_old' THEN 1 ELSE 0 END) AS too_old,
        MAX(CASE WHEN counted > 0 THEN latest END) AS latest,
        MAX(CASE WHEN counted > 0 THEN possible ELSE 0 END) AS possible
    FROM parts
    GROUP BY row_id
),
settled AS (
    SELECT
        r.*,
        COALESCE(o.n_owners, 0) AS n_owners,
        o.any_owner,
        o.candidates,
        COALESCE(sm.too_many, 0) = 1 OR ntm.row_id IS NOT NULL AS too_many,
        COALESCE(sm.too_old, 0) = 1 AS too_old,
        CASE
            WHEN r.may_origin THEN GREATEST(r.lo, COALESCE(sm.latest, r.lo))
            ELSE sm.latest
        END AS latest,
        COALESCE(sm.possible, 0) = 1 AS possible,
        s.max_candidates,
        s.max_unidentified
    FROM r
    CROSS JOIN settings s
    LEFT JOIN owned o ON o.row_id = r.row_id
    LEFT JOIN summed sm ON sm.row_id = r.row_id
    LEFT JOIN node_too_many ntm ON ntm.row_id = r.row_id
),
attributed AS (
    SELECT
        *,
        CASE
            WHEN with_page > 0 AND unidentified = with_page AND max_unidentified < 1 THEN
                CAST(CAST(CONCAT('pii-audit: no response with a page names a viewer (',
                    CAST(with_page AS STRING), ' with a page)') AS INT) AS STRING)
            WHEN with_page > 0 AND unidentified > max_unidentified * with_page THEN
                CAST(CAST(CONCAT('pii-audit: ', CAST(unidentified AS STRING), ' of ',
                    CAST(with_page AS STRING),
                    ' responses with a page name no viewer, more than max_unidentified')
                    AS INT) AS STRING)
            WHEN source = 'no_page' THEN 'no_page'
            WHEN too_many OR n_owners > max_candidates THEN 'unattributed'
            WHEN n_owners = 0 THEN 'unattributed'
            WHEN may_origin AND n_owners = 1 AND any_owner = own THEN 'origin'
            WHEN n_owners = 1 THEN 'cached'
            ELSE 'ambiguous'
        END AS attribution
    FROM settled
)
SELECT
    TIMESTAMP '1970-01-01 00:00:00'
        + CAST(FLOOR(lo / 86400000000.0) AS INT) * INTERVAL '1' DAY
        + CAST(FLOOR((lo - CAST(FLOOR(lo / 86400000000.0) AS BIGINT) * 86400000000) / 1000000.0)
            AS INT) * INTERVAL '1' SECOND
        + CAST(lo - CAST(FLOOR(lo / 1000000.0) AS BIGINT) * 1000000 AS INT)
            * INTERVAL '1' MICROSECOND AS ts,
    path,
    CASE
        WHEN attribution = 'origin' THEN NULLIF(own, '')
        WHEN attribution = 'cached' THEN NULLIF(any_owner, '')
    END AS owner_id,
    viewer_id,
    cache_status,
    CASE WHEN attribution IN ('origin', 'cached', 'ambiguous') THEN
        TIMESTAMP '1970-01-01 00:00:00'
            + CAST(FLOOR(latest / 86400000000.0) AS INT) * INTERVAL '1' DAY
            + CAST(FLOOR((latest - CAST(FLOOR(latest / 86400000000.0) AS BIGINT) * 86400000000)
                / 1000000.0) AS INT) * INTERVAL '1' SECOND
            + CAST(latest - CAST(FLOOR(latest / 1000000.0) AS BIGINT) * 1000000 AS INT)
                * INTERVAL '1' MICROSECOND
    END AS origin_ts,
    cache_node,
    attribution,
    CASE WHEN attribution = 'ambiguous' THEN candidates END AS owner_candidates,
    CASE
        WHEN attribution = 'ambiguous' THEN
            CASE
                WHEN source = 'any' THEN 'status'
                WHEN source IN ('tier', 'node_or_tier', 'origin_or_tier') OR possible THEN 'tier'
                ELSE 'clock'
            END
        WHEN attribution = 'unattributed' THEN
            CASE
                WHEN too_many OR n_owners > max_candidates THEN 'too_many'
                WHEN too_old THEN 'too_old'
                ELSE 'no_fill'
            END
    END AS reason
FROM attributed

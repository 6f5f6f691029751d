//! Each vendor's description (`format::Description`): its fields as the vendor documents
//! them, its cache-status table, tiers, node, time and defaults. `format.rs` holds the
//! types and how `--log-format` and `--column` choose and adjust a description.
//!
//! Sources, per field, are cited in the README ("CDN logs as delivered").

use std::sync::Arc;

use super::format::{Decode, Description, Duration, Means, Naming, Reader, Tiers, Time, Uri};
use super::pattern::Pattern;
use super::status;
use super::time::TimeText;
use crate::cdn::{CacheKey, Topology};

fn text(s: &str) -> String {
    s.to_string()
}

pub(super) fn contract() -> Description {
    Description {
        name: "contract",
        vendor: "the contract's CDN log",
        reader: Reader::Contract,
        time: Time {
            fields: vec![text("ts")],
            text: TimeText::Any,
            means: Means::Arrival,
            resolution: None,
            duration: None,
        },
        uri: Uri::Whole(text("path")),
        host: None,
        method: Some(text("method")),
        status: None,
        cache: text("cache_status"),
        table: None,
        tiers: Tiers::Status,
        node: None,
        ip: None,
        ua: None,
        cookie_header: None,
        naming: Naming::None,
        cache_key: CacheKey::Path,
        topology: Topology::Edge,
        no_viewer_cause: "the viewer_id column is empty on every row",
    }
}

/// CloudFront standard logs (AWS CloudFront Developer Guide, "Standard log file fields").
pub(super) fn cloudfront() -> Description {
    Description {
        name: "cloudfront",
        vendor: "CloudFront (standard logs)",
        reader: Reader::CloudFront,
        time: Time {
            fields: vec![text("date"), text("time")],
            text: TimeText::DateSpaceTime,
            // "The time when the CloudFront server finished responding to the request".
            means: Means::End,
            resolution: Some(1_000_000),
            // "The number of seconds (to the thousandth of a second ...) from when the server
            // receives the viewer's request to when the server writes the last byte".
            duration: Some(Duration {
                field: text("time-taken"),
                unit: 1_000_000,
                resolution: 1_000,
            }),
        },
        uri: Uri::Split(text("cs-uri-stem"), Some(text("cs-uri-query"))),
        // "The domain name of the CloudFront distribution": the default cache key's domain.
        host: Some(text("cs(Host)")),
        method: Some(text("cs-method")),
        status: Some(text("sc-status")),
        cache: text("x-edge-result-type"),
        table: Some(&status::CLOUDFRONT),
        tiers: Tiers::CloudFront {
            response: text("x-edge-response-result-type"),
            detailed: text("x-edge-detailed-result-type"),
        },
        node: Some(text("x-edge-location")),
        ip: Some(text("c-ip")),
        ua: Some(text("cs(User-Agent)")),
        cookie_header: Some((text("cs(Cookie)"), Decode::Url)),
        naming: Naming::W3c,
        // "By default, the cache key ... includes the domain name of the CloudFront
        // distribution [and] the URL path": no query string.
        cache_key: CacheKey::HostPath,
        // Regional edge caches sit between every edge location and the origin, and a hit
        // in the one acting as Origin Shield "is reported as a Hit".
        topology: Topology::Tiered,
        no_viewer_cause: "CloudFront logs cookies only when the distribution's cookie logging is on (Standard logging: Cookie logging); without it cs(Cookie) is - on every line",
    }
}

/// Cloudflare Logpush `http_requests` (Cloudflare docs, "HTTP requests" dataset).
pub(super) fn cloudflare(fields: Option<Arc<[String]>>) -> Description {
    Description {
        name: "cloudflare",
        vendor: "Cloudflare (Logpush http_requests)",
        reader: Reader::Logpush { fields },
        time: Time {
            // "Timestamp at which the edge received request from the client".
            fields: vec![text("EdgeStartTimestamp")],
            text: TimeText::Any,
            means: Means::Arrival,
            resolution: None,
            duration: None,
        },
        uri: Uri::Whole(text("ClientRequestURI")),
        host: Some(text("ClientRequestHost")),
        method: Some(text("ClientRequestMethod")),
        status: Some(text("EdgeResponseStatus")),
        cache: text("CacheCacheStatus"),
        table: Some(&status::CLOUDFLARE),
        tiers: Tiers::Cloudflare {
            tiered_fill: text("CacheTieredFill"),
            upper_tier: text("UpperTierColoID"),
            source: text("ClientRequestSource"),
            subrequest: text("WorkerSubrequest"),
            parent: text("ParentRayID"),
            ray: text("RayID"),
        },
        node: Some(text("EdgeColoCode")),
        ip: Some(text("ClientIP")),
        ua: Some(text("ClientRequestUserAgent")),
        // Request headers "are logged as raw values".
        cookie_header: Some((text("RequestHeaders.cookie"), Decode::Raw)),
        naming: Naming::Logpush,
        // "A default cache key includes: Full URL: scheme, host, URI with query string".
        cache_key: CacheKey::HostPathQuery,
        // Tiered Cache: "the lower-tier must ask an upper-tier"; whether it is on is not in
        // every log (CacheTieredFill, UpperTierColoID tell when logged).
        topology: Topology::Tiered,
        no_viewer_cause: "Cloudflare logs a cookie only as a Logpush custom field (Cookies) or a request header custom field (RequestHeaders.cookie), which must be configured for the zone",
    }
}

/// Akamai DataStream 2 (Akamai techdocs, "Data set parameters").
pub(super) fn akamai(fields: Option<Arc<[String]>>) -> Description {
    Description {
        name: "akamai",
        vendor: "Akamai (DataStream 2)",
        reader: Reader::DataStream { fields },
        time: Time {
            // "The time when the edge server accepted the request from the client."
            fields: vec![text("reqTimeSec")],
            text: TimeText::UnixSeconds,
            means: Means::Arrival,
            resolution: None,
            duration: None,
        },
        uri: Uri::Split(text("reqPath"), Some(text("queryStr"))),
        host: Some(text("reqHost")),
        method: Some(text("reqMethod")),
        status: Some(text("statusCode")),
        cache: text("cacheStatus"),
        table: Some(&status::AKAMAI),
        tiers: Tiers::Akamai {
            breadcrumbs: text("breadcrumbs"),
            cacheable: text("cacheable"),
        },
        // "The IP address of the edge server that served the response": each edge server
        // keeps its own cache (a log without it is one cache).
        node: Some(text("edgeIP")),
        ip: Some(text("cliIP")),
        ua: Some(text("UA")),
        // "RFC-1738 escaped, replacing spaces and other special characters" (`+` for a
        // space in Akamai's samples).
        cookie_header: Some((text("cookie"), Decode::UrlPlus)),
        naming: Naming::DataStream,
        // The cache key is the URL with its query string unless the property drops it
        // (queryStr "returns only when the Cache Key Parameter behavior is set to include
        // all parameters").
        cache_key: CacheKey::HostPathQuery,
        // cacheStatus 0: "forwarded to peer, parent or origin".
        topology: Topology::Tiered,
        no_viewer_cause: "DataStream 2 logs the cookie field only when the stream includes it and the property allows it",
    }
}

/// The JSON format the README documents for Fastly's real-time log streaming.
pub(super) fn fastly() -> Description {
    Description {
        name: "fastly",
        vendor: "Fastly (real-time log streaming, JSON)",
        reader: Reader::JsonLines,
        time: Time {
            // time.start: "The time the request started".
            fields: vec![text("ts")],
            text: TimeText::Rfc3339,
            means: Means::Arrival,
            resolution: None,
            duration: None,
        },
        uri: Uri::Whole(text("url")),
        host: Some(text("host")),
        method: Some(text("method")),
        status: Some(text("status")),
        cache: text("cache_state"),
        table: Some(&status::FASTLY),
        tiers: Tiers::Fastly {
            visits: text("ff_visits"),
        },
        node: Some(text("pop")),
        ip: Some(text("client_ip")),
        ua: Some(text("user_agent")),
        cookie_header: Some((text("cookie"), Decode::Raw)),
        naming: Naming::Fastly,
        // "By default we include req.url and req.http.host in the hash".
        cache_key: CacheKey::HostPathQuery,
        // With shielding an edge's MISS may be its shield's HIT.
        topology: Topology::Tiered,
        no_viewer_cause:
            "the logging endpoint's format must log req.http.Cookie (the README's format does)",
    }
}

/// W3C extended log files (IIS and others).
pub(super) fn w3c() -> Description {
    Description {
        name: "w3c",
        vendor: "W3C extended (IIS)",
        reader: Reader::W3c { separator: b' ' },
        time: Time {
            fields: vec![text("date"), text("time")],
            text: TimeText::DateSpaceTime,
            // W3C: "time: Time at which transaction completed".
            means: Means::End,
            resolution: Some(1_000_000),
            // IIS: "time-taken: the length of time that the action took, in milliseconds".
            duration: Some(Duration {
                field: text("time-taken"),
                unit: 1_000,
                resolution: 1_000,
            }),
        },
        uri: Uri::Split(text("cs-uri-stem"), Some(text("cs-uri-query"))),
        host: Some(text("cs-host")),
        method: Some(text("cs-method")),
        status: Some(text("sc-status")),
        cache: text("x-cache-status"),
        table: None,
        tiers: Tiers::Status,
        node: None,
        ip: Some(text("c-ip")),
        ua: Some(text("cs(User-Agent)")),
        // IIS writes a space in a header as `+`.
        cookie_header: Some((text("cs(Cookie)"), Decode::Plus)),
        naming: Naming::W3c,
        cache_key: CacheKey::PathQuery,
        topology: Topology::Edge,
        no_viewer_cause:
            "IIS logs the Cookie header only when the site's logging fields include cs(Cookie)",
    }
}

/// nginx by its `log_format` (nginx docs, ngx_http_log_module and ngx_http_upstream_module).
pub(super) fn nginx(p: &Arc<Pattern>) -> std::result::Result<Description, String> {
    let (time_field, time_text, resolution) = p
        .field("$msec")
        .map(|f| (f, TimeText::UnixSeconds, 1_000))
        .or_else(|| {
            p.field("$time_iso8601")
                .map(|f| (f, TimeText::Rfc3339, 1_000_000))
        })
        .or_else(|| {
            p.field("$time_local")
                .map(|f| (f, TimeText::Clf, 1_000_000))
        })
        .ok_or("the nginx format has no request time ($msec, $time_iso8601 or $time_local)")?;
    let uri = match (
        p.field("$request_uri"),
        p.field("$uri"),
        p.field("$request"),
    ) {
        (Some(whole), _, _) => Uri::Whole(whole),
        (None, Some(path), _) => Uri::Split(path, p.first(&["$args", "$query_string"])),
        (None, None, Some(line)) => Uri::RequestLine(line),
        _ => return Err("the nginx format has no $request_uri, $uri or $request".into()),
    };
    let method = p.field("$request_method");
    Ok(Description {
        name: "nginx",
        vendor: "nginx",
        reader: Reader::Pattern(p.clone()),
        time: Time {
            fields: vec![time_field],
            text: time_text,
            // $msec, $time_local, $time_iso8601: the time "at the time of the log write".
            means: Means::End,
            resolution: Some(resolution),
            // $request_time: "time elapsed between the first bytes were read from the client
            // and the log write", in seconds with a milliseconds resolution.
            duration: p.field("$request_time").map(|field| Duration {
                field,
                unit: 1_000_000,
                resolution: 1_000,
            }),
        },
        uri,
        host: p.first(&["$host", "$http_host"]),
        method,
        status: p.field("$status"),
        cache: p.field("$upstream_cache_status").ok_or(
            "the nginx format has no $upstream_cache_status (or name the cache status with --column cache_status=FIELD)",
        )?,
        table: Some(&status::NGINX),
        tiers: Tiers::Status,
        node: None,
        ip: p.field("$remote_addr"),
        ua: p.field("$http_user_agent"),
        cookie_header: p.field("$http_cookie").map(|c| (c, Decode::Raw)),
        naming: Naming::Nginx,
        // proxy_cache_key's default, $scheme$proxy_host$request_uri: the upstream's name,
        // not the request's host, and the query string.
        cache_key: CacheKey::PathQuery,
        topology: Topology::Edge,
        no_viewer_cause: "the log_format must log the Cookie header ($http_cookie) or the cookie ($cookie_NAME)",
    })
}

/// Apache httpd by its `LogFormat` (httpd docs, mod_log_config and mod_cache).
pub(super) fn apache(p: &Arc<Pattern>) -> std::result::Result<Description, String> {
    let (time_field, time_text, resolution, means) = p
        .apache_time()
        .ok_or("the Apache format has no request time (%t or %{FORMAT}t)")?;
    let uri = match (p.field("%U"), p.field("%r")) {
        (Some(path), _) => Uri::Split(path, p.field("%q")),
        (None, Some(line)) => Uri::RequestLine(line),
        _ => return Err("the Apache format has no %U or %r".into()),
    };
    // %D: microseconds; %{UNIT}T: in that unit; %T: whole seconds, truncated.
    let duration = [
        ("%D", 1, 1),
        ("%{us}T", 1, 1),
        ("%{ms}T", 1_000, 1_000),
        ("%{s}T", 1_000_000, 1_000_000),
        ("%T", 1_000_000, 1_000_000),
    ]
    .into_iter()
    .find_map(|(name, unit, resolution)| {
        p.field(name).map(|field| Duration {
            field,
            unit,
            resolution,
        })
    });
    let host = p.first(&["%v", "%V"]);
    Ok(Description {
        name: "apache",
        vendor: "Apache httpd mod_cache",
        reader: Reader::Pattern(p.clone()),
        time: Time {
            fields: vec![time_field],
            text: time_text,
            means,
            resolution: Some(resolution),
            duration,
        },
        uri,
        // mod_cache's key: scheme://ServerName:port/path?query.
        cache_key: if host.is_some() {
            CacheKey::HostPathQuery
        } else {
            CacheKey::PathQuery
        },
        host,
        method: p.field("%m"),
        status: p.first(&["%>s", "%s"]),
        cache: p.field("%{cache-status}e").ok_or(
            "the Apache format has no %{cache-status}e (or name the cache status with --column cache_status=FIELD)",
        )?,
        table: Some(&status::APACHE),
        tiers: Tiers::Status,
        node: None,
        ip: p.first(&["%h", "%a"]),
        ua: p.field("%{User-Agent}i"),
        cookie_header: p.field("%{Cookie}i").map(|c| (c, Decode::Raw)),
        naming: Naming::Apache,
        topology: Topology::Edge,
        no_viewer_cause: "the LogFormat must log the Cookie header (%{Cookie}i) or the cookie (%{NAME}C)",
    })
}

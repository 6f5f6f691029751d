//! nginx and Apache httpd access logs in the formats below (a Tokyo server: `$time_local`
//! and `%t` at +0900). nginx logs when the response ended (`$msec`, to the millisecond)
//! with the time it took (`$request_time`); Apache when the request began (`%t`,
//! `%{msec}t`). The cache's status is `$upstream_cache_status` (`-` for a method nginx does
//! not cache) and mod_cache's `%{cache-status}e` (the reason it did not store a private
//! page; a POST invalidates the URL's entry).

use std::fmt::Write as _;

use super::Line;

/// The nginx `log_format` written (read back with `--log-format nginx:'…'`).
pub const NGINX_LOG_FORMAT: &str = "$remote_addr - - [$time_local] \"$request\" $status $body_bytes_sent \"$http_user_agent\" \"$http_cookie\" $upstream_cache_status $msec $request_time";

/// The Apache httpd `LogFormat` written (read back with `--log-format apache:'…'`).
pub const APACHE_LOG_FORMAT: &str =
    "%h %l %u %t \"%r\" %>s %b \"%{User-Agent}i\" \"%{Cookie}i\" \"%{cache-status}e\" %{msec}t";

/// The server's offset from UTC: Japan Standard Time.
const OFFSET_SECONDS: i64 = 9 * 3600;

/// `22/Jun/2017:15:05:00 +0900`: the common log format's time, at the server's offset.
fn clf(at: i64) -> String {
    let (seconds, _) = Line::seconds(at);
    chrono::DateTime::from_timestamp(seconds + OFFSET_SECONDS, 0)
        .map(|local| local.format("%d/%b/%Y:%H:%M:%S +0900").to_string())
        .unwrap_or_else(|| "-".into())
}

/// nginx lines in `NGINX_LOG_FORMAT`; no value logs `-`.
pub(super) fn nginx(lines: &[Line]) -> Vec<u8> {
    let mut out = String::with_capacity(lines.len() * 270);
    for line in lines {
        let (seconds, ms) = Line::seconds(line.end);
        let status = match (line.method, line.cached()) {
            ("POST", _) => "-",
            (_, true) => "HIT",
            (_, false) => "MISS",
        };
        let took = line.took / 1000;
        let _ = writeln!(
            out,
            "{} - - [{}] \"{} {} HTTP/1.1\" 200 {} \"{}\" \"{}\" {status} {seconds}.{ms:03} {}.{:03}",
            line.ip,
            clf(line.end),
            line.method,
            line.target(),
            line.bytes,
            line.agent,
            line.cookie().unwrap_or_else(|| "-".into()),
            took / 1000,
            took % 1000,
        );
    }
    out.into_bytes()
}

/// Apache httpd lines in `APACHE_LOG_FORMAT`; no value logs `-`.
pub(super) fn apache(lines: &[Line]) -> Vec<u8> {
    let mut out = String::with_capacity(lines.len() * 280);
    for line in lines {
        let status = match (line.method, line.status) {
            ("POST", _) => "cache invalidated by POST",
            (_, "HIT" | "TIER") => "cache hit",
            (_, "MISS") => "cache miss: attempting entity save",
            _ => "Cache-Control: private present",
        };
        let _ = writeln!(
            out,
            "{} - - [{}] \"{} {} HTTP/1.1\" 200 {} \"{}\" \"{}\" \"{status}\" {}",
            line.ip,
            clf(line.arrival),
            line.method,
            line.target(),
            line.bytes,
            line.agent,
            line.cookie().unwrap_or_else(|| "-".into()),
            line.arrival.div_euclid(1000),
        );
    }
    out.into_bytes()
}

//! nginx and Apache httpd access logs in the formats below (a Tokyo server: `$time_local`
//! and `%t` at +0900), with the request's time to the millisecond (`$msec`, `%{msec}t`)
//! and the cache's status (`$upstream_cache_status`, mod_cache's `%{cache-status}e`).

use std::fmt::Write as _;

use super::Line;

/// The nginx `log_format` written (read back with `--log-format nginx:'…'`).
pub const NGINX_LOG_FORMAT: &str = "$remote_addr - - [$time_local] \"$request\" $status $body_bytes_sent \"$http_user_agent\" \"$http_cookie\" $upstream_cache_status $msec";

/// The Apache httpd `LogFormat` written (read back with `--log-format apache:'…'`).
pub const APACHE_LOG_FORMAT: &str =
    "%h %l %u %t \"%r\" %>s %b \"%{User-Agent}i\" \"%{Cookie}i\" \"%{cache-status}e\" %{msec}t";

/// The server's offset from UTC: Japan Standard Time.
const OFFSET_SECONDS: i64 = 9 * 3600;

/// `22/Jun/2017:15:05:00 +0900`: the common log format's time, at the server's offset.
fn clf(line: &Line) -> String {
    let (seconds, _) = line.seconds();
    chrono::DateTime::from_timestamp(seconds + OFFSET_SECONDS, 0)
        .map(|local| local.format("%d/%b/%Y:%H:%M:%S +0900").to_string())
        .unwrap_or_else(|| "-".into())
}

/// nginx lines in `NGINX_LOG_FORMAT`; no value logs `-`.
pub(super) fn nginx(lines: &[Line]) -> Vec<u8> {
    let mut out = String::with_capacity(lines.len() * 260);
    for line in lines {
        let (seconds, ms) = line.seconds();
        let status = if line.cached() { "HIT" } else { "MISS" };
        let _ = writeln!(
            out,
            "{} - - [{}] \"GET {} HTTP/1.1\" 200 {} \"{}\" \"{}\" {status} {seconds}.{ms:03}",
            line.ip,
            clf(line),
            line.target(),
            line.bytes,
            line.agent,
            line.cookie().unwrap_or_else(|| "-".into()),
        );
    }
    out.into_bytes()
}

/// Apache httpd lines in `APACHE_LOG_FORMAT`; no value logs `-`.
pub(super) fn apache(lines: &[Line]) -> Vec<u8> {
    let mut out = String::with_capacity(lines.len() * 280);
    for line in lines {
        let status = if line.cached() {
            "cache hit"
        } else {
            "cache miss: attempting entity save"
        };
        let _ = writeln!(
            out,
            "{} - - [{}] \"GET {} HTTP/1.1\" 200 {} \"{}\" \"{}\" \"{status}\" {}",
            line.ip,
            clf(line),
            line.target(),
            line.bytes,
            line.agent,
            line.cookie().unwrap_or_else(|| "-".into()),
            line.ts.div_euclid(1000),
        );
    }
    out.into_bytes()
}

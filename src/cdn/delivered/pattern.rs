//! nginx and Apache access logs, read by the server's own format string: nginx's
//! `log_format` (`$remote_addr - [$time_local] "$request" $status ...`) or Apache's
//! `LogFormat` (`%h %l %u %t \"%r\" %>s ...`). The string becomes one regular expression;
//! each variable a capture, matched up to the literal character that follows it. Values
//! are unescaped as the server escaped them: nginx's `escape=default` (`\xXX`), `json`
//! (`\"`, `\\`, `\u00XX`) or `none`; Apache's `\"`, `\\` and `\xhh`.

use std::path::Path;

use anyhow::Result;
use polars::prelude::*;
use regex::bytes::Regex;

use super::format::Means;
use super::normalise::Raw;
use super::text;
use super::time::TimeText;
use super::{needed_fields, Reading};
use crate::error::InputError;
use crate::frame::OrBug;

pub const NGINX_EXAMPLE: &str =
    "$remote_addr [$time_local] \"$request\" $status $upstream_cache_status \"$http_cookie\"";
pub const APACHE_EXAMPLE: &str = "%h %t \\\"%r\\\" %>s \\\"%{cache-status}e\\\" \\\"%{Cookie}i\\\"";

/// nginx variables (ngx_http_core_module, ngx_http_log_module, ngx_http_upstream_module,
/// ngx_http_proxy_module, ngx_http_ssl_module's common ones), and `$cookie_NAME`,
/// `$http_NAME`, `$arg_NAME`, `$sent_http_NAME`, `$upstream_http_NAME` and the like: any
/// other is refused, so that a typo does not silently capture the wrong text.
const NGINX_VARIABLES: &[&str] = &[
    "args",
    "binary_remote_addr",
    "body_bytes_sent",
    "bytes_sent",
    "connection",
    "connection_requests",
    "connection_time",
    "content_length",
    "content_type",
    "document_root",
    "document_uri",
    "host",
    "hostname",
    "https",
    "is_args",
    "is_request_port",
    "limit_rate",
    "msec",
    "nginx_version",
    "pid",
    "pipe",
    "proxy_protocol_addr",
    "proxy_protocol_port",
    "proxy_protocol_server_addr",
    "proxy_protocol_server_port",
    "query_string",
    "realpath_root",
    "remote_addr",
    "remote_port",
    "remote_user",
    "request",
    "request_body",
    "request_body_file",
    "request_completion",
    "request_filename",
    "request_id",
    "request_length",
    "request_method",
    "request_port",
    "request_time",
    "request_uri",
    "scheme",
    "server_addr",
    "server_name",
    "server_port",
    "server_protocol",
    "status",
    "tcpinfo_rtt",
    "tcpinfo_rttvar",
    "tcpinfo_snd_cwnd",
    "tcpinfo_rcv_space",
    "time_iso8601",
    "time_local",
    "uri",
    "upstream_addr",
    "upstream_bytes_received",
    "upstream_bytes_sent",
    "upstream_cache_status",
    "upstream_connect_time",
    "upstream_header_time",
    "upstream_queue_time",
    "upstream_response_length",
    "upstream_response_time",
    "upstream_status",
    "proxy_host",
    "proxy_port",
    "proxy_add_x_forwarded_for",
    "ssl_protocol",
    "ssl_cipher",
    "ssl_server_name",
    "ssl_session_reused",
    "http2",
    "http3",
    "realip_remote_addr",
    "realip_remote_port",
    "gzip_ratio",
];

/// Prefixes of nginx variables named by a header, cookie or argument.
const NGINX_PREFIXES: &[&str] = &[
    "cookie_",
    "http_",
    "arg_",
    "sent_http_",
    "sent_trailer_",
    "upstream_http_",
    "upstream_cookie_",
    "upstream_trailer_",
    "proxy_protocol_tlv_",
];

/// How nginx escaped the values of a `log_format` (its `escape=` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// `"`, `\`, bytes below 32 and above 126 as `\xXX`; a missing value is `-`.
    Default,
    /// JSON string escapes; a missing value is empty.
    Json,
    /// Raw bytes; a missing value is empty.
    None,
    /// Apache's: `\"`, `\\`, C escapes and `\xhh`.
    Apache,
}

/// Apache directives read (letters after `%`, with or without `{...}`).
const APACHE_DIRECTIVES: &str = "aAbBCDefhHiIklLmnopPqrRsStTuUvVXx^";

/// A compiled format string.
#[derive(Debug)]
pub struct Pattern {
    pub text: String,
    regex: Regex,
    /// The field of each capture group, in order (`$msec`, `%{Cookie}i`).
    fields: Vec<String>,
    escape: Escape,
}

impl Pattern {
    pub fn nginx(spec: &str) -> std::result::Result<Pattern, String> {
        // `log_format name [escape=default|json|none] string`: the string, with its
        // escaping given first when it is not the default.
        let trimmed = spec.trim_start();
        let (escape, spec) = match trimmed.strip_prefix("escape=") {
            Some(rest) => {
                let (mode, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                let escape = match mode {
                    "default" => Escape::Default,
                    "json" => Escape::Json,
                    "none" => Escape::None,
                    _ => {
                        return Err(format!(
                            "unknown log format escaping {mode:?} (default, json or none)"
                        ))
                    }
                };
                (escape, rest.trim_start())
            }
            None => (Escape::Default, spec),
        };
        let mut parts = Vec::new();
        let mut rest = spec;
        while let Some(at) = rest.find('$') {
            parts.push(Part::Literal(rest[..at].to_string()));
            let after = &rest[at + 1..];
            let (name, len) = if let Some(inner) = after.strip_prefix('{') {
                let end = inner.find('}').ok_or("an unclosed ${ in the log_format")?;
                (&inner[..end], end + 2)
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            };
            if name.is_empty() {
                return Err(format!("a $ without a variable name in {spec:?}"));
            }
            let known = NGINX_VARIABLES.contains(&name)
                || NGINX_PREFIXES
                    .iter()
                    .any(|p| name.starts_with(p) && name.len() > p.len());
            if !known {
                return Err(format!(
                    "unknown nginx variable ${name} in the log_format (known: ${}, and ${}NAME)",
                    NGINX_VARIABLES.join(", $"),
                    NGINX_PREFIXES.join("NAME, $")
                ));
            }
            parts.push(Part::Field(format!("${name}")));
            rest = &after[len..];
        }
        parts.push(Part::Literal(rest.to_string()));
        Pattern::build(spec, parts, true, escape)
    }

    pub fn apache(spec: &str) -> std::result::Result<Pattern, String> {
        // As written in httpd.conf: \" is a quote.
        let unescaped = spec.replace("\\\"", "\"").replace("\\t", "\t");
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = unescaped.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c != '%' {
                literal.push(c);
                continue;
            }
            // %[<>][!][codes]{...}X
            let mut name = String::from("%");
            let mut brace = String::new();
            loop {
                let Some(&(_, next)) = chars.peek() else {
                    return Err(format!("the LogFormat ends inside a directive at {at}"));
                };
                if next == '%' && name == "%" {
                    chars.next();
                    literal.push('%');
                    name.clear();
                    break;
                }
                if next == '{' {
                    chars.next();
                    for (_, c) in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                        brace.push(c);
                    }
                    continue;
                }
                chars.next();
                if next == '^' {
                    // %^ti, %^to: a trailer of the request or the response.
                    let two: String = chars.by_ref().take(2).map(|(_, c)| c).collect();
                    if two != "ti" && two != "to" {
                        return Err(format!(
                            "unknown Apache LogFormat directive %^{two} in {spec:?}"
                        ));
                    }
                    name.push('^');
                    name.push_str(&two);
                    if !brace.is_empty() {
                        name = format!("%{{{brace}}}^{two}");
                    }
                    break;
                }
                if next == '<' || next == '>' || next == '!' || next == ',' || next.is_ascii_digit()
                {
                    if next == '>' {
                        name.push('>');
                    }
                    continue;
                }
                if !APACHE_DIRECTIVES.contains(next) {
                    return Err(format!(
                        "unknown Apache LogFormat directive %{next} in {spec:?}"
                    ));
                }
                if !brace.is_empty() {
                    name.push('{');
                    name.push_str(&brace);
                    name.push('}');
                }
                name.push(next);
                break;
            }
            if name.is_empty() {
                continue;
            }
            parts.push(Part::Literal(std::mem::take(&mut literal)));
            parts.push(Part::Field(name));
        }
        parts.push(Part::Literal(literal));
        Pattern::build(spec, parts, false, Escape::Apache)
    }

    fn build(
        spec: &str,
        parts: Vec<Part>,
        nginx: bool,
        escape: Escape,
    ) -> std::result::Result<Pattern, String> {
        let mut regex = String::from("^");
        let mut fields = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            match part {
                Part::Literal(text) => regex.push_str(&regex::escape(text)),
                Part::Field(name) => {
                    let next = parts[i + 1..].iter().find_map(|p| match p {
                        Part::Literal(t) if !t.is_empty() => t.chars().next(),
                        Part::Literal(_) => None,
                        Part::Field(_) => Some('\0'),
                    });
                    let value = match (name.as_str(), next) {
                        ("$time_local", _) => {
                            r"\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}".to_string()
                        }
                        ("%t", _) => r"\[[^\]]*\]".to_string(),
                        (_, None) => ".*".to_string(),
                        (_, Some('\0')) => r"\S*?".to_string(),
                        // nginx lists several upstreams as `a, b` (`$upstream_addr`,
                        // `$upstream_response_time`), unquoted.
                        (_, Some(' ')) if nginx => "[^ ,]*(?:, [^ ,]*)*".to_string(),
                        // A quoted value holds escapes: Apache writes `\"` for a quote
                        // (nginx writes `\x22`).
                        (_, Some('"')) => r#"(?:[^"\\]|\\.)*"#.to_string(),
                        (_, Some(c)) => format!("[^{}]*", regex::escape(&c.to_string())),
                    };
                    if fields.contains(name) {
                        regex.push_str(&format!("(?:{value})"));
                    } else {
                        regex.push_str(&format!("({value})"));
                        fields.push(name.clone());
                    }
                }
            }
        }
        regex.push('$');
        let regex =
            Regex::new(&regex).map_err(|e| format!("cannot use the format {spec:?}: {e}"))?;
        Ok(Pattern {
            text: spec.to_string(),
            regex,
            fields,
            escape,
        })
    }

    /// A cookie's field as the format names it: cookie names are case-sensitive.
    pub fn cookie_field(&self, name: &str) -> Option<String> {
        self.fields.iter().find(|f| *f == name).cloned()
    }

    /// The field as the format names it, when the format has it (header names compared
    /// ignoring case, as servers do).
    pub fn field(&self, name: &str) -> Option<String> {
        let same = |f: &str| {
            if f == name {
                return true;
            }
            // Only a header, cookie or variable name inside `{...}` (Apache) or after
            // `$http_`/`$cookie_` (nginx) is compared ignoring case: `%u` is not `%U`.
            let split = |s: &str| -> Option<(String, String)> {
                let (head, rest) = s.split_once('{')?;
                let (inner, tail) = rest.split_once('}')?;
                Some((format!("{head}{{}}{tail}"), inner.to_ascii_lowercase()))
            };
            match (split(f), split(name)) {
                (Some(a), Some(_)) if a.0.ends_with('C') => false,
                (Some(a), Some(b)) => a == b,
                _ => {
                    f.starts_with("$http_")
                        && name.starts_with("$http_")
                        && f.eq_ignore_ascii_case(name)
                }
            }
        };
        self.fields.iter().find(|f| same(f)).cloned()
    }

    pub fn first(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|n| self.field(n))
    }

    /// Apache's request time: the finest of the format's times (`%{msec}t` before `%t`), and
    /// whether it was taken when the request began (the default) or when the entry was
    /// written (`end:`).
    pub fn apache_time(&self) -> Option<(String, TimeText, i64, Means)> {
        let mut best: Option<(String, TimeText, i64, Means)> = None;
        for field in &self.fields {
            let mut consider = |kind: TimeText, resolution: i64, means: Means| {
                if best.as_ref().is_none_or(|(_, _, r, _)| resolution < *r) {
                    best = Some((field.clone(), kind, resolution, means));
                }
            };
            if field == "%t" {
                consider(TimeText::Clf, 1_000_000, Means::Arrival);
                continue;
            }
            let Some(format) = field.strip_prefix("%{").and_then(|f| f.strip_suffix("}t")) else {
                continue;
            };
            let (format, means) = match (format.strip_prefix("begin:"), format.strip_prefix("end:"))
            {
                (Some(f), _) => (f, Means::Arrival),
                (_, Some(f)) => (f, Means::End),
                _ => (format, Means::Arrival),
            };
            let (kind, resolution) = match format {
                "sec" => (TimeText::UnixSeconds, 1_000_000),
                "msec" => (TimeText::UnixMillis, 1_000),
                "usec" => (TimeText::UnixMicros, 1),
                "msec_frac" | "usec_frac" => continue,
                "" => (TimeText::Clf, 1_000_000),
                other => (TimeText::Strftime(other.to_string()), 1_000_000),
            };
            consider(kind, resolution, means);
        }
        best
    }

    /// The text of a value as the server wrote it, unescaped; `None`: no value.
    fn unescape(&self, raw: &[u8]) -> Option<String> {
        let empty_is_none = matches!(self.escape, Escape::Json | Escape::None);
        if raw.is_empty() && empty_is_none {
            return None;
        }
        if self.escape == Escape::None || !raw.contains(&b'\\') {
            return Some(String::from_utf8_lossy(raw).into_owned());
        }
        let hex = |b: u8| (b as char).to_digit(16);
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            if raw[i] != b'\\' || i + 1 >= raw.len() {
                out.push(raw[i]);
                i += 1;
                continue;
            }
            let next = raw[i + 1];
            let simple = match next {
                b'"' => Some(b'"'),
                b'\\' => Some(b'\\'),
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                b'b' => Some(8),
                b'f' => Some(12),
                b'v' => Some(11),
                _ => None,
            };
            if let Some(b) = simple {
                out.push(b);
                i += 2;
                continue;
            }
            if next == b'x' {
                if let (Some(h), Some(l)) = (
                    raw.get(i + 2).copied().and_then(hex),
                    raw.get(i + 3).copied().and_then(hex),
                ) {
                    out.push((h * 16 + l) as u8);
                    i += 4;
                    continue;
                }
            }
            if next == b'u' && self.escape == Escape::Json {
                let code = raw
                    .get(i + 2..i + 6)
                    .and_then(|d| std::str::from_utf8(d).ok())
                    .and_then(|d| u32::from_str_radix(d, 16).ok())
                    .and_then(char::from_u32);
                if let Some(c) = code {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    i += 6;
                    continue;
                }
            }
            out.push(raw[i]);
            i += 1;
        }
        Some(String::from_utf8_lossy(&out).into_owned())
    }
}

enum Part {
    Literal(String),
    Field(String),
}

/// Reads an nginx or Apache log by its format.
pub(super) fn read(path: &Path, pattern: &Pattern, reading: &Reading) -> Result<Raw> {
    let (needed, _) = needed_fields(reading)?;
    let groups: Vec<usize> = needed
        .iter()
        .map(|f| {
            pattern
                .fields
                .iter()
                .position(|g| g == f)
                .map(|i| i + 1)
                .ok_or_else(|| {
                    InputError::usage(format!(
                        "the {} format has no {f} (it has {})",
                        reading.description.name,
                        pattern.fields.join(" ")
                    ))
                })
        })
        .collect::<std::result::Result<_, _>>()?;
    let lines = text::read(path, false)?;
    lines.check_utf8()?;
    let ranges = crate::frame::cores::core_ranges(lines.rows());
    let starts = &lines.starts;
    let parts = crate::frame::cores::on_every_core(&ranges, |range| {
        capture(
            &lines.bytes[starts[range.start]..starts[range.end]],
            pattern,
            &groups,
        )
        .map_err(|bad| range.start + bad)
    })?;
    let mut columns: Vec<Vec<Option<String>>> =
        vec![Vec::with_capacity(lines.rows()); needed.len()];
    for part in parts {
        // The line itself is not shown: it holds someone's cookie, address and pages.
        let part = part.map_err(|index| {
            InputError::at(
                lines.at(index, "line"),
                format!(
                    "does not match the {} format string (fields: {})",
                    reading.description.name,
                    pattern.fields.join(" ")
                ),
            )
        })?;
        for (column, values) in columns.iter_mut().zip(part) {
            column.extend(values);
        }
    }
    let columns: Vec<Column> = needed
        .iter()
        .zip(columns)
        .map(|(name, values)| Column::new(name.as_str().into(), values))
        .collect();
    let df = DataFrame::new(lines.rows(), columns).or_bug()?;
    Ok(Raw { df, lines })
}

/// The `groups` of each line of `bytes`; `Err(i)`: line `i` does not match.
fn capture(
    bytes: &[u8],
    pattern: &Pattern,
    groups: &[usize],
) -> std::result::Result<Vec<Vec<Option<String>>>, usize> {
    let regex = &pattern.regex;
    let mut out: Vec<Vec<Option<String>>> = vec![Vec::new(); groups.len()];
    let mut locations = regex.capture_locations();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        // Blank lines were set aside when the file was read: an empty one is the end.
        if line.is_empty() {
            continue;
        }
        if regex.captures_read(&mut locations, line).is_none() {
            return Err(i);
        }
        for (column, group) in out.iter_mut().zip(groups) {
            let value = locations
                .get(*group)
                .and_then(|(a, b)| pattern.unescape(&line[a..b]));
            column.push(value);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_variables_become_captures() {
        let p = Pattern::nginx(NGINX_EXAMPLE).unwrap();
        assert_eq!(
            p.fields,
            [
                "$remote_addr",
                "$time_local",
                "$request",
                "$status",
                "$upstream_cache_status",
                "$http_cookie"
            ]
        );
        let line = br#"10.0.0.1 [22/Jun/2017:15:05:00 +0900] "GET /jp/mypage/ HTTP/1.1" 200 HIT "a=1; session=u-1""#;
        let caps = p.regex.captures(line).unwrap();
        assert_eq!(&caps[3], b"GET /jp/mypage/ HTTP/1.1");
        assert_eq!(&caps[6], b"a=1; session=u-1");
        assert!(Pattern::nginx("$remote_adr $status")
            .unwrap_err()
            .contains("$remote_adr"));
        // Two upstreams tried: nginx writes their times and addresses as lists.
        let p = Pattern::nginx("$status $upstream_response_time $upstream_cache_status").unwrap();
        let caps = p.regex.captures(b"200 0.004, 0.012 MISS").unwrap();
        assert_eq!((&caps[2], &caps[3]), (&b"0.004, 0.012"[..], &b"MISS"[..]));
    }

    #[test]
    fn apache_directives_become_captures() {
        let p = Pattern::apache(APACHE_EXAMPLE).unwrap();
        assert_eq!(
            p.fields,
            ["%h", "%t", "%r", "%>s", "%{cache-status}e", "%{Cookie}i"]
        );
        let line = br#"10.0.0.1 [22/Jun/2017:15:05:00 +0900] "GET /a?b=1 HTTP/1.1" 200 "cache hit" "session=u-1""#;
        let caps = p.regex.captures(line).unwrap();
        assert_eq!(&caps[2], b"[22/Jun/2017:15:05:00 +0900]");
        let quoted = br#"10.0.0.1 [22/Jun/2017:15:05:00 +0900] "GET /a HTTP/1.1" 200 "cache hit" "x=\"1\"; session=u-1""#;
        let caps = p.regex.captures(quoted).unwrap();
        assert_eq!(&caps[6], br#"x=\"1\"; session=u-1"#);
        assert_eq!(&caps[5], b"cache hit");
        assert!(Pattern::apache("%h %J").unwrap_err().contains("%J"));
    }
}

//! nginx and Apache access logs, read by the server's own format string: nginx's
//! `log_format` (`$remote_addr - [$time_local] "$request" $status ...`) or Apache's
//! `LogFormat` (`%h %l %u %t \"%r\" %>s ...`). The string becomes one regular expression;
//! each variable a capture, matched up to the literal character that follows it.

use std::path::Path;

use anyhow::Result;
use polars::prelude::*;
use regex::bytes::Regex;

use super::normalise::Raw;
use super::text;
use super::time::TimeText;
use super::{needed_fields, status, Decode, Layout, Overrides, Reading, Uri};
use crate::error::InputError;
use crate::frame::polars_bug;

pub const NGINX_EXAMPLE: &str =
    "$remote_addr [$time_local] \"$request\" $status $upstream_cache_status \"$http_cookie\"";
pub const APACHE_EXAMPLE: &str = "%h %t \\\"%r\\\" %>s \\\"%{cache-status}e\\\" \\\"%{Cookie}i\\\"";

/// nginx variables read (and `$cookie_NAME`, `$http_NAME`, `$arg_NAME`); any other is
/// refused, so that a typo does not silently capture the wrong text.
const NGINX_VARIABLES: &[&str] = &[
    "msec",
    "time_local",
    "time_iso8601",
    "request",
    "request_uri",
    "uri",
    "args",
    "query_string",
    "status",
    "upstream_cache_status",
    "http_cookie",
    "remote_addr",
    "remote_user",
    "http_user_agent",
    "http_referer",
    "body_bytes_sent",
    "bytes_sent",
    "request_time",
    "upstream_response_time",
    "upstream_addr",
    "host",
    "hostname",
    "server_name",
    "request_method",
    "server_protocol",
    "http_x_forwarded_for",
    "request_length",
    "connection",
    "pid",
    "scheme",
    "server_addr",
    "server_port",
    "remote_port",
    "request_id",
    "ssl_protocol",
    "ssl_cipher",
    "upstream_status",
    "sent_http_content_type",
    "http_host",
];

/// Apache directives read (letters after `%`, with or without `{...}`).
const APACHE_DIRECTIVES: &str = "ahlutrUqsbBHmvVpPDTfiCeoXIOSklLRnR";

/// A compiled format string.
#[derive(Debug)]
pub struct Pattern {
    pub text: String,
    regex: Regex,
    /// The field of each capture group, in order (`$msec`, `%{Cookie}i`).
    fields: Vec<String>,
    nginx: bool,
}

impl Pattern {
    pub fn nginx(spec: &str) -> std::result::Result<Pattern, String> {
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
                || ["cookie_", "http_", "arg_", "sent_http_", "upstream_http_"]
                    .iter()
                    .any(|p| name.starts_with(p) && name.len() > p.len());
            if !known {
                return Err(format!(
                    "unknown nginx variable ${name} in the log_format (known: ${}, and $cookie_NAME, $http_NAME, $arg_NAME)",
                    NGINX_VARIABLES.join(", $")
                ));
            }
            parts.push(Part::Field(format!("${name}")));
            rest = &after[len..];
        }
        parts.push(Part::Literal(rest.to_string()));
        Pattern::build(spec, parts, true)
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
        Pattern::build(spec, parts, false)
    }

    fn build(spec: &str, parts: Vec<Part>, nginx: bool) -> std::result::Result<Pattern, String> {
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
            nginx,
        })
    }

    /// The field as the format names it, when the format has it (header and cookie names
    /// compared ignoring case, as servers do).
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
                (Some(a), Some(b)) => a == b,
                _ => {
                    ["$http_", "$cookie_"]
                        .iter()
                        .any(|p| f.starts_with(p) && name.starts_with(p))
                        && f.eq_ignore_ascii_case(name)
                }
            }
        };
        self.fields.iter().find(|f| same(f)).cloned()
    }

    fn first(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|n| self.field(n))
    }

    /// The request time's field and how it is written.
    fn time(&self) -> Option<(String, TimeText, i64)> {
        if self.nginx {
            let forms = [
                ("$msec", TimeText::UnixSeconds, 1_000),
                ("$time_iso8601", TimeText::Rfc3339, 1_000_000),
                ("$time_local", TimeText::Clf, 1_000_000),
            ];
            return forms
                .into_iter()
                .find_map(|(n, t, r)| self.field(n).map(|f| (f, t, r)));
        }
        // The finest of the format's times (`%{msec}t` before `%t`).
        let mut best: Option<(String, TimeText, i64)> = None;
        for field in &self.fields {
            let mut consider = |kind: TimeText, resolution: i64| {
                if best.as_ref().is_none_or(|(_, _, r)| resolution < *r) {
                    best = Some((field.clone(), kind, resolution));
                }
            };
            if field == "%t" {
                consider(TimeText::Clf, 1_000_000);
                continue;
            }
            let Some(format) = field.strip_prefix("%{").and_then(|f| f.strip_suffix("}t")) else {
                continue;
            };
            let format = format
                .strip_prefix("begin:")
                .or_else(|| format.strip_prefix("end:"))
                .unwrap_or(format);
            let (kind, resolution) = match format {
                "sec" => (TimeText::UnixSeconds, 1_000_000),
                "msec" => (TimeText::UnixMillis, 1_000),
                "usec" => (TimeText::UnixMicros, 1),
                "msec_frac" | "usec_frac" => continue,
                other => (TimeText::Strftime(other.to_string()), 1_000_000),
            };
            consider(kind, resolution);
        }
        best
    }

    /// The resolution of the format's request time (µs).
    pub fn time_resolution(&self) -> Option<i64> {
        self.time().map(|(_, _, r)| r)
    }

    fn layout(&self, reading: &Reading) -> std::result::Result<Layout, String> {
        let server = if self.nginx { "nginx" } else { "Apache" };
        let map = Overrides(reading.columns);
        let (time, time_text) = match (map.get("ts"), self.time()) {
            (Some(field), _) => (field, TimeText::Any),
            (None, Some((field, kind, _))) => (field, kind),
            (None, None) => {
                return Err(format!(
                    "the {server} format has no request time ({})",
                    if self.nginx {
                        "$msec, $time_iso8601 or $time_local"
                    } else {
                        "%t or %{FORMAT}t"
                    }
                ))
            }
        };
        let uri = if let Some(path) = map.get("path") {
            Uri::Whole(path)
        } else if self.nginx {
            match (
                self.field("$request_uri"),
                self.field("$uri"),
                self.field("$request"),
            ) {
                (Some(whole), _, _) => Uri::Whole(whole),
                (None, Some(path), _) => Uri::Split(path, self.first(&["$args", "$query_string"])),
                (None, None, Some(line)) => Uri::RequestLine(line),
                _ => return Err("the nginx format has no $request_uri, $uri or $request".into()),
            }
        } else {
            match (self.field("%U"), self.field("%r")) {
                (Some(path), _) => Uri::Split(path, self.field("%q")),
                (None, Some(line)) => Uri::RequestLine(line),
                _ => return Err("the Apache format has no %U or %r".into()),
            }
        };
        let (cache, table) = match map.get("cache_status") {
            Some(field) => (field, None),
            None if self.nginx => (
                self.field("$upstream_cache_status").ok_or(
                    "the nginx format has no $upstream_cache_status (or name the cache status with --column cache_status=FIELD)",
                )?,
                Some(&status::NGINX),
            ),
            None => (
                self.field("%{cache-status}e").ok_or(
                    "the Apache format has no %{cache-status}e (or name the cache status with --column cache_status=FIELD)",
                )?,
                Some(&status::APACHE),
            ),
        };
        let (status, ip, ua, cookie) = if self.nginx {
            (
                self.field("$status"),
                self.field("$remote_addr"),
                self.field("$http_user_agent"),
                self.field("$http_cookie"),
            )
        } else {
            (
                self.first(&["%>s", "%s"]),
                self.first(&["%h", "%a"]),
                self.field("%{User-Agent}i"),
                self.field("%{Cookie}i"),
            )
        };
        Ok(Layout {
            time: vec![time],
            time_text,
            uri,
            status,
            cache,
            table,
            ip,
            ua,
            cookie_header: cookie.map(|c| (c, Decode::Raw)),
        })
    }
}

enum Part {
    Literal(String),
    Field(String),
}

/// Reads an nginx or Apache log by its format.
pub(super) fn read(path: &Path, pattern: &Pattern, reading: &Reading) -> Result<(Layout, Raw)> {
    let layout = pattern.layout(reading).map_err(InputError::usage)?;
    let needed = needed_fields(reading.format, &layout, reading)?;
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
                        reading.format.name(),
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
            &pattern.regex,
            &groups,
        )
        .map_err(|bad| range.start + bad)
    })?;
    let mut columns: Vec<Vec<Option<String>>> =
        vec![Vec::with_capacity(lines.rows()); needed.len()];
    for part in parts {
        let part = part.map_err(|index| {
            InputError::at(
                lines.at(index, "line"),
                format!(
                    "does not match the {} format: {:?}",
                    reading.format.name(),
                    lines.shown(index)
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
    let df = DataFrame::new(lines.rows(), columns).map_err(polars_bug)?;
    Ok((layout, Raw { df, lines }))
}

/// The `groups` of each line of `bytes`; `Err(i)`: line `i` does not match.
fn capture(
    bytes: &[u8],
    regex: &Regex,
    groups: &[usize],
) -> std::result::Result<Vec<Vec<Option<String>>>, usize> {
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
                .map(|(a, b)| String::from_utf8_lossy(&line[a..b]).into_owned());
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

//! A delivered log file as lines: gzip recognised by its content (CDNs name files as they
//! like), blank lines and `#` directive lines set aside, and each data row's line number
//! kept so that an error can name `file:line`.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{InputError, InputResult, Location};

thread_local! {
    /// A buffer of a file read before on this thread, for the next one: a folder of large
    /// files is decompressed into memory already mapped, not into fresh pages each time.
    static SPARE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Drop for Lines {
    fn drop(&mut self) {
        let bytes = std::mem::take(&mut self.bytes);
        SPARE.with(|spare| {
            let mut spare = spare.borrow_mut();
            if bytes.capacity() > spare.capacity() {
                *spare = bytes;
            }
        });
    }
}

/// gzip's magic number (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The data lines of one file, joined by `\n`, and where each came from.
pub struct Lines {
    pub path: PathBuf,
    /// The data lines (no directives, no blank lines), each ended by `\n`.
    pub bytes: Vec<u8>,
    /// The 1-based line number of each data line, in order.
    pub numbers: Vec<u32>,
    /// Where each data line starts in `bytes`, and then the end: line `i` is
    /// `bytes[starts[i]..starts[i + 1]]`.
    pub starts: Vec<usize>,
    /// Directive lines (`#Fields: ...`): the line number, the text after `#`, and how many
    /// data lines came before it.
    pub directives: Vec<Directive>,
    /// Numbers are rows of a table (Parquet), not lines.
    pub by_row: bool,
}

/// A `#` line of a W3C-style log.
#[derive(Clone)]
pub struct Directive {
    pub line: u32,
    pub text: String,
    /// Data lines before this directive.
    pub rows_before: usize,
}

impl Lines {
    /// The location of data row `index` (0-based), with the offending field.
    pub fn at(&self, index: usize, field: &str) -> Location {
        let number = self.numbers.get(index).copied().unwrap_or(0) as usize;
        let file = Location::file(self.path.display().to_string());
        let location = if self.by_row {
            file.row(number)
        } else {
            Location {
                line: Some(number),
                ..file
            }
        };
        location.key(field)
    }

    pub fn rows(&self) -> usize {
        self.numbers.len()
    }
}

/// The file's bytes, gunzipped when they start with gzip's magic number, whatever the name.
pub fn content(path: &Path) -> InputResult<Vec<u8>> {
    let file = || Location::file(path.display().to_string());
    let raw =
        std::fs::read(path).map_err(|e| InputError::at(file(), format!("cannot read: {e}")))?;
    if !raw.starts_with(&GZIP_MAGIC) {
        return Ok(raw);
    }
    let mut out = SPARE.with(|spare| std::mem::take(&mut *spare.borrow_mut()));
    out.clear();
    out.reserve(raw.len() * 8);
    flate2::read::MultiGzDecoder::new(raw.as_slice())
        .read_to_end(&mut out)
        .map_err(|e| {
            InputError::at(
                file(),
                format!("starts as gzip but cannot be decompressed: {e}"),
            )
        })?;
    Ok(out)
}

/// Reads `path` into lines. With `directives`, lines starting with `#` are directives,
/// not data. A `\r` before `\n` is dropped (directives must be UTF-8; data lines are
/// checked by `check_utf8`). The data lines are moved together in the file's own buffer
/// (no second copy).
pub fn read(path: &Path, directives: bool) -> InputResult<Lines> {
    lines(path, content(path)?, directives)
}

/// The lines of `raw`, the content of `path` (as `read`).
pub fn lines(path: &Path, raw: Vec<u8>, directives: bool) -> InputResult<Lines> {
    lines_after(path, raw, directives, 0)
}

/// Reads `path` in pieces of about `piece` bytes (gunzipped as it is read, cut at line
/// ends), each as the `Lines` `read` would give for those lines: numbered as in the whole
/// file, with the directives met before the piece given first (as if at its start).
/// `each` takes the pieces in order; the file is never whole in memory.
pub fn pieces(
    path: &Path,
    directives: bool,
    piece: usize,
    each: &mut dyn FnMut(Lines) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use std::io::BufRead;
    let file = || Location::file(path.display().to_string());
    let cannot = |e: std::io::Error| InputError::at(file(), format!("cannot read: {e}"));
    let mut input =
        std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path).map_err(cannot)?);
    let gzip = input.fill_buf().map_err(cannot)?.starts_with(&GZIP_MAGIC);
    let mut reader: Box<dyn Read> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(input))
    } else {
        Box::new(input)
    };
    let unreadable = |e: std::io::Error| match gzip {
        true => InputError::at(
            file(),
            format!("starts as gzip but cannot be decompressed: {e}"),
        ),
        false => InputError::at(file(), format!("cannot read: {e}")),
    };
    let (mut carried, mut before, mut rest) = (Vec::<Directive>::new(), 0u32, Vec::new());
    loop {
        let mut buf = std::mem::take(&mut rest);
        let mut end_of_file = false;
        while !end_of_file && (buf.len() < piece || memchr::memchr(b'\n', &buf).is_none()) {
            let want = piece.saturating_sub(buf.len()).max(1 << 16) as u64;
            let got = reader
                .by_ref()
                .take(want)
                .read_to_end(&mut buf)
                .map_err(unreadable)?;
            end_of_file = got == 0;
        }
        if !end_of_file {
            if let Some(end) = memchr::memrchr(b'\n', &buf) {
                rest = buf[end + 1..].to_vec();
                buf.truncate(end + 1);
            }
        }
        if buf.is_empty() && before > 0 {
            return Ok(());
        }
        let count = memchr::memchr_iter(b'\n', &buf).count() as u32;
        let mut lines = lines_after(path, buf, directives, before)?;
        before += count;
        let found = std::mem::take(&mut lines.directives);
        let mut given: Vec<Directive> = carried.clone();
        given.extend(found.iter().cloned());
        lines.directives = given;
        carried.extend(found.into_iter().map(|d| Directive {
            rows_before: 0,
            ..d
        }));
        each(lines)?;
        if end_of_file {
            return Ok(());
        }
    }
}

/// The lines of `raw`, which follows `before` lines of `path`.
fn lines_after(path: &Path, mut raw: Vec<u8>, directives: bool, before: u32) -> InputResult<Lines> {
    if raw.last() != Some(&b'\n') {
        raw.push(b'\n');
    }
    let mut numbers = Vec::new();
    let mut starts = vec![0usize];
    let mut found = Vec::new();
    let (mut write, mut read, mut number) = (0usize, 0usize, before);
    // The line ends first: the data lines are then moved down over what was skipped.
    let ends: Vec<usize> = memchr::memchr_iter(b'\n', &raw).collect();
    for end in ends {
        number += 1;
        let line_end = if end > read && raw[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        let line = read..line_end;
        read = end + 1;
        if raw[line.clone()].iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if directives && raw[line.start] == b'#' {
            let text = std::str::from_utf8(&raw[line.start + 1..line.end])
                .map_err(|_| not_utf8(path, number))?;
            found.push(Directive {
                line: number,
                text: text.trim().to_string(),
                rows_before: numbers.len(),
            });
            continue;
        }
        let len = line.end - line.start;
        raw.copy_within(line, write);
        raw[write + len] = b'\n';
        write += len + 1;
        starts.push(write);
        numbers.push(number);
    }
    raw.truncate(write);
    Ok(Lines {
        path: path.to_path_buf(),
        bytes: raw,
        numbers,
        starts,
        directives: found,
        by_row: false,
    })
}

/// Whether the content is Parquet (its magic number, "PAR1").
pub fn is_parquet(raw: &[u8]) -> bool {
    raw.starts_with(b"PAR1")
}

/// Whether the data lines are JSON objects (the first one starts with `{`).
pub fn is_json(lines: &Lines) -> bool {
    lines
        .bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

impl Lines {
    /// Refuses the first data line that is not UTF-8, by line. Readers that check UTF-8
    /// themselves (polars' CSV and JSON) call it only when they fail.
    /// Sets the first data line apart (a header line) and returns it.
    pub fn take_first(&mut self) -> Option<Vec<u8>> {
        if self.numbers.is_empty() {
            return None;
        }
        let end = self.starts[1];
        let first: Vec<u8> = self.bytes.drain(..end).collect();
        self.numbers.remove(0);
        self.starts.remove(0);
        for start in &mut self.starts {
            *start -= end;
        }
        Some(first)
    }

    /// A table's rows as `Lines` (numbers are rows, counted from 1): for messages only.
    pub fn rows_of(path: &Path, rows: usize) -> Lines {
        Lines {
            path: path.to_path_buf(),
            bytes: Vec::new(),
            numbers: (1..=rows as u32).collect(),
            starts: vec![0; rows + 1],
            directives: Vec::new(),
            by_row: true,
        }
    }

    pub fn check_utf8(&self) -> InputResult<()> {
        match std::str::from_utf8(&self.bytes) {
            Ok(_) => Ok(()),
            Err(e) => {
                let row = self.starts.partition_point(|s| *s <= e.valid_up_to()) - 1;
                Err(not_utf8(
                    &self.path,
                    self.numbers.get(row).copied().unwrap_or(0),
                ))
            }
        }
    }
}

fn not_utf8(path: &Path, line: u32) -> InputError {
    InputError::at(
        Location::file(path.display().to_string()).at(line as usize, 1),
        "the line is not UTF-8 text",
    )
}

/// Decodes `%XX` escapes (and, with `plus`, `+` as a space), as CDNs write URL-encoded
/// fields; an escape that is not two hex digits is kept as written.
pub fn percent_decode(text: &str, plus: bool) -> std::borrow::Cow<'_, str> {
    if !(text.contains('%') || plus && text.contains('+')) {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(if plus && b == b'+' { b' ' } else { b });
        i += 1;
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_keeps_bad_ones() {
        assert_eq!(percent_decode("a%3Db%3B%20c", false), "a=b; c");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz+x", true), "%zz x");
        assert_eq!(percent_decode("%4", false), "%4");
    }

    #[test]
    fn lines_keep_their_numbers_and_directives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(
            &path,
            "#Version: 1.0\n#Fields: a b\r\n\nx y\r\n#Fields: a\nz\n",
        )
        .unwrap();
        let lines = read(&path, true).unwrap();
        assert_eq!(lines.bytes, b"x y\nz\n");
        assert_eq!(lines.numbers, vec![4, 6]);
        let d: Vec<(u32, &str, usize)> = lines
            .directives
            .iter()
            .map(|d| (d.line, d.text.as_str(), d.rows_before))
            .collect();
        assert_eq!(
            d,
            vec![
                (1, "Version: 1.0", 0),
                (2, "Fields: a b", 0),
                (5, "Fields: a", 1)
            ]
        );
        assert_eq!(
            lines.at(1, "a").to_string(),
            format!("{}:6: a", path.display())
        );
    }

    #[test]
    fn a_line_that_is_not_utf8_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, b"#Fields: a\nok\n\nbad \xff\n").unwrap();
        let lines = read(&path, true).unwrap();
        let error = lines.check_utf8().unwrap_err().to_string();
        assert_eq!(
            error,
            format!("{}:4:1: the line is not UTF-8 text", path.display())
        );
    }

    #[test]
    fn gzip_is_known_by_its_content() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("E2EXAMPLE.2017-06-22-00.a1b2c3d4");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"x\n").unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        assert_eq!(read(&path, false).unwrap().bytes, b"x\n");
    }
}

//! A plain CSV file's records read with `csv-core` on every core, for the columns a reader
//! asks for. It reads only what polars' CSV reader reads the same way: RFC 4180 quoting
//! (quoted fields with commas, quotes doubled, line ends), `\n` or `\r\n` line ends, a
//! UTF-8 byte order mark at the start, UTF-8 text. Anything else (a quote inside an
//! unquoted field or text after a closing one, a lone `\r`, a blank line, a record with
//! more or fewer fields than the header, bytes that are not UTF-8, a record over 64 MiB)
//! makes it hand the file back, and polars reads it (or words its refusal) as before.
//!
//! The file is cut into spans at a line end found after an even share of its bytes. Such a
//! line end may lie inside a quoted field; it is a record's end only if the span before,
//! read from its own (checked) start, ends there. Every span is checked so, in order, from
//! the header's end; when one is not, the file is read again as one span.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// Bytes read at a time by each core (grown for a record that does not fit).
const BLOCK: usize = 1 << 22;
/// A record longer than this is left to polars.
const LONGEST_RECORD: usize = 1 << 26;
/// The UTF-8 byte order mark, which polars skips at the start of a file.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// What a reader does with each record: `fields` holds the record's fields one after the
/// other, `ends[k]` the end of field `k` in it. `false` hands the file back to polars.
pub(crate) trait Visit: Send {
    /// State kept by one core across the spans it reads (a dictionary of values).
    type Shared: Send;
    fn record(&mut self, shared: &mut Self::Shared, fields: &str, ends: &[usize]) -> bool;
}

/// Field `k` of a record given to `Visit::record`.
pub(crate) fn field<'a>(fields: &'a str, ends: &[usize], k: usize) -> &'a str {
    let start = if k == 0 { 0 } else { ends[k - 1] };
    fields.get(start..ends[k]).unwrap_or("")
}

/// The header: where each wanted column is, how many fields a record has, where the
/// records start.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) columns: Vec<usize>,
    width: usize,
    data_start: u64,
    len: u64,
}

/// The spans' readers in file order, and for each span which core read it (`Shared`s are
/// in the cores' order).
pub(crate) struct Records<V: Visit> {
    pub(crate) spans: Vec<(V, usize)>,
    pub(crate) shared: Vec<V::Shared>,
}

/// Reads the header of `path`: `None` when a wanted column is not named exactly once, or
/// the header is not one the fast reader reads as polars does.
pub(crate) fn layout(path: &Path, wanted: &[&str]) -> std::io::Result<Option<Layout>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut buf = vec![0; BLOCK];
    let mut block = Block::new(&mut file, &mut buf, 0, len);
    block.fill()?;
    if block.buf[..block.filled].starts_with(BOM) {
        block.pos = BOM.len();
    }
    let mut parser = Parser::new(usize::MAX >> 1);
    let names: Vec<String> = match parser.next(&mut block)? {
        Next::Record => {
            let Ok(text) = std::str::from_utf8(&parser.out[..parser.nout]) else {
                return Ok(None);
            };
            (0..parser.nend)
                .map(|k| field(text, &parser.ends[..parser.nend], k).to_string())
                .collect()
        }
        _ => return Ok(None),
    };
    let data_start = block.offset + block.pos as u64;
    let mut columns = Vec::with_capacity(wanted.len());
    for name in wanted {
        let mut at = names.iter().enumerate().filter(|(_, n)| n == name);
        match (at.next(), at.next()) {
            (Some((index, _)), None) => columns.push(index),
            _ => return Ok(None),
        }
    }
    Ok(Some(Layout {
        columns,
        width: names.len(),
        data_start,
        len,
    }))
}

/// Reads the records of `path` after its header, in about `spans` spans shared by the
/// cores, each by a reader `make` gives. `None`: the file is for polars to read.
pub(crate) fn read<V: Visit>(
    path: &Path,
    layout: &Layout,
    spans: usize,
    make: &(dyn Fn() -> V + Sync),
    share: &(dyn Fn() -> V::Shared + Sync),
) -> std::io::Result<Option<Records<V>>> {
    let starts = span_starts(path, layout, spans)?;
    match read_spans(path, layout, &starts, make, share)? {
        Spans::Read(read) => Ok(Some(read)),
        Spans::Polars => Ok(None),
        Spans::Misjudged => match read_spans(path, layout, &starts[..1], make, share)? {
            Spans::Read(read) => Ok(Some(read)),
            Spans::Polars | Spans::Misjudged => Ok(None),
        },
    }
}

/// Where each span starts: after the first `\n` at or after an even share of the bytes.
fn span_starts(path: &Path, layout: &Layout, spans: usize) -> std::io::Result<Vec<u64>> {
    let mut file = File::open(path)?;
    let body = layout.len.saturating_sub(layout.data_start);
    let spans = spans.max(1) as u64;
    let mut starts = vec![layout.data_start];
    let mut probe = vec![0u8; 1 << 16];
    for i in 1..spans {
        let mut at = layout.data_start + body * i / spans;
        let start = loop {
            file.seek(SeekFrom::Start(at))?;
            let n = file.read(&mut probe)?;
            if n == 0 {
                break layout.len;
            }
            if let Some(nl) = memchr::memchr(b'\n', &probe[..n]) {
                break at + nl as u64 + 1;
            }
            at += n as u64;
        };
        if start > *starts.last().unwrap_or(&0) && start < layout.len {
            starts.push(start);
        }
    }
    Ok(starts)
}

enum Spans<V: Visit> {
    Read(Records<V>),
    /// A checked span holds something the fast reader leaves to polars.
    Polars,
    /// A span's start was not a record's start (a line end inside a quoted field).
    Misjudged,
}

/// What one core read: its shared state, and each span it read with how it ended.
type CoreRead<V> = (<V as Visit>::Shared, Vec<(usize, V, End)>);

/// How one span ended: at the start of the next record, or handed back to polars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    At(u64),
    Polars,
}

fn read_spans<V: Visit>(
    path: &Path,
    layout: &Layout,
    starts: &[u64],
    make: &(dyn Fn() -> V + Sync),
    share: &(dyn Fn() -> V::Shared + Sync),
) -> std::io::Result<Spans<V>> {
    let next = AtomicUsize::new(0);
    let cores = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(starts.len());
    let work = || -> std::io::Result<CoreRead<V>> {
        let mut shared = share();
        let mut done = Vec::new();
        // One buffer and one parser per core, for all its spans.
        let mut buf = vec![0; BLOCK];
        let mut parser = Parser::new(layout.width + 1);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&start) = starts.get(i) else { break };
            let end = starts.get(i + 1).copied().unwrap_or(layout.len);
            let mut visit = make();
            let mut file = File::open(path)?;
            let mut block = Block::new(&mut file, &mut buf, start, layout.len);
            let ended = read_span(
                &mut block,
                &mut parser,
                layout,
                end,
                &mut visit,
                &mut shared,
            )?;
            done.push((i, visit, ended));
        }
        Ok((shared, done))
    };
    let results = std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = (0..cores).map(|_| scope.spawn(work)).collect();
        handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
    });
    let mut shared = Vec::with_capacity(cores);
    let mut spans: Vec<Option<(V, usize, End)>> = (0..starts.len()).map(|_| None).collect();
    for (core, result) in results.into_iter().enumerate() {
        let (core_shared, done) = result
            .map_err(|_| std::io::Error::other("internal error: a CSV reader thread failed"))??;
        shared.push(core_shared);
        for (i, visit, ended) in done {
            spans[i] = Some((visit, core, ended));
        }
    }
    // In file order: each span, read from a checked start, must end where the next starts.
    let mut read = Vec::with_capacity(spans.len());
    for (i, span) in spans.into_iter().enumerate() {
        let Some((visit, core, ended)) = span else {
            return Err(std::io::Error::other(
                "internal error: a CSV span was not read",
            ));
        };
        match ended {
            End::Polars => return Ok(Spans::Polars),
            End::At(at) if i + 1 < starts.len() && at != starts[i + 1] => {
                return Ok(Spans::Misjudged)
            }
            End::At(_) => read.push((visit, core)),
        }
    }
    Ok(Spans::Read(Records {
        spans: read,
        shared,
    }))
}

/// Reads the records starting in `[start, end)` (the last may run past `end`).
fn read_span<V: Visit>(
    block: &mut Block,
    parser: &mut Parser,
    layout: &Layout,
    end: u64,
    visit: &mut V,
    shared: &mut V::Shared,
) -> std::io::Result<End> {
    loop {
        if block.offset + block.pos as u64 >= end {
            break;
        }
        match parser.next(block)? {
            Next::Record => {
                if parser.nend != layout.width {
                    return Ok(End::Polars);
                }
                let Ok(text) = std::str::from_utf8(&parser.out[..parser.nout]) else {
                    return Ok(End::Polars);
                };
                if !visit.record(shared, text, &parser.ends[..parser.nend]) {
                    return Ok(End::Polars);
                }
            }
            Next::Polars => return Ok(End::Polars),
            Next::End => break,
        }
    }
    Ok(End::At(block.offset + block.pos as u64))
}

/// A window of the file: `buf[pos..filled]` not read yet, `buf[0]` at `offset`.
struct Block<'f> {
    file: &'f mut File,
    buf: &'f mut Vec<u8>,
    filled: usize,
    pos: usize,
    offset: u64,
    len: u64,
    sought: bool,
}

impl<'f> Block<'f> {
    fn new(file: &'f mut File, buf: &'f mut Vec<u8>, offset: u64, len: u64) -> Block<'f> {
        Block {
            file,
            buf,
            filled: 0,
            pos: 0,
            offset,
            len,
            sought: false,
        }
    }

    /// At least `n` bytes ahead, unless the file ends first.
    fn ahead(&mut self, n: usize) -> std::io::Result<()> {
        while self.filled - self.pos < n && !self.at_eof() {
            if !self.fill()? {
                break;
            }
        }
        Ok(())
    }

    fn at_eof(&self) -> bool {
        self.offset + self.filled as u64 >= self.len
    }

    /// Moves what is left to the front and reads more after it (the buffer doubles when
    /// full). False when nothing more could be read.
    fn fill(&mut self) -> std::io::Result<bool> {
        if !self.sought {
            self.file.seek(SeekFrom::Start(self.offset))?;
            self.sought = true;
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.offset += self.pos as u64;
            self.filled -= self.pos;
            self.pos = 0;
        }
        if self.filled == self.buf.len() {
            let grown = self.buf.len() * 2;
            self.buf.resize(grown, 0);
        }
        let room =
            (self.buf.len() - self.filled).min((self.len - self.offset) as usize - self.filled);
        if room == 0 {
            return Ok(false);
        }
        let n = self
            .file
            .read(&mut self.buf[self.filled..self.filled + room])?;
        self.filled += n;
        Ok(n > 0)
    }
}

enum Next {
    Record,
    Polars,
    End,
}

/// `csv-core`'s reader with room for one record, and what it read of the last one.
struct Parser {
    reader: Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    nout: usize,
    nend: usize,
}

impl Parser {
    fn new(fields: usize) -> Parser {
        Parser {
            reader: ReaderBuilder::new().build(),
            out: vec![0; BLOCK],
            ends: vec![0; fields.min(1 << 16)],
            nout: 0,
            nend: 0,
        }
    }

    /// Reads the next record of `block` whole into `out` and `ends`, and the `\n` after
    /// a record that ended at a `\r`.
    fn next(&mut self, block: &mut Block) -> std::io::Result<Next> {
        // Three bytes ahead, to tell a line end or a byte order mark where a record starts.
        block.ahead(3)?;
        let ahead = &block.buf[block.pos..block.filled];
        match ahead.first() {
            None => return Ok(Next::End),
            Some(b'\n' | b'\r') => return Ok(Next::Polars), // a blank line
            Some(_) if ahead.starts_with(BOM) => return Ok(Next::Polars),
            Some(_) => {}
        }
        let (nin, after_cr) = loop {
            self.reader.reset();
            if self.out.len() < block.buf.len() {
                self.out.resize(block.buf.len(), 0);
            }
            let input = &block.buf[block.pos..block.filled];
            let (result, nin, nout, nend) =
                self.reader
                    .read_record(input, &mut self.out, &mut self.ends);
            let (result, nout, nend) = match result {
                ReadRecordResult::InputEmpty if block.at_eof() => {
                    // The last record, without a line end.
                    let (last, _, more, ends) =
                        self.reader
                            .read_record(&[], &mut self.out[nout..], &mut self.ends[nend..]);
                    (last, nout + more, nend + ends)
                }
                other => (other, nout, nend),
            };
            match result {
                ReadRecordResult::Record => {
                    let raw = &input[..nin];
                    if memchr::memchr(b'"', raw).is_some()
                        && !well_quoted(raw, &self.out[..nout], &self.ends[..nend])
                    {
                        return Ok(Next::Polars);
                    }
                    self.nout = nout;
                    self.nend = nend;
                    break (nin, raw.last() == Some(&b'\r'));
                }
                ReadRecordResult::InputEmpty => {
                    if block.filled - block.pos > LONGEST_RECORD || !block.fill()? {
                        return Ok(Next::Polars);
                    }
                }
                ReadRecordResult::End => return Ok(Next::End),
                // Room for a record's bytes is always there: more fields than the header.
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {
                    return Ok(Next::Polars)
                }
            }
        };
        block.pos += nin;
        if after_cr {
            block.ahead(1)?;
            match block.buf[block.pos..block.filled].first() {
                Some(b'\n') => block.pos += 1,
                None => {}
                Some(_) => return Ok(Next::Polars), // a lone `\r` ends no line for polars
            }
        }
        Ok(Next::Record)
    }
}

/// Whether `raw` (a record's bytes, with its line end) is the fields `out` (ends `ends`)
/// written by RFC 4180: each field either as it is, without a quote, or between quotes
/// with its quotes doubled. What polars and `csv-core` may read differently (a quote
/// inside an unquoted field, text after a closing quote, a quote left open) is not.
fn well_quoted(raw: &[u8], out: &[u8], ends: &[usize]) -> bool {
    let body = match raw.last() {
        Some(b'\n' | b'\r') => &raw[..raw.len() - 1],
        _ => raw,
    };
    let mut p = 0;
    let mut start = 0;
    for (k, &end) in ends.iter().enumerate() {
        let Some(value) = out.get(start..end) else {
            return false;
        };
        start = end;
        if k > 0 {
            if body.get(p) != Some(&b',') {
                return false;
            }
            p += 1;
        }
        if body.get(p) == Some(&b'"') {
            p += 1;
            for &b in value {
                let written: &[u8] = if b == b'"' {
                    b"\"\""
                } else {
                    std::slice::from_ref(&b)
                };
                if body.get(p..p + written.len()) != Some(written) {
                    return false;
                }
                p += written.len();
            }
            if body.get(p) != Some(&b'"') {
                return false;
            }
            p += 1;
        } else {
            if value.contains(&b'"') || body.get(p..p + value.len()) != Some(value) {
                return false;
            }
            p += value.len();
        }
    }
    p == body.len()
}

#[cfg(test)]
mod tests {
    use super::well_quoted;

    fn check(raw: &str, fields: &[&str]) -> bool {
        let mut out = Vec::new();
        let mut ends = Vec::new();
        for f in fields {
            out.extend_from_slice(f.as_bytes());
            ends.push(out.len());
        }
        well_quoted(raw.as_bytes(), &out, &ends)
    }

    #[test]
    fn quoting_as_rfc_4180_writes_it() {
        assert!(check("a,\"b,c\",d\n", &["a", "b,c", "d"]));
        assert!(check("\"a\"\"b\",\"\"\r", &["a\"b", ""]));
        assert!(check("\"x\ny\",z", &["x\ny", "z"]));
        assert!(!check("a\"b,c\n", &["a\"b", "c"]));
        assert!(!check("\"ab\"c,d\n", &["abc", "d"]));
        assert!(!check("\"ab,c\n", &["ab,c\n"]));
        assert!(!check(" \"a\",b\n", &[" \"a\"", "b"]));
    }
}

//! Edits spliced into the inventory's text as written: the lines an edit touches are
//! replaced, everything else (comments, blank lines, key order, quoting, flow or block
//! style) stays as it was, so a one-page change is a one-page diff.
//!
//! The splicer knows the inventory's layout (top-level `fields:` and `pages:` blocks,
//! pages as a block sequence of mappings). Where the text is shaped otherwise it declines
//! (`None`), and the caller writes the canonical form instead and says so; the caller also
//! checks that the spliced text reads back as the edited document.

use super::document::{comment_at, Edit};

/// `text` with `edit` applied to its lines, or `None` where its layout is not one the
/// splicer knows.
pub fn splice(text: &str, edit: &Edit) -> Option<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    match edit {
        Edit::AddPage {
            id,
            route,
            fields,
            note,
        } => add_page(&mut lines, id, route, fields, note.as_deref())?,
        Edit::SetRoute { page, route } => {
            let item = find_page(&lines, page)?;
            let key = item.key(&lines, "route")?;
            let value = scalar_like(key.inline_value(&lines), route);
            lines[key.line] = key.with_value(&lines, &value);
            truncate_value(&mut lines, &key);
        }
        Edit::SetPageFields { page, fields } => set_fields(&mut lines, page, fields)?,
        Edit::SetNote { page, note } => set_note(&mut lines, page, note.as_deref())?,
        Edit::AddField {
            id,
            label,
            category,
            direct_notice,
        } => add_field(&mut lines, id, label, category, *direct_notice)?,
        Edit::DeletePage { page } => {
            let item = find_page(&lines, page)?;
            let start = comment_start(&lines, item.start);
            lines.drain(start..item.end);
        }
        Edit::DeleteField { field } => {
            let entry = find_field(&lines, field)?;
            let start = comment_start(&lines, entry.start);
            lines.drain(start..entry.end);
        }
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') || text.is_empty() {
        out.push('\n');
    }
    Some(out)
}

/// How far a line is indented, in spaces (a tab makes the layout unknown).
fn indent(line: &str) -> Option<usize> {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    (!line[spaces..].starts_with('\t')).then_some(spaces)
}

/// A blank line or a comment line.
fn is_filler(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// A range of lines `[start, end)` that ends at its last content line.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

/// The lines of the top-level block `key:` (its key line excluded), up to its last
/// content line.
fn top_block(lines: &[String], key: &str) -> Option<Span> {
    let head = lines
        .iter()
        .position(|l| l.starts_with(&format!("{key}:")) && !l.starts_with(' '))?;
    let next = lines[head + 1..]
        .iter()
        .position(|l| !is_filler(l) && indent(l) == Some(0))
        .map_or(lines.len(), |i| head + 1 + i);
    Some(trimmed(lines, head + 1, next))
}

/// `[start, end)` with trailing blank and comment lines left out.
fn trimmed(lines: &[String], start: usize, mut end: usize) -> Span {
    while end > start && is_filler(&lines[end - 1]) {
        end -= 1;
    }
    Span { start, end }
}

/// The first line of the comment block directly above `line` (no blank line between).
fn comment_start(lines: &[String], line: usize) -> usize {
    let mut start = line;
    while start > 0 && lines[start - 1].trim_start().starts_with('#') {
        start -= 1;
    }
    start
}

/// One item of the `pages:` sequence: its lines, and the indent of its `- `.
#[derive(Debug, Clone, Copy)]
struct Item {
    start: usize,
    end: usize,
    dash: usize,
}

/// A key of a mapping: its line, the column its name starts at, and the value's lines
/// (the key's line and any more indented ones).
#[derive(Debug, Clone, Copy)]
struct Key {
    line: usize,
    column: usize,
    end: usize,
}

impl Key {
    /// The key's line up to and including `name: `.
    fn prefix(&self, lines: &[String]) -> String {
        let line = &lines[self.line];
        match line[self.column..].find(':') {
            Some(colon) => format!("{} ", &line[..=self.column + colon]),
            None => format!("{line} "),
        }
    }

    /// What follows `name:` on the key's line: the value and its trailing comment.
    fn after_colon<'a>(&self, lines: &'a [String]) -> (&'a str, &'a str) {
        let line = &lines[self.line];
        without_comment(line[self.column..].split_once(':').map_or("", |(_, v)| v))
    }

    /// The value written on the key's line, trimmed, without a trailing comment (empty for
    /// a block value).
    fn inline_value<'a>(&self, lines: &'a [String]) -> &'a str {
        self.after_colon(lines).0.trim()
    }

    /// The comment at the end of the key's line (with its leading spaces), or "".
    fn trailing_comment<'a>(&self, lines: &'a [String]) -> &'a str {
        self.after_colon(lines).1
    }

    /// The key's line rewritten with `value`, its trailing comment kept.
    fn with_value(&self, lines: &[String], value: &str) -> String {
        format!(
            "{}{value}{}",
            self.prefix(lines),
            self.trailing_comment(lines)
        )
    }
}

/// A value's text and its trailing comment (with the spaces before it).
fn without_comment(value: &str) -> (&str, &str) {
    match comment_at(value) {
        Some(at) => {
            let start = value[..at].trim_end().len();
            (&value[..start], &value[start..])
        }
        None => (value, ""),
    }
}

/// Drops the continuation lines of a value whose first line was just rewritten whole.
fn truncate_value(lines: &mut Vec<String>, key: &Key) {
    lines.drain(key.line + 1..key.end);
}

impl Item {
    /// The column of the item's keys (after `- `).
    fn key_column(&self) -> usize {
        self.dash + 2
    }

    /// The key `name` of this item.
    fn key(&self, lines: &[String], name: &str) -> Option<Key> {
        self.keys(lines)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, key)| key)
    }

    /// Every key of the item, in order.
    fn keys(&self, lines: &[String]) -> Vec<(String, Key)> {
        let column = self.key_column();
        let mut starts = Vec::new();
        for (line, text) in lines.iter().enumerate().take(self.end).skip(self.start) {
            if is_filler(text) {
                continue;
            }
            let at_key = (line == self.start) || indent(text) == Some(column);
            if !at_key || text.len() <= column {
                continue;
            }
            let rest = &text[column..];
            if let Some((name, _)) = rest.split_once(':') {
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    starts.push((name.to_string(), line));
                }
            }
        }
        let mut keys = Vec::with_capacity(starts.len());
        for (i, (name, line)) in starts.iter().enumerate() {
            let next = starts.get(i + 1).map_or(self.end, |(_, l)| *l);
            let span = trimmed(lines, *line, next);
            keys.push((
                name.clone(),
                Key {
                    line: *line,
                    column,
                    end: span.end.max(line + 1),
                },
            ));
        }
        keys
    }
}

/// The items of the `pages:` block sequence.
fn page_items(lines: &[String]) -> Option<Vec<Item>> {
    let block = top_block(lines, "pages")?;
    let first = (block.start..block.end).find(|&l| !is_filler(&lines[l]))?;
    let dash = indent(&lines[first])?;
    if !lines[first][dash..].starts_with("- ") {
        return None;
    }
    let starts: Vec<usize> = (block.start..block.end)
        .filter(|&l| indent(&lines[l]) == Some(dash) && lines[l][dash..].starts_with("- "))
        .collect();
    let mut items = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let next = starts.get(i + 1).copied().unwrap_or(block.end);
        let span = trimmed(lines, start, next);
        items.push(Item {
            start,
            end: span.end,
            dash,
        });
    }
    Some(items)
}

/// The page whose `id` is `page`.
fn find_page(lines: &[String], page: &str) -> Option<Item> {
    page_items(lines)?.into_iter().find(|item| {
        item.key(lines, "id")
            .and_then(|key| read_scalar(key.inline_value(lines)))
            .is_some_and(|id| id == page)
    })
}

/// A plain or quoted scalar as YAML reads it.
fn read_scalar(text: &str) -> Option<String> {
    serde_yaml::from_str::<String>(text).ok()
}

/// `value` as a one-line YAML scalar: as YAML itself writes it, or double-quoted with
/// escapes when that would take more than one line.
fn scalar(value: &str) -> String {
    match serde_yaml::to_string(value) {
        // One line, and not the header of a block scalar (`|-`, `>`).
        Ok(text) if text.trim_end().lines().count() == 1 && !text.starts_with(['|', '>']) => {
            text.trim_end().to_string()
        }
        _ => {
            let mut out = String::from("\"");
            for c in value.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
    }
}

/// `value` quoted the way `old` (the value it replaces) was: single quotes stay single,
/// double stay double; otherwise as `scalar` writes it.
fn scalar_like(old: &str, value: &str) -> String {
    if old.starts_with('\'') && !value.contains(['\n', '\r', '\t']) {
        format!("'{}'", value.replace('\'', "''"))
    } else if old.starts_with('"') {
        let plain = scalar(value);
        if plain.starts_with('"') {
            plain
        } else {
            format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
        }
    } else {
        scalar(value)
    }
}

/// A flow list of scalars: `[a, b]`.
fn flow_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| scalar(i)).collect();
    format!("[{}]", items.join(", "))
}

/// How a list is written under its key: inline (`[a, b]`), or as block items indented
/// by `Some(column)`.
fn list_style(lines: &[String], key: &Key) -> Option<Option<usize>> {
    let inline = key.inline_value(lines);
    if inline.starts_with('[') {
        // A flow list on one line only.
        return (inline.ends_with(']') && key.end == key.line + 1).then_some(None);
    }
    if !inline.is_empty() {
        return None;
    }
    let first = (key.line + 1..key.end).find(|&l| !is_filler(&lines[l]))?;
    let column = indent(&lines[first])?;
    lines[first][column..]
        .starts_with("- ")
        .then_some(Some(column))
}

/// Lines of a block list at `column`.
fn block_list(column: usize, items: &[String]) -> Vec<String> {
    items
        .iter()
        .map(|i| format!("{}- {}", " ".repeat(column), scalar(i)))
        .collect()
}

fn set_fields(lines: &mut Vec<String>, page: &str, fields: &[String]) -> Option<()> {
    let item = find_page(lines, page)?;
    let key = item.key(lines, "fields")?;
    match list_style(lines, &key)? {
        None => {
            lines[key.line] = key.with_value(lines, &flow_list(fields));
        }
        Some(_) if fields.is_empty() => {
            lines[key.line] = key.with_value(lines, "[]");
            truncate_value(lines, &key);
        }
        Some(column) => {
            // A comment among the old items stays, after the new ones.
            let mut new = block_list(column, fields);
            new.extend(
                lines[key.line + 1..key.end]
                    .iter()
                    .filter(|l| l.trim_start().starts_with('#'))
                    .cloned(),
            );
            lines.splice(key.line + 1..key.end, new);
        }
    }
    Some(())
}

fn set_note(lines: &mut Vec<String>, page: &str, note: Option<&str>) -> Option<()> {
    let item = find_page(lines, page)?;
    match (item.key(lines, "note"), note) {
        (Some(key), Some(note)) => {
            let value = scalar_like(key.inline_value(lines), note);
            lines[key.line] = key.with_value(lines, &value);
            truncate_value(lines, &key);
        }
        (Some(key), None) => {
            // A comment at the end of the note's line stays, on a line of its own.
            let comment = key.trailing_comment(lines).trim_start();
            let kept =
                (!comment.is_empty()).then(|| format!("{}{comment}", " ".repeat(key.column)));
            lines.splice(key.line..key.end, kept);
        }
        (None, Some(note)) => {
            // After the item's last key, at the keys' column.
            let last = item.keys(lines).last()?.1;
            let line = format!("{}note: {}", " ".repeat(item.key_column()), scalar(note));
            lines.insert(last.end, line);
        }
        (None, None) => {}
    }
    Some(())
}

fn add_page(
    lines: &mut Vec<String>,
    id: &str,
    route: &str,
    fields: &[String],
    note: Option<&str>,
) -> Option<()> {
    let items = page_items(lines)?;
    let last = *items.last()?;
    let pad = " ".repeat(last.key_column());
    let mut block = vec![
        format!("{}- id: {}", " ".repeat(last.dash), scalar(id)),
        format!("{pad}route: {}", scalar(route)),
    ];
    // The fields list in the style of the page above.
    let style = last
        .key(lines, "fields")
        .and_then(|key| list_style(lines, &key))
        .unwrap_or(None);
    match style {
        Some(column) if !fields.is_empty() => {
            block.push(format!("{pad}fields:"));
            block.extend(block_list(column, fields));
        }
        _ => block.push(format!("{pad}fields: {}", flow_list(fields))),
    }
    if let Some(note) = note.filter(|n| !n.is_empty()) {
        block.push(format!("{pad}note: {}", scalar(note)));
    }
    lines.splice(last.end..last.end, block);
    Some(())
}

/// One entry of the top-level `fields:` mapping.
fn field_entries(lines: &[String]) -> Option<(usize, Vec<(String, Span)>)> {
    let block = top_block(lines, "fields")?;
    let first = (block.start..block.end).find(|&l| !is_filler(&lines[l]))?;
    let column = indent(&lines[first])?;
    let starts: Vec<(String, usize)> = (block.start..block.end)
        .filter(|&l| indent(&lines[l]) == Some(column) && !is_filler(&lines[l]))
        .filter_map(|l| {
            let (name, _) = lines[l][column..].split_once(':')?;
            Some((name.trim().to_string(), l))
        })
        .collect();
    let mut entries = Vec::with_capacity(starts.len());
    for (i, (name, start)) in starts.iter().enumerate() {
        let next = starts.get(i + 1).map_or(block.end, |(_, l)| *l);
        entries.push((name.clone(), trimmed(lines, *start, next)));
    }
    Some((column, entries))
}

fn find_field(lines: &[String], field: &str) -> Option<Span> {
    field_entries(lines)?
        .1
        .into_iter()
        .find(|(name, _)| name == field)
        .map(|(_, span)| span)
}

fn add_field(
    lines: &mut Vec<String>,
    id: &str,
    label: &str,
    category: &str,
    direct_notice: bool,
) -> Option<()> {
    let (column, entries) = field_entries(lines)?;
    let (_, last) = entries.last()?;
    // The keys the document keeps (as `Document::apply` does).
    let mut keys: Vec<(&str, String)> = Vec::new();
    if !label.is_empty() && label != id {
        keys.push(("label", scalar(label)));
    }
    if !category.is_empty() {
        keys.push(("category", scalar(category)));
    }
    if direct_notice {
        keys.push(("direct_notice", "true".to_string()));
    }
    let pad = " ".repeat(column);
    let flow = lines[last.start][column..]
        .split_once(':')
        .is_some_and(|(_, v)| v.trim_start().starts_with('{'));
    let block = if flow || keys.is_empty() {
        let inner: Vec<String> = keys.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        vec![format!("{pad}{}: {{{}}}", scalar(id), inner.join(", "))]
    } else {
        // The sub-keys at the indent the entry above uses.
        let sub = (last.start + 1..last.end)
            .find(|&l| !is_filler(&lines[l]))
            .and_then(|l| indent(&lines[l]))
            .unwrap_or(column + 2);
        let mut block = vec![format!("{pad}{}:", scalar(id))];
        block.extend(
            keys.iter()
                .map(|(k, v)| format!("{}{k}: {v}", " ".repeat(sub))),
        );
        block
    };
    lines.splice(last.end..last.end, block);
    Some(())
}

#[cfg(test)]
mod tests {
    use crate::inventory::document::comment_at;

    #[test]
    fn a_comment_starts_at_a_hash_after_a_space_outside_a_quoted_scalar() {
        let cases: [(&str, Option<usize>); 12] = [
            ("note: plain # why", Some(12)),
            ("note: plain#no", None),
            (r#"note: "\" #\n""#, None),
            (r#"note: "\" #\n"  # why"#, Some(16)),
            (r#"note: "a\\" # why"#, Some(12)),
            ("note: 'it''s # in' # why", Some(19)),
            ("note: don't # why", Some(12)),
            ("- id: 'a # b'", None),
            ("fields: [name, 'a # b']   # why", Some(26)),
            (
                "  name: {label: \"Card: # x\", category: y} # why",
                Some(42),
            ),
            ("route: /my/{id} # why", Some(16)),
            ("# only a comment", Some(0)),
        ];
        for (text, at) in cases {
            assert_eq!(comment_at(text), at, "{text}");
        }
    }
}

//! Text from the input, made safe to show: `escape` for anything written to a terminal (a
//! log value holding `ESC ] 0 ;` must not retitle or clear the officer's terminal, a BiDi
//! override must not reverse what the officer reads), and `shape` for a value an error
//! describes without quoting (a cell of a log can hold someone's address or cookie).
//!
//! The escapes are visible and C-like, as `ls -b` and `git` show names: `\0 \a \b \t \n
//! \v \f \r \e` for those controls, `\u{HEX}` for every other control (C0, DEL, C1) and
//! for the invisible format characters that reorder or hide text (BiDi controls, zero
//! width characters, the byte-order mark, tags). A backslash is left as it is, so
//! escaping twice changes nothing and a text can be escaped at every layer it passes;
//! CSV, JSON and Parquet keep the bytes exactly, for the record.

use std::borrow::Cow;

/// `text` with every control and invisible format character escaped (see the module).
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_keeping(text, false)
}

/// As `escape`, line breaks (`\n`) kept: for messages and documents of several lines.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    escape_keeping(text, true)
}

fn escape_keeping(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| needs_escape(c) && !(keep_newlines && c == '\n');
    let Some(first) = text.find(unsafe_char) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if unsafe_char(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `c` is shown escaped: a control character, or a format character that
/// reorders, joins or hides text without showing itself.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || invisible_format(c)
}

/// Unicode's format characters (general category Cf) and the line and paragraph
/// separators, which terminals and viewers act on without drawing them.
fn invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{0600}'..='\u{0605}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

fn push_escaped(out: &mut String, c: char) {
    let short = match c {
        '\0' => Some('0'),
        '\u{07}' => Some('a'),
        '\u{08}' => Some('b'),
        '\t' => Some('t'),
        '\n' => Some('n'),
        '\u{0B}' => Some('v'),
        '\u{0C}' => Some('f'),
        '\r' => Some('r'),
        '\u{1B}' => Some('e'),
        _ => None,
    };
    out.push('\\');
    match short {
        Some(letter) => out.push(letter),
        None => out.push_str(&format!("u{{{:x}}}", c as u32)),
    }
}

/// What a value looks like, without what it says: each digit shown as `9`, each letter as
/// `a` (`A` in upper case), punctuation and spaces kept, anything else `?`, and at most
/// `max` characters (then `…`). `22/Jun/2017:10:00:00` reads `99/Aaa/9999:99:99:99`: enough
/// to see why a time was not read, nothing of the person a misplaced cell names.
pub fn shape(value: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in value.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        out.push(match c {
            '0'..='9' => '9',
            c if c.is_alphabetic() && c.is_uppercase() => 'A',
            c if c.is_alphabetic() => 'a',
            ' ' => ' ',
            c if c.is_ascii_punctuation() => c,
            _ => '?',
        });
    }
    out
}

/// How a message names a value it must not quote: `shaped `9999-99-99 AAAAAA``, its
/// `shape` of at most 40 characters.
pub fn shaped(value: &str) -> String {
    format!("shaped `{}`", shape(value, 40))
}

/// `value` cut to `max` characters (then `…`) and escaped: for a value that cannot hold
/// personal data (a flag the user typed, a column name the tool reads, a status code).
pub fn short(value: &str, max: usize) -> String {
    let cut: String = value.chars().take(max).collect();
    let more = if cut.len() < value.len() { "…" } else { "" };
    format!("{}{more}", escape(&cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_invisible_characters_are_shown_as_escapes() {
        let hostile = "a\u{1b}]0;owned\u{07}\u{1b}[2Jb\rc\0d\u{202e}e\u{2066}f\u{2069}g\u{200e}h\u{200f}i\u{9b}j\u{7f}";
        assert_eq!(
            escape(hostile),
            "a\\e]0;owned\\a\\e[2Jb\\rc\\0d\\u{202e}e\\u{2066}f\\u{2069}g\\u{200e}h\\u{200f}i\\u{9b}j\\u{7f}"
        );
        for c in [
            '\u{2067}',
            '\u{2068}',
            '\u{202a}',
            '\u{feff}',
            '\u{2028}',
            '\u{e0041}',
        ] {
            assert_eq!(escape(&c.to_string()), format!("\\u{{{:x}}}", c as u32));
        }
        assert_eq!(escape("tab\there\nline"), "tab\\there\\nline");
        assert_eq!(escape_lines("tab\there\nline\r"), "tab\\there\nline\\r");
    }

    #[test]
    fn ordinary_text_is_untouched_and_escaping_twice_changes_nothing() {
        for plain in [
            "/my/email/",
            "山田 花子",
            "C:\\logs\\a.csv",
            "café ✓ 👍",
            "",
        ] {
            assert!(matches!(escape(plain), Cow::Borrowed(_)), "{plain}");
        }
        let once = escape("x\u{1b}[31my\u{202e}\\e");
        assert_eq!(escape(&once), once);
        assert!(!once.chars().any(needs_escape));
    }

    #[test]
    fn a_shape_keeps_the_form_and_drops_the_letters_and_digits() {
        assert_eq!(
            shape("22/Jun/2017:10:00:00 +0900", 60),
            "99/Aaa/9999:99:99:99 +9999"
        );
        assert_eq!(shape("hanako@example.jp", 60), "aaaaaa@aaaaaaa.aa");
        assert_eq!(shape("MARKER-7f3a", 4), "AAAA…");
        assert_eq!(shape("\u{1b}[2J山", 60), "?[9Aa");
    }

    #[test]
    fn short_cuts_and_escapes() {
        assert_eq!(short("abcdef", 3), "abc…");
        assert_eq!(short("a\u{1b}", 3), "a\\e");
    }
}

//! A small JSON reader and writer for the two documents the SDK handles: its stored
//! record and the backend's login reply (RFC 8259).
//!
//! The shipped wasm uses the writer only: there the host's `JSON.parse` reads
//! (`web::doc`, and [`crate::doc`] for where the two readers differ). The reader serves
//! the native tests, the fuzzers and any native user of the core.
//!
//! It replaces serde_json, whose generic machinery, float parsing tables and maps made
//! up a large share of the shipped wasm. Numbers are kept as their text and read only
//! as whole numbers, without floating point. Nesting is limited (a deep document is an
//! error, not a stack overflow), and a string may not hold a lone surrogate.

use alloc::string::String;
use alloc::vec::Vec;

/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 64;

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as its text (valid JSON number syntax).
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, its members in document order (duplicates kept).
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses a whole document; `None` if it is not exactly one JSON value.
    pub fn parse(text: &str) -> Option<Json> {
        let mut p = Parser {
            text,
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = p.value(0)?;
        p.space();
        (p.at == p.bytes.len()).then_some(value)
    }

    /// The member `key` of an object: `Ok(None)` when absent, `Err(())` when this is not
    /// an object or the key appears more than once (an ambiguous document).
    #[allow(clippy::result_unit_err)]
    pub fn member(&self, key: &str) -> Result<Option<&Json>, ()> {
        let Json::Object(members) = self else {
            return Err(());
        };
        let mut found = members.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
        let first = found.next();
        match found.next() {
            None => Ok(first),
            Some(_) => Err(()),
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value of an integer literal (`42`, not `42.0` or `4.2e1`) that fits a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        let Json::Number(text) = self else {
            return None;
        };
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        crate::text::parse_u64(text)
    }

    /// The value of an integer literal that fits an `i64` (`-1`, `7200`).
    pub fn as_i64(&self) -> Option<i64> {
        let Json::Number(text) = self else {
            return None;
        };
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        crate::text::parse_i64(text)
    }

    /// The value of any number that denotes a whole number from 0 to `u64::MAX`:
    /// `7200`, `7200.0`, `7.2e3`; `None` for `0.5`, `-1` or `1e30`.
    pub fn as_whole(&self) -> Option<u64> {
        let Json::Number(text) = self else {
            return None;
        };
        whole(text)
    }
}

impl crate::doc::Doc for Json {
    fn parse(text: &str) -> Option<Json> {
        Json::parse(text)
    }

    fn member(&self, key: &str) -> Result<Option<Json>, ()> {
        Json::member(self, key).map(|v| v.cloned())
    }

    fn string(&self) -> Option<String> {
        self.as_str().map(String::from)
    }

    fn is_number(&self) -> bool {
        matches!(self, Json::Number(_))
    }

    fn is_null(&self) -> bool {
        *self == Json::Null
    }

    fn is_true(&self) -> bool {
        *self == Json::Bool(true)
    }

    fn integer(&self) -> Option<u64> {
        self.as_u64()
    }

    fn signed(&self) -> Option<i64> {
        self.as_i64()
    }

    fn whole(&self) -> Option<u64> {
        self.as_whole()
    }
}

/// The whole number a JSON number literal denotes, computed without floating point.
fn whole(text: &str) -> Option<u64> {
    if let Some(magnitude) = text.strip_prefix('-') {
        // A negative literal is whole and not below zero only when it is a zero.
        return whole(magnitude).filter(|&n| n == 0);
    }
    // Byte positions: `str::find(char)` links core's char searcher.
    let (mantissa, exponent) = match text.bytes().position(|b| b == b'e' || b == b'E') {
        Some(i) => (text.get(..i)?, crate::text::parse_i64(text.get(i + 1..)?)?),
        None => (text, 0),
    };
    let (int, frac) = match mantissa.bytes().position(|b| b == b'.') {
        Some(i) => (mantissa.get(..i)?, mantissa.get(i + 1..)?),
        None => (mantissa, ""),
    };
    // The digits without the point, and where the point goes after the exponent.
    let digits: Vec<u8> = int
        .bytes()
        .chain(frac.bytes())
        .map(|b| b.wrapping_sub(b'0'))
        .collect();
    if digits.is_empty() || digits.iter().any(|&d| d > 9) {
        return None;
    }
    let point = i64::try_from(int.len()).ok()?.checked_add(exponent)?;
    let mut value: u64 = 0;
    for (i, &d) in digits.iter().enumerate() {
        if i64::try_from(i).ok()? < point {
            value = value.checked_mul(10)?.checked_add(u64::from(d))?;
        } else if d != 0 {
            return None; // a digit after the point that is not zero
        }
    }
    // The zeros the exponent adds after the last digit (none to add to a zero).
    let shown = i64::try_from(digits.len()).ok()?;
    if value != 0 {
        for _ in shown..point {
            value = value.checked_mul(10)?;
        }
    }
    Some(value)
}

struct Parser<'a> {
    /// The text, for slices that are whole characters (cut at ASCII bytes).
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at.checked_add(word.len())?;
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        self.space();
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Json::String),
            b't' => self.literal(b"true").map(|()| Json::Bool(true)),
            b'f' => self.literal(b"false").map(|()| Json::Bool(false)),
            b'n' => self.literal(b"null").map(|()| Json::Null),
            _ => self.number(),
        }
    }

    fn object(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.bump(); // '{'
        let mut members = Vec::new();
        self.space();
        if self.peek()? == b'}' {
            self.bump();
            return Some(Json::Object(members));
        }
        loop {
            self.space();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            self.space();
            if self.bump()? != b':' {
                return None;
            }
            let value = self.value(depth)?;
            members.push((key, value));
            self.space();
            match self.bump()? {
                b',' => continue,
                b'}' => return Some(Json::Object(members)),
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.bump(); // '['
        let mut items = Vec::new();
        self.space();
        if self.peek()? == b']' {
            self.bump();
            return Some(Json::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.space();
            match self.bump()? {
                b',' => continue,
                b']' => return Some(Json::Array(items)),
                _ => return None,
            }
        }
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.bump()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.digit()?;
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.digit()?;
            self.digits();
        }
        Some(Json::Number(self.text.get(start..self.at)?.into()))
    }

    fn digit(&mut self) -> Option<()> {
        self.bump().filter(u8::is_ascii_digit).map(drop)
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn string(&mut self) -> Option<String> {
        self.bump(); // '"'
        let mut out = String::new();
        loop {
            let start = self.at;
            while self
                .peek()
                .is_some_and(|b| b != b'"' && b != b'\\' && b >= 0x20)
            {
                self.at += 1;
            }
            // The run ends at an ASCII byte (or the end), so it is whole characters.
            out.push_str(self.text.get(start..self.at)?);
            match self.bump()? {
                b'"' => return Some(out),
                b'\\' => {
                    let c = match self.bump()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    out.push(c);
                }
                _ => return None, // a raw control character
            }
        }
    }

    /// The character of `\uXXXX` (the `\u` already read), joining a surrogate pair.
    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if !(0xD800..0xDC00).contains(&high) {
            return char::from_u32(high); // None for a lone low surrogate
        }
        if self.bump()? != b'\\' || self.bump()? != b'u' {
            return None;
        }
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let d = char::from(self.bump()?).to_digit(16)?;
            n = n * 16 + d;
        }
        Some(n)
    }
}

/// Writes JSON text: an object's members, a string, a number.
pub struct Writer {
    out: String,
    first: bool,
}

impl Writer {
    /// Starts an object.
    pub fn object() -> Writer {
        Writer {
            out: String::from("{"),
            first: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        push_string(&mut self.out, key);
        self.out.push(':');
    }

    /// Adds a string member.
    pub fn string(mut self, key: &str, value: &str) -> Writer {
        self.key(key);
        push_string(&mut self.out, value);
        self
    }

    /// Adds a whole-number member.
    pub fn number(mut self, key: &str, value: u64) -> Writer {
        self.key(key);
        crate::text::push_u64(&mut self.out, value);
        self
    }

    /// Adds a member whose value is an object already written.
    pub fn raw(mut self, key: &str, json: &str) -> Writer {
        self.key(key);
        self.out.push_str(json);
        self
    }

    /// Ends the object and returns its text.
    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Appends `s` as a JSON string literal (quotes, backslashes and control characters escaped).
fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let n = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX.get(n >> 4).copied().unwrap_or(b'0')));
                out.push(char::from(HEX.get(n & 15).copied().unwrap_or(b'0')));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn parses_every_kind_of_value() {
        let v = Json::parse(r#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\b\f\n\r\t\u00e9\ud83c\udf0f", "c": {}} "#)
            .unwrap();
        let a = v.member("a").unwrap().unwrap();
        assert_eq!(
            a,
            &Json::Array(vec![
                Json::Number("1".into()),
                Json::Number("-2.5e3".into()),
                Json::Bool(true),
                Json::Bool(false),
                Json::Null
            ])
        );
        assert_eq!(
            v.member("b").unwrap().unwrap().as_str(),
            Some("x\"\\/\u{8}\u{c}\n\r\té🌏")
        );
        assert_eq!(v.member("c").unwrap(), Some(&Json::Object(vec![])));
        assert_eq!(v.member("d").unwrap(), None);
    }

    #[test]
    fn refuses_what_json_does_not_allow() {
        for text in [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "01",
            "1.",
            ".5",
            "-",
            "+1",
            "1e",
            "1e+",
            "\"\\x\"",
            "\"\t\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "tru",
            "nul",
            "1 2",
            "[1] x",
            "\"\\u12\"",
            "{\"a\" 1}",
            "NaN",
            "Infinity",
        ] {
            assert_eq!(Json::parse(text), None, "{text}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(Json::parse(&ok).is_some());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(Json::parse(&deep), None);
        let very = "{\"a\":".repeat(100_000);
        assert_eq!(Json::parse(&very), None);
    }

    #[test]
    fn duplicate_members_are_ambiguous() {
        let v = Json::parse(r#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(v.member("a"), Err(()));
        assert_eq!(Json::Null.member("a"), Err(()));
    }

    #[test]
    fn numbers_read_as_whole_numbers_without_floats() {
        let n = |t: &str| Json::Number(t.into());
        assert_eq!(n("7200").as_u64(), Some(7200));
        assert_eq!(n("7200.0").as_u64(), None);
        assert_eq!(n("-1").as_i64(), Some(-1));
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551616").as_u64(), None);
        assert_eq!(
            n("abc").as_whole(),
            None,
            "hand-built numbers are checked too"
        );
        for (text, whole) in [
            ("7200", Some(7200)),
            ("7200.0", Some(7200)),
            ("7.2e3", Some(7200)),
            ("72E+2", Some(7200)),
            ("720000e-2", Some(7200)),
            ("0", Some(0)),
            ("-0", Some(0)),
            ("-0.0", Some(0)),
            ("0e5", Some(0)),
            ("0.5", None),
            ("7.25e1", None),
            ("-1", None),
            ("1e19", Some(10_000_000_000_000_000_000)),
            ("1e20", None),
            ("1e300", None),
            ("1e-300", None),
            ("1e99999999999999999999", None),
            ("9e9000000000000000000", None),
            ("-7", None),
        ] {
            assert_eq!(n(text).as_whole(), whole, "{text}");
        }
    }

    #[test]
    fn writes_objects_that_read_back() {
        let text = Writer::object()
            .string("s", "a\"b\\c\nd\u{1}é🌏")
            .number("n", u64::MAX)
            .raw("o", &Writer::object().string("k", "v").finish())
            .finish();
        assert_eq!(
            text,
            "{\"s\":\"a\\\"b\\\\c\\nd\\u0001é🌏\",\"n\":18446744073709551615,\"o\":{\"k\":\"v\"}}"
        );
        let v = Json::parse(&text).unwrap();
        assert_eq!(
            v.member("s").unwrap().unwrap().as_str(),
            Some("a\"b\\c\nd\u{1}é🌏")
        );
        assert_eq!(v.member("n").unwrap().unwrap().as_u64(), Some(u64::MAX));
        assert_eq!(Writer::object().finish(), "{}");
        assert_eq!(Json::parse("\"\\u0000\"").unwrap().as_str(), Some("\u{0}"));
    }
}

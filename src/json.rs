//! Writes the JSON the SDK sends and stores: the login body (`exchange::login_body`) and
//! the record (`record::encode`), in the shapes [`crate::wire`] defines.
//!
//! A few lines instead of serde_json, which would add about 20 KB brotli to the shipped
//! wasm; `tests/wire.rs` holds what it writes to what serde_json writes from the
//! [`crate::wire`] types. Reading is the host's `JSON.parse` in the wasm (`web::doc`),
//! serde_json natively ([`crate::doc`]).
//!
//! The module has kept its name since it also held a reader: renamed, its items sort
//! differently in the shipped wasm, whose brotli size grows by 59 bytes for nothing.

use alloc::string::String;

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

    #[test]
    fn writes_objects() {
        let text = Writer::object()
            .string("s", "a\"b\\c\nd\u{1}é🌏")
            .number("n", u64::MAX)
            .raw("o", &Writer::object().string("k", "v").finish())
            .finish();
        assert_eq!(
            text,
            "{\"s\":\"a\\\"b\\\\c\\nd\\u0001é🌏\",\"n\":18446744073709551615,\"o\":{\"k\":\"v\"}}"
        );
        assert_eq!(Writer::object().finish(), "{}");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn what_it_writes_serde_json_reads() {
        let all_controls: String = (0u8..0x20).map(char::from).collect();
        let text = Writer::object()
            .string("s", &all_controls)
            .string("t", "\"\\/\u{7f}\u{2028}é🌏")
            .number("n", u64::MAX)
            .finish();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["s"], all_controls.as_str());
        assert_eq!(v["t"], "\"\\/\u{7f}\u{2028}é🌏");
        assert_eq!(v["n"].as_u64(), Some(u64::MAX));
    }
}

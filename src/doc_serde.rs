//! [`Doc`] over serde_json's [`Value`]: how the native build reads JSON (the tests, the
//! fuzzers, a native user of the core), behind the `serde` feature.
//!
//! [`crate::exchange::parse_reply`], [`crate::exchange::check_unbind_reply`] and
//! [`crate::record::decode`] read with it. The shipped wasm has neither serde_json nor
//! this reader: it asks the host's `JSON.parse` (`web::doc`). Where the two read the same
//! text differently is said in [`crate::doc`].

use crate::doc::Doc;
use alloc::string::String;
use serde_json::Value;

impl Doc for Value {
    /// serde_json's reading: RFC 8259, nothing after the value but whitespace, at most
    /// 127 nested arrays and objects, no lone surrogate, no number beyond `f64`'s range;
    /// of a key given twice, the last one counts. Other numbers than integer literals are
    /// read as the nearest `f64`, as the host reads them (serde_json's `float_roundtrip`).
    fn parse(text: &str) -> Option<Value> {
        serde_json::from_str(text).ok()
    }

    fn member(&self, key: &str) -> Result<Option<Value>, ()> {
        match self {
            Value::Object(members) => Ok(members.get(key).cloned()),
            _ => Err(()),
        }
    }

    fn string(&self) -> Option<String> {
        self.as_str().map(String::from)
    }

    fn is_number(&self) -> bool {
        Value::is_number(self)
    }

    fn is_null(&self) -> bool {
        Value::is_null(self)
    }

    fn is_true(&self) -> bool {
        self.as_bool() == Some(true)
    }

    /// An integer literal (`42`, not `42.0` or `4.2e1`), exact up to `u64::MAX`.
    fn integer(&self) -> Option<u64> {
        self.as_u64()
    }

    /// An integer literal, exact from `i64::MIN` to `i64::MAX`.
    fn signed(&self) -> Option<i64> {
        self.as_i64()
    }

    /// An integer literal from 0 (exact up to `u64::MAX`), or any other number that is a
    /// whole number from 0 to 2^53 − 1 once read as an `f64` (`7200.0`, `7.2e3`), as the
    /// host reads it.
    fn whole(&self) -> Option<u64> {
        let n = self.as_number()?;
        n.as_u64().or_else(|| whole_float(n.as_f64()?))
    }
}

/// `n` as `u64` when it is a whole number from 0 to 2^53 − 1 (beyond, `f64`s are not exact).
fn whole_float(n: f64) -> Option<u64> {
    if !(0.0..=9.007_199_254_740_991e15).contains(&n) {
        return None;
    }
    // Whole when the truncation loses nothing (`f64::fract` is not in core).
    let whole = n as u64;
    (whole as f64 == n).then_some(whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Value {
        <Value as Doc>::parse(text).unwrap()
    }

    #[test]
    fn members_strings_and_literals() {
        let v =
            doc(r#" {"a": [1], "b": "x\"\u00e9\ud83c\udf0f", "n": null, "t": true, "f": false} "#);
        assert_eq!(v.member("b").unwrap().unwrap().string().unwrap(), "x\"é🌏");
        assert_eq!(v.member("z"), Ok(None));
        assert!(v.member("n").unwrap().unwrap().is_null());
        assert!(v.member("t").unwrap().unwrap().is_true());
        assert!(!v.member("f").unwrap().unwrap().is_true());
        assert!(!v.member("a").unwrap().unwrap().is_number());
        assert_eq!(v.member("a").unwrap().unwrap().member("0"), Err(()));
        assert_eq!(doc("null").member("a"), Err(()));
        assert_eq!(doc("\"s\"").member("a"), Err(()));
    }

    #[test]
    fn the_last_of_a_repeated_key_counts() {
        let v = doc(r#"{"a":1,"a":2}"#);
        assert_eq!(v.member("a").unwrap().unwrap().integer(), Some(2));
    }

    #[test]
    fn refuses_what_json_does_not_allow() {
        for text in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "\"\\x\"",
            "\"\t\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "tru",
            "1 2",
            "[1] x",
            "NaN",
            "Infinity",
            "1e400",
            "\u{feff}{}",
        ] {
            assert_eq!(<Value as Doc>::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let ok = "[".repeat(127) + &"]".repeat(127);
        assert!(<Value as Doc>::parse(&ok).is_some());
        let deep = "[".repeat(128) + &"]".repeat(128);
        assert_eq!(<Value as Doc>::parse(&deep), None);
        assert_eq!(<Value as Doc>::parse(&"{\"a\":".repeat(100_000)), None);
    }

    #[test]
    fn integers_are_literals_and_whole_numbers_any_number() {
        let n = |text: &str| doc(text);
        assert_eq!(n("7200").integer(), Some(7200));
        assert_eq!(n("7200.0").integer(), None);
        assert_eq!(n("-0").integer(), None);
        assert_eq!(n("18446744073709551615").integer(), Some(u64::MAX));
        assert_eq!(n("18446744073709551616").integer(), None);
        assert_eq!(n("-1").signed(), Some(-1));
        assert_eq!(n("-1.0").signed(), None);
        assert_eq!(n("-9223372036854775808").signed(), Some(i64::MIN));
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
            ("1e-400", Some(0)),
            ("0.5", None),
            ("7.25e1", None),
            ("-1", None),
            ("-7.0", None),
            ("1e-300", None),
            ("9007199254740991.0", Some(9_007_199_254_740_991)),
            ("9007199254740992.0", None),
            ("1e19", None),
            ("1e300", None),
            // Integer literals are exact, past 2^53 too.
            ("9007199254740993", Some(9_007_199_254_740_993)),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
        ] {
            assert_eq!(n(text).whole(), whole, "{text}");
        }
        assert_eq!(n("\"7\"").whole(), None);
    }
}

//! Small string helpers that keep `core::fmt` and `str::parse` out of the wasm.
//!
//! `format!`, `{}` on a number and `to_string()` on a number link core's formatting
//! machinery, and `str::contains` links the two-way searcher: several KB of the
//! shipped wasm for what is, here, joining a few strings, writing a number and
//! finding a word in a short `errMsg`. Core and edge code builds its messages with
//! these instead.

use alloc::string::String;

/// The parts, joined: `concat(&["HTTP ", code])`.
pub fn concat(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Appends `n` in decimal.
pub fn push_u64(out: &mut String, n: u64) {
    let mut div: u64 = 1;
    while n / div >= 10 {
        div *= 10;
    }
    loop {
        // `n / div % 10` is a single digit.
        out.push(char::from(b'0' + (n / div % 10) as u8));
        if div == 1 {
            break;
        }
        div /= 10;
    }
}

/// Appends `n` in decimal, with a `-` when negative.
pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// `n` in decimal.
pub fn u64_string(n: u64) -> String {
    let mut out = String::new();
    push_u64(&mut out, n);
    out
}

/// Whether `haystack` contains `needle`, ASCII letters compared without case.
///
/// The same answer as `haystack.to_ascii_lowercase().contains(needle)` for an ASCII
/// lowercase `needle`.
pub fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let (hay, needle) = (haystack.as_bytes(), needle.as_bytes());
    (0..=hay.len().saturating_sub(needle.len())).any(|at| {
        hay.get(at..at + needle.len())
            .is_some_and(|window| window.eq_ignore_ascii_case(needle))
    })
}

/// The value of an optional `+` and one or more ASCII digits, if it fits a `u64`:
/// what `text.parse::<u64>()` accepts.
pub fn parse_u64(text: &str) -> Option<u64> {
    digits_u64(text.strip_prefix('+').unwrap_or(text).as_bytes())
}

/// The value of one or more ASCII digits, if it fits a `u64`.
pub fn digits_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |value, &b| {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// The number of characters (`chars().count()`, without core's counting routine).
pub fn char_count(text: &str) -> usize {
    // Every character has exactly one byte that is not a UTF-8 continuation byte.
    text.bytes().filter(|&b| b & 0xC0 != 0x80).count()
}

/// The value of an optional `+` or `-` and one or more ASCII digits, if it fits an
/// `i64`: what `text.parse::<i64>()` accepts.
pub fn parse_i64(text: &str) -> Option<i64> {
    match text.strip_prefix('-') {
        Some(magnitude) if !magnitude.starts_with('+') => {
            0i64.checked_sub_unsigned(parse_u64(magnitude)?)
        }
        Some(_) => None,
        None => i64::try_from(parse_u64(text)?).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn numbers_are_written_like_display() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            401,
            7200,
            1_000_000,
            u64::MAX - 1,
            u64::MAX,
        ] {
            assert_eq!(u64_string(n), format!("{n}"));
        }
        let mut s = String::from("HTTP ");
        push_u64(&mut s, 503);
        assert_eq!(s, "HTTP 503");
    }

    #[test]
    fn char_count_counts_chars() {
        for s in [
            "",
            "a",
            "微信用户",
            "🌏x",
            "e\u{301}",
            "\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}",
        ] {
            assert_eq!(char_count(s), s.chars().count(), "{s:?}");
        }
    }

    #[test]
    fn concat_joins() {
        assert_eq!(concat(&[]), "");
        assert_eq!(concat(&["a", "", "bc"]), "abc");
    }

    #[test]
    fn contains_matches_lowercased_contains() {
        for (hay, needle) in [
            ("login:fail TIMEOUT", "timeout"),
            ("request:fail url not in domain list", "domain list"),
            ("Ünïcode privacy", "privacy"),
            ("deny", "deny"),
            ("den", "deny"),
            ("", "deny"),
            ("abc", ""),
            ("", ""),
            ("tap  gesture", "tap gesture"),
        ] {
            assert_eq!(
                contains_ignore_case(hay, needle),
                hay.to_ascii_lowercase().contains(needle),
                "{hay:?} {needle:?}"
            );
        }
    }

    #[test]
    fn parsing_matches_std() {
        for text in [
            "",
            "+",
            "-",
            "0",
            "+0",
            "-0",
            "42",
            "+42",
            "-42",
            "007",
            " 1",
            "1 ",
            "1a",
            "++1",
            "-+1",
            "+-1",
            "--1",
            "18446744073709551615",
            "18446744073709551616",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "١",
        ] {
            assert_eq!(parse_u64(text), text.parse::<u64>().ok(), "{text:?}");
            assert_eq!(parse_i64(text), text.parse::<i64>().ok(), "{text:?}");
        }
    }
}

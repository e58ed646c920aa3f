//! What the record and the login exchange read from a parsed JSON document, whichever
//! parser made it.
//!
//! Natively (the tests, the fuzzers) documents come from [`crate::json`]. The shipped
//! wasm asks the host's `JSON.parse` instead, so it carries no parser of its own
//! (`web::doc`). The two agree on every record this SDK writes and every well-formed
//! reply; they differ only at edges that a backend has to go out of its way to reach,
//! and where either answer is safe:
//! - a key given twice: `crate::json` calls the document ambiguous (not a record, not a
//!   usable reply); the host keeps the last one;
//! - integers past 2^53 − 1: the host cannot hold them exactly, so they read as no
//!   integer (no time, expiry or version gets near);
//! - `7200.0` where an integer is expected: the host cannot tell it from `7200`;
//! - a lone surrogate (`"\ud800"`): `crate::json` rejects the whole document, the host
//!   only the string that holds it (it reads as not a string).

use alloc::string::String;

/// A parsed JSON value, read member by member.
pub trait Doc: Sized {
    /// The document a text holds; `None` when the text is not exactly one JSON value.
    fn parse(text: &str) -> Option<Self>;
    /// The member `key` of an object: `Ok(None)` when absent, `Err(())` when this is not
    /// an object (or, for `crate::json`, the key is given twice).
    #[allow(clippy::result_unit_err)]
    fn member(&self, key: &str) -> Result<Option<Self>, ()>;
    /// The string, if this is one.
    fn string(&self) -> Option<String>;
    /// Whether this is a number.
    fn is_number(&self) -> bool;
    /// Whether this is `null`.
    fn is_null(&self) -> bool;
    /// Whether this is `true`.
    fn is_true(&self) -> bool;
    /// An integer from 0 (a version, a time in ms).
    fn integer(&self) -> Option<u64>;
    /// An integer that may be negative (a backend's error code).
    fn signed(&self) -> Option<i64>;
    /// Any number that denotes a whole number from 0 (`7200`, `7.2e3`); `None` for `0.5` or `-1`.
    fn whole(&self) -> Option<u64>;
}

//! What the record and the login exchange read from a parsed JSON document, whichever
//! parser made it.
//!
//! The shipped wasm asks the host's `JSON.parse` (`web::doc`), so it carries no parser of
//! its own. Natively (the tests, the fuzzers, a native user of the core) documents come
//! from serde_json (`doc_serde`, behind the `serde` feature). The two agree on every
//! record this SDK writes and every well-formed reply, and both keep the last of a key
//! given twice. They differ only at edges that a backend has to go out of its way to
//! reach, and where either answer is safe:
//! - integer literals past 2^53 − 1: serde_json reads them exactly (up to `u64::MAX`, or
//!   down to `i64::MIN`); the host cannot hold them exactly, so they read as no integer
//!   (no time, expiry or version gets near);
//! - a number written other than as a plain integer (`7200.0`, `7.2e3`, `-0`) where an
//!   integer is expected (`integer`, `signed`: a record's version and times, an error
//!   code): serde_json reads no integer; the host cannot tell it from `7200` (or `0`).
//!   Where any whole number will do (`whole`: `expiresIn`) both read it;
//! - a number beyond `f64`'s range (`1e400`): serde_json rejects the whole document; the
//!   host reads it as infinity, which is no whole number;
//! - a lone surrogate (`"\ud800"`): serde_json rejects the whole document, the host only
//!   the string that holds it (it reads as not a string);
//! - more than 127 nested arrays and objects: serde_json rejects the document; the host
//!   reads it, as deep as its engine allows.

use alloc::string::String;

/// A parsed JSON value, read member by member.
pub trait Doc: Sized {
    /// The document a text holds; `None` when the text is not exactly one JSON value.
    fn parse(text: &str) -> Option<Self>;
    /// The member `key` of an object (the last, if the key is given twice): `Ok(None)`
    /// when absent, `Err(())` when this is not an object.
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

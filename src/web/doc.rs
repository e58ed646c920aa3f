//! JSON documents parsed by the host's `JSON.parse`, read through [`Doc`].
//!
//! The shipped wasm carries no JSON parser: the stored record and the backend's replies
//! are parsed by the engine, which every mini-program already has. Where the host and
//! the native reader (serde_json) differ is said in [`crate::doc`].

use super::js;
use crate::doc::Doc;
use alloc::string::String;
use js_sys::{Array, JSON};
use wasm_bindgen::JsValue;

/// A value `JSON.parse` returned (plain data: no getters, no prototypes of its own).
pub struct HostDoc(JsValue);

impl Doc for HostDoc {
    fn parse(text: &str) -> Option<HostDoc> {
        JSON::parse(text).ok().map(HostDoc)
    }

    fn member(&self, key: &str) -> Result<Option<HostDoc>, ()> {
        if !self.0.is_object() || Array::is_array(&self.0) {
            return Err(());
        }
        // JSON has no `undefined`, so `undefined` is an absent key.
        let value = js::get(&self.0, key);
        Ok((!value.is_undefined()).then_some(HostDoc(value)))
    }

    fn string(&self) -> Option<String> {
        let text = self.0.as_string()?;
        // The copy into wasm turns a lone surrogate into U+FFFD. A string that held one
        // is no text Rust can hold: it reads as not a string, not as a changed one.
        // (Compared whole: cheaper in the wasm than looking for U+FFFD first, and these
        // are a few short strings per launch.)
        if JsValue::from_str(&text) != self.0 {
            return None;
        }
        Some(text)
    }

    fn is_number(&self) -> bool {
        self.0.as_f64().is_some()
    }

    fn is_null(&self) -> bool {
        self.0.is_null()
    }

    fn is_true(&self) -> bool {
        self.0.as_bool() == Some(true)
    }

    fn integer(&self) -> Option<u64> {
        self.whole()
    }

    fn signed(&self) -> Option<i64> {
        let n = self.0.as_f64()?;
        let (magnitude, negative) = if n < 0.0 { (-n, true) } else { (n, false) };
        // At most 2^53 − 1, so it fits and its negation does too.
        let m = i64::try_from(js::whole_number(magnitude)?).ok()?;
        Some(if negative { -m } else { m })
    }

    fn whole(&self) -> Option<u64> {
        js::whole_number(self.0.as_f64()?)
    }
}

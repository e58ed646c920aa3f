//! Small conversions between JS values and the core's types.
//!
//! The objects the SDK hands out (states, errors, responses, events) are filled through
//! structural setters: their field names live in the JS glue, not in wasm memory.

use crate::error::AuthError;
use crate::scope::Scopes;
use crate::state::AuthState;
use alloc::string::String;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// An object the SDK hands to JS, filled field by field.
    #[wasm_bindgen(extends = Object)]
    pub type Out;
    #[wasm_bindgen(method, setter)]
    fn set_kind(this: &Out, kind: &str);
    #[wasm_bindgen(method, setter)]
    fn set_profile(this: &Out, profile: &Out);
    #[wasm_bindgen(method, setter = nickName)]
    fn set_nick_name(this: &Out, nick: &str);
    #[wasm_bindgen(method, setter = avatarUrl)]
    fn set_avatar_url(this: &Out, url: &str);
    #[wasm_bindgen(method, setter)]
    fn set_saved(this: &Out, saved: bool);
    #[wasm_bindgen(method, setter = expiresAt)]
    fn set_expires_at(this: &Out, ms: f64);
    #[wasm_bindgen(method, setter)]
    fn set_reason(this: &Out, reason: &str);
    #[wasm_bindgen(method, setter)]
    fn set_code(this: &Out, code: &str);
    #[wasm_bindgen(method, setter = errMsg)]
    fn set_err_msg(this: &Out, err_msg: &str);
    #[wasm_bindgen(method, setter)]
    fn set_errno(this: &Out, errno: f64);
    #[wasm_bindgen(method, setter = statusCode)]
    fn set_status_code(this: &Out, status: f64);
    #[wasm_bindgen(method, setter)]
    fn set_transient(this: &Out, transient: bool);
    #[wasm_bindgen(method, setter = retryAfterMs)]
    fn set_retry_after_ms(this: &Out, ms: f64);
    #[wasm_bindgen(method, setter)]
    fn set_name(this: &Out, name: &str);
    /// `response.data`.
    #[wasm_bindgen(method, setter)]
    pub fn set_data(this: &Out, data: &JsValue);
    /// `response.header`.
    #[wasm_bindgen(method, setter)]
    pub fn set_header(this: &Out, header: &JsValue);
    /// The `Authorization` field of a request header.
    #[wasm_bindgen(method, setter = Authorization)]
    pub fn set_authorization(this: &Out, value: &str);
    /// A privacy prompt's `referrer`.
    #[wasm_bindgen(method, setter)]
    pub fn set_referrer(this: &Out, referrer: &str);
    /// A privacy answer's `event` (`agree` / `disagree`).
    #[wasm_bindgen(method, setter)]
    pub fn set_event(this: &Out, event: &str);
    /// A privacy answer's `buttonId`.
    #[wasm_bindgen(method, setter = buttonId)]
    pub fn set_button_id(this: &Out, id: &str);

    /// What a page passed to `auth.request`, read through getters (they may throw).
    pub type RequestIn;
    /// `options.url`.
    #[wasm_bindgen(method, catch, getter)]
    pub fn url(this: &RequestIn) -> Result<JsValue, JsValue>;
    /// `options.method`.
    #[wasm_bindgen(method, catch, getter)]
    pub fn method(this: &RequestIn) -> Result<JsValue, JsValue>;
    /// `options.data`.
    #[wasm_bindgen(method, catch, getter)]
    pub fn data(this: &RequestIn) -> Result<JsValue, JsValue>;
    /// `options.header`.
    #[wasm_bindgen(method, catch, getter)]
    pub fn header(this: &RequestIn) -> Result<JsValue, JsValue>;
}

/// A new empty object to fill.
pub fn out() -> Out {
    Object::new().unchecked_into()
}

impl Out {
    /// `statusCode`, as a number.
    pub fn set_status(&self, status: u16) {
        self.set_status_code(f64::from(status));
    }
}

/// A new empty JS object.
pub fn object() -> Object {
    Object::new()
}

/// Sets `target[key] = value`; a failing set (a frozen object) is ignored.
pub fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// `target[key]`, or `undefined` when `target` is not an object or the getter throws.
pub fn get(target: &JsValue, key: &str) -> JsValue {
    if !target.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `target[key]` when it is a string.
pub fn get_string(target: &JsValue, key: &str) -> Option<String> {
    get(target, key).as_string()
}

/// `target[key]` when it is a function.
pub fn get_function(target: &JsValue, key: &str) -> Option<Function> {
    get(target, key).dyn_into::<Function>().ok()
}

/// Reads an optional option of one type: absent (`undefined`/`null`) is `Ok(None)`, a
/// value `convert` rejects is an `INVALID_ARGUMENT` error saying `key must be <what>`.
fn opt<T>(
    target: &JsValue,
    key: &str,
    convert: fn(&JsValue) -> Option<T>,
    what: &str,
) -> Result<Option<T>, AuthError> {
    opt_of(&get(target, key), key, convert, what)
}

/// [`opt`] for a value already read (`key` names it in the error).
pub fn opt_of<T>(
    v: &JsValue,
    key: &str,
    convert: fn(&JsValue) -> Option<T>,
    what: &str,
) -> Result<Option<T>, AuthError> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    convert(v)
        .map(Some)
        .ok_or_else(|| AuthError::argument(crate::text::concat(&[key, " must be ", what])))
}

/// Reads an optional string option.
pub fn opt_string(target: &JsValue, key: &str) -> Result<Option<String>, AuthError> {
    opt(target, key, JsValue::as_string, "a string")
}

/// An optional string option already read (`key` names it in the error).
pub fn string_of(v: &JsValue, key: &str) -> Result<Option<String>, AuthError> {
    opt_of(v, key, JsValue::as_string, "a string")
}

/// Reads an optional boolean option.
pub fn opt_bool(target: &JsValue, key: &str) -> Result<Option<bool>, AuthError> {
    opt(target, key, JsValue::as_bool, "true or false")
}

/// Reads an optional whole number of milliseconds (a number, 0 or more).
pub fn opt_ms(target: &JsValue, key: &str) -> Result<Option<u64>, AuthError> {
    opt(
        target,
        key,
        |v| v.as_f64().and_then(|_| as_u64(v)),
        "a whole number of milliseconds, 0 or more",
    )
}

/// A whole non-negative number as `u64` (an HTTP status, a time), from a number or numeric string.
///
/// Old Android clients sent `statusCode` as a string (platform.md §7).
pub fn as_u64(value: &JsValue) -> Option<u64> {
    let Some(n) = value.as_f64() else {
        // A numeric string: digits only (no float parsing linked in for this).
        return crate::text::parse_u64(value.as_string()?.trim());
    };
    whole_number(n)
}

/// `n` as `u64` when it is a whole number from 0 to 2^53 − 1 (beyond, numbers are not exact).
pub fn whole_number(n: f64) -> Option<u64> {
    if !(0.0..=9.007_199_254_740_991e15).contains(&n) {
        return None; // also NaN
    }
    // Whole when the truncation loses nothing (`f64::fract` is not in core).
    let whole = n as u64;
    (whole as f64 == n).then_some(whole)
}

/// The JS `Error` for an SDK error: `message`, `code`, `transient`, and
/// `errMsg`/`errno`/`statusCode`/`retryAfterMs` when known.
pub fn error_value(err: &AuthError) -> JsValue {
    let e = js_sys::Error::new(&err.message);
    let obj: &Out = e.unchecked_ref();
    obj.set_name("AuthError");
    obj.set_code(err.code.as_str());
    if let Some(wx) = &err.wx {
        obj.set_err_msg(&wx.err_msg);
        if let Some(errno) = wx.errno {
            obj.set_errno(errno as f64);
        }
    }
    if let Some(status) = err.status {
        obj.set_status(status);
    }
    obj.set_transient(err.transient);
    if let Some(ms) = err.retry_after_ms {
        obj.set_retry_after_ms(ms as f64);
    }
    e.into()
}

/// The JS view of a state: `{kind, profile?: {nickName, avatarUrl}, expiresAt?, reason?}`.
///
/// The token is never part of it.
pub fn state_value(state: &AuthState) -> JsValue {
    let obj = out();
    obj.set_kind(state.kind().as_str());
    if let Some(p) = state.profile() {
        let profile = out();
        profile.set_nick_name(p.nick_name());
        profile.set_avatar_url(p.avatar_url());
        profile.set_saved(p.saved());
        obj.set_profile(&profile);
    }
    if let Some(s) = state.session() {
        obj.set_expires_at(s.expires_at() as f64);
    }
    if let Some(reason) = state.logout_reason() {
        obj.set_reason(reason.as_str());
    }
    obj.into()
}

/// `{"scope.x": true, ...}`: the scopes asked for before, with the user's answer.
pub fn scopes_value(scopes: &Scopes) -> JsValue {
    let out = object();
    for (scope, granted) in scopes.iter() {
        set(&out, scope.as_str(), &JsValue::from_bool(granted));
    }
    out.into()
}

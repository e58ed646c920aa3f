//! Small conversions between JS values and the core's types.

use crate::error::AuthError;
use crate::scope::Scopes;
use crate::state::AuthState;
use alloc::string::String;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

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
    let v = get(target, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    convert(&v)
        .map(Some)
        .ok_or_else(|| AuthError::argument(crate::text::concat(&[key, " must be ", what])))
}

/// Reads an optional string option.
pub fn opt_string(target: &JsValue, key: &str) -> Result<Option<String>, AuthError> {
    opt(target, key, JsValue::as_string, "a string")
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
    if !(0.0..=9.007_199_254_740_991e15).contains(&n) {
        return None; // also NaN
    }
    // Whole when the truncation loses nothing (`f64::fract` is not in core).
    let whole = n as u64;
    (whole as f64 == n).then_some(whole)
}

/// The JS `Error` for an SDK error: `message`, `code`, and `errMsg`/`errno`/`statusCode` when known.
pub fn error_value(err: &AuthError) -> JsValue {
    let e = js_sys::Error::new(&err.message);
    e.set_name("AuthError");
    let obj: &Object = e.as_ref();
    set(obj, "code", &JsValue::from_str(err.code.as_str()));
    if let Some(wx) = &err.wx {
        set(obj, "errMsg", &JsValue::from_str(&wx.err_msg));
        if let Some(errno) = wx.errno {
            set(obj, "errno", &JsValue::from_f64(errno as f64));
        }
    }
    if let Some(status) = err.status {
        set(obj, "statusCode", &JsValue::from_f64(f64::from(status)));
    }
    set(obj, "transient", &JsValue::from_bool(err.transient));
    e.into()
}

/// The JS view of a state: `{kind, profile?: {nickName, avatarUrl}, expiresAt?, reason?}`.
///
/// The token is never part of it.
pub fn state_value(state: &AuthState) -> JsValue {
    let obj = object();
    set(&obj, "kind", &JsValue::from_str(state.kind().as_str()));
    if let Some(p) = state.profile() {
        let profile = object();
        set(&profile, "nickName", &JsValue::from_str(p.nick_name()));
        set(&profile, "avatarUrl", &JsValue::from_str(p.avatar_url()));
        set(&obj, "profile", &profile);
    }
    if let Some(s) = state.session() {
        set(&obj, "expiresAt", &JsValue::from_f64(s.expires_at() as f64));
    }
    if let Some(reason) = state.logout_reason() {
        set(&obj, "reason", &JsValue::from_str(reason.as_str()));
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

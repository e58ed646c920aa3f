//! `createAuth(options)`: the app's options, checked and turned into the engine's
//! [`Config`] and what the edge itself needs (the URLs, the storage key, the clock).

use super::js::{self, get};
use crate::budget::RenewalBudget;
use crate::config::Config;
use crate::error::AuthError;
use crate::retry::Backoff;
use alloc::string::String;
use js_sys::{Function, JsString};
use wasm_bindgen::{JsCast, JsValue};

/// The storage key used when the app gives none.
pub const DEFAULT_STORAGE_KEY: &str = "wx-auth:session";
/// How long `wx.request` waits for the backend when the app does not say, in ms.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

type Res<T> = Result<T, AuthError>;

/// What the edge keeps of the options: where to send, where to store, and the clock.
pub struct Options {
    /// The URLs are kept as the JS strings the app gave, so no call copies them again.
    pub login_url: JsValue,
    /// Where the session is revoked on logout and reset.
    pub logout_url: Option<JsValue>,
    /// Where `unbind()` POSTs `{code}` with the bearer token.
    pub unbind_url: Option<JsValue>,
    /// Where `verifyPhoneNumber()` POSTs the phone button's `{code}` with the bearer token.
    pub phone_url: Option<JsValue>,
    /// Where the profile is saved (`wx.uploadFile` of the avatar, or JSON) with the bearer token.
    pub profile_url: Option<JsValue>,
    /// The key of the SDK's one record.
    pub storage_key: String,
    /// A clock for tests (`() => ms`); `Date.now` otherwise.
    pub clock: Option<Function>,
    /// A `setTimeout` for tests (a simulated clock's); the engine's otherwise.
    pub timer: Option<Function>,
    /// The `timeout` of every `wx.request`, in ms.
    pub timeout_ms: u64,
    /// `transport.request`: called instead of `wx.request` (the cloud transport of the JS
    /// shim maps it onto `wx.cloud.callFunction` or `callContainer`).
    pub request: Option<Function>,
    /// `transport.uploadFile`: called instead of `wx.uploadFile`.
    pub upload_file: Option<Function>,
}

impl Options {
    /// Checks `createAuth`'s options: the edge's part and the engine's config.
    pub fn parse(value: &JsValue) -> Res<(Options, Config)> {
        if !value.is_object() {
            return Err(AuthError::argument("createAuth needs an options object"));
        }
        let login_url = opt_url(value, "loginUrl")?
            .ok_or_else(|| AuthError::argument("loginUrl is required"))?;
        let logout_url = opt_url(value, "logoutUrl")?;
        let unbind_url = opt_url(value, "unbindUrl")?;
        let phone_url = opt_url(value, "phoneUrl")?;
        let profile_url = opt_url(value, "profileUrl")?;
        let storage_key = match js::opt_string(value, "storageKey")? {
            Some(k) if k.is_empty() => return Err(AuthError::argument("storageKey is empty")),
            Some(k) => k,
            None => DEFAULT_STORAGE_KEY.into(),
        };
        // Accepted and ignored since 0.2.0: the renewal budget replaced the floor.
        js::opt_ms(value, "minLoginIntervalMs")?;
        let timeout_ms = js::opt_ms(value, "timeoutMs")?.unwrap_or(DEFAULT_TIMEOUT_MS);
        if timeout_ms == 0 {
            return Err(AuthError::argument("timeoutMs must be at least 1"));
        }
        let transport = get(value, "transport");
        check_object(&transport, "transport must be {request?, uploadFile?}")?;
        let config = Config {
            require_profile: js::opt_bool(value, "requireProfile")?.unwrap_or(false),
            backoff: backoff(&get(value, "retry"))?,
            renewals: renewals(&get(value, "renewals"))?,
            check_session: js::opt_bool(value, "checkSession")?.unwrap_or(false),
            logout_url: logout_url.is_some(),
            unbind_url: unbind_url.is_some(),
            phone_url: phone_url.is_some(),
            profile_url: profile_url.is_some(),
            login_without_code: js::opt_bool(value, "loginWithoutCode")?.unwrap_or(false),
        };
        let options = Options {
            login_url,
            logout_url,
            unbind_url,
            phone_url,
            profile_url,
            storage_key,
            clock: opt_function(value, "now")?,
            timer: opt_function(value, "setTimeout")?,
            timeout_ms,
            request: opt_function(&transport, "request")?,
            upload_file: opt_function(&transport, "uploadFile")?,
        };
        Ok((options, config))
    }
}

/// An object option (absent is fine); `shape` names its fields for the error.
fn check_object(v: &JsValue, shape: &str) -> Res<()> {
    if v.is_undefined() || v.is_null() || v.is_object() {
        Ok(())
    } else {
        Err(AuthError::argument(shape))
    }
}

/// `retry: {attempts?, baseDelayMs?, maxDelayMs?}`.
fn backoff(retry: &JsValue) -> Res<Backoff> {
    check_object(
        retry,
        "retry must be {attempts?, baseDelayMs?, maxDelayMs?}",
    )?;
    let defaults = Backoff::default();
    let attempts = js::opt_ms(retry, "attempts")?
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        .unwrap_or(defaults.attempts);
    if attempts == 0 {
        return Err(AuthError::argument("retry.attempts must be at least 1"));
    }
    Ok(Backoff {
        attempts,
        base_ms: js::opt_ms(retry, "baseDelayMs")?.unwrap_or(defaults.base_ms),
        max_ms: js::opt_ms(retry, "maxDelayMs")?.unwrap_or(defaults.max_ms),
    })
}

/// `renewals: {max?, perMs?}`: how many automatic renewals may start in `perMs`.
fn renewals(v: &JsValue) -> Res<RenewalBudget> {
    check_object(v, "renewals must be {max?, perMs?}")?;
    let defaults = RenewalBudget::default();
    let max = js::opt_ms(v, "max")?
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        .unwrap_or(defaults.max);
    let per_ms = js::opt_ms(v, "perMs")?.unwrap_or(defaults.per_ms);
    if max == 0 || per_ms == 0 {
        return Err(AuthError::argument(
            "renewals.max and renewals.perMs must be at least 1",
        ));
    }
    Ok(RenewalBudget { max, per_ms })
}

/// An optional URL option: a string, kept as given; empty counts as absent.
fn opt_url(value: &JsValue, key: &str) -> Res<Option<JsValue>> {
    url_of(&get(value, key), key)
}

/// [`opt_url`] for a value already read (`key` names it in the error).
pub fn url_of(url: &JsValue, key: &str) -> Res<Option<JsValue>> {
    let text = js::opt_of(url, key, |v| v.dyn_ref::<JsString>().cloned(), "a string")?;
    Ok(text.filter(|t| t.length() > 0).map(JsValue::from))
}

fn opt_function(value: &JsValue, key: &str) -> Res<Option<Function>> {
    js::opt_of(
        &get(value, key),
        key,
        |v| v.dyn_ref::<Function>().cloned(),
        "a function",
    )
}

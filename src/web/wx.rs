//! Typed bindings to the wx APIs the SDK uses.
//!
//! `wx` is looked up lexically (a `thread_local_v2` static), never through
//! `globalThis`: in a mini-program `wx` need not be a property of the global object.
//! Every async API is called with `success`/`fail` callbacks (the privacy APIs have no
//! Promise form), and the call into wx happens synchronously when the binding is
//! called, so `get_user_profile` works inside a tap handler.

use super::js::{as_u64, get, get_function, get_string, object, set};
use crate::profile::Profile;
use crate::scope::Scopes;
use crate::version::BaseVersion;
use crate::wx_failure::{FailureKind, WxFailure};
use alloc::format;
use alloc::string::String;
use core::future::Future;
use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The mini-program's `wx`, read lexically (`typeof wx === 'undefined' ? undefined : wx`).
    #[wasm_bindgen(thread_local_v2, js_name = wx)]
    static WX: Option<Object>;

    /// The engine's `setTimeout`, read lexically like `wx`.
    #[wasm_bindgen(catch, js_name = setTimeout)]
    fn global_set_timeout(handler: &Function, ms: f64) -> Result<JsValue, JsValue>;
}

/// Resolves after `ms` milliseconds, through `timer` (a `setTimeout`-shaped function
/// the app passed, for tests) or the engine's own `setTimeout`. Without either it
/// resolves at once rather than never.
pub fn sleep(ms: u64, timer: Option<&Function>) -> JsFuture {
    let promise = Promise::new(&mut |resolve, _reject| {
        let ms = ms as f64;
        let started = match timer {
            Some(timer) => timer
                .call2(&JsValue::UNDEFINED, &resolve, &JsValue::from_f64(ms))
                .is_ok(),
            None => global_set_timeout(&resolve, ms).is_ok(),
        };
        if !started {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    JsFuture::from(promise)
}

fn wx() -> Option<Object> {
    WX.with(Clone::clone)
}

/// Whether the base library has `wx.<api>` as a function.
pub fn has(api: &str) -> bool {
    wx().is_some_and(|wx| get_function(&wx, api).is_some())
}

/// Calls `wx.<api>(options)` now, with `success`/`fail` added; the future settles with
/// the success result or the failure.
pub fn call(
    api: &'static str,
    options: &Object,
) -> impl Future<Output = Result<JsValue, WxFailure>> {
    let mut missing = false;
    let promise = Promise::new(&mut |resolve, reject| {
        let Some((wx, f)) = wx().and_then(|wx| get_function(&wx, api).map(|f| (wx, f))) else {
            missing = true;
            return;
        };
        set(options, "success", &resolve);
        set(options, "fail", &reject);
        if let Err(thrown) = f.call1(&wx, options) {
            let _ = reject.call1(&JsValue::UNDEFINED, &thrown);
        }
    });
    let future = (!missing).then(|| JsFuture::from(promise));
    async move {
        match future {
            None => Err(WxFailure::unsupported(api)),
            Some(f) => f.await.map_err(|e| failure(api, &e)),
        }
    }
}

/// The failure a wx `fail` callback (or a thrown exception) carried.
fn failure(api: &str, value: &JsValue) -> WxFailure {
    let errno = as_u64(&get(value, "errno")).and_then(|n| i64::try_from(n).ok());
    let err_msg = get_string(value, "errMsg").unwrap_or_else(|| {
        let text = get_string(value, "message")
            .or_else(|| value.as_string())
            .unwrap_or_default();
        format!("{api}:fail {text}")
    });
    WxFailure::new(err_msg, errno)
}

/// `wx.login()`: a single-use login code.
pub async fn login() -> Result<String, WxFailure> {
    let res = call("login", &object()).await?;
    get_string(&res, "code").ok_or_else(|| WxFailure::new("login:fail no code in the result", None))
}

/// `wx.checkSession()`: whether WeChat's `session_key` from the latest `wx.login` is still
/// valid. It says nothing about the app's own session (peers.md §7.1).
pub async fn check_session() -> Result<(), WxFailure> {
    call("checkSession", &object()).await.map(drop)
}

/// `wx.getPrivacySetting()`: whether the user still has to agree. `Ok(false)` when the
/// base library has no privacy APIs (below 2.32.3 nothing is gated).
pub async fn needs_privacy_authorization() -> Result<bool, WxFailure> {
    if !has("getPrivacySetting") {
        return Ok(false);
    }
    let res = call("getPrivacySetting", &object()).await?;
    Ok(get(&res, "needAuthorization").as_bool().unwrap_or(false))
}

/// `wx.requirePrivacyAuthorize()`: succeeds once the user agreed (at once if they already had).
pub async fn require_privacy_authorize() -> Result<(), WxFailure> {
    if !has("requirePrivacyAuthorize") {
        return Ok(());
    }
    call("requirePrivacyAuthorize", &object()).await.map(drop)
}

/// `wx.openPrivacyContract()`: shows the privacy guide page.
pub async fn open_privacy_contract() -> Result<(), WxFailure> {
    call("openPrivacyContract", &object()).await.map(drop)
}

/// `wx.getSetting()`: the scopes asked for before, as `authSetting` reports them.
pub async fn get_setting() -> Result<Scopes, WxFailure> {
    let res = call("getSetting", &object()).await?;
    Ok(scopes_of(&res))
}

/// `wx.openSetting()`, called now (it needs a tap from 2.3.0); the future settles with
/// the scopes when the user closes the settings page.
pub fn open_setting() -> impl Future<Output = Result<Scopes, WxFailure>> {
    let call = call("openSetting", &object());
    async move { call.await.map(|res| scopes_of(&res)) }
}

/// The known scopes of a result's `authSetting`; absent or non-boolean means never asked.
fn scopes_of(res: &JsValue) -> Scopes {
    let setting = get(res, "authSetting");
    Scopes::read(|key| get(&setting, key).as_bool())
}

/// `wx.onNeedPrivacyAuthorization(listener)`; returns false when the API is missing.
pub fn on_need_privacy_authorization(listener: &Function) -> bool {
    let Some(wx) = wx() else { return false };
    let Some(f) = get_function(&wx, "onNeedPrivacyAuthorization") else {
        return false;
    };
    f.call1(&wx, listener).is_ok()
}

/// `wx.getUserProfile({desc})`, called now (it must run inside a tap handler).
pub fn get_user_profile(desc: &str) -> impl Future<Output = Result<Profile, WxFailure>> {
    let options = object();
    set(&options, "desc", &JsValue::from_str(desc));
    set(&options, "lang", &JsValue::from_str("zh_CN"));
    let call = call("getUserProfile", &options);
    async move {
        let res = call.await?;
        let info = get(&res, "userInfo");
        let nick = get_string(&info, "nickName").unwrap_or_default();
        let avatar = get_string(&info, "avatarUrl").unwrap_or_default();
        Profile::new(&nick, &avatar).map_err(|e| {
            WxFailure::new(
                format!("getUserProfile:fail unusable userInfo: {}", e.message),
                None,
            )
        })
    }
}

/// What to send with `wx.request`.
pub struct Request<'a> {
    /// The URL.
    pub url: &'a str,
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The body: a string, an object (sent as JSON) or an ArrayBuffer; `undefined` for none.
    pub data: JsValue,
    /// Header fields as an object.
    pub header: Object,
    /// `"text"` to get the raw body, `"json"` to have wx parse it.
    pub data_type: &'a str,
    /// How long wx waits for the answer, in ms (`timeout`).
    pub timeout_ms: u64,
}

/// What `wx.request` answered (it succeeds for every HTTP status).
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The body, as wx delivered it.
    pub data: JsValue,
    /// The response header object.
    pub header: JsValue,
}

/// `wx.request(...)`, called now.
pub fn request(req: Request<'_>) -> impl Future<Output = Result<Response, WxFailure>> {
    let options = object();
    set(&options, "url", &JsValue::from_str(req.url));
    set(&options, "method", &JsValue::from_str(req.method));
    if !req.data.is_undefined() {
        set(&options, "data", &req.data);
    }
    set(&options, "header", &req.header);
    set(&options, "dataType", &JsValue::from_str(req.data_type));
    set(
        &options,
        "timeout",
        &JsValue::from_f64(req.timeout_ms as f64),
    );
    let call = call("request", &options);
    async move {
        let res = call.await?;
        let status = as_u64(&get(&res, "statusCode"))
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| WxFailure::new("request:fail no statusCode in the result", None))?;
        Ok(Response {
            status,
            data: get(&res, "data"),
            header: get(&res, "header"),
        })
    }
}

/// What a storage key held.
pub enum Stored {
    /// Nothing under the key.
    Missing,
    /// A string.
    Text(String),
    /// Something that is not a string: not this SDK's record.
    Foreign,
}

/// `wx.getStorage({key, encrypt})`.
pub async fn get_storage(key: &str, encrypt: bool) -> Result<Stored, WxFailure> {
    let options = object();
    set(&options, "key", &JsValue::from_str(key));
    if encrypt {
        set(&options, "encrypt", &JsValue::TRUE);
    }
    match call("getStorage", &options).await {
        Ok(res) => {
            let data = get(&res, "data");
            Ok(match data.as_string() {
                Some(text) => Stored::Text(text),
                None if data.is_undefined() || data.is_null() => Stored::Missing,
                None => Stored::Foreign,
            })
        }
        Err(f) if f.kind() == FailureKind::NotFound => Ok(Stored::Missing),
        Err(f) => Err(f),
    }
}

/// `wx.setStorage({key, data, encrypt})`.
pub async fn set_storage(key: &str, text: &str, encrypt: bool) -> Result<(), WxFailure> {
    let options = object();
    set(&options, "key", &JsValue::from_str(key));
    set(&options, "data", &JsValue::from_str(text));
    if encrypt {
        set(&options, "encrypt", &JsValue::TRUE);
    }
    call("setStorage", &options).await.map(drop)
}

/// `wx.removeStorage({key})`; a key that is already gone is success.
pub async fn remove_storage(key: &str) -> Result<(), WxFailure> {
    let options = object();
    set(&options, "key", &JsValue::from_str(key));
    match call("removeStorage", &options).await {
        Err(f) if f.kind() != FailureKind::NotFound => Err(f),
        _ => Ok(()),
    }
}

/// The base library version from `wx.getAppBaseInfo()` (2.20.1+), if it can be read.
pub fn base_version() -> Option<BaseVersion> {
    let wx = wx()?;
    let f = get_function(&wx, "getAppBaseInfo")?;
    let info = f.call0(&wx).ok()?;
    BaseVersion::parse(&get_string(&info, "SDKVersion")?)
}

/// `wx.canIUse(schema)`; false when the API itself is missing or throws.
pub fn can_i_use(schema: &str) -> bool {
    let Some(wx) = wx() else { return false };
    let Some(f) = get_function(&wx, "canIUse") else {
        return false;
    };
    f.call1(&wx, &JsValue::from_str(schema))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

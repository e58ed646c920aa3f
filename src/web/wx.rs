//! Typed bindings to the wx APIs the SDK uses.
//!
//! `wx` is looked up lexically (a `thread_local_v2` static), never through
//! `globalThis`: in a mini-program `wx` need not be a property of the global object.
//! Every async API is called with `success`/`fail` callbacks (the privacy APIs have no
//! Promise form), and the call into wx happens synchronously when the binding is
//! called, so `get_user_profile` works inside a tap handler.
//!
//! Options and results are read and written through structural accessors
//! (`options.url = …`, `res.statusCode`): the property names live in the JS glue, so
//! no key string is copied out of wasm memory and decoded on every call.

use super::callback::{callback, Callback};
use super::js::{as_u64, get_function};
use crate::profile::Profile;
use crate::scope::Scopes;
use crate::text::concat;
use crate::version::BaseVersion;
use crate::wx_failure::{FailureKind, WxFailure};
use alloc::string::String;
use core::future::Future;
use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The mini-program's `wx`, read lexically (`typeof wx === 'undefined' ? undefined : wx`).
    #[wasm_bindgen(thread_local_v2, js_name = wx)]
    static WX: Option<Object>;

    /// The engine's `setTimeout`, read lexically like `wx`.
    #[wasm_bindgen(catch, js_name = setTimeout)]
    fn global_set_timeout(handler: &Function, ms: f64) -> Result<JsValue, JsValue>;

    /// `wx`, for the one API called on every `auth.request`.
    type Wx;
    #[wasm_bindgen(method, catch, js_name = request)]
    fn call_request(this: &Wx, options: &Options) -> Result<JsValue, JsValue>;

    /// The options object of a wx call, filled field by field.
    #[wasm_bindgen(extends = Object)]
    type Options;
    #[wasm_bindgen(method, setter)]
    fn set_success(this: &Options, f: &Function);
    #[wasm_bindgen(method, setter)]
    fn set_fail(this: &Options, f: &Function);
    #[wasm_bindgen(method, setter)]
    fn set_key(this: &Options, key: &str);
    #[wasm_bindgen(method, setter)]
    fn set_data(this: &Options, data: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_encrypt(this: &Options, on: bool);
    #[wasm_bindgen(method, setter)]
    fn set_url(this: &Options, url: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_method(this: &Options, method: &str);
    #[wasm_bindgen(method, setter)]
    fn set_header(this: &Options, header: &Object);
    #[wasm_bindgen(method, setter = dataType)]
    fn set_data_type(this: &Options, data_type: &str);
    #[wasm_bindgen(method, setter)]
    fn set_timeout(this: &Options, ms: f64);
    #[wasm_bindgen(method, setter)]
    fn set_desc(this: &Options, desc: &str);
    #[wasm_bindgen(method, setter)]
    fn set_lang(this: &Options, lang: &str);

    /// What a wx call's `success` or `fail` got (only ever read when it is an object).
    /// The getters catch: a JS exception must never unwind through the wasm (it would
    /// leave a task's borrow held), whatever object wx hands back.
    type Reply;
    #[wasm_bindgen(method, catch, getter)]
    fn code(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter = statusCode)]
    fn status_code(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter)]
    fn data(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter)]
    fn header(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter = errMsg)]
    fn err_msg(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter)]
    fn errno(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter)]
    fn message(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter = needAuthorization)]
    fn need_authorization(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter = authSetting)]
    fn auth_setting(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter = userInfo)]
    fn user_info(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter = nickName)]
    fn nick_name(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter = avatarUrl)]
    fn avatar_url(this: &Reply) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter = SDKVersion)]
    fn sdk_version(this: &Reply) -> Result<JsValue, JsValue>;
}

/// `value` as a reply whose fields can be read; `None` when it is no object.
fn reply(value: &JsValue) -> Option<&Reply> {
    value.is_object().then(|| value.unchecked_ref())
}

/// A new, empty options object.
fn options() -> Options {
    Object::new().unchecked_into()
}

/// Resolves after `ms` milliseconds, through `timer` (a `setTimeout`-shaped function
/// the app passed, for tests) or the engine's own `setTimeout`. Without either it
/// resolves at once rather than never.
pub async fn sleep(ms: u64, timer: Option<&Function>) {
    let (done, resolve, _) = callback();
    let ms = ms as f64;
    let started = match timer {
        Some(timer) => timer
            .call2(&JsValue::UNDEFINED, &resolve, &JsValue::from_f64(ms))
            .is_ok(),
        None => global_set_timeout(&resolve, ms).is_ok(),
    };
    if started {
        let _ = done.await;
    }
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
fn call(api: &'static str, options: &Options) -> impl Future<Output = Result<JsValue, WxFailure>> {
    let done = callbacks(options);
    let called = wx().and_then(|wx| get_function(&wx, api).map(|f| f.call1(&wx, options)));
    outcome(api, done, called)
}

/// Sets `options.success`/`fail`; the callback settles when wx calls one of them.
fn callbacks(options: &Options) -> Callback {
    let (done, success, fail) = callback();
    options.set_success(&success);
    options.set_fail(&fail);
    done
}

/// The result of a wx call: `called` is `None` when the API is missing, `Err` when it threw.
fn outcome(
    api: &'static str,
    done: Callback,
    called: Option<Result<JsValue, JsValue>>,
) -> impl Future<Output = Result<JsValue, WxFailure>> {
    let started = match called {
        None => Err(WxFailure::unsupported(api)),
        Some(Err(thrown)) => Err(failure(api, &thrown)),
        Some(Ok(_)) => Ok(done),
    };
    async move {
        match started {
            Ok(done) => done.await.map_err(|e| failure(api, &e)),
            Err(f) => Err(f),
        }
    }
}

/// The failure a wx `fail` callback (or a thrown exception) carried.
fn failure(api: &str, value: &JsValue) -> WxFailure {
    let fields = reply(value);
    let errno = as_u64(&field(fields, Reply::errno)).and_then(|n| i64::try_from(n).ok());
    let err_msg = field(fields, Reply::err_msg)
        .as_string()
        .unwrap_or_else(|| {
            let text = field(fields, Reply::message)
                .as_string()
                .or_else(|| value.as_string())
                .unwrap_or_default();
            concat(&[api, ":fail ", &text])
        });
    WxFailure::new(err_msg, errno)
}

/// `field(reply)` when there is a reply (see [`reply`]) and the getter does not throw,
/// `undefined` otherwise.
fn field(reply: Option<&Reply>, field: fn(&Reply) -> Result<JsValue, JsValue>) -> JsValue {
    reply
        .and_then(|r| field(r).ok())
        .unwrap_or(JsValue::UNDEFINED)
}

/// `wx.login()`: a single-use login code.
pub async fn login() -> Result<String, WxFailure> {
    let res = call("login", &options()).await?;
    field(reply(&res), Reply::code)
        .as_string()
        .ok_or_else(|| WxFailure::new("login:fail no code in the result", None))
}

/// `wx.checkSession()`: whether WeChat's `session_key` from the latest `wx.login` is still
/// valid. It says nothing about the app's own session (peers.md §7.1).
pub async fn check_session() -> Result<(), WxFailure> {
    call("checkSession", &options()).await.map(drop)
}

/// `wx.getPrivacySetting()`: whether the user still has to agree. `Ok(false)` when the
/// base library has no privacy APIs (below 2.32.3 nothing is gated).
pub async fn needs_privacy_authorization() -> Result<bool, WxFailure> {
    if !has("getPrivacySetting") {
        return Ok(false);
    }
    let res = call("getPrivacySetting", &options()).await?;
    Ok(field(reply(&res), Reply::need_authorization)
        .as_bool()
        .unwrap_or(false))
}

/// `wx.requirePrivacyAuthorize()`: succeeds once the user agreed (at once if they already had).
pub async fn require_privacy_authorize() -> Result<(), WxFailure> {
    if !has("requirePrivacyAuthorize") {
        return Ok(());
    }
    call("requirePrivacyAuthorize", &options()).await.map(drop)
}

/// `wx.openPrivacyContract()`: shows the privacy guide page.
pub async fn open_privacy_contract() -> Result<(), WxFailure> {
    call("openPrivacyContract", &options()).await.map(drop)
}

/// `wx.getSetting()`: the scopes asked for before, as `authSetting` reports them.
pub async fn get_setting() -> Result<Scopes, WxFailure> {
    let res = call("getSetting", &options()).await?;
    Ok(scopes_of(&res))
}

/// `wx.openSetting()`, called now (it needs a tap from 2.3.0); the future settles with
/// the scopes when the user closes the settings page.
pub fn open_setting() -> impl Future<Output = Result<Scopes, WxFailure>> {
    let call = call("openSetting", &options());
    async move { call.await.map(|res| scopes_of(&res)) }
}

/// The known scopes of a result's `authSetting`; absent or non-boolean means never asked.
fn scopes_of(res: &JsValue) -> Scopes {
    let setting = field(reply(res), Reply::auth_setting);
    Scopes::read(|key| super::js::get(&setting, key).as_bool())
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
    let options = options();
    options.set_desc(desc);
    options.set_lang("zh_CN");
    let call = call("getUserProfile", &options);
    async move {
        let res = call.await?;
        let info = field(reply(&res), Reply::user_info);
        let info = reply(&info);
        let nick = field(info, Reply::nick_name)
            .as_string()
            .unwrap_or_default();
        let avatar = field(info, Reply::avatar_url)
            .as_string()
            .unwrap_or_default();
        Profile::new(&nick, &avatar).map_err(|e| {
            WxFailure::new(
                concat(&["getUserProfile:fail unusable userInfo: ", &e.message]),
                None,
            )
        })
    }
}

/// What to send with `wx.request`.
pub struct Request<'a> {
    /// The URL (a non-empty string).
    pub url: &'a JsValue,
    /// `POST`, `PUT`, …; `None` leaves wx's default, `GET`.
    pub method: Option<&'a str>,
    /// The body: a string, an object (sent as JSON) or an ArrayBuffer; `undefined` for none.
    pub data: &'a JsValue,
    /// Header fields as an object.
    pub header: Object,
    /// `Some("text")` for the raw body; `None` leaves wx's default, `json` (parsed).
    pub data_type: Option<&'a str>,
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
    let options = options();
    options.set_url(req.url);
    if let Some(method) = req.method {
        options.set_method(method);
    }
    if !req.data.is_undefined() {
        options.set_data(req.data);
    }
    options.set_header(&req.header);
    if let Some(data_type) = req.data_type {
        options.set_data_type(data_type);
    }
    options.set_timeout(req.timeout_ms as f64);
    let done = callbacks(&options);
    let called = WX.with(|wx| {
        wx.as_ref()
            .map(|wx| wx.unchecked_ref::<Wx>().call_request(&options))
    });
    let call = outcome("request", done, called);
    async move {
        let res = call.await?;
        let fields = reply(&res);
        let status = as_u64(&field(fields, Reply::status_code))
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| WxFailure::new("request:fail no statusCode in the result", None))?;
        Ok(Response {
            status,
            data: field(fields, Reply::data),
            header: field(fields, Reply::header),
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
    let options = options();
    options.set_key(key);
    if encrypt {
        options.set_encrypt(true);
    }
    match call("getStorage", &options).await {
        Ok(res) => {
            let data = field(reply(&res), Reply::data);
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
    let options = options();
    options.set_key(key);
    options.set_data(&JsValue::from_str(text));
    if encrypt {
        options.set_encrypt(true);
    }
    call("setStorage", &options).await.map(drop)
}

/// `wx.removeStorage({key})`; a key that is already gone is success.
pub async fn remove_storage(key: &str) -> Result<(), WxFailure> {
    let options = options();
    options.set_key(key);
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
    BaseVersion::parse(&field(reply(&info), Reply::sdk_version).as_string()?)
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

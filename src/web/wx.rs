//! Typed bindings to the wx APIs the SDK uses, and the readers of what they answer.
//!
//! `wx` is looked up lexically (a `thread_local_v2` static), never through
//! `globalThis`: in a mini-program `wx` need not be a property of the global object.
//! Every async API is called with `success`/`fail` callbacks (the privacy APIs have no
//! Promise form); the call into wx happens when the effect is performed, so
//! `getUserProfile` and `openSetting` run inside the page's tap handler.
//!
//! Options and results are read and written through structural accessors
//! (`options.url = …`, `res.statusCode`): the property names live in the JS glue, so
//! no key string is copied out of wasm memory and decoded on every call.

use super::js::{as_u64, get_function, out};
use crate::engine::{Platform, Stored, WxOk};
use crate::phone::PhoneEvent;
use crate::scope::Scopes;
use crate::text::concat;
use crate::version::BaseVersion;
use crate::wx_failure::WxFailure;
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
    pub type Options;
    /// `options.success`.
    #[wasm_bindgen(method, setter)]
    pub fn set_success(this: &Options, f: &Function);
    /// `options.fail`.
    #[wasm_bindgen(method, setter)]
    pub fn set_fail(this: &Options, f: &Function);
    /// `options.key`.
    #[wasm_bindgen(method, setter)]
    pub fn set_key(this: &Options, key: &str);
    /// `options.data`.
    #[wasm_bindgen(method, setter)]
    pub fn set_data(this: &Options, data: &JsValue);
    /// `options.encrypt`.
    #[wasm_bindgen(method, setter)]
    pub fn set_encrypt(this: &Options, on: bool);
    /// `options.url`.
    #[wasm_bindgen(method, setter)]
    pub fn set_url(this: &Options, url: &JsValue);
    /// `options.method`.
    #[wasm_bindgen(method, setter)]
    pub fn set_method(this: &Options, method: &str);
    /// `options.header`.
    #[wasm_bindgen(method, setter)]
    pub fn set_header(this: &Options, header: &Object);
    /// `options.dataType`.
    #[wasm_bindgen(method, setter = dataType)]
    pub fn set_data_type(this: &Options, data_type: &str);
    /// `options.timeout`, in ms.
    #[wasm_bindgen(method, setter)]
    pub fn set_timeout(this: &Options, ms: f64);
    /// `options.desc`.
    #[wasm_bindgen(method, setter)]
    pub fn set_desc(this: &Options, desc: &str);
    /// `options.lang`.
    #[wasm_bindgen(method, setter)]
    pub fn set_lang(this: &Options, lang: &str);
    /// `options.filePath` (`wx.uploadFile`).
    #[wasm_bindgen(method, setter = filePath)]
    pub fn set_file_path(this: &Options, path: &str);
    /// `options.name`, the file's form field (`wx.uploadFile`).
    #[wasm_bindgen(method, setter)]
    pub fn set_name(this: &Options, name: &str);
    /// `options.formData` (`wx.uploadFile`).
    #[wasm_bindgen(method, setter = formData)]
    pub fn set_form_data(this: &Options, form: &Object);

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
pub fn options() -> Options {
    Object::new().unchecked_into()
}

/// Starts `handler` after `ms` milliseconds, through `timer` (a `setTimeout`-shaped
/// function the app passed, for tests) or the engine's own `setTimeout`; false when
/// neither could be called.
pub fn set_timeout(handler: &Function, ms: u64, timer: Option<&Function>) -> bool {
    let ms = ms as f64;
    match timer {
        Some(timer) => timer
            .call2(&JsValue::UNDEFINED, handler, &JsValue::from_f64(ms))
            .is_ok(),
        None => global_set_timeout(handler, ms).is_ok(),
    }
}

fn wx() -> Option<Object> {
    WX.with(Clone::clone)
}

/// Whether the base library has `wx.<api>` as a function.
pub fn has(api: &str) -> bool {
    wx().is_some_and(|wx| get_function(&wx, api).is_some())
}

/// What the environment offers, read once at start.
pub fn platform() -> Platform {
    Platform {
        base: base_version(),
        privacy_setting: has("getPrivacySetting"),
        privacy_authorize: has("requirePrivacyAuthorize"),
    }
}

/// Calls `wx.<api>(options)` now; the failure when the API is missing or throws (then
/// neither callback will be called).
pub fn call(api: &str, options: &Options) -> Result<(), WxFailure> {
    let Some((wx, f)) = wx().and_then(|wx| get_function(&wx, api).map(|f| (wx, f))) else {
        return Err(WxFailure::unsupported(api));
    };
    f.call1(&wx, options)
        .map(drop)
        .map_err(|thrown| failure(api, &thrown))
}

/// `wx.request(options)` now: the API called on every `auth.request`, bound directly.
pub fn request(options: &Options) -> Result<(), WxFailure> {
    let called = WX.with(|wx| {
        wx.as_ref()
            .map(|wx| wx.unchecked_ref::<Wx>().call_request(options))
    });
    match called {
        None => Err(WxFailure::unsupported("request")),
        Some(Err(thrown)) => Err(failure("request", &thrown)),
        Some(Ok(_)) => Ok(()),
    }
}

/// The failure a wx `fail` callback (or a thrown exception) carried.
pub fn failure(api: &str, value: &JsValue) -> WxFailure {
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

/// `wx.login`'s result: its `code`.
pub fn code_of(res: &JsValue) -> Result<WxOk, WxFailure> {
    field(reply(res), Reply::code)
        .as_string()
        .map(WxOk::Code)
        .ok_or_else(|| WxFailure::new("login:fail no code in the result", None))
}

/// A phone button event's `detail` (or the event, whose `detail` is read):
/// `{errMsg, code?, errno?}`; `None` for anything that is not an object.
pub fn phone_event_of(value: &JsValue) -> Option<PhoneEvent> {
    if !value.is_object() {
        return None;
    }
    let inner = super::js::get(value, "detail");
    let detail = if inner.is_object() && super::js::get(value, "errMsg").is_undefined() {
        inner
    } else {
        value.clone()
    };
    let fields = reply(&detail);
    Some(PhoneEvent {
        code: field(fields, Reply::code).as_string(),
        err_msg: field(fields, Reply::err_msg)
            .as_string()
            .unwrap_or_default(),
        errno: as_u64(&field(fields, Reply::errno)).and_then(|n| i64::try_from(n).ok()),
    })
}

/// `wx.getPrivacySetting`'s result: `needAuthorization` (absent reads as false).
pub fn needs_agreement_of(res: &JsValue) -> WxOk {
    let needed = field(reply(res), Reply::need_authorization).as_bool();
    WxOk::NeedsAgreement(needed.unwrap_or(false))
}

/// The known scopes of a result's `authSetting`; absent or non-boolean means never asked.
pub fn scopes_of(res: &JsValue) -> WxOk {
    let setting = field(reply(res), Reply::auth_setting);
    WxOk::Scopes(Scopes::read(|key| super::js::get(&setting, key).as_bool()))
}

/// `wx.getUserProfile`'s result: `userInfo`'s two fields (empty when missing).
pub fn user_info_of(res: &JsValue) -> WxOk {
    let info = field(reply(res), Reply::user_info);
    let info = reply(&info);
    let text = |f| field(info, f).as_string().unwrap_or_default();
    WxOk::UserInfo {
        nick_name: text(Reply::nick_name),
        avatar_url: text(Reply::avatar_url),
    }
}

/// `wx.getStorage`'s result: a string, nothing, or something that is no record.
pub fn stored_of(res: &JsValue) -> WxOk {
    let data = field(reply(res), Reply::data);
    WxOk::Stored(match data.as_string() {
        Some(text) => Stored::Text(text),
        None if data.is_undefined() || data.is_null() => Stored::Missing,
        None => Stored::Foreign,
    })
}

/// `wx.request`'s result: the HTTP status, and the body and header as delivered.
pub fn response_of(res: &JsValue) -> Result<(u16, JsValue, JsValue), WxFailure> {
    let fields = reply(res);
    let status = as_u64(&field(fields, Reply::status_code))
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| WxFailure::new("request:fail no statusCode in the result", None))?;
    Ok((
        status,
        field(fields, Reply::data),
        field(fields, Reply::header),
    ))
}

/// `wx.onNeedPrivacyAuthorization(listener)`; returns false when the API is missing.
pub fn on_need_privacy_authorization(listener: &Function) -> bool {
    let Some(wx) = wx() else { return false };
    let Some(f) = get_function(&wx, "onNeedPrivacyAuthorization") else {
        return false;
    };
    f.call1(&wx, listener).is_ok()
}

/// The base library version from `wx.getAppBaseInfo()` (2.20.1+), if it can be read.
pub fn base_version() -> Option<BaseVersion> {
    let wx = wx()?;
    let f = get_function(&wx, "getAppBaseInfo")?;
    let info = f.call0(&wx).ok()?;
    BaseVersion::parse(&field(reply(&info), Reply::sdk_version).as_string()?)
}

/// The answer to one privacy prompt, as wx's `resolve` takes it.
pub fn prompt_answer(agree: Option<&str>) -> JsValue {
    let arg = out();
    match agree {
        Some(button_id) => {
            arg.set_event("agree");
            arg.set_button_id(button_id);
        }
        None => arg.set_event("disagree"),
    }
    arg.into()
}

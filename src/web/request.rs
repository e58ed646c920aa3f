//! The page's `auth.request` options, checked, and the `wx.request` options the SDK sends.

use super::js::{self, out, Out};
use super::options::url_of;
use super::wx::Options;
use crate::error::AuthError;
use crate::request::Method;
use js_sys::Object;
use wasm_bindgen::{JsCast, JsValue};

/// A checked `auth.request` options object; the engine hands it back with the token.
#[derive(Clone)]
pub struct PageRequest {
    /// A non-empty string, as the page gave it.
    url: JsValue,
    /// `None`: wx's default, `GET`.
    method: Option<Method>,
    data: JsValue,
    header: JsValue,
}

impl PageRequest {
    /// Checks `{url, method?, data?, header?}`.
    pub fn parse(options: &JsValue) -> Result<PageRequest, AuthError> {
        if !options.is_object() {
            return Err(AuthError::argument(
                "request needs {url, method?, data?, header?}",
            ));
        }
        // Getters whose names live in the glue (this runs on every request); one that
        // throws reads as absent, as `get` does.
        let fields: &js::RequestIn = options.unchecked_ref();
        let read = |field: Result<JsValue, JsValue>| field.unwrap_or(JsValue::UNDEFINED);
        let url = url_of(&read(fields.url()), "url")?
            .ok_or_else(|| AuthError::argument("request needs a url"))?;
        let method = match js::string_of(&read(fields.method()), "method")? {
            Some(m) => Some(Method::parse(&m)?),
            None => None,
        };
        let header = read(fields.header());
        if !(header.is_undefined() || header.is_null() || header.is_object()) {
            return Err(AuthError::argument("header must be an object"));
        }
        Ok(PageRequest {
            url,
            method,
            data: read(fields.data()),
            header,
        })
    }

    /// Fills `wx.request`'s options: the page's own, with the bearer token.
    pub fn fill(&self, o: &Options, token: &str) {
        o.set_url(&self.url);
        if let Some(method) = self.method {
            o.set_method(method.as_str());
        }
        if !self.data.is_undefined() {
            o.set_data(&self.data);
        }
        o.set_header(&bearer_header(&self.header, token));
    }
}

/// Fills `wx.request`'s options for a POST of the SDK's own (login, unbind, logout):
/// JSON `body` if any, the bearer `token` if any, the answer read as text.
pub fn fill_post(o: &Options, url: &JsValue, body: Option<&str>, token: Option<&str>) {
    o.set_url(url);
    o.set_method("POST");
    let header = match token {
        Some(token) => bearer_header(&JsValue::UNDEFINED, token),
        None => out(),
    };
    if let Some(body) = body {
        o.set_data(&JsValue::from_str(body));
        js::set(
            &header,
            "content-type",
            &JsValue::from_str("application/json"),
        );
    }
    o.set_header(&header);
    o.set_data_type("text");
}

/// A copy of the caller's header with `Authorization: Bearer <token>` (any casing of
/// the caller's own `authorization` field is replaced).
fn bearer_header(header: &JsValue, token: &str) -> Out {
    let out = out();
    if let Some(source) = header.dyn_ref::<Object>() {
        let copy = Object::assign(&out, source);
        for key in Object::keys(&copy).iter() {
            if key
                .as_string()
                .is_some_and(|k| k.eq_ignore_ascii_case("authorization"))
            {
                let _ = js_sys::Reflect::delete_property(&copy, &key);
            }
        }
    }
    out.set_authorization(&crate::text::concat(&["Bearer ", token]));
    out
}

/// The response body as text: as delivered for strings, JSON for anything else.
pub fn body_text(data: &JsValue) -> alloc::string::String {
    if let Some(text) = data.as_string() {
        return text;
    }
    js_sys::JSON::stringify(data)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// What the page's request resolves with: `{statusCode, data, header}`.
pub fn response_value(status: u16, data: &JsValue, header: &JsValue) -> JsValue {
    let out = out();
    out.set_status(status);
    out.set_data(data);
    out.set_header(header);
    out.into()
}

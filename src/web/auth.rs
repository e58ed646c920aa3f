//! The exported `Auth`: each method turns the page's arguments into an engine call and
//! returns what the engine settles it with.

use super::effects::{busy, Edge};
use super::js::{self, error_value, state_value};
use super::options::Options;
use super::request::PageRequest;
use crate::engine::Call;
use crate::error::AuthError;
use crate::profile::ProfilePatch;
use alloc::rc::Rc;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

/// The SDK object a page holds (`createAuth` resolves to it).
///
/// Every method is safe to call in any state: what is not allowed fails with a typed
/// error and changes nothing.
#[wasm_bindgen]
pub struct Auth {
    edge: Rc<Edge>,
}

impl Auth {
    pub(super) fn new(edge: Rc<Edge>) -> Auth {
        Auth { edge }
    }
}

fn reject(err: &AuthError) -> Promise {
    Promise::reject(&error_value(err))
}

#[wasm_bindgen]
impl Auth {
    /// `Auth.create(options)`: restores the state from storage, checks the privacy setting
    /// and registers the privacy listener. Resolves to the `Auth`.
    #[wasm_bindgen(js_name = create)]
    pub fn create_js(options: JsValue) -> Promise {
        match Options::parse(&options) {
            Ok((options, config)) => Edge::start(options, config),
            Err(e) => reject(&e),
        }
    }

    /// The current state: `{kind, profile?, expiresAt?, reason?}`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> JsValue {
        state_value(&self.edge.state())
    }

    /// Calls `listener(state)` after every change of state; returns the function that stops it.
    #[wasm_bindgen(js_name = onChange)]
    pub fn on_change(&self, listener: JsValue) -> Result<Function, JsValue> {
        let listener = listener
            .dyn_into::<Function>()
            .map_err(|_| error_value(&AuthError::argument("onChange needs a function")))?;
        let id = self.edge.listen(listener);
        let weak = Rc::downgrade(&self.edge);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(edge) = weak.upgrade() {
                edge.unlisten(id);
            }
        });
        Ok(unsubscribe.into_js_value().unchecked_into())
    }

    /// Asks for the privacy agreement (`wx.requirePrivacyAuthorize`); resolves to the state.
    #[wasm_bindgen(js_name = agreePrivacy)]
    pub fn agree_privacy(&self) -> Promise {
        self.edge.call(Call::AgreePrivacy)
    }

    /// Sets the current page's privacy prompt handler: `handler({referrer})`.
    #[wasm_bindgen(js_name = onPrivacyPrompt)]
    pub fn on_privacy_prompt(&self, handler: JsValue) -> Result<(), JsValue> {
        let handler = if handler.is_undefined() || handler.is_null() {
            None
        } else {
            Some(handler.dyn_into::<Function>().map_err(|_| {
                error_value(&AuthError::argument("onPrivacyPrompt needs a function"))
            })?)
        };
        self.edge.set_handler(handler);
        Ok(())
    }

    /// Answers the waiting privacy prompt: `{agree: true, buttonId}` or `{agree: false}`.
    #[wasm_bindgen(js_name = resolvePrivacy)]
    pub fn resolve_privacy(&self, answer: JsValue) -> Result<(), JsValue> {
        let read = || {
            Ok((
                js::opt_bool(&answer, "agree")?,
                js::opt_string(&answer, "buttonId")?,
            ))
        };
        let (agree, button_id) = read().map_err(|e: AuthError| error_value(&e))?;
        let now = self.edge.now();
        let result = self
            .edge
            .with_engine(|e| e.resolve_privacy(now, agree, button_id))
            .unwrap_or_else(|| Err(busy()));
        self.edge.drain();
        result.map_err(|e| error_value(&e))
    }

    /// `wx.getUserProfile({desc})`, called synchronously: call this inside a tap handler.
    #[wasm_bindgen(js_name = getUserProfile)]
    pub fn get_user_profile(&self, options: JsValue) -> Promise {
        match js::opt_string(&options, "desc") {
            Ok(Some(desc)) => self.edge.call(Call::GetUserProfile(desc)),
            Ok(None) => reject(&AuthError::argument("getUserProfile needs {desc}")),
            Err(e) => reject(&e),
        }
    }

    /// Sets profile fields from the avatar button and the nickname form; returns the state.
    #[wasm_bindgen(js_name = setProfile)]
    pub fn set_profile(&self, fields: JsValue) -> Result<JsValue, JsValue> {
        let patch = patch_of(&fields, false).map_err(|e| error_value(&e))?;
        let now = self.edge.now();
        let result = self
            .edge
            .with_engine(|e| e.set_profile(now, patch))
            .unwrap_or_else(|| Err(busy()));
        self.edge.drain();
        result.map(|s| state_value(&s)).map_err(|e| error_value(&e))
    }

    /// Saves the profile on the backend (`profileUrl`), with `fields` applied first if
    /// given (`{avatarUrl?, nickName?}`), and resolves to the state once the backend has
    /// it; on failure the profile on the device is as it was.
    #[wasm_bindgen(js_name = saveProfile)]
    pub fn save_profile(&self, fields: JsValue) -> Promise {
        match patch_of(&fields, true) {
            Ok(patch) => self.edge.call(Call::SaveProfile(patch)),
            Err(e) => reject(&e),
        }
    }

    /// Logs in (or joins the login in progress); resolves to the state.
    pub fn login(&self) -> Promise {
        self.edge.call(Call::Login)
    }

    /// `wx.request` with the bearer token; renews once on expiry or 401 and resends once.
    pub fn request(&self, options: JsValue) -> Promise {
        match PageRequest::parse(&options) {
            Ok(request) => self.edge.call(Call::Request(request)),
            Err(e) => reject(&e),
        }
    }

    /// Logs out: drops the session, tells the backend (best effort), and stays logged out.
    pub fn logout(&self) -> Promise {
        self.edge.call(Call::Logout)
    }

    /// Removes the SDK's stored record and goes back to anonymous (then privacy-agreed if
    /// WeChat says no agreement is needed); the session is revoked on the backend (best
    /// effort). The app's other storage is left alone.
    pub fn reset(&self) -> Promise {
        self.edge.call(Call::Reset)
    }

    /// Deletes the account on the backend (a fresh `wx.login` code proves the user is
    /// present), then forgets the session and the profile: the state becomes
    /// privacy-agreed. On failure nothing changes.
    pub fn unbind(&self) -> Promise {
        self.edge.call(Call::Unbind)
    }

    /// The scopes asked for before (`wx.getSetting`): `{"scope.x": true|false}`; a scope
    /// never asked for is absent.
    #[wasm_bindgen(js_name = getSetting)]
    pub fn get_setting(&self) -> Promise {
        self.edge.call(Call::GetSetting)
    }

    /// `wx.openSetting()`, called synchronously: call this inside a tap handler. Resolves
    /// with the scopes when the user closes the settings page.
    #[wasm_bindgen(js_name = openSetting)]
    pub fn open_setting(&self) -> Promise {
        self.edge.call(Call::OpenSetting)
    }

    /// Verifies the user's phone number: pass the `detail` of a `bindgetphonenumber` (or
    /// `bindgetrealtimephonenumber`) event. Its one-time code goes once, with the bearer
    /// token, to `phoneUrl`; resolves with the backend's JSON answer. Never retried: each
    /// successful verification is billed to the app.
    #[wasm_bindgen(js_name = verifyPhoneNumber)]
    pub fn verify_phone_number(&self, detail: JsValue) -> Promise {
        match super::wx::phone_event_of(&detail) {
            Some(event) => self.edge.call(Call::VerifyPhone(event)),
            None => reject(&AuthError::argument(
                "verifyPhoneNumber takes the detail of the bindgetphonenumber event",
            )),
        }
    }

    /// Opens the privacy guide page (`wx.openPrivacyContract`).
    #[wasm_bindgen(js_name = openPrivacyContract)]
    pub fn open_privacy_contract(&self) -> Promise {
        self.edge.call(Call::OpenPrivacyContract)
    }
}

/// `{avatarUrl?, nickName?}` of `setProfile`, or of `saveProfile` (where it may be absent).
fn patch_of(fields: &JsValue, optional: bool) -> Result<ProfilePatch, AuthError> {
    if optional && (fields.is_undefined() || fields.is_null()) {
        return Ok(ProfilePatch::default());
    }
    if !fields.is_object() {
        return Err(AuthError::argument(
            "the profile fields are {avatarUrl?, nickName?}",
        ));
    }
    Ok(ProfilePatch {
        nick_name: js::opt_string(fields, "nickName")?,
        avatar_url: js::opt_string(fields, "avatarUrl")?,
    })
}

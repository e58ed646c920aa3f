//! Forwarding privacy prompts from the one `wx.onNeedPrivacyAuthorization` listener to
//! the page that is showing, and the page's answer back to wx.
//!
//! wx keeps only the last listener registered, so the SDK registers one and pages
//! register their handlers with the SDK (`onPrivacyPrompt`). A prompt that arrives
//! before any page has a handler waits for one: the call behind it stays pending
//! until `resolvePrivacy` is called (platform.md §4).

use super::js::{get_string, out};
use crate::error::AuthError;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

/// The page's answer to a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The user tapped the `open-type="agreePrivacyAuthorization"` button with this id.
    Agree {
        /// The button's id; wx checks that this button was really tapped.
        button_id: String,
    },
    /// The user declined.
    Disagree,
}

/// Prompts waiting for an answer, and the page handler they go to.
#[derive(Default)]
pub struct Prompts {
    handler: RefCell<Option<Function>>,
    /// wx's `resolve` functions, one per pending privacy call.
    pending: RefCell<Vec<Function>>,
    referrer: RefCell<String>,
    /// Set while the page handler runs, so a handler that registers a handler
    /// (itself, say) is not called again from inside itself.
    notifying: Cell<bool>,
}

impl Prompts {
    /// Called by the wx listener: keeps `resolve` and tells the page, if one is listening.
    pub fn prompt(&self, resolve: JsValue, info: &JsValue) {
        let Ok(resolve) = resolve.dyn_into::<Function>() else {
            return;
        };
        self.pending.borrow_mut().push(resolve);
        *self.referrer.borrow_mut() = get_string(info, "referrer").unwrap_or_default();
        self.notify();
    }

    /// Sets the page's handler (replacing the previous page's); a waiting prompt is shown at once.
    pub fn set_handler(&self, handler: Option<Function>) {
        *self.handler.borrow_mut() = handler;
        if !self.pending.borrow().is_empty() {
            self.notify();
        }
    }

    fn notify(&self) {
        if self.notifying.get() {
            return;
        }
        let handler = self.handler.borrow().clone();
        if let Some(handler) = handler {
            let event = out();
            event.set_referrer(&self.referrer.borrow());
            self.notifying.set(true);
            // A throwing page handler must not break the SDK; the prompt stays pending.
            let _ = handler.call1(&JsValue::UNDEFINED, &event);
            self.notifying.set(false);
        }
    }

    /// Passes the page's answer to every waiting call.
    pub fn answer(&self, answer: &Answer) -> Result<(), AuthError> {
        let pending: Vec<Function> = self.pending.borrow_mut().drain(..).collect();
        if pending.is_empty() {
            return Err(AuthError::transition(
                "no privacy prompt is waiting for an answer",
            ));
        }
        let arg = out();
        match answer {
            Answer::Agree { button_id } => {
                arg.set_event("agree");
                arg.set_button_id(button_id);
            }
            Answer::Disagree => arg.set_event("disagree"),
        }
        for resolve in pending {
            let _ = resolve.call1(&JsValue::UNDEFINED, &arg);
        }
        Ok(())
    }
}

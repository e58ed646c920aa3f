//! The privacy agreement (2023 rules): `agreePrivacy()`, and the relay of wx's privacy
//! prompts to the page on screen.
//!
//! wx keeps only the last `wx.onNeedPrivacyAuthorization` listener, so the edge registers
//! one for the SDK and pages register their handlers with the SDK (`onPrivacyPrompt`). A
//! prompt that arrives before any page has a handler waits for one: the wx call behind
//! it stays pending until the page answers (platform.md §4).

use super::{Answer, CallId, Effect, Engine, Event, Flow, Host, WxCall};
use crate::error::{AuthError, ErrorCode};
use crate::machine::Transition;
use alloc::string::String;
use alloc::vec::Vec;

/// Prompts waiting for the page's answer.
pub(super) struct Prompts<P> {
    /// wx's functions that answer them, one per pending privacy call.
    pending: Vec<P>,
    referrer: String,
    /// Whether a page has a handler.
    handler: bool,
    /// Whether the last effect handed out was [`Effect::ShowPrompt`]: until the next poll
    /// the page's handler is running, and a handler that registers a handler (itself,
    /// say) is not called again from inside itself.
    pub(super) showing: bool,
}

impl<P> Default for Prompts<P> {
    fn default() -> Self {
        Prompts {
            pending: Vec::new(),
            referrer: String::new(),
            handler: false,
            showing: false,
        }
    }
}

impl<H: Host> Engine<H> {
    /// wx's privacy listener fired: a wx call waits for the user's answer, which `prompt`
    /// gives. The page's handler is told, if one is set.
    pub fn handle_prompt(&mut self, now: u64, prompt: H::Prompt, referrer: String) {
        self.now = now;
        self.prompts.pending.push(prompt);
        self.prompts.referrer = referrer;
        self.show_prompt();
    }

    /// The page set (`true`) or cleared its prompt handler; a waiting prompt is shown to a
    /// new handler at once.
    pub fn set_prompt_handler(&mut self, present: bool) {
        self.prompts.handler = present;
        if !self.prompts.pending.is_empty() {
            self.show_prompt();
        }
    }

    fn show_prompt(&mut self) {
        if self.prompts.handler && !self.prompts.showing {
            let referrer = self.prompts.referrer.clone();
            self.out.push_back(Effect::ShowPrompt(referrer));
        }
    }

    /// The page's answer (`resolvePrivacy({agree, buttonId})`), passed to every waiting
    /// prompt. Agreeing needs the id of the `agreePrivacyAuthorization` button the user
    /// tapped; wx checks it, so after an agreement the SDK asks wx whether it counted.
    pub fn resolve_privacy(
        &mut self,
        now: u64,
        agree: Option<bool>,
        button_id: Option<String>,
    ) -> Result<(), AuthError> {
        self.now = now;
        let answer = match agree {
            None => {
                return Err(AuthError::argument(
                    "resolvePrivacy needs {agree: true|false}",
                ))
            }
            Some(false) => Answer::Disagree,
            Some(true) => match button_id.filter(|id| !id.is_empty()) {
                Some(id) => Answer::Agree(id),
                None => {
                    return Err(AuthError::argument(
                        "agreeing needs the buttonId of the agreePrivacyAuthorization button",
                    ))
                }
            },
        };
        if self.prompts.pending.is_empty() {
            return Err(AuthError::transition(
                "no privacy prompt is waiting for an answer",
            ));
        }
        for prompt in core::mem::take(&mut self.prompts.pending) {
            self.out.push_back(Effect::Answer(prompt, answer.clone()));
        }
        if agree == Some(true) {
            self.refresh(None, false);
        }
        Ok(())
    }

    /// `agreePrivacy()`: `wx.requirePrivacyAuthorize`, which succeeds at once when the user
    /// agreed before and raises a prompt otherwise. Without the privacy APIs nothing is gated.
    pub(super) fn agree(&mut self, call: Option<CallId>) {
        if self.platform.privacy_authorize {
            self.wx(call, Flow::Agree, WxCall::RequirePrivacyAuthorize);
        } else {
            self.agreed(call);
        }
    }

    pub(super) fn step_agree(&mut self, call: Option<CallId>, event: Event<H>) {
        match event {
            Event::Wx(Err(f)) => {
                let e = AuthError::from_wx(ErrorCode::PrivacyDenied, f);
                self.settle(call, Err(e));
            }
            Event::Wx(Ok(_)) => self.agreed(call),
            _ => self.settle(call, Err(super::unexpected())),
        }
    }

    fn agreed(&mut self, call: Option<CallId>) {
        self.apply_now(&Transition::PrivacyAgreed);
        self.settle_state(call, Ok(()));
    }
}

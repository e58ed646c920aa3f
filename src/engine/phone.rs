//! `verifyPhoneNumber(detail)`: the phone button's one-time code, sent once with the
//! bearer token to `phoneUrl`.
//!
//! WeChat bills the app for each verification when the page gets the code, so the code
//! is never retried nor resent: a session that needs renewing is renewed *before* the
//! code leaves, and a 401 for it fails the call (and renews the session in the
//! background, so the user's next tap finds a good one).

use super::flight::Token;
use super::{CallId, Done, Engine, Event, Flow, Host, Reply, Send, Wait};
use crate::error::{AuthError, ErrorCode};
use crate::phone::{self, PhoneEvent};
use alloc::string::String;

/// A verification in progress: the body to send, and the token it went with.
pub(super) struct Phone {
    body: String,
    sent: String,
    /// Whether the session was renewed for this call.
    renewed: bool,
}

impl<H: Host> Engine<H> {
    pub(super) fn verify_phone(&mut self, call: Option<CallId>, event: PhoneEvent) {
        let code = match phone::phone_code(event) {
            Ok(code) => code,
            Err(e) => return self.settle(call, Err(e)),
        };
        if !self.config.phone_url {
            let e = AuthError::argument("verifyPhoneNumber needs the phoneUrl option");
            return self.settle(call, Err(e));
        }
        let phone = Phone {
            body: phone::phone_body(&code),
            sent: String::new(),
            renewed: false,
        };
        self.send_phone(call, phone);
    }

    /// Sends the code with the session's token, or renews first.
    fn send_phone(&mut self, call: Option<CallId>, mut phone: Phone) {
        match self.token(None, phone.renewed) {
            Err(e) => self.settle(call, Err(e)),
            Ok(Token::Send(token)) => {
                phone.sent = token.clone();
                let body = phone.body.clone();
                self.send(call, Flow::Phone(phone), Send::Phone { body, token });
            }
            Ok(Token::Renew(flight)) => {
                phone.renewed = true;
                self.park(call, Wait::Flight(flight), Flow::Phone(phone));
            }
        }
    }

    pub(super) fn step_phone(&mut self, call: Option<CallId>, phone: Phone, event: Event<H>) {
        let result = match event {
            Event::Flight(Ok(())) => return self.send_phone(call, phone),
            Event::Flight(Err(e)) => Err(self.renewal_failed(e)),
            Event::Reply(Ok(Reply::Text { status, body })) => {
                match phone::check_phone_reply_with::<H::Doc>(status, &body) {
                    Ok(()) => Ok(Done::Body(body)),
                    Err(e) => {
                        if status == 401 {
                            // Renew in the background for the next tap; this code is spent.
                            let _ = self.token(Some(&phone.sent), false);
                        }
                        Err(e)
                    }
                }
            }
            Event::Reply(Err(f)) => Err(AuthError::from_wx(ErrorCode::Network, f)),
            _ => Err(super::unexpected()),
        };
        self.settle(call, result);
    }
}

//! `auth.request`: the page's request with the bearer token, renewed once on expiry or a
//! 401 and resent once.
//!
//! A 401 for the token the session still has means the backend refused it: the session
//! is renewed (joining a renewal in progress) and the request resent with the new token.
//! A 401 for a token the session has since replaced is resent with the new one, without
//! another renewal. A second 401 is the page's to see.

use super::flight::Token;
use super::{CallId, Done, Engine, Event, Flow, Host, Reply, Send, Wait};
use crate::error::{AuthError, ErrorCode};
use crate::text::concat;
use alloc::string::String;

/// A request in progress.
pub(super) struct Req<H: Host> {
    request: H::Request,
    /// The token last sent.
    sent: String,
    /// The token the backend answered 401 for.
    refused: Option<String>,
    /// Whether the session was renewed for this request.
    renewed: bool,
}

impl<H: Host> Engine<H> {
    pub(super) fn request(&mut self, call: Option<CallId>, request: H::Request) {
        let req = Req {
            request,
            sent: String::new(),
            refused: None,
            renewed: false,
        };
        self.send_request(call, req);
    }

    /// Sends with the session's token, or renews first.
    fn send_request(&mut self, call: Option<CallId>, mut req: Req<H>) {
        match self.token(req.refused.as_deref(), req.renewed) {
            Err(e) => self.settle(call, Err(e)),
            Ok(Token::Send(token)) => {
                let send = Send::Page(req.request.clone(), token.clone());
                req.sent = token;
                self.send(call, Flow::Request(req), send);
            }
            Ok(Token::Renew(flight)) => {
                req.renewed = true;
                self.park(call, Wait::Flight(flight), Flow::Request(req));
            }
        }
    }

    pub(super) fn step_request(&mut self, call: Option<CallId>, mut req: Req<H>, event: Event<H>) {
        match event {
            Event::Reply(Ok(Reply::Page { status, response })) => {
                if status == 401 && req.refused.is_none() && !req.renewed {
                    req.refused = Some(core::mem::take(&mut req.sent));
                    return self.send_request(call, req);
                }
                self.settle(call, Ok(Done::Response(response)));
            }
            Event::Reply(Err(f)) => {
                self.settle(call, Err(AuthError::from_wx(ErrorCode::Network, f)));
            }
            Event::Flight(Ok(())) => self.send_request(call, req),
            Event::Flight(Err(e)) => {
                let e = self.renewal_failed(e);
                self.settle(call, Err(e));
            }
            _ => self.settle(call, Err(super::unexpected())),
        }
    }

    /// What a request that needed the renewal tells the page when it failed: a logout
    /// during the renewal, or a renewal refused for good, means there is no session any
    /// more; any other failure (the network, a busy backend) is reported as it is.
    pub(super) fn renewal_failed(&self, e: AuthError) -> AuthError {
        match (self.machine.state().logout_reason(), e.code) {
            (Some(reason), _) => AuthError::new(
                ErrorCode::NotLoggedIn,
                concat(&["the session ended (", reason.as_str(), ")"]),
            ),
            (None, ErrorCode::InvalidTransition) => {
                AuthError::new(ErrorCode::NotLoggedIn, e.into_message())
            }
            (None, _) => e,
        }
    }
}

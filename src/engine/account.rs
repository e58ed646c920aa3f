//! Ending a session: `logout()`, `reset()` and `unbind()`.
//!
//! Each voids every login or renewal in flight at once (a new epoch), so none of them can
//! log the user back in. Logout and reset revoke the session on the backend afterwards,
//! best effort: the local change has happened whatever it answers. Unbind deletes the
//! account on the backend first, with a fresh `wx.login` code as the proof that the user
//! is present (none when WeChat tells the backend who calls, `login_without_code`), and
//! changes nothing locally unless the backend confirms.

use super::commit::Job;
use super::flight::Token;
use super::{CallId, Effect, Engine, Event, Flow, Host, Reply, Send, Wait, WxCall, WxOk};
use crate::error::{AuthError, ErrorCode};
use crate::exchange;
use crate::machine::Transition;
use crate::state::LogoutReason;
use alloc::string::String;

/// An unbind in progress.
pub(super) struct Unbind {
    /// The bearer token to send.
    token: String,
    step: Step,
}

#[derive(Clone, Copy)]
enum Step {
    /// Waiting for the renewal of an expired session.
    Renewing,
    /// Waiting for the fresh `wx.login` code.
    Code,
    /// Waiting for the backend.
    Reply,
    /// Waiting for the record's removal.
    Commit,
}

impl<H: Host> Engine<H> {
    pub(super) fn logout(&mut self, call: Option<CallId>) {
        match self.machine.begin_logout() {
            Err(e) => self.settle(call, Err(e)),
            Ok(revoke) => {
                self.flights_voided();
                let job = Job::Apply(Transition::LoggedOut(LogoutReason::User), None);
                self.commit(call, Flow::Logout(revoke), job);
            }
        }
    }

    pub(super) fn step_logout(
        &mut self,
        call: Option<CallId>,
        revoke: Option<String>,
        event: Event<H>,
    ) {
        let result = committed(event);
        if result.is_ok() {
            self.revoke(revoke);
        }
        self.settle_state(call, result);
    }

    pub(super) fn reset(&mut self, call: Option<CallId>) {
        let revoke = self.machine.begin_reset();
        self.flights_voided();
        self.commit(
            call,
            Flow::Reset(revoke),
            Job::Apply(Transition::Reset, None),
        );
    }

    pub(super) fn step_reset(
        &mut self,
        call: Option<CallId>,
        revoke: Option<String>,
        event: Event<H>,
    ) {
        match committed(event) {
            Ok(()) => {
                self.revoke(revoke);
                // Back to anonymous: WeChat may say no agreement is needed.
                self.refresh(call, false);
            }
            Err(e) => self.settle(call, Err(e)),
        }
    }

    /// Tells the backend the session is over; nobody waits for the answer.
    fn revoke(&mut self, token: Option<String>) {
        if let (true, Some(token)) = (self.config.logout_url, token) {
            let op = self.op();
            self.out.push_back(Effect::Send(op, Send::Logout(token)));
        }
    }

    pub(super) fn unbind(&mut self, call: Option<CallId>) {
        if !self.config.unbind_url {
            let e = AuthError::argument("unbind needs the unbindUrl option");
            return self.settle(call, Err(e));
        }
        self.unbind_token(call, false);
    }

    /// The session's token (renewed first when it has expired, as a request would), then
    /// the fresh code. Not a login: the renewal budget does not cover this `wx.login`.
    fn unbind_token(&mut self, call: Option<CallId>, renewed: bool) {
        match self.token(None, renewed) {
            Err(e) => self.settle(call, Err(e)),
            Ok(Token::Send(token)) if self.config.login_without_code => {
                // WeChat vouches for the caller: no code to prove the user is present.
                let unbind = Unbind {
                    token: String::new(),
                    step: Step::Reply,
                };
                let body = super::flight::NO_CODE.into();
                self.send(call, Flow::Unbind(unbind), Send::Unbind { body, token });
            }
            Ok(Token::Send(token)) => {
                let unbind = Unbind {
                    token,
                    step: Step::Code,
                };
                self.wx(call, Flow::Unbind(unbind), WxCall::Login);
            }
            Ok(Token::Renew(flight)) => {
                let unbind = Unbind {
                    token: String::new(),
                    step: Step::Renewing,
                };
                self.park(call, Wait::Flight(flight), Flow::Unbind(unbind));
            }
        }
    }

    pub(super) fn step_unbind(
        &mut self,
        call: Option<CallId>,
        mut unbind: Unbind,
        event: Event<H>,
    ) {
        let error = match (unbind.step, event) {
            (Step::Renewing, Event::Flight(Ok(()))) => return self.unbind_token(call, true),
            (Step::Renewing, Event::Flight(Err(e))) => e,
            (Step::Code, Event::Wx(Ok(WxOk::Code(code)))) => match exchange::login_body(&code) {
                Ok(body) => {
                    let token = core::mem::take(&mut unbind.token);
                    unbind.step = Step::Reply;
                    return self.send(call, Flow::Unbind(unbind), Send::Unbind { body, token });
                }
                Err(e) => e,
            },
            (Step::Code, Event::Wx(Err(f))) => AuthError::from_wx(ErrorCode::LoginFailed, f),
            (Step::Reply, Event::Reply(Ok(Reply::Text { status, body }))) => {
                match exchange::check_unbind_reply_with::<H::Doc>(status, &body) {
                    Ok(()) => {
                        // The account is gone: a renewal finishing now would bind it again.
                        self.machine.begin_unbound();
                        self.flights_voided();
                        unbind.step = Step::Commit;
                        let job = Job::Apply(Transition::Unbound, None);
                        return self.commit(call, Flow::Unbind(unbind), job);
                    }
                    Err(e) => e,
                }
            }
            (Step::Reply, Event::Reply(Err(f))) => AuthError::from_wx(ErrorCode::Network, f),
            (Step::Commit, event) => return self.settle_state(call, committed(event)),
            _ => super::unexpected(),
        };
        self.settle(call, Err(error));
    }
}

/// A commit's outcome, from the event that carries it.
fn committed<H: Host>(event: Event<H>) -> Result<(), AuthError> {
    match event {
        Event::Committed(result) => result,
        _ => Err(super::unexpected()),
    }
}

//! Login and renewal: one flight at a time, joined by every caller that needs it.
//!
//! An attempt is a fresh `wx.login` code (codes are single-use), `POST loginUrl {code}`,
//! and the commit of the session it returns. What a fresh attempt may fix (wx.login
//! failing, the network, a busy backend) is retried after a backoff with jitter, up to
//! the configured attempts; anything else ends the flight at once. A renewal the backend
//! refuses for good ends the session with the renewal's reason.
//!
//! A `login()` the user asked for starts a flight at once. An automatic renewal (expiry,
//! a 401, a failed `checkSession`) draws on the renewal budget first; beyond it the call
//! fails at once with `THROTTLED`. Joining a flight in progress costs nothing.

use super::commit::Job;
use super::{CallId, Engine, Event, Flow, Host, Reply, Send, Wait, WxCall, WxOk};
use crate::error::{AuthError, ErrorCode};
use crate::exchange;
use crate::machine::{Flight, LoginStart, TokenUse, Transition};
use crate::state::LogoutReason;
use alloc::string::String;

/// The body of a login or unbind with `login_without_code`.
pub(super) const NO_CODE: &str = "{}";

/// What a call that needs the session goes on with ([`Engine::token`]).
pub(super) enum Token {
    /// Send with this bearer token.
    Send(String),
    /// Wait for this flight (a renewal), then ask again.
    Renew(u32),
}

/// A session that needs renewing again right after a renewal (a clock far off, or a
/// backend that issues sessions already expired).
fn still_unusable() -> AuthError {
    AuthError::new(
        ErrorCode::NotLoggedIn,
        "the session was renewed and is still not usable",
    )
}

/// A flight in progress.
pub(super) struct Run {
    flight: Flight,
    /// Failed attempts so far.
    failures: u32,
    step: Step,
}

enum Step {
    /// Waiting for `wx.login`.
    Code,
    /// Waiting for the backend; the request left at this time.
    Exchange(u64),
    /// Waiting for the session's commit.
    Commit,
    /// Waiting out the backoff before the next attempt.
    Backoff,
    /// Ending the session the backend refused to renew, then failing with this error.
    Ending(AuthError),
}

impl Run {
    /// Whether the flight still waits for wx, the backend or a timer (a logout voids it
    /// then), rather than for a commit (which finishes, finds the flight stale, and
    /// puts the record back).
    pub(super) fn before_commit(&self) -> bool {
        matches!(self.step, Step::Code | Step::Exchange(_) | Step::Backoff)
    }
}

impl<H: Host> Engine<H> {
    /// `login()`: settles at once when already logged in, else with the flight it joins
    /// or starts. Never held back by the renewal budget.
    pub(super) fn login(&mut self, call: Option<CallId>) {
        let flight = match self.machine.begin_login(self.now) {
            Err(e) => return self.settle(call, Err(e)),
            Ok(LoginStart::Current) => return self.settle_state(call, Ok(())),
            Ok(LoginStart::Join(f)) => f,
            Ok(LoginStart::Begin(f)) => {
                self.fly(f);
                f
            }
        };
        self.park(call, Wait::Flight(flight.id()), Flow::Login);
    }

    pub(super) fn step_login(&mut self, call: Option<CallId>, event: Event<H>) {
        match event {
            Event::Flight(result) => self.settle_state(call, result),
            _ => self.settle(call, Err(super::unexpected())),
        }
    }

    /// The token to send (after a 401 for `refused`, the session's newer one), or the
    /// renewal to wait for first. `renewed`: the caller renewed once already, and a
    /// session that still needs renewing is not usable.
    pub(super) fn token(
        &mut self,
        refused: Option<&str>,
        renewed: bool,
    ) -> Result<Token, AuthError> {
        match self.machine.request_token(self.now, refused)? {
            TokenUse::Send(token) => Ok(Token::Send(token)),
            TokenUse::Renew(_) if renewed => Err(still_unusable()),
            TokenUse::Renew(why) => self.renewal(why).map(Token::Renew),
        }
    }

    /// An automatic renewal: the flight in progress, or a new one if the budget allows.
    /// The flight number to wait for.
    fn renewal(&mut self, why: LogoutReason) -> Result<u32, AuthError> {
        if let Some(f) = self.machine.flight() {
            return Ok(f.id());
        }
        self.budget.take(self.now).map_err(AuthError::throttled)?;
        let f = self.machine.start_flight(Some(why));
        self.fly(f);
        Ok(f.id())
    }

    fn fly(&mut self, flight: Flight) {
        self.attempt(Run {
            flight,
            failures: 0,
            step: Step::Code,
        });
    }

    fn attempt(&mut self, mut run: Run) {
        if self.config.login_without_code {
            // WeChat tells the backend who calls (a cloud function's OPENID).
            run.step = Step::Exchange(self.now);
            return self.send(None, Flow::Flight(run), Send::Login(NO_CODE.into()));
        }
        run.step = Step::Code;
        self.wx(None, Flow::Flight(run), WxCall::Login);
    }

    pub(super) fn step_flight(&mut self, mut run: Run, event: Event<H>) {
        match (core::mem::replace(&mut run.step, Step::Commit), event) {
            (Step::Code, Event::Wx(result)) => {
                let body = match result {
                    Ok(WxOk::Code(code)) => exchange::login_body(&code),
                    Ok(_) => Err(AuthError::new(
                        ErrorCode::LoginFailed,
                        "wx.login returned no usable code",
                    )),
                    Err(f) => Err(AuthError::from_wx(ErrorCode::LoginFailed, f)),
                };
                match body {
                    Ok(body) => {
                        run.step = Step::Exchange(self.now);
                        self.send(None, Flow::Flight(run), Send::Login(body));
                    }
                    Err(e) => self.attempt_failed(run, e),
                }
            }
            (Step::Exchange(sent_at), Event::Reply(result)) => {
                let session = match result {
                    Ok(Reply::Text { status, body }) => {
                        exchange::parse_login_with::<H::Doc>(status, &body, sent_at)
                    }
                    Ok(Reply::Page { .. }) => Err(super::unexpected()),
                    Err(f) => Err(AuthError::from_wx(ErrorCode::Network, f)),
                };
                match session {
                    Ok((session, held)) => {
                        let job = Job::Apply(Transition::LoggedIn(session, held), Some(run.flight));
                        self.commit(None, Flow::Flight(run), job);
                    }
                    Err(e) => self.attempt_failed(run, e),
                }
            }
            (Step::Commit, Event::Committed(result)) => self.end(run, result),
            (Step::Backoff, Event::Timer) => self.attempt(run),
            (Step::Ending(e), Event::Committed(_)) => self.land(run.flight, Err(e)),
            (_, _) => self.end(run, Err(super::unexpected())),
        }
    }

    /// Retries what a fresh attempt may fix, after the backoff; ends the flight otherwise.
    fn attempt_failed(&mut self, mut run: Run, error: AuthError) {
        let retried = error.transient
            && matches!(
                error.code,
                ErrorCode::LoginFailed | ErrorCode::Network | ErrorCode::Server
            );
        if retried {
            run.failures = run.failures.saturating_add(1);
            let jitter = self.jitter();
            if let Some(delay) = self.config.backoff.delay(run.failures, jitter) {
                run.step = Step::Backoff;
                let at = self.now.saturating_add(delay);
                return self.wake(None, Flow::Flight(run), at);
            }
        }
        self.end(run, Err(error));
    }

    /// Ends the flight; a renewal the backend refused for good first ends the session.
    fn end(&mut self, mut run: Run, result: Result<(), AuthError>) {
        if let Err(e) = &result {
            if let Some(ended) = self.machine.flight_failed(run.flight, e) {
                let job = Job::Apply(ended, Some(run.flight));
                run.step = Step::Ending(e.clone());
                return self.commit(None, Flow::Flight(run), job);
            }
        }
        self.land(run.flight, result);
    }

    /// The flight is over: every task waiting for it goes on, in the order they came.
    fn land(&mut self, flight: Flight, result: Result<(), AuthError>) {
        self.machine.end_flight(flight);
        if result.is_ok() {
            self.sync_profile();
        }
        while let Some(task) = self.take(Wait::Flight(flight.id())) {
            self.step(task, Event::Flight(result.clone()));
        }
    }

    /// After a logout, reset or unbind voided the flights (a new epoch): a flight still
    /// waiting for wx, the backend or a timer is dropped (its answers will be ignored),
    /// and every task waiting for a flight is told at once.
    pub(super) fn flights_voided(&mut self) {
        self.tasks
            .retain(|t| !matches!(&t.flow, Flow::Flight(run) if run.before_commit()));
        let voided = AuthError::transition(
            "the login in progress was cancelled by a logout, reset or unbind; call login() again",
        );
        while let Some(i) = self
            .tasks
            .iter()
            .position(|t| matches!(t.wait, Wait::Flight(_)))
        {
            let task = self.tasks.remove(i);
            self.step(task, Event::Flight(Err(voided.clone())));
        }
    }
}

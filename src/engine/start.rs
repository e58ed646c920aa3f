//! Start-up (`createAuth`): read the stored record back, rewrite it if it is old or in the
//! other storage mode, ask `wx.checkSession` if the app wants it, and see whether the
//! privacy agreement is still needed.
//!
//! The record is looked for in each storage mode of the plan, preferred first. A key
//! that is not there at all ends the search (storage holds one value per key whatever
//! its `encrypt` flag, so a launch with no record reads once). Text that is no record in
//! one mode does not stop the other from being tried; with no record anywhere, junk reads
//! as corrupt (and is left alone), nothing as nothing. When nothing at all was found and
//! a read failed, the session may still be there: start-up fails with a transient
//! `STORAGE` error rather than start clean and lose it.

use super::{CallId, Done, Engine, Event, Flow, Host, Stored, WxCall, WxOk};
use crate::error::{AuthError, ErrorCode};
use crate::machine::{Machine, Transition};
use crate::record::{self, Decoded};
use crate::state::AuthState;
use crate::wx_failure::{FailureKind, WxFailure};

use super::commit::Job;

/// Where start-up is.
#[derive(Default)]
pub(super) struct Start {
    /// Which storage mode of the plan is being read.
    mode: u8,
    /// Whether something that is not a record was found.
    junk: bool,
    /// The first read that failed (other than "not found").
    failed: Option<WxFailure>,
    step: Step,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Step {
    #[default]
    Reading,
    Rewriting,
    Checking,
}

impl<H: Host> Engine<H> {
    /// Reads the record in the next storage mode, or decides when none is left.
    pub(super) fn read(&mut self, call: Option<CallId>, start: Start) {
        match self.plan.read_modes().get(usize::from(start.mode)) {
            Some(&encrypt) => self.wx(call, Flow::Start(start), WxCall::GetStorage { encrypt }),
            None => self.nothing_found(call, start),
        }
    }

    pub(super) fn step_start(&mut self, call: Option<CallId>, mut start: Start, event: Event<H>) {
        match (start.step, event) {
            (Step::Reading, Event::Wx(result)) => {
                match result {
                    Ok(WxOk::Stored(Stored::Text(text))) => {
                        match record::decode_with::<H::Doc>(&text) {
                            Decoded::Corrupt => start.junk = true,
                            decoded => return self.restore(call, Some(decoded), start.mode == 0),
                        }
                    }
                    Ok(WxOk::Stored(Stored::Missing)) => return self.nothing_found(call, start),
                    Err(f) if f.kind() == FailureKind::NotFound => {
                        return self.nothing_found(call, start)
                    }
                    Err(f) => {
                        start.failed.get_or_insert(f);
                    }
                    Ok(_) => start.junk = true,
                }
                start.mode = start.mode.saturating_add(1);
                self.read(call, start);
            }
            // A failed rewrite changes nothing: the record is still there as it was.
            (Step::Rewriting, _) => self.check_session(call, start),
            (Step::Checking, event) => {
                // Only a failure means something: WeChat dropped the session_key, so the
                // next use renews. Success says nothing about the app's own session.
                if let Event::Wx(Err(_)) = event {
                    self.machine.session_key_lost();
                }
                self.refresh(call, true);
            }
            (Step::Reading, _) => self.nothing_found(call, start),
        }
    }

    /// No record in any mode: junk reads as corrupt, a failed read is an error.
    fn nothing_found(&mut self, call: Option<CallId>, start: Start) {
        match (start.junk, start.failed) {
            (false, Some(f)) => {
                let e = AuthError::from_wx(ErrorCode::Storage, f).with_transient(true);
                self.settle(call, Err(e));
            }
            (junk, _) => self.restore(call, junk.then_some(Decoded::Corrupt), true),
        }
    }

    /// Takes the state the record was written from; rewrites it if it is of an older
    /// version or was found in the storage mode this base library no longer writes in.
    fn restore(&mut self, call: Option<CallId>, stored: Option<Decoded>, preferred: bool) {
        let (machine, restored) = Machine::restore(self.config, stored);
        self.machine = machine;
        let start = Start {
            step: Step::Rewriting,
            ..Start::default()
        };
        if restored.needs_rewrite(preferred) {
            self.commit(call, Flow::Start(start), Job::Persist);
        } else {
            self.check_session(call, start);
        }
    }

    fn check_session(&mut self, call: Option<CallId>, mut start: Start) {
        if self.config.check_session && self.machine.state().session().is_some() {
            start.step = Step::Checking;
            self.wx(call, Flow::Start(start), WxCall::CheckSession);
        } else {
            self.refresh(call, true);
        }
    }

    /// Moves anonymous to privacy-agreed when wx says no agreement is needed (or has no
    /// privacy APIs); then settles `call` with `Created` (at start) or the state.
    pub(super) fn refresh(&mut self, call: Option<CallId>, created: bool) {
        if matches!(self.machine.state(), AuthState::Anonymous) {
            if self.platform.privacy_setting {
                return self.wx(call, Flow::Refresh(created), WxCall::GetPrivacySetting);
            }
            self.apply_now(&Transition::PrivacyAgreed);
        }
        self.refreshed(call, created);
    }

    pub(super) fn step_refresh(&mut self, call: Option<CallId>, created: bool, event: Event<H>) {
        if let Event::Wx(Ok(WxOk::NeedsAgreement(false))) = event {
            self.apply_now(&Transition::PrivacyAgreed);
        }
        self.refreshed(call, created);
    }

    fn refreshed(&mut self, call: Option<CallId>, created: bool) {
        if created {
            self.settle(call, Ok(Done::Created));
        } else {
            self.settle_state(call, Ok(()));
        }
    }
}

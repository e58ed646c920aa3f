//! The commit: a change of state is written to storage first and applied after, one at a
//! time, so a failed write changes nothing and two writes never cross.
//!
//! A commit made for a login or renewal is checked against logouts twice: before the
//! write (a stale flight writes nothing) and after it (a logout came while it was
//! written: the record of the state that stays is written back, so a restart cannot
//! bring the voided session back).

use super::{Effect, Engine, Event, Host, Op, Wait, WxCall, WxOk};
use crate::error::{AuthError, ErrorCode};
use crate::machine::{Flight, Transition};
use crate::record;
use crate::wx_failure::{FailureKind, WxFailure};
use alloc::collections::VecDeque;
use alloc::string::String;

/// What a commit does.
pub(super) enum Job {
    /// Write the record of the state `transition` leads to, then apply it. With a flight,
    /// a logout since the flight began voids it.
    Apply(Transition, Option<Flight>),
    /// Write the record of the current state as it is when the job's turn comes (the
    /// profile `setProfile` applied at once, a record read in an old version or mode).
    /// Its result is not reported: a failed write is made good by the next commit.
    Persist,
}

/// Commits waiting for their turn, and the one being written.
#[derive(Default)]
pub(super) struct Commits {
    queue: VecDeque<(Op, Job)>,
    active: Option<Active>,
}

/// The commit being written.
struct Active {
    /// The op its task waits on.
    op: Op,
    job: Job,
    /// The storage call in progress.
    write: Op,
    /// Set while the record is being put back after a logout voided the commit.
    voided: Option<AuthError>,
}

impl Commits {
    /// Whether `op` is the storage call of the commit being written.
    pub(super) fn writes(&self, op: Op) -> bool {
        self.active.as_ref().is_some_and(|a| a.write == op)
    }
}

impl<H: Host> Engine<H> {
    /// Queues a commit under `op` (the task waiting for it is parked first: a commit
    /// refused at once reports before this returns).
    pub(super) fn enqueue(&mut self, op: Op, job: Job) {
        self.commits.queue.push_back((op, job));
        self.next_commit();
    }

    /// Starts the next commit when none is being written.
    fn next_commit(&mut self) {
        while self.commits.active.is_none() {
            let Some((op, job)) = self.commits.queue.pop_front() else {
                return;
            };
            let text = match &job {
                Job::Apply(transition, flight) => {
                    let checked = match flight {
                        Some(f) => self.machine.check_flight(*f),
                        None => Ok(()),
                    };
                    match checked.and_then(|()| self.machine.record_for(transition)) {
                        Ok(text) => text,
                        Err(e) => {
                            self.committed(op, Err(e));
                            continue;
                        }
                    }
                }
                Job::Persist => record::encode(self.machine.state()),
            };
            let write = self.write(text);
            self.commits.active = Some(Active {
                op,
                job,
                write,
                voided: None,
            });
        }
    }

    /// Asks for the record to be stored (`None`: removed); the op of the storage call.
    fn write(&mut self, text: Option<String>) -> Op {
        let op = self.op();
        let call = match text {
            Some(text) => WxCall::SetStorage {
                text,
                encrypt: self.plan.encrypt,
            },
            None => WxCall::RemoveStorage,
        };
        self.out.push_back(Effect::Wx(op, call));
        op
    }

    /// The storage call of the active commit answered.
    pub(super) fn written(&mut self, result: Result<WxOk, WxFailure>) {
        let Some(mut active) = self.commits.active.take() else {
            return;
        };
        // Removing a key that is already gone is success.
        let result = match result {
            Err(f) if f.kind() == FailureKind::NotFound => Ok(()),
            other => other.map(drop),
        };
        let outcome = match (active.voided.take(), active.job, result) {
            // The record of the state that stays is back (or could not be put back).
            (Some(stale), _, _) => Err(stale),
            (None, Job::Persist, _) => Ok(()),
            // Never transient: writing the same again at once will not make room.
            (None, Job::Apply(..), Err(f)) => {
                Err(AuthError::from_wx(ErrorCode::Storage, f).with_transient(false))
            }
            (None, Job::Apply(transition, flight), Ok(())) => {
                if let Some(Err(stale)) = flight.map(|f| self.machine.check_flight(f)) {
                    // A logout came during the write: put back the record of the state
                    // we stay in, so a restart cannot resurrect the voided session.
                    active.write = self.write(record::encode(self.machine.state()));
                    active.voided = Some(stale);
                    active.job = Job::Persist;
                    self.commits.active = Some(active);
                    return;
                }
                match self.machine.apply(&transition) {
                    Ok(changed) => {
                        if changed {
                            self.changed();
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
        };
        self.committed(active.op, outcome);
        self.next_commit();
    }

    /// Hands a commit's outcome to the task waiting for it, if any.
    fn committed(&mut self, op: Op, outcome: Result<(), AuthError>) {
        if let Some(task) = self.take(Wait::Op(op)) {
            self.step(task, Event::Committed(outcome));
        }
    }
}

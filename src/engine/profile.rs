//! The profile: `getUserProfile` (base libraries before 2.27.1; later ones answer with an
//! anonymised profile), `setProfile` (the avatar button and the nickname input) and,
//! with `profileUrl`, saving it on the backend.
//!
//! A profile the device holds unsaved is saved in the background as soon as there is a
//! session: after a login, a `setProfile` or a `getUserProfile`. `saveProfile(fields?)`
//! saves and waits: the device takes the new profile only once the backend has it, so a
//! failure leaves it as it was. A 401 fails the save and renews the session in the
//! background; once the renewal lands, a profile still unsaved is saved again.

use super::commit::Job;
use super::flight::Token;
use super::{tap_call_error, CallId, Engine, Event, Flow, Host, Reply, Send, Wait, WxCall, WxOk};
use crate::error::{AuthError, ErrorCode};
use crate::machine::Transition;
use crate::profile::{Profile, ProfilePatch};
use crate::profile_sync::{check_profile_reply_with, profile_json};
use crate::state::AuthState;
use crate::text::concat;
use crate::wx_failure::WxFailure;

/// A save in progress.
pub(super) struct Save {
    /// The device's profile when the save began.
    base: Option<Profile>,
    /// What is sent.
    profile: Profile,
    /// The token it was sent with, once sent.
    sent: alloc::string::String,
    /// Whether the session was renewed for it already.
    renewed: bool,
    /// The machine's epoch when it began.
    epoch: u32,
}

impl<H: Host> Engine<H> {
    /// `getUserProfile({desc})`: the desc is checked, then `wx.getUserProfile` is the
    /// first effect out, so the edge calls it inside the page's tap handler.
    pub(super) fn get_user_profile(&mut self, call: Option<CallId>, desc: alloc::string::String) {
        match self.machine.check_profile_desc(&desc) {
            Ok(()) => self.wx(call, Flow::Profile, WxCall::GetUserProfile(desc)),
            Err(e) => self.settle(call, Err(e)),
        }
    }

    pub(super) fn step_profile(&mut self, call: Option<CallId>, event: Event<H>) {
        let profile = match event {
            Event::Wx(Ok(WxOk::UserInfo {
                nick_name,
                avatar_url,
            })) => Profile::new(&nick_name, &avatar_url).map_err(|e| {
                let text = concat(&["getUserProfile:fail unusable userInfo: ", &e.message]);
                WxFailure::new(text, None)
            }),
            Event::Wx(Err(f)) => Err(f),
            Event::Committed(result) => {
                if result.is_ok() {
                    self.sync_profile();
                }
                return self.settle_state(call, result);
            }
            _ => return self.settle(call, Err(super::unexpected())),
        };
        match profile {
            Ok(p) => {
                let job = Job::Apply(Transition::ProfileFromWx(p), None);
                self.commit(call, Flow::Profile, job);
            }
            Err(f) => self.settle(call, Err(tap_call_error(f, ErrorCode::ProfileDenied))),
        }
    }

    /// `setProfile({avatarUrl?, nickName?})`: applied at once and returned; the record is
    /// written behind any commit in progress. If that write fails, the profile stays in
    /// the state and the next commit (a login, a logout) writes it.
    pub fn set_profile(&mut self, now: u64, patch: ProfilePatch) -> Result<AuthState, AuthError> {
        self.now = now;
        if self.machine.apply(&Transition::SetProfile(patch))? {
            self.changed();
            let op = self.op();
            self.enqueue(op, Job::Persist);
            self.sync_profile();
        }
        Ok(self.machine.state().clone())
    }

    /// `saveProfile(fields?)`: the current profile with `patch` applied, saved on the
    /// backend, then taken by the device; settles with the state.
    pub(super) fn save_profile(&mut self, call: Option<CallId>, patch: ProfilePatch) {
        let base = self.machine.state().profile().cloned();
        let profile = if !self.config.profile_url {
            Err(AuthError::argument(
                "saveProfile needs the profileUrl option",
            ))
        } else if patch == ProfilePatch::default() {
            base.clone().ok_or_else(|| {
                AuthError::argument("there is no profile to save: give nickName and avatarUrl")
            })
        } else {
            Profile::patched(base.as_ref(), &patch)
        };
        match profile {
            Ok(profile) => self.send_save(
                call,
                Save {
                    base,
                    profile,
                    sent: alloc::string::String::new(),
                    renewed: false,
                    epoch: self.machine.epoch(),
                },
            ),
            Err(e) => self.settle(call, Err(e)),
        }
    }

    /// Saves an unsaved profile in the background when there is a session to save it
    /// with and no save of it is under way.
    pub(super) fn sync_profile(&mut self) {
        let state = self.machine.state();
        let Some(profile) = state.profile() else {
            return;
        };
        let under_way = self
            .tasks
            .iter()
            .any(|t| matches!(&t.flow, Flow::SaveProfile(s) if s.profile == *profile));
        if self.config.profile_url && !profile.saved() && state.session().is_some() && !under_way {
            self.save_profile(None, ProfilePatch::default());
        }
    }

    /// Sends the profile with the session's token, or renews first.
    fn send_save(&mut self, call: Option<CallId>, mut save: Save) {
        match self.token(None, save.renewed) {
            Err(e) => self.settle(call, Err(e)),
            Ok(Token::Send(token)) => {
                save.sent = token.clone();
                let p = &save.profile;
                let send = if p.avatar_is_file() {
                    Send::Upload {
                        file: p.avatar_url().into(),
                        nick_name: p.nick_name().into(),
                        token,
                    }
                } else {
                    Send::Profile {
                        body: profile_json(p, false),
                        token,
                    }
                };
                self.send(call, Flow::SaveProfile(save), send);
            }
            Ok(Token::Renew(flight)) => {
                save.renewed = true;
                self.park(call, Wait::Flight(flight), Flow::SaveProfile(save));
            }
        }
    }

    pub(super) fn step_save(&mut self, call: Option<CallId>, mut save: Save, event: Event<H>) {
        let error = match event {
            Event::Flight(Ok(())) => return self.send_save(call, save),
            Event::Flight(Err(e)) => self.renewal_failed(e),
            Event::Reply(Ok(Reply::Text { status, body })) => {
                match check_profile_reply_with::<H::Doc>(status, &body) {
                    Ok(saved) => {
                        let base = save.base.take();
                        let epoch = save.epoch;
                        let saved = Transition::ProfileSaved { base, saved, epoch };
                        let job = Job::Apply(saved, None);
                        return self.commit(call, Flow::Profile, job);
                    }
                    Err(e) => {
                        if status == 401 {
                            // Renew in the background; a background save goes again once
                            // the renewal lands (sync_profile), a page's call is tapped again.
                            let _ = self.token(Some(&save.sent), false);
                        }
                        e
                    }
                }
            }
            Event::Reply(Err(f)) => AuthError::from_wx(ErrorCode::Network, f),
            _ => super::unexpected(),
        };
        self.settle(call, Err(error));
    }
}

//! The profile: `getUserProfile` (base libraries before 2.27.1; later ones answer with an
//! anonymised profile) and `setProfile` (the avatar button and the nickname input).

use super::commit::Job;
use super::{tap_call_error, CallId, Engine, Event, Flow, Host, WxCall, WxOk};
use crate::error::{AuthError, ErrorCode};
use crate::machine::Transition;
use crate::profile::{Profile, ProfilePatch};
use crate::state::AuthState;
use crate::text::concat;
use crate::wx_failure::WxFailure;

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
            Event::Committed(result) => return self.settle_state(call, result),
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
        }
        Ok(self.machine.state().clone())
    }
}

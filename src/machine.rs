//! The state machine: which operation is allowed when, and what state it leads to.
//!
//! Sans-IO: the machine never calls wx or reads a clock. The driver asks it what to
//! do (`begin_login`, `request_token`, …), performs the I/O, and reports back with a
//! [`Transition`]. Writing storage happens between [`Machine::next_state`] (what the
//! record should say) and [`Machine::apply`] (the state changes), so a failed write
//! leaves the state as it was.

use crate::error::{AuthError, ErrorCode};
use crate::profile::{Profile, ProfilePatch};
use crate::record::{self, Decoded};
use crate::session::Session;
use crate::state::AuthState;
use alloc::string::String;

/// Longest `desc` that `getUserProfile` accepts, in characters (platform.md §3).
pub const MAX_PROFILE_DESC_CHARS: usize = 30;

/// What the app configured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Config {
    /// Whether login needs a profile first (profile-granted), not only the privacy agreement.
    pub require_profile: bool,
}

/// One login or renewal in progress; stale once a logout has happened since it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flight {
    id: u64,
    epoch: u64,
}

/// What `login()` should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginStart {
    /// Already logged in with a fresh session: nothing to do.
    Current,
    /// A login or renewal is already running: wait for it.
    Join(Flight),
    /// Start this flight: `wx.login`, then the exchange.
    Begin(Flight),
}

/// What a request should be sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenUse {
    /// Send with this bearer token.
    Send(String),
    /// The session needs renewing first (expired, or refused with this token).
    Renew(LoginStart),
}

/// A change of state, reported by the driver after the I/O behind it succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// The privacy agreement is in place (agreed now, or not needed).
    PrivacyAgreed,
    /// The page supplied profile fields (`setProfile`).
    SetProfile(ProfilePatch),
    /// `wx.getUserProfile` returned a profile.
    ProfileFromWx(Profile),
    /// The backend issued a session.
    LoggedIn(Session),
    /// The user logged out.
    LoggedOut,
}

/// What `logout()` does: the state to reach and the token to revoke on the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutPlan {
    /// The bearer token to send to `logoutUrl`, when there was a session.
    pub revoke: Option<String>,
}

/// The state machine. See the module docs for how a driver uses it.
#[derive(Debug, Clone)]
pub struct Machine {
    state: AuthState,
    config: Config,
    /// Bumped by every logout; flights that began under an older epoch never commit.
    epoch: u64,
    flight: Option<Flight>,
    next_flight: u64,
}

impl Machine {
    /// A machine in `Anonymous`.
    pub fn new(config: Config) -> Machine {
        Machine::with_state(config, AuthState::Anonymous)
    }

    /// A machine in the state a stored record was written from.
    ///
    /// No record, a corrupt or foreign one, or one from a newer SDK all start `Anonymous`.
    pub fn restore(config: Config, stored: Option<&str>) -> Machine {
        let state = match stored.map(record::decode) {
            Some(Decoded::State(state)) => state,
            _ => AuthState::Anonymous,
        };
        Machine::with_state(config, state)
    }

    fn with_state(config: Config, state: AuthState) -> Machine {
        Machine {
            state,
            config,
            epoch: 0,
            flight: None,
            next_flight: 0,
        }
    }

    /// The current state.
    pub fn state(&self) -> &AuthState {
        &self.state
    }

    /// The configuration.
    pub fn config(&self) -> Config {
        self.config
    }

    /// Checks a `getUserProfile` `desc` before wx is called: 1 to 30 characters.
    pub fn check_profile_desc(&self, desc: &str) -> Result<(), AuthError> {
        let n = desc.chars().count();
        if n == 0 || n > MAX_PROFILE_DESC_CHARS {
            return Err(AuthError::argument(
                "desc must be 1 to 30 characters (it is shown in the profile popup)",
            ));
        }
        Ok(())
    }

    /// What `login()` should do now. Starting a flight records it; call
    /// [`Machine::end_flight`] when it settles, whatever the outcome.
    pub fn begin_login(&mut self, now: u64) -> Result<LoginStart, AuthError> {
        if let Some(flight) = self.flight {
            return Ok(LoginStart::Join(flight));
        }
        match &self.state {
            AuthState::Anonymous => Err(AuthError::transition(
                "login needs the privacy agreement first (agreePrivacy)",
            )),
            AuthState::LoggedIn { session, .. } if session.is_fresh(now) => Ok(LoginStart::Current),
            state if self.config.require_profile && state.profile().is_none() => Err(
                AuthError::transition("login needs a profile first (requireProfile is set)"),
            ),
            _ => Ok(LoginStart::Begin(self.start_flight())),
        }
    }

    /// The token a request should carry, or the renewal it needs first.
    ///
    /// `refused` is the token a previous attempt sent and got 401 for: if the session
    /// has moved on since, the request is resent with the new token, not renewed again.
    pub fn request_token(
        &mut self,
        now: u64,
        refused: Option<&str>,
    ) -> Result<TokenUse, AuthError> {
        let AuthState::LoggedIn { session, .. } = &self.state else {
            return Err(AuthError::new(
                ErrorCode::NotLoggedIn,
                "request needs a logged-in session",
            ));
        };
        let stale = match refused {
            Some(token) => token == session.token(),
            None => !session.is_fresh(now),
        };
        if !stale {
            return Ok(TokenUse::Send(session.token().into()));
        }
        let start = match self.flight {
            Some(flight) => LoginStart::Join(flight),
            None => LoginStart::Begin(self.start_flight()),
        };
        Ok(TokenUse::Renew(start))
    }

    fn start_flight(&mut self) -> Flight {
        self.next_flight = self.next_flight.wrapping_add(1);
        let flight = Flight {
            id: self.next_flight,
            epoch: self.epoch,
        };
        self.flight = Some(flight);
        flight
    }

    /// Whether a flight may still commit: no logout happened since it began.
    pub fn check_flight(&self, flight: Flight) -> Result<(), AuthError> {
        if flight.epoch == self.epoch {
            Ok(())
        } else {
            Err(AuthError::transition(
                "logout happened while this login was in flight; call login() again",
            ))
        }
    }

    /// Forgets a settled flight (a no-op for a flight that is no longer the current one).
    pub fn end_flight(&mut self, flight: Flight) {
        if self.flight == Some(flight) {
            self.flight = None;
        }
    }

    /// Starts a logout: every flight in progress becomes stale at once.
    ///
    /// Allowed when logged in, already logged out (a no-op), or while a login is in flight.
    pub fn begin_logout(&mut self) -> Result<LogoutPlan, AuthError> {
        let in_flight = self.flight.is_some();
        let revoke = self.state.session().map(|s| s.token().into());
        if revoke.is_none() && !in_flight && !matches!(self.state, AuthState::LoggedOut { .. }) {
            return Err(AuthError::transition("logout needs a login first"));
        }
        self.epoch = self.epoch.wrapping_add(1);
        self.flight = None;
        Ok(LogoutPlan { revoke })
    }

    /// The state a transition would lead to from the current state, or why it is not allowed.
    pub fn next_state(&self, transition: &Transition) -> Result<AuthState, AuthError> {
        let state = &self.state;
        Ok(match transition {
            Transition::PrivacyAgreed => match state {
                AuthState::Anonymous => AuthState::PrivacyAgreed,
                other => other.clone(),
            },
            Transition::SetProfile(patch) => {
                if matches!(state, AuthState::Anonymous) {
                    return Err(AuthError::transition(
                        "setProfile needs the privacy agreement first (the nickname input needs it too)",
                    ));
                }
                state.with_profile(Profile::patched(state.profile(), patch)?)
            }
            // wx only returns a profile once privacy is agreed, so anonymous moves on too.
            Transition::ProfileFromWx(profile) => state.with_profile(profile.clone()),
            Transition::LoggedIn(session) => match state {
                AuthState::Anonymous => {
                    return Err(AuthError::transition(
                        "login needs the privacy agreement first",
                    ))
                }
                other => AuthState::LoggedIn {
                    session: session.clone(),
                    profile: other.profile().cloned(),
                },
            },
            Transition::LoggedOut => AuthState::LoggedOut {
                profile: state.profile().cloned(),
            },
        })
    }

    /// The text to store for the state a transition leads to (`None`: remove the record).
    pub fn record_for(&self, transition: &Transition) -> Result<Option<String>, AuthError> {
        Ok(record::encode(&self.next_state(transition)?))
    }

    /// Applies a transition; returns whether the state changed.
    pub fn apply(&mut self, transition: &Transition) -> Result<bool, AuthError> {
        let next = self.next_state(transition)?;
        let changed = next != self.state;
        self.state = next;
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateKind;

    fn profile() -> Profile {
        Profile::new("小明", "https://a/1.png").unwrap()
    }

    fn session(token: &str, now: u64) -> Session {
        Session::issue(token, 3600, now).unwrap()
    }

    fn logged_in(config: Config) -> Machine {
        let mut m = Machine::new(config);
        m.apply(&Transition::PrivacyAgreed).unwrap();
        m.apply(&Transition::ProfileFromWx(profile())).unwrap();
        let LoginStart::Begin(f) = m.begin_login(0).unwrap() else {
            panic!()
        };
        m.check_flight(f).unwrap();
        m.apply(&Transition::LoggedIn(session("t1", 0))).unwrap();
        m.end_flight(f);
        m
    }

    #[test]
    fn anonymous_cannot_login_or_set_a_profile() {
        let mut m = Machine::new(Config::default());
        assert_eq!(
            m.begin_login(0).unwrap_err().code,
            ErrorCode::InvalidTransition
        );
        let patch = ProfilePatch {
            nick_name: Some("a".into()),
            avatar_url: Some("b".into()),
        };
        let err = m.apply(&Transition::SetProfile(patch)).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidTransition);
        assert_eq!(m.state(), &AuthState::Anonymous);
    }

    #[test]
    fn require_profile_blocks_login_until_a_profile() {
        let mut m = Machine::new(Config {
            require_profile: true,
        });
        m.apply(&Transition::PrivacyAgreed).unwrap();
        assert_eq!(
            m.begin_login(0).unwrap_err().code,
            ErrorCode::InvalidTransition
        );
        m.apply(&Transition::ProfileFromWx(profile())).unwrap();
        assert!(matches!(m.begin_login(0).unwrap(), LoginStart::Begin(_)));
    }

    #[test]
    fn concurrent_logins_join_one_flight() {
        let mut m = Machine::new(Config::default());
        m.apply(&Transition::PrivacyAgreed).unwrap();
        let LoginStart::Begin(f) = m.begin_login(0).unwrap() else {
            panic!()
        };
        assert_eq!(m.begin_login(0).unwrap(), LoginStart::Join(f));
        m.apply(&Transition::LoggedIn(session("t", 0))).unwrap();
        m.end_flight(f);
        assert_eq!(m.begin_login(1).unwrap(), LoginStart::Current);
    }

    #[test]
    fn logout_makes_an_in_flight_login_stale() {
        let mut m = Machine::new(Config::default());
        m.apply(&Transition::PrivacyAgreed).unwrap();
        let LoginStart::Begin(f) = m.begin_login(0).unwrap() else {
            panic!()
        };
        let plan = m.begin_logout().unwrap();
        assert_eq!(plan.revoke, None);
        m.apply(&Transition::LoggedOut).unwrap();
        assert_eq!(
            m.check_flight(f).unwrap_err().code,
            ErrorCode::InvalidTransition
        );
        m.end_flight(f);
        assert_eq!(m.state().kind(), StateKind::LoggedOut);
    }

    #[test]
    fn logout_needs_a_login_or_a_flight() {
        let mut m = Machine::new(Config::default());
        m.apply(&Transition::PrivacyAgreed).unwrap();
        assert_eq!(
            m.begin_logout().unwrap_err().code,
            ErrorCode::InvalidTransition
        );
        let mut m = logged_in(Config::default());
        assert_eq!(m.begin_logout().unwrap().revoke.as_deref(), Some("t1"));
        m.apply(&Transition::LoggedOut).unwrap();
        assert_eq!(m.state().session(), None);
        assert_eq!(m.state().profile(), Some(&profile()));
        assert_eq!(m.begin_logout().unwrap().revoke, None);
    }

    #[test]
    fn expired_session_renews_once_and_401_with_an_old_token_resends() {
        let mut m = logged_in(Config::default());
        assert_eq!(
            m.request_token(1, None).unwrap(),
            TokenUse::Send("t1".into())
        );
        let late = 3_600_000;
        let TokenUse::Renew(LoginStart::Begin(f)) = m.request_token(late, None).unwrap() else {
            panic!()
        };
        assert_eq!(
            m.request_token(late, None).unwrap(),
            TokenUse::Renew(LoginStart::Join(f))
        );
        m.apply(&Transition::LoggedIn(session("t2", late))).unwrap();
        m.end_flight(f);
        // A request that was refused with the old token is resent with the new one.
        assert_eq!(
            m.request_token(late, Some("t1")).unwrap(),
            TokenUse::Send("t2".into())
        );
        assert!(matches!(
            m.request_token(late, Some("t2")).unwrap(),
            TokenUse::Renew(LoginStart::Begin(_))
        ));
    }

    #[test]
    fn requests_need_a_session() {
        let mut m = Machine::new(Config::default());
        assert_eq!(
            m.request_token(0, None).unwrap_err().code,
            ErrorCode::NotLoggedIn
        );
    }

    #[test]
    fn restore_reads_the_record_and_ignores_junk() {
        let m = logged_in(Config::default());
        let text = record::encode(m.state()).unwrap();
        let r = Machine::restore(Config::default(), Some(&text));
        assert_eq!(r.state(), m.state());
        for junk in ["", "{", r#"{"v":9}"#, "[1,2]"] {
            let r = Machine::restore(Config::default(), Some(junk));
            assert_eq!(r.state(), &AuthState::Anonymous);
        }
    }

    #[test]
    fn desc_is_checked() {
        let m = Machine::new(Config::default());
        assert!(m.check_profile_desc("用于完善会员资料").is_ok());
        assert!(m.check_profile_desc("").is_err());
        let long: String = "字".repeat(31);
        assert!(m.check_profile_desc(&long).is_err());
    }
}

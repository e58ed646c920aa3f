//! The state machine: which operation is allowed when, and what state it leads to.
//!
//! Sans-IO: the machine never calls wx or reads a clock. The engine (`crate::engine`)
//! asks it what to do (`begin_login`, `request_token`, …), performs the steps, and
//! reports back with a [`Transition`]. Writing storage happens between
//! [`Machine::next_state`] (what the record should say) and [`Machine::apply`] (the state
//! changes), so a failed write leaves the state as it was.

use crate::config::Config;
use crate::error::{AuthError, ErrorCode};
use crate::profile::{Profile, ProfilePatch};
use crate::record::{self, Decoded};
use crate::session::Session;
use crate::state::{AuthState, LogoutReason};
use alloc::string::String;

/// Longest `desc` that `getUserProfile` accepts, in characters (platform.md §3).
pub const MAX_PROFILE_DESC_CHARS: usize = 30;

/// One login or renewal in progress; stale once a logout has happened since it began.
///
/// Its numbers are 32-bit (they wrap after 4 billion logins in one launch): a Flight
/// is copied through every step of a login, and its width showed in the wasm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flight {
    id: u32,
    epoch: u32,
    /// For a renewal of a logged-in session: the reason to log out with if the backend
    /// definitively refuses to renew (expired, or revoked after a 401).
    renews: Option<LogoutReason>,
}

impl Flight {
    /// The flight's number, unique among the flights of one launch (until it wraps).
    pub fn id(self) -> u32 {
        self.id
    }
}

/// How a stored record was read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restored {
    /// There was no record.
    Nothing,
    /// A record of the current version.
    Current,
    /// A record of an older version: the state it means was restored; write it again.
    Migrated,
    /// A record from a newer SDK, or one that is not a record: ignored and left as it is.
    Ignored,
}

impl Restored {
    /// Whether the record should be written again at start: it is of an older version,
    /// or it was found in the storage mode this base library no longer writes in.
    pub fn needs_rewrite(self, in_preferred_mode: bool) -> bool {
        match self {
            Restored::Migrated => true,
            Restored::Current => !in_preferred_mode,
            Restored::Nothing | Restored::Ignored => false,
        }
    }
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
    /// The session needs renewing first: it expired (or WeChat lost its `session_key`), or
    /// the backend refused this token. The reason is what the session ends with if the
    /// backend refuses the renewal for good. Join the flight in progress if there is one
    /// ([`Machine::flight`]), else start one ([`Machine::start_flight`]).
    Renew(LogoutReason),
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
    /// The backend issued a session, with the profile it holds for the user, if any
    /// (`profileUrl`). The device keeps a profile the backend has not saved yet (the
    /// user's newer word); otherwise the backend's is adopted.
    LoggedIn(Session, Option<Profile>),
    /// The backend saved `saved` (its avatar now an https URL) for a save that began
    /// when the device held `base`. Applied only if no logout, reset or unbind came
    /// between and the device still holds `base`: a profile changed meanwhile is newer
    /// and is saved by its own request.
    ProfileSaved {
        /// The device's profile when the save began.
        base: Option<Profile>,
        /// What the backend answered.
        saved: Profile,
        /// [`Machine::epoch`] when the save began.
        epoch: u32,
    },
    /// The session ended: the user logged out, or the backend refused to renew it.
    LoggedOut(LogoutReason),
    /// The SDK was reset: back to anonymous, with no record.
    Reset,
    /// The backend deleted the account (unbind): the session and the profile are gone and
    /// the user is where a new user is. The privacy agreement is WeChat's and stays.
    Unbound,
}

/// The state machine. See the module docs for how a driver uses it.
#[derive(Debug, Clone)]
pub struct Machine {
    state: AuthState,
    config: Config,
    /// Bumped by every logout and reset; flights that began under an older epoch never commit.
    epoch: u32,
    flight: Option<Flight>,
    next_flight: u32,
    /// WeChat says the `session_key` behind the session is gone (`wx.checkSession`
    /// failed): renew before the next use.
    renew_next: bool,
}

impl Machine {
    /// A machine in `Anonymous`. Of the config it uses `require_profile`.
    pub fn new(config: Config) -> Machine {
        Machine::with_state(config, AuthState::Anonymous)
    }

    /// A machine in the state a stored record was written from (as [`record::decode`]
    /// read it), and how it was read.
    ///
    /// No record, a corrupt or foreign one, or one from a newer SDK all start `Anonymous`.
    pub fn restore(config: Config, stored: Option<Decoded>) -> (Machine, Restored) {
        let (state, how) = match stored {
            None => (AuthState::Anonymous, Restored::Nothing),
            Some(Decoded::State(state)) => (state, Restored::Current),
            Some(Decoded::Old(state)) => (state, Restored::Migrated),
            Some(Decoded::Future(_) | Decoded::Corrupt) => {
                (AuthState::Anonymous, Restored::Ignored)
            }
        };
        (Machine::with_state(config, state), how)
    }

    fn with_state(config: Config, state: AuthState) -> Machine {
        Machine {
            state,
            config,
            epoch: 0,
            flight: None,
            next_flight: 0,
            renew_next: false,
        }
    }

    /// The current state.
    pub fn state(&self) -> &AuthState {
        &self.state
    }

    /// Checks a `getUserProfile` `desc` before wx is called: 1 to 30 characters.
    pub fn check_profile_desc(&self, desc: &str) -> Result<(), AuthError> {
        let n = crate::text::char_count(desc);
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
            AuthState::LoggedIn { session, .. } if session.is_fresh(now) && !self.renew_next => {
                Ok(LoginStart::Current)
            }
            AuthState::LoggedIn { .. } => Ok(LoginStart::Begin(
                self.start_flight(Some(LogoutReason::Expired)),
            )),
            state if self.config.require_profile && state.profile().is_none() => Err(
                AuthError::transition("login needs a profile first (requireProfile is set)"),
            ),
            _ => Ok(LoginStart::Begin(self.start_flight(None))),
        }
    }

    /// The token a request should carry, or the renewal it needs first.
    ///
    /// `refused` is the token a previous attempt sent and got 401 for: if the session
    /// has moved on since, the request is resent with the new token, not renewed again.
    pub fn request_token(&self, now: u64, refused: Option<&str>) -> Result<TokenUse, AuthError> {
        let AuthState::LoggedIn { session, .. } = &self.state else {
            return Err(AuthError::new(
                ErrorCode::NotLoggedIn,
                "request needs a logged-in session",
            ));
        };
        let why = match refused {
            Some(token) if token == session.token() => Some(LogoutReason::Revoked),
            Some(_) => None,
            None if !session.is_fresh(now) || self.renew_next => Some(LogoutReason::Expired),
            None => None,
        };
        Ok(match why {
            Some(why) => TokenUse::Renew(why),
            None => TokenUse::Send(session.token().into()),
        })
    }

    /// The login or renewal in progress, if any.
    pub fn flight(&self) -> Option<Flight> {
        self.flight
    }

    /// Starts a login or renewal (there must be none in progress: see [`Machine::flight`]).
    /// `renews` is the reason to end the session with if the backend refuses a renewal
    /// for good; `None` for a first login.
    pub fn start_flight(&mut self, renews: Option<LogoutReason>) -> Flight {
        self.next_flight = self.next_flight.wrapping_add(1);
        let flight = Flight {
            id: self.next_flight,
            epoch: self.epoch,
            renews,
        };
        self.flight = Some(flight);
        flight
    }

    /// `wx.checkSession` failed: the backend's `session_key` for this user is gone, so the
    /// session is renewed (with a fresh `wx.login`) before its next use.
    pub fn session_key_lost(&mut self) {
        if matches!(self.state, AuthState::LoggedIn { .. }) {
            self.renew_next = true;
        }
    }

    /// What a failed flight means for the state: a renewal that the backend refused for
    /// good (a 4xx answer to the login exchange that is not "try later") ends the session
    /// with the flight's reason. Anything else (a network failure, a busy or broken
    /// backend, a body that cannot be used) keeps the session for the next try.
    pub fn flight_failed(&self, flight: Flight, error: &AuthError) -> Option<Transition> {
        let reason = flight.renews?;
        let refused = error.code == ErrorCode::LoginFailed
            && error.status.is_some_and(|s| (400..500).contains(&s))
            && !error.transient;
        let ended = refused
            && flight.epoch == self.epoch
            && matches!(self.state, AuthState::LoggedIn { .. });
        ended.then_some(Transition::LoggedOut(reason))
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

    /// Starts a logout: every flight in progress becomes stale at once. Returns the
    /// token to revoke on the backend, if there was a session.
    ///
    /// Allowed when logged in, already logged out (a no-op), or while a login is in flight.
    pub fn begin_logout(&mut self) -> Result<Option<String>, AuthError> {
        let in_flight = self.flight.is_some();
        let revoke = self.state.session().map(|s| s.token().into());
        if revoke.is_none() && !in_flight && !matches!(self.state, AuthState::LoggedOut { .. }) {
            return Err(AuthError::transition("logout needs a login first"));
        }
        self.cancel_flights();
        Ok(revoke)
    }

    /// Starts a reset (back to anonymous, record removed): every flight becomes stale.
    /// Returns the token to revoke, if there was a session.
    pub fn begin_reset(&mut self) -> Option<String> {
        self.cancel_flights();
        self.state.session().map(|s| s.token().into())
    }

    /// After the backend deleted the account: every flight becomes stale (a renewal
    /// finishing now would bind the account again). Then commit [`Transition::Unbound`].
    pub fn begin_unbound(&mut self) {
        self.cancel_flights();
    }

    fn cancel_flights(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        self.flight = None;
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
            Transition::LoggedIn(session, held) => match state {
                AuthState::Anonymous => {
                    return Err(AuthError::transition(
                        "login needs the privacy agreement first",
                    ))
                }
                other => AuthState::LoggedIn {
                    session: session.clone(),
                    profile: match (other.profile(), held) {
                        (Some(local), _) if !local.saved() => Some(local.clone()),
                        (_, Some(held)) => Some(held.clone()),
                        // The backend no longer holds it: save it again.
                        (local, None) => local.map(|p| p.clone().with_saved(false)),
                    },
                },
            },
            Transition::ProfileSaved { base, saved, epoch } => {
                // After a logout, reset or unbind the answer is for a session that is gone.
                if *epoch == self.epoch && state.profile() == base.as_ref() {
                    state.with_profile(saved.clone())
                } else {
                    state.clone()
                }
            }
            Transition::LoggedOut(reason) => AuthState::LoggedOut {
                profile: state.profile().cloned(),
                reason: *reason,
            },
            Transition::Reset => AuthState::Anonymous,
            Transition::Unbound => match state {
                AuthState::Anonymous => AuthState::Anonymous,
                _ => AuthState::PrivacyAgreed,
            },
        })
    }

    /// The text to store for the state a transition leads to (`None`: remove the record).
    pub fn record_for(&self, transition: &Transition) -> Result<Option<String>, AuthError> {
        Ok(record::encode(&self.next_state(transition)?))
    }

    /// Bumped by every logout, reset and unbind: what began before one of them and ends
    /// after it must not change the state.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Applies a transition; returns whether the state changed.
    pub fn apply(&mut self, transition: &Transition) -> Result<bool, AuthError> {
        let next = self.next_state(transition)?;
        let changed = next != self.state;
        if matches!(
            transition,
            Transition::LoggedIn(..)
                | Transition::LoggedOut(_)
                | Transition::Reset
                | Transition::Unbound
        ) {
            self.renew_next = false;
        }
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
        m.apply(&Transition::LoggedIn(session("t1", 0), None))
            .unwrap();
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
            ..Config::default()
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
        m.apply(&Transition::LoggedIn(session("t", 0), None))
            .unwrap();
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
        assert_eq!(m.begin_logout().unwrap(), None);
        m.apply(&Transition::LoggedOut(LogoutReason::User)).unwrap();
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
        assert_eq!(m.begin_logout().unwrap().as_deref(), Some("t1"));
        m.apply(&Transition::LoggedOut(LogoutReason::User)).unwrap();
        assert_eq!(m.state().session(), None);
        assert_eq!(m.state().profile(), Some(&profile()));
        assert_eq!(m.begin_logout().unwrap(), None);
    }

    /// A renewal as the engine starts one: join the flight in progress, or begin one.
    fn renew(m: &mut Machine, why: LogoutReason) -> Flight {
        m.flight().unwrap_or_else(|| m.start_flight(Some(why)))
    }

    #[test]
    fn expired_session_renews_once_and_401_with_an_old_token_resends() {
        let mut m = logged_in(Config::default());
        assert_eq!(
            m.request_token(1, None).unwrap(),
            TokenUse::Send("t1".into())
        );
        let late = 3_600_000;
        assert_eq!(
            m.request_token(late, None).unwrap(),
            TokenUse::Renew(LogoutReason::Expired)
        );
        let f = renew(&mut m, LogoutReason::Expired);
        assert_eq!(m.begin_login(late).unwrap(), LoginStart::Join(f));
        m.apply(&Transition::LoggedIn(session("t2", late), None))
            .unwrap();
        m.end_flight(f);
        // A request that was refused with the old token is resent with the new one.
        assert_eq!(
            m.request_token(late, Some("t1")).unwrap(),
            TokenUse::Send("t2".into())
        );
        assert_eq!(
            m.request_token(late, Some("t2")).unwrap(),
            TokenUse::Renew(LogoutReason::Revoked)
        );
    }

    #[test]
    fn a_definitive_renewal_failure_ends_the_session_with_its_reason() {
        let refused = AuthError::new(ErrorCode::LoginFailed, "400").with_status(400);
        let busy = AuthError::new(ErrorCode::Server, "503").with_transient(true);
        let garbage = AuthError::new(ErrorCode::Server, "not JSON").with_status(200);
        let wx_failed = AuthError::new(ErrorCode::LoginFailed, "login:fail");
        // Expired session: the renewal is refused for good.
        let mut m = logged_in(Config::default());
        let f = renew(&mut m, LogoutReason::Expired);
        assert_eq!(m.flight_failed(f, &busy), None, "transient: stay logged in");
        assert_eq!(
            m.flight_failed(f, &garbage),
            None,
            "a broken answer is no refusal"
        );
        assert_eq!(
            m.flight_failed(f, &wx_failed),
            None,
            "wx.login failing is no refusal"
        );
        let t = m.flight_failed(f, &refused).expect("definitive");
        assert_eq!(t, Transition::LoggedOut(LogoutReason::Expired));
        // A 401: the renewal is revoked.
        let mut m = logged_in(Config::default());
        let f = renew(&mut m, LogoutReason::Revoked);
        assert_eq!(
            m.flight_failed(f, &refused),
            Some(Transition::LoggedOut(LogoutReason::Revoked))
        );
        // A first login that fails changes nothing.
        let mut m = Machine::new(Config::default());
        m.apply(&Transition::PrivacyAgreed).unwrap();
        let LoginStart::Begin(f) = m.begin_login(0).unwrap() else {
            panic!()
        };
        assert_eq!(m.flight_failed(f, &refused), None);
    }

    #[test]
    fn a_lost_session_key_renews_before_the_next_use() {
        let mut m = logged_in(Config::default());
        m.session_key_lost();
        assert_eq!(
            m.request_token(1, None).unwrap(),
            TokenUse::Renew(LogoutReason::Expired)
        );
        let mut m = logged_in(Config::default());
        m.session_key_lost();
        let LoginStart::Begin(f) = m.begin_login(1).unwrap() else {
            panic!()
        };
        m.apply(&Transition::LoggedIn(session("t2", 1), None))
            .unwrap();
        m.end_flight(f);
        assert_eq!(
            m.request_token(2, None).unwrap(),
            TokenUse::Send("t2".into())
        );
    }

    #[test]
    fn reset_voids_flights_and_goes_back_to_anonymous() {
        let mut m = logged_in(Config::default());
        let f = renew(&mut m, LogoutReason::Expired);
        assert_eq!(m.begin_reset().as_deref(), Some("t1"));
        assert!(m.check_flight(f).is_err());
        m.apply(&Transition::Reset).unwrap();
        assert_eq!(m.state(), &AuthState::Anonymous);
        assert_eq!(m.record_for(&Transition::Reset).unwrap(), None);
    }

    #[test]
    fn unbound_forgets_session_and_profile_but_not_privacy() {
        let mut m = Machine::new(Config::default());
        m.apply(&Transition::PrivacyAgreed).unwrap();
        m.apply(&Transition::ProfileFromWx(profile())).unwrap();
        m.apply(&Transition::LoggedIn(session("t1", 0), None))
            .unwrap();
        let f = match m.begin_login(10_000_000).unwrap() {
            LoginStart::Begin(f) => f,
            other => panic!("{other:?}"),
        };
        m.begin_unbound();
        assert!(
            m.check_flight(f).is_err(),
            "a renewal in flight must not bind again"
        );
        assert_eq!(m.record_for(&Transition::Unbound).unwrap(), None);
        assert!(m.apply(&Transition::Unbound).unwrap());
        assert_eq!(m.state(), &AuthState::PrivacyAgreed);
        assert_eq!(m.state().profile(), None);
        let mut fresh = Machine::new(Config::default());
        fresh.apply(&Transition::Unbound).unwrap();
        assert_eq!(fresh.state(), &AuthState::Anonymous);
    }

    #[test]
    fn requests_need_a_session() {
        let m = Machine::new(Config::default());
        assert_eq!(
            m.request_token(0, None).unwrap_err().code,
            ErrorCode::NotLoggedIn
        );
    }

    #[test]
    fn restore_reads_the_record_and_ignores_junk() {
        let m = logged_in(Config::default());
        let text = record::encode(m.state()).unwrap();
        let (r, how) = Machine::restore(Config::default(), Some(record::decode(&text)));
        assert_eq!(r.state(), m.state());
        assert_eq!(how, Restored::Current);
        for junk in ["", "{", r#"{"v":9}"#, "[1,2]"] {
            let (r, how) = Machine::restore(Config::default(), Some(record::decode(junk)));
            assert_eq!(r.state(), &AuthState::Anonymous);
            assert_eq!(how, Restored::Ignored);
        }
    }

    #[test]
    fn records_are_rewritten_when_old_or_in_the_other_mode() {
        assert!(Restored::Migrated.needs_rewrite(true));
        assert!(Restored::Current.needs_rewrite(false));
        assert!(!Restored::Current.needs_rewrite(true));
        assert!(
            !Restored::Ignored.needs_rewrite(false),
            "foreign data is left alone"
        );
        assert!(!Restored::Nothing.needs_rewrite(false));
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

//! Property tests of the pure core over random action sequences, run natively.
//!
//! A driver-shaped loop applies random operations (privacy, profile, login flights that
//! succeed, fail or finish late, logout, time passing, 401s, restarts from the stored
//! record) to a `Machine` and checks after every step:
//! - never logged-in without a usable token;
//! - a failed operation leaves the state exactly as it was;
//! - logout always drops the token, and a flight begun before a logout never commits;
//! - the stored record always reads back to the state it was written from;
//! - at most one live flight (one that may still commit) at a time.
//!
//! The properties over outside input (records, replies, wx failures…) are in tests/parsing.rs.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use wx_auth::error::{AuthError, ErrorCode};
use wx_auth::machine::{Config, Flight, LoginStart, Machine, Restored, TokenUse, Transition};
use wx_auth::profile::{Profile, ProfilePatch};
use wx_auth::record::{self, Decoded};
use wx_auth::session::Session;
use wx_auth::state::{AuthState, LogoutReason};

#[derive(Debug, Clone, Copy)]
enum Outcome {
    /// The backend issued a session with this lifetime (s).
    Issued(u64),
    /// A failure that may pass (network, 503).
    Transient,
    /// The backend refused the code for good (4xx).
    Refused,
}

#[derive(Debug, Clone)]
enum Action {
    AgreePrivacy,
    SetProfile(Option<String>, Option<String>),
    ProfileFromWx,
    Login,
    Request {
        refused: bool,
    },
    /// Settle the oldest pending flight.
    Settle(Outcome),
    Logout,
    Reset,
    /// The backend confirmed an unbind (the driver starts one only when logged in).
    Unbind,
    SessionKeyLost,
    Advance(u64),
    Restart,
}

fn action() -> impl Strategy<Value = Action> {
    let text = prop_oneof![
        Just(String::new()),
        Just("  ".to_string()),
        Just("小明".to_string()),
        Just("wxfile://tmp/a.png".to_string()),
        "[a-z \u{0}]{0,8}",
    ];
    prop_oneof![
        2 => Just(Action::AgreePrivacy),
        2 => (proptest::option::of(text.clone()), proptest::option::of(text)).prop_map(|(n, a)| Action::SetProfile(n, a)),
        1 => Just(Action::ProfileFromWx),
        3 => Just(Action::Login),
        3 => any::<bool>().prop_map(|refused| Action::Request { refused }),
        4 => prop_oneof![
            3 => (1u64..20_000).prop_map(Outcome::Issued),
            1 => Just(Outcome::Transient),
            1 => Just(Outcome::Refused),
        ].prop_map(Action::Settle),
        2 => Just(Action::Logout),
        1 => Just(Action::Reset),
        1 => Just(Action::Unbind),
        1 => Just(Action::SessionKeyLost),
        2 => (0u64..30_000_000).prop_map(Action::Advance),
        1 => Just(Action::Restart),
    ]
}

/// The driver's view: pending flights and the time.
struct World {
    m: Machine,
    config: Config,
    now: u64,
    pending: Vec<Flight>,
    tokens: u64,
}

impl World {
    fn stored_state_matches(&self) {
        let state = self.m.state();
        match record::encode(state) {
            None => assert!(matches!(
                state,
                AuthState::Anonymous | AuthState::PrivacyAgreed
            )),
            Some(text) => assert_eq!(
                record::decode(&text),
                Decoded::State(state.clone()),
                "{text}"
            ),
        }
    }

    fn step(&mut self, action: Action) {
        let before = self.m.state().clone();
        match action {
            Action::AgreePrivacy => {
                self.m.apply(&Transition::PrivacyAgreed).unwrap();
                assert_ne!(self.m.state(), &AuthState::Anonymous);
            }
            Action::SetProfile(nick_name, avatar_url) => {
                let t = Transition::SetProfile(ProfilePatch {
                    nick_name,
                    avatar_url,
                });
                let preview = self.m.next_state(&t);
                match self.m.apply(&t) {
                    Ok(_) => assert_eq!(Ok(self.m.state().clone()), preview),
                    Err(_) => assert_eq!(
                        self.m.state(),
                        &before,
                        "a failed setProfile changed the state"
                    ),
                }
            }
            Action::ProfileFromWx => {
                let p = Profile::new("微信用户", "https://a/0").unwrap();
                self.m.apply(&Transition::ProfileFromWx(p.clone())).unwrap();
                assert_eq!(self.m.state().profile(), Some(&p));
            }
            Action::Login => match self.m.begin_login(self.now) {
                Ok(LoginStart::Begin(f)) => {
                    assert_eq!(
                        self.live(),
                        0,
                        "a second flight began while one was in progress"
                    );
                    self.pending.push(f);
                }
                Ok(LoginStart::Join(f)) => assert_eq!(self.pending.last(), Some(&f)),
                Ok(LoginStart::Current) => {
                    assert!(self
                        .m
                        .state()
                        .session()
                        .is_some_and(|s| s.is_fresh(self.now)))
                }
                Err(_) => assert_eq!(self.m.state(), &before),
            },
            Action::Request { refused } => {
                let current = self.m.state().session().map(|s| s.token().to_string());
                let refused_token = if refused { current.clone() } else { None };
                match self.m.request_token(self.now, refused_token.as_deref()) {
                    Ok(TokenUse::Send(token)) => assert_eq!(Some(token), current),
                    Ok(TokenUse::Renew(LoginStart::Begin(f))) => {
                        assert_eq!(
                            self.live(),
                            0,
                            "a renewal began while a flight was in progress"
                        );
                        self.pending.push(f);
                    }
                    Ok(TokenUse::Renew(LoginStart::Join(f))) => {
                        assert_eq!(self.pending.last(), Some(&f))
                    }
                    Ok(TokenUse::Renew(LoginStart::Current)) => {
                        panic!("a renewal cannot be current")
                    }
                    Err(_) => assert!(current.is_none()),
                }
                assert_eq!(self.m.state(), &before, "a request changed the state");
            }
            Action::Settle(outcome) => {
                if self.pending.is_empty() {
                    return;
                }
                let f = self.pending.remove(0);
                let stale = self.m.check_flight(f).is_err();
                let renewal = before.session().is_some();
                match (outcome, stale) {
                    (_, true) => {}
                    (Outcome::Issued(secs), false) => {
                        self.tokens += 1;
                        let token = format!("tok{}", self.tokens);
                        let session = Session::issue(&token, secs, self.now).unwrap();
                        self.m
                            .apply(&Transition::LoggedIn(session.clone()))
                            .unwrap();
                        assert_eq!(self.m.state().session(), Some(&session));
                    }
                    (Outcome::Transient, false) => {
                        let e = AuthError::new(ErrorCode::Network, "timeout").with_transient(true);
                        assert_eq!(
                            self.m.flight_failed(f, &e),
                            None,
                            "a transient failure ended the session"
                        );
                    }
                    (Outcome::Refused, false) => {
                        let e = AuthError::new(ErrorCode::LoginFailed, "refused").with_status(400);
                        match self.m.flight_failed(f, &e) {
                            Some(t) => {
                                assert!(renewal, "only a renewal ends a session");
                                self.m.apply(&t).unwrap();
                                let reason = self.m.state().logout_reason();
                                assert!(matches!(
                                    reason,
                                    Some(LogoutReason::Expired | LogoutReason::Revoked)
                                ));
                                assert!(self.m.state().session().is_none());
                            }
                            None => assert!(!renewal, "a refused renewal kept the session"),
                        }
                    }
                }
                let changed_ok = matches!((outcome, stale), (Outcome::Issued(_), false))
                    || matches!((outcome, stale), (Outcome::Refused, false)) && renewal;
                if !changed_ok {
                    assert_eq!(
                        self.m.state(),
                        &before,
                        "a failed or stale flight changed the state"
                    );
                }
                self.m.end_flight(f);
            }
            Action::Logout => match self.m.begin_logout() {
                Ok(revoke) => {
                    assert_eq!(revoke.as_deref(), before.session().map(|s| s.token()));
                    self.m
                        .apply(&Transition::LoggedOut(LogoutReason::User))
                        .unwrap();
                    assert!(self.m.state().session().is_none(), "logout kept a token");
                    assert_eq!(self.m.state().profile(), before.profile());
                    for f in &self.pending {
                        assert!(self.m.check_flight(*f).is_err(), "a flight survived logout");
                    }
                }
                Err(_) => assert_eq!(self.m.state(), &before),
            },
            Action::Reset => {
                assert_eq!(
                    self.m.begin_reset().as_deref(),
                    before.session().map(|s| s.token())
                );
                self.m.apply(&Transition::Reset).unwrap();
                assert_eq!(self.m.state(), &AuthState::Anonymous);
                for f in &self.pending {
                    assert!(self.m.check_flight(*f).is_err(), "a flight survived reset");
                }
            }
            Action::Unbind => {
                if before.session().is_some() {
                    self.m.begin_unbound();
                    assert_eq!(self.m.record_for(&Transition::Unbound).unwrap(), None);
                    self.m.apply(&Transition::Unbound).unwrap();
                    assert_eq!(self.m.state(), &AuthState::PrivacyAgreed);
                    for f in &self.pending {
                        assert!(self.m.check_flight(*f).is_err(), "a flight survived unbind");
                    }
                }
            }
            Action::SessionKeyLost => {
                self.m.session_key_lost();
                assert_eq!(self.m.state(), &before);
                if before.session().is_some() {
                    match self.m.request_token(self.now, None) {
                        Ok(TokenUse::Renew(LoginStart::Begin(f))) => {
                            assert_eq!(self.live(), 0);
                            self.pending.push(f);
                        }
                        Ok(TokenUse::Renew(LoginStart::Join(f))) => {
                            assert_eq!(self.pending.last(), Some(&f))
                        }
                        other => panic!("a lost session key must renew first, got {other:?}"),
                    }
                }
            }
            Action::Advance(ms) => self.now += ms,
            Action::Restart => {
                let text = record::encode(self.m.state());
                let (restored, how) =
                    Machine::restore(self.config, text.as_deref().map(record::decode));
                assert!(matches!(how, Restored::Current | Restored::Nothing));
                let expected = match self.m.state() {
                    AuthState::PrivacyAgreed => AuthState::Anonymous, // asked of WeChat again at start
                    other => other.clone(),
                };
                assert_eq!(restored.state(), &expected);
                self.m = restored;
                self.pending.clear();
            }
        }
        if let AuthState::LoggedIn { session, .. } = self.m.state() {
            assert!(!session.token().is_empty(), "logged in without a token");
        }
        self.stored_state_matches();
        assert!(self.live() <= 1, "more than one live flight");
    }

    /// Flights still able to commit (those begun before a logout finish, stale, later).
    fn live(&self) -> usize {
        self.pending
            .iter()
            .filter(|f| self.m.check_flight(**f).is_ok())
            .count()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_action_sequences_keep_the_invariants(
        require_profile in any::<bool>(),
        actions in proptest::collection::vec(action(), 1..60),
    ) {
        let config = Config { require_profile, ..Config::default() };
        let mut world = World { m: Machine::new(config), config, now: 1_700_000_000_000, pending: Vec::new(), tokens: 0 };
        for a in actions {
            world.step(a);
        }
    }
}

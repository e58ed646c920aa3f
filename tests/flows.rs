//! Whole flows of the real engine, natively, in the world of `tests/support/world.rs`
//! (a model of wx, storage and the backend on a virtual clock).
#![cfg(not(target_arch = "wasm32"))]

#[path = "support/world.rs"]
mod world;

use world::{me, Fault, Outcome, PromptPolicy, World, KEY};
use wx_auth::budget::RenewalBudget;
use wx_auth::engine::{Call, Effect, WxCall};
use wx_auth::record::Decoded;
use wx_auth::retry::Backoff;
use wx_auth::state::{AuthState, LogoutReason, StateKind};
use wx_auth::Config;

fn agreed() -> World {
    World::new(Config::default(), false)
}

fn logged_in() -> World {
    let mut w = agreed();
    let id = w.call(Call::Login);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::LoggedIn)
    );
    w
}

fn state_kind(o: &Outcome) -> Option<StateKind> {
    match o {
        Outcome::State(s) => Some(s.kind()),
        _ => None,
    }
}

fn code(w: &World, id: wx_auth::engine::CallId) -> Option<&'static str> {
    w.outcome(id).and_then(Outcome::code)
}

fn status(w: &World, id: wx_auth::engine::CallId) -> Option<u16> {
    match w.outcome(id) {
        Some(Outcome::Response(r)) => Some(r.status),
        _ => None,
    }
}

#[test]
fn start_reads_once_and_asks_about_privacy() {
    let w = World::new(Config::default(), true);
    assert!(w.started);
    assert_eq!(w.state(), &AuthState::Anonymous);
    assert_eq!(
        w.count("getStorage"),
        1,
        "a missing key is missing in every mode"
    );
    assert_eq!(w.count("getPrivacySetting"), 1);
    let w = agreed();
    assert_eq!(w.state(), &AuthState::PrivacyAgreed);
    let old = World::with_version(Config::default(), true, "2.30.0");
    assert_eq!(
        old.state(),
        &AuthState::PrivacyAgreed,
        "no privacy APIs: nothing gated"
    );
    assert_eq!(old.count("getPrivacySetting"), 0);
}

#[test]
fn agree_privacy_relays_the_prompt_and_records_the_agreement() {
    let mut w = World::new(Config::default(), true);
    w.prompt_policy = PromptPolicy::Wait;
    let id = w.call(Call::AgreePrivacy);
    w.run();
    assert_eq!(w.prompts_shown, 1);
    assert!(w.outcome(id).is_none(), "waits for the page's answer");
    w.resolve_prompt(true).unwrap();
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::PrivacyAgreed)
    );
    assert!(w.privacy_agreed);
    assert_eq!(w.changes, [StateKind::PrivacyAgreed]);
    // Nothing waiting: resolving again is refused, and changes nothing.
    assert_eq!(
        w.resolve_prompt(false).unwrap_err().code.as_str(),
        "INVALID_TRANSITION"
    );
}

#[test]
fn a_prompt_before_any_handler_waits_for_one_and_a_handler_is_not_called_from_inside_itself() {
    let mut w = World::new(Config::default(), true);
    w.set_prompt_handler(false);
    w.prompt_policy = PromptPolicy::Wait;
    let id = w.call(Call::AgreePrivacy);
    w.run();
    assert_eq!(w.prompts_shown, 0);
    w.set_prompt_handler(true);
    assert_eq!(w.prompts_shown, 1, "shown on registration");
    // The handler registering itself again while it runs is not called again.
    let mut engine_effects = 0;
    w.engine.set_prompt_handler(true);
    while let Some(e) = w.engine.poll() {
        if let Effect::ShowPrompt(_) = e {
            engine_effects += 1;
            // Inside the handler: it registers itself again.
            w.engine.set_prompt_handler(true);
        }
    }
    assert_eq!(engine_effects, 1);
    w.resolve_prompt(false).unwrap();
    w.run();
    assert_eq!(code(&w, id), Some("PRIVACY_DENIED"));
    assert_eq!(w.state(), &AuthState::Anonymous);
}

#[test]
fn get_user_profile_and_open_setting_call_wx_before_any_input() {
    for call in [
        Call::GetUserProfile("用于完善会员资料".into()),
        Call::OpenSetting,
    ] {
        let mut w = agreed();
        w.engine.call(w.now, call);
        let first = w.engine.poll();
        assert!(
            matches!(
                first,
                Some(Effect::Wx(
                    _,
                    WxCall::GetUserProfile(_) | WxCall::OpenSetting
                ))
            ),
            "the first effect out of call() is the wx call itself"
        );
    }
}

#[test]
fn get_user_profile_in_a_tap_grants_and_stores_the_profile() {
    let mut w = World::with_version(Config::default(), false, "2.27.0");
    let id = w.tap(Call::GetUserProfile("用于完善会员资料".into()));
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::ProfileGranted)
    );
    assert_eq!(w.state().profile().unwrap().nick_name(), "小明");
    assert!(w.record_matches_state());
    // Outside a tap: TAP_REQUIRED, nothing changes.
    let mut w = agreed();
    let id = w.call(Call::GetUserProfile("用于完善会员资料".into()));
    w.run();
    assert_eq!(code(&w, id), Some("TAP_REQUIRED"));
    assert_eq!(w.state(), &AuthState::PrivacyAgreed);
    // A desc over 30 characters never reaches wx.
    let id = w.tap(Call::GetUserProfile("这".repeat(31)));
    w.run();
    assert_eq!(code(&w, id), Some("INVALID_ARGUMENT"));
    assert_eq!(w.count("getUserProfile"), 1);
}

#[test]
fn set_profile_applies_at_once_and_a_failed_write_is_made_good_by_the_next_commit() {
    let mut w = agreed();
    assert!(w.set_profile(None, Some("wxfile://a.png")).is_err());
    assert_eq!(w.state(), &AuthState::PrivacyAgreed);
    let at = w.log.len();
    w.armed.insert(at, Fault::StorageFull);
    let s = w
        .set_profile(Some(" 小红 "), Some("wxfile://a.png"))
        .unwrap();
    assert_eq!(s.profile().unwrap().nick_name(), "小红");
    w.run();
    assert_eq!(w.record_text(), None, "the write failed");
    let id = w.call(Call::Login);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::LoggedIn)
    );
    assert!(w.record_matches_state());
    assert_eq!(w.state().profile().unwrap().nick_name(), "小红");
}

#[test]
fn concurrent_logins_share_one_wx_login_and_store_the_session() {
    let mut w = agreed();
    let ids: Vec<_> = (0..3).map(|_| w.call(Call::Login)).collect();
    w.run();
    for id in ids {
        assert_eq!(
            w.outcome(id).and_then(state_kind),
            Some(StateKind::LoggedIn)
        );
    }
    assert_eq!(w.count("login"), 1);
    assert_eq!(w.count("request /auth/login"), 1);
    assert!(w.record_matches_state());
    let s = w.state().session().unwrap();
    assert_eq!(s.expires_at() - s.issued_at(), 7200 * 1000);
    // Logged in and fresh: login() settles without wx.
    let id = w.call(Call::Login);
    assert!(w.outcome(id).is_some());
    assert_eq!(w.count("login"), 1);
}

#[test]
fn a_busy_backend_is_retried_with_backoff_and_a_fresh_code_each_time() {
    let mut w = agreed();
    let at = w.log.len();
    w.armed.insert(at + 1, Fault::Http503);
    w.armed.insert(at + 3, Fault::Interrupted);
    let t0 = w.now;
    let id = w.call(Call::Login);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::LoggedIn)
    );
    let logins: Vec<u64> = w
        .log
        .iter()
        .filter(|l| l.step == "login")
        .map(|l| l.at - t0)
        .collect();
    assert_eq!(logins.len(), 3);
    let first = logins[1] - 2 * w.latency;
    assert!((250..=500).contains(&first), "first backoff {first}");
    let second = logins[2] - logins[1] - 2 * w.latency;
    assert!((500..=1000).contains(&second), "second backoff {second}");
}

#[test]
fn a_refusal_is_not_retried_and_attempts_are_bounded() {
    let mut w = agreed();
    let at = w.log.len();
    w.armed.insert(at + 1, Fault::Http403);
    let id = w.call(Call::Login);
    w.run();
    assert_eq!(code(&w, id), Some("LOGIN_FAILED"));
    assert_eq!(w.count("login"), 1);
    let mut w = World::new(
        Config {
            backoff: Backoff {
                attempts: 3,
                base_ms: 10,
                max_ms: 100,
            },
            ..Config::default()
        },
        false,
    );
    let at = w.log.len();
    for i in 0..3 {
        w.armed.insert(at + 2 * i + 1, Fault::Http503);
    }
    let id = w.call(Call::Login);
    w.run();
    assert_eq!(code(&w, id), Some("SERVER"));
    assert_eq!(w.count("login"), 3);
    assert_eq!(w.state(), &AuthState::PrivacyAgreed);
    assert_eq!(w.record_text(), None);
}

#[test]
fn an_expired_session_renews_once_for_every_waiting_call() {
    let mut w = logged_in();
    w.advance(7200 * 1000);
    let ids: Vec<_> = (0..3).map(|_| w.call(me())).collect();
    let login = w.call(Call::Login);
    w.run();
    for id in ids {
        assert_eq!(status(&w, id), Some(200));
    }
    assert_eq!(
        w.outcome(login).and_then(state_kind),
        Some(StateKind::LoggedIn)
    );
    assert_eq!(w.count("login"), 2);
}

#[test]
fn three_concurrent_401s_right_after_a_login_settle_in_milliseconds() {
    let mut w = logged_in();
    let token = w.state().session().unwrap().token().to_string();
    w.backend.sessions.get_mut(&token).unwrap().revoked = true;
    let t0 = w.now;
    let ids: Vec<_> = (0..3).map(|_| w.call(me())).collect();
    w.run();
    for &id in &ids {
        assert_eq!(status(&w, id), Some(200));
    }
    assert_eq!(w.count("login"), 2, "one renewal for the three");
    assert_eq!(w.count("request /api/me"), 6, "3 refused + 3 resent");
    // 401, wx.login, the exchange, the write, the resend: five steps of 20 ms, no floor.
    assert!(w.now - t0 <= 5 * w.latency, "took {} ms", w.now - t0);
}

#[test]
fn a_backend_that_refuses_every_token_is_throttled_not_looped() {
    let mut w = logged_in();
    w.backend.refuse_all = true;
    let mut throttled = 0;
    for _ in 0..30 {
        let t0 = w.now;
        let id = w.call(me());
        w.run();
        assert!(w.now - t0 < 1_000, "a request took {} ms", w.now - t0);
        match w.outcome(id).unwrap() {
            Outcome::Response(r) => {
                assert_eq!(r.status, 401, "resent once, then the page sees 401")
            }
            Outcome::Failed(e) => {
                assert_eq!(e.code.as_str(), "THROTTLED");
                assert!(e.transient);
                assert!(e.retry_after_ms.is_some_and(|ms| ms > 0 && ms <= 60_000));
                throttled += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(
        w.count("login") <= 10,
        "{} wx.login calls",
        w.count("login")
    );
    assert_eq!(throttled, 25);
    assert_eq!(w.state().kind(), StateKind::LoggedIn, "the session is kept");
    // A login the user asks for is never throttled.
    w.advance(7200 * 1000);
    let id = w.call(Call::Login);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::LoggedIn)
    );
    // An hour later, with the backend mended, everything works again.
    w.advance(3600 * 1000);
    w.backend.refuse_all = false;
    let id = w.call(me());
    w.run();
    assert_eq!(status(&w, id), Some(200));
}

#[test]
fn the_budget_is_configurable_and_refills_with_time() {
    let config = Config {
        renewals: RenewalBudget {
            max: 2,
            per_ms: 10_000,
        },
        ..Config::default()
    };
    let mut w = World::new(config, false);
    w.call(Call::Login);
    w.run();
    w.backend.refuse_all = true;
    let results: Vec<_> = (0..3)
        .map(|_| {
            let id = w.call(me());
            w.run();
            code(&w, id)
        })
        .collect();
    assert_eq!(results, [None, None, Some("THROTTLED")]);
    w.advance(5_000);
    let id = w.call(me());
    w.run();
    assert_eq!(code(&w, id), None, "one renewal back after per_ms / max");
}

#[test]
fn a_renewal_refused_for_good_ends_the_session_with_its_reason() {
    let mut w = logged_in();
    w.advance(7200 * 1000);
    let at = w.log.len();
    w.armed.insert(at + 1, Fault::Http403);
    let id = w.call(me());
    w.run();
    assert_eq!(code(&w, id), Some("NOT_LOGGED_IN"));
    assert_eq!(w.state().logout_reason(), Some(LogoutReason::Expired));
    assert!(w.record_matches_state());
    let mut w = logged_in();
    let token = w.state().session().unwrap().token().to_string();
    w.backend.sessions.get_mut(&token).unwrap().revoked = true;
    let at = w.log.len();
    w.armed.insert(at + 2, Fault::Http403);
    let id = w.call(me());
    w.run();
    assert_eq!(code(&w, id), Some("NOT_LOGGED_IN"));
    assert_eq!(w.state().logout_reason(), Some(LogoutReason::Revoked));
}

#[test]
fn logout_during_each_step_of_a_login_never_logs_the_user_in() {
    // Learn the login's steps, then log out after each answer in turn.
    let mut probe = agreed();
    probe.call(Call::Login);
    let mut answers = 0;
    while let Some(i) = probe.deliverable().first().copied() {
        probe.deliver(i);
        answers += 1;
    }
    for k in 0..=answers {
        let mut w = agreed();
        let login = w.call(Call::Login);
        for _ in 0..k {
            if let Some(i) = w.deliverable().first().copied() {
                w.deliver(i);
            }
        }
        let already = w.state().kind() == StateKind::LoggedIn;
        let logout = w.call(Call::Logout);
        w.run();
        assert_eq!(
            w.outcome(logout).and_then(state_kind),
            Some(StateKind::LoggedOut),
            "k={k}"
        );
        assert_eq!(w.state().logout_reason(), Some(LogoutReason::User));
        assert!(w.record_matches_state(), "k={k}");
        if !already {
            assert_eq!(code(&w, login), Some("INVALID_TRANSITION"), "k={k}");
        }
        w.restart();
        assert_eq!(
            w.state().kind(),
            StateKind::LoggedOut,
            "k={k}: a restart resurrected it"
        );
    }
}

#[test]
fn logout_revokes_on_the_backend_and_sticks() {
    let mut w = World::new(
        Config {
            logout_url: true,
            ..Config::default()
        },
        false,
    );
    w.call(Call::Login);
    w.run();
    let token = w.state().session().unwrap().token().to_string();
    let id = w.call(Call::Logout);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::LoggedOut)
    );
    assert!(w.backend.sessions[&token].revoked);
    let id = w.call(me());
    assert_eq!(code(&w, id), Some("NOT_LOGGED_IN"));
    w.restart();
    assert_eq!(w.state().kind(), StateKind::LoggedOut);
    // Never logged in: refused; twice: harmless.
    let mut w = agreed();
    let id = w.call(Call::Logout);
    assert_eq!(code(&w, id), Some("INVALID_TRANSITION"));
}

#[test]
fn a_logout_whose_write_fails_keeps_the_user_logged_in() {
    let mut w = logged_in();
    let before = w.record_text();
    let at = w.log.len();
    w.armed.insert(at, Fault::WxFail);
    let id = w.call(Call::Logout);
    w.run();
    assert_eq!(code(&w, id), Some("STORAGE"));
    assert_eq!(w.state().kind(), StateKind::LoggedIn);
    assert_eq!(w.record_text(), before);
}

#[test]
fn reset_removes_the_record_and_asks_about_privacy_again() {
    let mut w = logged_in();
    let id = w.call(Call::Reset);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::PrivacyAgreed)
    );
    assert_eq!(w.record_text(), None);
    w.restart();
    assert_eq!(w.state(), &AuthState::PrivacyAgreed);
}

#[test]
fn unbind_renews_an_expired_session_first_and_needs_the_option() {
    let config = Config {
        unbind_url: true,
        ..Config::default()
    };
    let mut w = World::new(config, false);
    w.call(Call::Login);
    w.run();
    w.advance(7200 * 1000);
    let id = w.call(Call::Unbind);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::PrivacyAgreed)
    );
    assert_eq!(
        w.count("login"),
        3,
        "login, renewal, the unbind's fresh code"
    );
    assert!(!w.backend.bound);
    assert_eq!(w.record_text(), None);
    let mut w = logged_in();
    let id = w.call(Call::Unbind);
    assert_eq!(code(&w, id), Some("INVALID_ARGUMENT"));
    assert_eq!(w.count("login"), 1);
}

#[test]
fn restart_restores_migrates_and_leaves_junk_alone() {
    let mut w = logged_in();
    let state = w.state().clone();
    w.restart();
    assert_eq!(w.state(), &state);
    // A record found in the plain mode on a base library that encrypts is rewritten.
    let item = w.storage.get_mut(KEY).unwrap();
    assert!(item.encrypted);
    item.encrypted = false;
    w.restart();
    assert_eq!(w.state(), &state);
    assert!(w.storage[KEY].encrypted, "rewritten in the preferred mode");
    // Junk is left alone.
    w.storage.get_mut(KEY).unwrap().json = "\"garbage\"".into();
    w.restart();
    assert_eq!(w.state(), &AuthState::PrivacyAgreed);
    assert_eq!(w.storage[KEY].json, "\"garbage\"");
    assert_eq!(w.stored_state(), Some(Decoded::Corrupt));
}

#[test]
fn a_failed_read_at_start_is_a_transient_storage_error_and_loses_nothing() {
    let mut w = World::with_version(Config::default(), false, "2.20.0");
    w.call(Call::Login);
    w.run();
    let state = w.state().clone();
    let at = w.log.len();
    w.armed.insert(at, Fault::WxFail);
    w.restart();
    assert!(!w.started);
    let start = w.start_call.unwrap();
    let Some(Outcome::Failed(e)) = w.outcome(start) else {
        panic!()
    };
    assert_eq!((e.code.as_str(), e.transient), ("STORAGE", true));
    w.restart();
    assert_eq!(w.state(), &state);
}

#[test]
fn check_session_failing_renews_before_the_next_request() {
    let config = Config {
        check_session: true,
        ..Config::default()
    };
    let mut w = World::new(config, false);
    w.backend.ttl_secs = 7 * 24 * 3600;
    w.call(Call::Login);
    w.run();
    w.advance(25 * 3600 * 1000);
    w.restart();
    assert_eq!(w.count("checkSession"), 1);
    let id = w.call(me());
    w.run();
    assert_eq!(status(&w, id), Some(200));
    assert_eq!(w.count("login"), 2, "renewed before the request");
}

#[test]
fn scopes_and_the_privacy_contract() {
    let mut w = agreed();
    let id = w.call(Call::GetSetting);
    w.run();
    assert_eq!(
        w.outcome(id),
        Some(&Outcome::Scopes(vec![("scope.userLocation".into(), true)]))
    );
    let id = w.call(Call::OpenSetting);
    w.run();
    assert_eq!(code(&w, id), Some("TAP_REQUIRED"));
    let id = w.tap(Call::OpenSetting);
    w.run();
    assert_eq!(
        w.outcome(id),
        Some(&Outcome::Scopes(vec![("scope.userLocation".into(), false)]))
    );
    let id = w.call(Call::OpenPrivacyContract);
    w.run();
    assert_eq!(w.outcome(id), Some(&Outcome::Nothing));
    let mut old = World::with_version(Config::default(), false, "2.30.0");
    let id = old.call(Call::OpenPrivacyContract);
    old.run();
    assert_eq!(code(&old, id), Some("PRIVACY_DENIED"));
}

fn phone_config() -> Config {
    Config {
        phone_url: true,
        ..Config::default()
    }
}

fn phone_logged_in() -> World {
    let mut w = World::new(phone_config(), false);
    w.call(Call::Login);
    w.run();
    assert_eq!(w.state().kind(), StateKind::LoggedIn);
    w
}

#[test]
fn verify_phone_sends_the_code_once_and_resolves_with_the_backends_answer() {
    let mut w = phone_logged_in();
    let record = w.record_text();
    let event = w.phone_event();
    let id = w.tap(Call::VerifyPhone(event));
    w.run();
    match w.outcome(id) {
        Some(Outcome::Body(b)) => assert!(b.contains("138****8000"), "{b}"),
        other => panic!("expected the backend's body, got {other:?}"),
    }
    assert_eq!(w.count("request /auth/phone"), 1);
    assert_eq!(w.backend.phone.as_deref(), Some("13800138000"));
    assert_eq!(
        w.record_text(),
        record,
        "nothing of the number is stored on the phone"
    );
    assert_eq!(w.state().kind(), StateKind::LoggedIn);
}

#[test]
fn an_expired_session_is_renewed_before_the_code_leaves() {
    let mut w = phone_logged_in();
    w.advance(7200 * 1000);
    let event = w.phone_event();
    let id = w.tap(Call::VerifyPhone(event));
    w.run();
    assert!(matches!(w.outcome(id), Some(Outcome::Body(_))));
    assert_eq!(w.count("login"), 2, "one renewal");
    assert_eq!(w.count("request /auth/phone"), 1);
}

#[test]
fn a_refused_session_fails_the_call_without_resending_and_renews_for_the_next_tap() {
    let mut w = phone_logged_in();
    let token = w.state().session().unwrap().token().to_string();
    w.backend.sessions.get_mut(&token).unwrap().revoked = true;
    let event = w.phone_event();
    let id = w.tap(Call::VerifyPhone(event));
    w.run();
    assert_eq!(code(&w, id), Some("NOT_LOGGED_IN"));
    assert_eq!(
        w.count("request /auth/phone"),
        1,
        "the code is spent: never resent"
    );
    assert_eq!(w.count("login"), 2, "renewed in the background");
    assert_eq!(w.state().kind(), StateKind::LoggedIn);
    let event = w.phone_event();
    let again = w.tap(Call::VerifyPhone(event));
    w.run();
    assert!(
        matches!(w.outcome(again), Some(Outcome::Body(_))),
        "the next tap works"
    );
    assert!(w.phone_codes_sent_once());
}

#[test]
fn a_failing_backend_or_network_is_never_retried_with_the_same_code() {
    for fault in [Fault::Http503, Fault::Timeout, Fault::Http403] {
        let mut w = phone_logged_in();
        let event = w.phone_event();
        let next = w.log.len();
        w.armed.insert(next, fault);
        let id = w.tap(Call::VerifyPhone(event));
        w.run();
        let want = match fault {
            Fault::Http503 => "SERVER",
            Fault::Timeout => "NETWORK",
            _ => "PHONE_FAILED",
        };
        assert_eq!(code(&w, id), Some(want), "{fault:?}");
        assert_eq!(w.count("request /auth/phone"), 1, "{fault:?}: no retry");
        assert_eq!(w.backend.phone, None);
    }
}

#[test]
fn a_used_code_is_refused_by_the_backend() {
    let mut w = phone_logged_in();
    let event = w.phone_event();
    let first = w.tap(Call::VerifyPhone(event.clone()));
    w.run();
    assert!(matches!(w.outcome(first), Some(Outcome::Body(_))));
    let second = w.tap(Call::VerifyPhone(event));
    w.run();
    assert_eq!(code(&w, second), Some("PHONE_FAILED"));
}

#[test]
fn declined_unavailable_and_no_quota_fail_at_once_with_their_codes() {
    use wx_auth::phone::PhoneEvent;
    let mut w = phone_logged_in();
    let cases = [
        ("getPhoneNumber:fail user deny", None, None, "PHONE_DENIED"),
        (
            "getPhoneNumber:fail no quota",
            None,
            Some(1_400_001),
            "PHONE_QUOTA",
        ),
        ("getPhoneNumber:ok", None, None, "PHONE_UNAVAILABLE"),
        (
            "getPhoneNumber:fail privacy permission is not authorized",
            None,
            Some(104),
            "PRIVACY_DENIED",
        ),
    ];
    for (err_msg, code_field, errno, want) in cases {
        let event = PhoneEvent {
            code: code_field,
            err_msg: err_msg.into(),
            errno,
        };
        let id = w.tap(Call::VerifyPhone(event));
        assert_eq!(
            code(&w, id),
            Some(want),
            "{err_msg}: settles before any input"
        );
    }
    assert_eq!(w.count("request /auth/phone"), 0);
    assert_eq!(w.state().kind(), StateKind::LoggedIn);
}

#[test]
fn verify_phone_needs_the_option_and_a_session() {
    let mut w = World::new(Config::default(), false);
    w.call(Call::Login);
    w.run();
    let event = w.phone_event();
    let id = w.tap(Call::VerifyPhone(event));
    assert_eq!(code(&w, id), Some("INVALID_ARGUMENT"));
    let mut w = World::new(phone_config(), false);
    let event = w.phone_event();
    let id = w.tap(Call::VerifyPhone(event));
    w.run();
    assert_eq!(code(&w, id), Some("NOT_LOGGED_IN"));
    assert_eq!(w.count("request /auth/phone"), 0);
}

// ---- The profile on the backend (profileUrl) ----

fn profile_config() -> Config {
    Config {
        profile_url: true,
        ..Config::default()
    }
}

fn save(nick: Option<&str>, avatar: Option<&str>) -> Call<world::Native> {
    Call::SaveProfile(wx_auth::profile::ProfilePatch {
        nick_name: nick.map(Into::into),
        avatar_url: avatar.map(Into::into),
    })
}

fn profile_of(w: &World) -> Option<(String, String, bool)> {
    w.state().profile().map(|p| {
        (
            p.nick_name().to_string(),
            p.avatar_url().to_string(),
            p.saved(),
        )
    })
}

#[test]
fn a_profile_given_before_login_is_uploaded_after_it_and_marked_saved() {
    let mut w = World::new(profile_config(), false);
    w.set_profile(Some("小明"), Some("wxfile://tmp/a.png"))
        .unwrap();
    w.run();
    assert_eq!(w.count("request /auth/profile"), 0, "no session yet");
    let id = w.call(Call::Login);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::LoggedIn)
    );
    assert_eq!(w.count("request /auth/profile"), 1);
    let avatar = "https://api.example.com/avatars/1.png".to_string();
    assert_eq!(profile_of(&w), Some(("小明".into(), avatar.clone(), true)));
    assert_eq!(w.backend.profile, Some(("小明".into(), avatar)));
    assert!(w.record_text().unwrap().contains(r#""saved":true"#));
    // Saved once: a restart or a renewal sends nothing again.
    w.restart();
    w.advance(7200 * 1000);
    w.call(me());
    w.run();
    assert_eq!(w.count("request /auth/profile"), 1);
}

#[test]
fn a_login_on_a_new_device_restores_the_saved_profile() {
    let mut w = World::new(profile_config(), false);
    w.backend.profile = Some((
        "小明".into(),
        "https://api.example.com/avatars/7.png".into(),
    ));
    let id = w.call(Call::Login);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::LoggedIn)
    );
    assert_eq!(
        profile_of(&w),
        Some((
            "小明".into(),
            "https://api.example.com/avatars/7.png".into(),
            true
        ))
    );
    assert_eq!(w.count("request /auth/profile"), 0, "nothing to upload");
    // A saved profile gives way to a newer one the backend holds at the next login.
    w.backend.profile = Some((
        "小明2".into(),
        "https://api.example.com/avatars/8.png".into(),
    ));
    w.call(Call::Logout);
    w.run();
    w.call(Call::Login);
    w.run();
    assert_eq!(profile_of(&w).map(|p| p.0), Some("小明2".into()));
}

#[test]
fn an_unsaved_profile_on_the_device_wins_over_the_backends_and_is_uploaded() {
    let mut w = World::new(profile_config(), false);
    w.backend.profile = Some((
        "旧名".into(),
        "https://api.example.com/avatars/7.png".into(),
    ));
    w.set_profile(Some("新名"), Some("https://thirdwx.qlogo.cn/a/132"))
        .unwrap();
    w.call(Call::Login);
    w.run();
    assert_eq!(
        profile_of(&w),
        Some(("新名".into(), "https://thirdwx.qlogo.cn/a/132".into(), true)),
        "an https avatar goes as JSON and is kept"
    );
    assert_eq!(
        w.backend.profile.as_ref().map(|p| p.0.as_str()),
        Some("新名")
    );
}

#[test]
fn set_profile_while_logged_in_saves_in_the_background() {
    let mut w = World::new(profile_config(), false);
    w.call(Call::Login);
    w.run();
    let state = w
        .set_profile(Some("小红"), Some("wxfile://tmp/b.png"))
        .unwrap();
    assert!(
        !state.profile().unwrap().saved(),
        "unsaved until the backend answers"
    );
    w.run();
    assert_eq!(
        profile_of(&w).map(|p| (p.0, p.2)),
        Some(("小红".into(), true))
    );
    // Refused in the background: the profile stays on the device, unsaved.
    let mut w = World::new(profile_config(), false);
    w.call(Call::Login);
    w.run();
    w.set_profile(Some("小红"), Some("/etc/passwd")).unwrap();
    w.run();
    assert_eq!(
        profile_of(&w),
        Some(("小红".into(), "/etc/passwd".into(), false))
    );
}

#[test]
fn save_profile_takes_the_new_profile_only_once_the_backend_has_it() {
    let mut w = World::new(profile_config(), false);
    w.set_profile(Some("小明"), Some("wxfile://tmp/a.png"))
        .unwrap();
    w.call(Call::Login);
    w.run();
    let before = profile_of(&w);
    let record = w.record_text();
    // Refused (415): nothing changes on the device.
    let id = w.call(save(Some("小红"), Some("/not/an/image")));
    w.run();
    assert_eq!(code(&w, id), Some("PROFILE_REJECTED"));
    assert_eq!(profile_of(&w), before);
    assert_eq!(w.record_text(), record);
    // A network failure: the same.
    let next = w.log.len();
    w.armed.insert(next, Fault::Timeout);
    let id = w.call(save(Some("小红"), None));
    w.run();
    assert_eq!(code(&w, id), Some("NETWORK"));
    assert_eq!(profile_of(&w), before);
    // Accepted: resolves with the saved profile, its avatar the backend's URL.
    let id = w.call(save(Some("小红"), Some("wxfile://tmp/c.png")));
    w.run();
    match w.outcome(id) {
        Some(Outcome::State(s)) => {
            let p = s.profile().unwrap();
            assert_eq!(p.nick_name(), "小红");
            assert_eq!(p.avatar_url(), "https://api.example.com/avatars/2.png");
            assert!(p.saved());
        }
        other => panic!("expected the state, got {other:?}"),
    }
    // Only the nickname changes: the saved https avatar goes as JSON, no upload.
    let id = w.call(save(Some("小红2"), None));
    w.run();
    assert!(matches!(w.outcome(id), Some(Outcome::State(_))));
    assert_eq!(w.backend.uploads, 2);
    assert_eq!(profile_of(&w).map(|p| p.0), Some("小红2".into()));
}

#[test]
fn a_401_fails_the_save_renews_and_an_unsaved_profile_goes_again_after_the_renewal() {
    let mut w = World::new(profile_config(), false);
    w.call(Call::Login);
    w.run();
    let revoke = |w: &mut World| {
        let token = w.state().session().unwrap().token().to_string();
        w.backend.sessions.get_mut(&token).unwrap().revoked = true;
    };
    // A page's saveProfile: fails, the device keeps what it had, the session is renewed.
    revoke(&mut w);
    let id = w.call(save(Some("小明"), Some("wxfile://tmp/a.png")));
    w.run();
    assert_eq!(code(&w, id), Some("NOT_LOGGED_IN"));
    assert_eq!(w.state().profile(), None);
    assert_eq!(w.count("login"), 2, "renewed in the background");
    assert_eq!(w.state().kind(), StateKind::LoggedIn);
    // A background save: sent again once the renewal lands, and saved.
    revoke(&mut w);
    w.set_profile(Some("小明"), Some("wxfile://tmp/a.png"))
        .unwrap();
    w.run();
    assert_eq!(w.count("login"), 3);
    assert_eq!(w.count("request /auth/profile"), 3);
    assert_eq!(
        profile_of(&w).map(|p| (p.0, p.2)),
        Some(("小明".into(), true))
    );
}

#[test]
fn without_profile_url_the_profile_stays_on_the_device() {
    let mut w = agreed();
    w.set_profile(Some("小明"), Some("wxfile://tmp/a.png"))
        .unwrap();
    w.call(Call::Login);
    w.run();
    w.set_profile(Some("小红"), None).unwrap();
    w.run();
    assert_eq!(w.count("request /auth/profile"), 0);
    assert_eq!(profile_of(&w).map(|p| p.2), Some(false));
    let id = w.call(save(None, None));
    w.run();
    assert_eq!(code(&w, id), Some("INVALID_ARGUMENT"));
}

#[test]
fn an_unbind_during_a_save_keeps_its_answer_from_the_state() {
    let config = Config {
        unbind_url: true,
        ..profile_config()
    };
    let mut w = World::new(config, false);
    w.call(Call::Login);
    w.run();
    let id = w.call(save(Some("小明"), Some("wxfile://tmp/a.png")));
    w.call(Call::Unbind);
    w.run();
    assert_eq!(w.state().kind(), StateKind::PrivacyAgreed);
    assert_eq!(
        w.state().profile(),
        None,
        "the answer came for an account now gone"
    );
    assert!(w.outcome(id).is_some());
}

// ---- Login without a code (the cloud transport's cloud function) ----

#[test]
fn without_a_code_login_renewal_and_unbind_call_no_wx_login() {
    let config = Config {
        login_without_code: true,
        unbind_url: true,
        ..Config::default()
    };
    let mut w = World::new(config, false);
    w.backend.platform_identity = true;
    let id = w.call(Call::Login);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::LoggedIn)
    );
    assert_eq!(w.count("login"), 0);
    assert_eq!(w.count("request /auth/login"), 1);
    // A renewal on expiry: the same, with the budget and the resend as ever.
    w.advance(7200 * 1000);
    let id = w.call(me());
    w.run();
    assert!(matches!(w.outcome(id), Some(Outcome::Response(r)) if r.status == 200));
    assert_eq!((w.count("login"), w.count("request /auth/login")), (0, 2));
    // A busy backend is retried, still without a code.
    w.call(Call::Logout);
    w.run();
    let next = w.log.len();
    w.armed.insert(next, Fault::Http503);
    let id = w.call(Call::Login);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::LoggedIn)
    );
    assert_eq!(w.count("request /auth/login"), 4, "the 503, then the retry");
    let id = w.call(Call::Unbind);
    w.run();
    assert_eq!(
        w.outcome(id).and_then(state_kind),
        Some(StateKind::PrivacyAgreed)
    );
    assert_eq!(w.count("login"), 0, "never a wx.login");
    assert!(!w.backend.bound);
}

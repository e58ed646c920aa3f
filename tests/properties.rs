//! Property tests of the real engine over random interleavings, run natively.
//!
//! Each case is a random sequence of page calls (logout and reset among them, so they
//! race every step), deliveries of any pending wx answer, response or timer in any
//! order, prompt answers, faults armed for the next wx call or request, the backend
//! revoking or refusing tokens, time passing and restarts, applied to the engine in the
//! world of `tests/support/world.rs`. After every step:
//! - the stored record matches the state (when no write is in flight and the last one
//!   did not fail): no record for anonymous and privacy-agreed, else exactly this state;
//! - never logged in without a token the backend issued;
//! - no token comes back after a logout or reset: the state's token is the one a failed
//!   logout kept, or its wx.login code came after the call;
//! - no page call settles twice.
//!
//! At the end every answer is delivered and every prompt declined: then every page call
//! of the running SDK has settled exactly once.
//!
//! The properties over outside input (records, replies, wx failures…) are in tests/parsing.rs.
#![cfg(not(target_arch = "wasm32"))]

#[path = "support/world.rs"]
mod world;

use proptest::prelude::*;
use world::{me, Fault, PromptPolicy, World};
use wx_auth::budget::RenewalBudget;
use wx_auth::engine::Call;
use wx_auth::record::Decoded;
use wx_auth::retry::Backoff;
use wx_auth::state::AuthState;
use wx_auth::Config;

/// How many random cases `make test` runs (about 15 steps each).
const CASES: u32 = 100_000;

#[derive(Debug, Clone)]
enum Action {
    AgreePrivacy,
    TapProfile,
    SetProfile(Option<&'static str>, Option<&'static str>),
    Login,
    Request,
    Logout,
    Reset,
    Unbind,
    Phone,
    /// `saveProfile(fields)` with these fields.
    SaveProfile(Option<&'static str>, Option<&'static str>),
    Setting,
    TapOpenSetting,
    Contract,
    /// Deliver one of the pending answers (index modulo how many there are).
    Deliver(u8),
    /// Deliver everything pending, in time order.
    Run,
    /// Answer the waiting privacy prompt.
    Prompt(bool),
    /// The next wx call or request meets this fault.
    Fault(Fault),
    /// The backend revokes the session it issued last (the next request gets 401).
    Revoke,
    /// The backend starts or stops refusing every token.
    RefuseAll(bool),
    Advance(u64),
    Restart,
}

fn action() -> impl Strategy<Value = Action> {
    let text = prop_oneof![
        Just(None),
        Just(Some("")),
        Just(Some(" 小明 ")),
        Just(Some("wxfile://tmp/a.png")),
    ];
    prop_oneof![
        2 => Just(Action::AgreePrivacy),
        1 => Just(Action::TapProfile),
        1 => (text.clone(), text.clone()).prop_map(|(n, a)| Action::SetProfile(n, a)),
        1 => (text.clone(), text).prop_map(|(n, a)| Action::SaveProfile(n, a)),
        3 => Just(Action::Login),
        3 => Just(Action::Request),
        2 => Just(Action::Logout),
        1 => Just(Action::Reset),
        1 => Just(Action::Unbind),
        1 => Just(Action::Phone),
        1 => prop_oneof![Just(Action::Setting), Just(Action::TapOpenSetting), Just(Action::Contract)],
        8 => any::<u8>().prop_map(Action::Deliver),
        2 => Just(Action::Run),
        1 => any::<bool>().prop_map(Action::Prompt),
        2 => proptest::sample::select(Fault::ALL.to_vec()).prop_map(Action::Fault),
        1 => Just(Action::Revoke),
        1 => any::<bool>().prop_map(Action::RefuseAll),
        2 => prop_oneof![0u64..2_000, 0u64..10_000_000].prop_map(Action::Advance),
        1 => Just(Action::Restart),
    ]
}

fn step(w: &mut World, action: Action) {
    match action {
        Action::AgreePrivacy => {
            w.call(Call::AgreePrivacy);
        }
        Action::TapProfile => {
            w.tap(Call::GetUserProfile("用于完善会员资料".into()));
        }
        Action::SetProfile(nick, avatar) => {
            let before = w.state().clone();
            if w.set_profile(nick, avatar).is_err() {
                assert_eq!(w.state(), &before, "a refused setProfile changed the state");
            }
        }
        Action::SaveProfile(nick, avatar) => {
            w.call(Call::SaveProfile(wx_auth::profile::ProfilePatch {
                nick_name: nick.map(Into::into),
                avatar_url: avatar.map(Into::into),
            }));
        }
        Action::Login => {
            w.call(Call::Login);
        }
        Action::Request => {
            w.call(me());
        }
        Action::Logout => {
            w.call(Call::Logout);
        }
        Action::Reset => {
            w.call(Call::Reset);
        }
        Action::Unbind => {
            w.call(Call::Unbind);
        }
        Action::Phone => {
            let event = w.phone_event();
            w.tap(Call::VerifyPhone(event));
        }
        Action::Setting => {
            w.call(Call::GetSetting);
        }
        Action::TapOpenSetting => {
            w.tap(Call::OpenSetting);
        }
        Action::Contract => {
            w.call(Call::OpenPrivacyContract);
        }
        Action::Deliver(k) => {
            let ready = w.deliverable();
            if !ready.is_empty() {
                w.deliver(ready[usize::from(k) % ready.len()]);
            }
        }
        Action::Run => w.run(),
        Action::Prompt(agree) => {
            let _ = w.resolve_prompt(agree);
        }
        Action::Fault(fault) => {
            let next = w.log.len();
            w.armed.insert(next, fault);
        }
        Action::Revoke => {
            let last = format!("tok-{}", w.backend.next_token);
            if let Some(s) = w.backend.sessions.get_mut(&last) {
                s.revoked = true;
            }
        }
        Action::RefuseAll(on) => w.backend.refuse_all = on,
        Action::Advance(ms) => w.advance(ms),
        Action::Restart => {
            w.restart();
            if !w.started {
                w.restart(); // a transient read failure: the app starts again
            }
        }
    }
    check(w);
}

fn check(w: &World) {
    assert!(w.double_settle.is_none(), "a page call settled twice");
    if w.started && !w.write_pending() && !w.last_write_failed {
        let junk_left_alone = matches!(w.state(), AuthState::Anonymous | AuthState::PrivacyAgreed)
            && matches!(w.stored_state(), Some(Decoded::Corrupt));
        assert!(
            w.record_matches_state() || junk_left_alone,
            "record {:?} vs state {:?}",
            w.record_text(),
            w.state()
        );
    }
    if let Some(session) = w.state().session() {
        assert!(
            w.backend.sessions.contains_key(session.token()),
            "logged in with a token the backend never issued"
        );
    }
    assert!(w.token_is_live(), "a token from before a logout came back");
    assert!(w.phone_codes_sent_once(), "a phone code was sent twice");
    // A profile marked saved is one the backend saved (a later save from this device may
    // have replaced it there, if a logout came between and its answer was not taken).
    if let Some(p) = w.state().profile().filter(|p| p.saved()) {
        let held = (p.nick_name().to_string(), p.avatar_url().to_string());
        assert!(
            w.backend.saved_profiles.contains(&held),
            "a profile marked saved that the backend never saved: {held:?}"
        );
    }
}

/// Delivers everything and declines every prompt: then every call has settled.
fn finish(w: &mut World) {
    w.prompt_policy = PromptPolicy::Disagree;
    for _ in 0..100 {
        let _ = w.resolve_prompt(false);
        w.run();
        if w.deliverable().is_empty() && w.pending.is_empty() {
            break;
        }
    }
    check(w);
    if w.started {
        for id in &w.calls {
            assert!(w.settled.contains_key(id), "page call {id:?} never settled");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn random_interleavings_keep_the_invariants(
        needs_privacy in any::<bool>(),
        require_profile in any::<bool>(),
        check_session in any::<bool>(),
        old_base in any::<bool>(),
        without_code in any::<bool>(),
        policy in prop_oneof![Just(PromptPolicy::Agree), Just(PromptPolicy::Disagree), Just(PromptPolicy::Wait)],
        actions in proptest::collection::vec(action(), 1..30),
    ) {
        let config = Config {
            require_profile,
            check_session,
            logout_url: true,
            unbind_url: true,
            phone_url: true,
            profile_url: true,
            login_without_code: without_code,
            backoff: Backoff { attempts: 3, base_ms: 100, max_ms: 400 },
            renewals: RenewalBudget { max: 3, per_ms: 60_000 },
        };
        let version = if old_base { "2.20.0" } else { "3.3.4" };
        let mut w = World::with_version(config, needs_privacy, version);
        w.backend.platform_identity = without_code;
        w.prompt_policy = policy;
        for a in actions {
            step(&mut w, a);
        }
        finish(&mut w);
    }
}

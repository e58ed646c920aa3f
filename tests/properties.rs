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
//! A second group feeds arbitrary text to everything that parses outside input.
#![cfg(not(target_arch = "wasm32"))]

#[path = "support/world.rs"]
mod world;

use proptest::prelude::*;
use world::{me, Fault, PromptPolicy, World};
use wx_auth::budget::RenewalBudget;
use wx_auth::engine::Call;
use wx_auth::exchange;
#[path = "support/json_oracle.rs"]
mod json_oracle;
use json_oracle::from_serde;
use wx_auth::json::Json;
use wx_auth::profile::Profile;
use wx_auth::record::{self, Decoded};
use wx_auth::request::Method;
use wx_auth::retry::Backoff;
use wx_auth::state::AuthState;
use wx_auth::version::BaseVersion;
use wx_auth::wx_failure::WxFailure;
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
        1 => (text.clone(), text).prop_map(|(n, a)| Action::SetProfile(n, a)),
        3 => Just(Action::Login),
        3 => Just(Action::Request),
        2 => Just(Action::Logout),
        1 => Just(Action::Reset),
        1 => Just(Action::Unbind),
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
        policy in prop_oneof![Just(PromptPolicy::Agree), Just(PromptPolicy::Disagree), Just(PromptPolicy::Wait)],
        actions in proptest::collection::vec(action(), 1..30),
    ) {
        let config = Config {
            require_profile,
            check_session,
            logout_url: true,
            unbind_url: true,
            backoff: Backoff { attempts: 3, base_ms: 100, max_ms: 400 },
            renewals: RenewalBudget { max: 3, per_ms: 60_000 },
        };
        let version = if old_base { "2.20.0" } else { "3.3.4" };
        let mut w = World::with_version(config, needs_privacy, version);
        w.prompt_policy = policy;
        for a in actions {
            step(&mut w, a);
        }
        finish(&mut w);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn stored_records_never_panic_and_valid_ones_round_trip(text in ".{0,200}") {
        if let Decoded::State(state) = record::decode(&text) {
            let again = record::encode(&state).expect("a decoded state is a stored kind");
            prop_assert_eq!(record::decode(&again), Decoded::State(state));
        }
    }

    #[test]
    fn json_shaped_records_never_panic(
        v in prop_oneof![Just("1".to_string()), Just("2".to_string()), "-?[0-9.e]{1,6}"],
        state in "(logged-in|logged-out|profile-granted|anonymous|x)",
        token in proptest::option::of("[ -~]{0,10}"),
        issued in proptest::option::of("-?[0-9.e]{1,25}"),
        expires in proptest::option::of("-?[0-9.e]{1,25}"),
    ) {
        let mut text = format!(r#"{{"v":{v},"state":"{state}""#);
        if let Some(t) = token { text.push_str(&format!(r#","token":{}"#, serde_json_string(&t))); }
        if let Some(i) = issued { text.push_str(&format!(r#","issuedAt":{i}"#)); }
        if let Some(e) = expires { text.push_str(&format!(r#","expiresAt":{e}"#)); }
        text.push('}');
        let _ = record::decode(&text);
    }

    #[test]
    fn login_replies_never_panic(status in any::<u16>(), body in ".{0,120}", sent_at in any::<u64>()) {
        let _ = exchange::parse_reply(status, &body, sent_at);
        let json = format!(r#"{{"token":{},"expiresIn":{}}}"#, serde_json_string(&body), status);
        for at in [sent_at, u64::MAX, u64::MAX - 1] {
            if let Ok(s) = exchange::parse_reply(200, &json, at) {
                prop_assert!(!s.token().is_empty());
                // Whatever the clock said, an issued session survives storage.
                let state = AuthState::LoggedIn { session: s, profile: None };
                let text = record::encode(&state).expect("logged-in is stored");
                prop_assert_eq!(record::decode(&text), Decoded::State(state));
            }
        }
    }

    #[test]
    fn the_json_reader_agrees_with_serde_json(text in json_tokens()) {
        let ours = Json::parse(&text);
        let theirs = serde_json::from_str::<serde_json::Value>(&text).ok();
        match (&ours, &theirs) {
            (Some(a), Some(b)) => {
                // serde_json keeps the last of duplicate keys; compare only unambiguous documents.
                if !has_duplicate_keys(a) {
                    prop_assert_eq!(sorted(a), from_serde(b), "{}", text);
                }
            }
            (None, None) => {}
            _ => prop_assert!(false, "{text}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    #[test]
    fn what_serde_json_writes_the_json_reader_reads(text in ".{0,40}", n in any::<u64>(), m in any::<i64>()) {
        let value = serde_json::json!({ "s": text, "n": n, "m": m, "a": [text, null, true, {"k": n}] });
        let written = serde_json::to_string(&value).unwrap();
        prop_assert_eq!(Json::parse(&written).map(|j| sorted(&j)), Some(from_serde(&value)));
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        prop_assert_eq!(Json::parse(&pretty).map(|j| sorted(&j)), Some(from_serde(&value)));
    }

    #[test]
    fn wx_failures_and_inputs_never_panic(msg in ".{0,80}", errno in proptest::option::of(any::<i64>()), api in "[a-zA-Z]{0,12}") {
        let f = WxFailure::new(msg.clone(), errno);
        let _ = f.kind();
        let _ = f.is_fail_of(&api);
        let _ = BaseVersion::parse(&msg);
        let _ = Method::parse(&msg);
        let _ = Profile::new(&msg, &api);
        let _ = exchange::login_body(&msg);
    }
}

/// JSON-shaped text from tokens (no exponents, so no float-range differences), shallow.
fn json_tokens() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{"),
        Just("}"),
        Just("["),
        Just("]"),
        Just(","),
        Just(":"),
        Just(" "),
        Just("\"a\""),
        Just("\"b\""),
        Just("\"\\u00e9\\n\""),
        Just("\"\\ud83c\\udf0f\""),
        Just("\"\\ud800\""),
        Just("\"\\x\""),
        Just("1"),
        Just("-2.5"),
        Just("0"),
        Just("01"),
        Just("-"),
        Just("1."),
        Just("true"),
        Just("false"),
        Just("null"),
        Just("nul"),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

/// The value with every object's members in key order, as serde_json's map keeps them,
/// and every number written as serde_json writes the same number (it prints `-2.50`
/// as `-2.5`: the texts differ, the values must not).
fn sorted(v: &Json) -> Json {
    match v {
        Json::Number(text) => Json::Number(
            serde_json::from_str::<serde_json::Number>(text)
                .map_or_else(|_| text.clone(), |n| n.to_string()),
        ),
        Json::Array(items) => Json::Array(items.iter().map(sorted).collect()),
        Json::Object(members) => {
            let mut m: Vec<(String, Json)> = members
                .iter()
                .map(|(k, v)| (k.clone(), sorted(v)))
                .collect();
            m.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(m)
        }
        other => other.clone(),
    }
}

fn has_duplicate_keys(v: &Json) -> bool {
    match v {
        Json::Array(items) => items.iter().any(has_duplicate_keys),
        Json::Object(members) => {
            members
                .iter()
                .enumerate()
                .any(|(i, (k, _))| members.iter().skip(i + 1).any(|(k2, _)| k == k2))
                || members.iter().any(|(_, v)| has_duplicate_keys(v))
        }
        _ => false,
    }
}

fn serde_json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

//! Property tests of everything that parses outside input, run natively: arbitrary text
//! as a stored record, a login reply, a wx failure, a base library version, a request
//! method, profile fields and a login code. Nothing may panic, and whatever reads as
//! valid must survive being written again.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use wx_auth::exchange;
#[path = "support/json_oracle.rs"]
mod json_oracle;
use json_oracle::from_serde;
use wx_auth::json::Json;
use wx_auth::profile::Profile;
use wx_auth::record::{self, Decoded};
use wx_auth::request::Method;
use wx_auth::state::AuthState;
use wx_auth::version::BaseVersion;
use wx_auth::wx_failure::WxFailure;

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

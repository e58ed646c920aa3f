//! Property tests of everything that parses outside input, run natively: arbitrary text
//! as a stored record, a login reply, a wx failure, a base library version, a request
//! method, profile fields and a login code. Nothing may panic, and whatever reads as
//! valid must survive being written again.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use wx_auth::exchange;
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
    fn json_shaped_text_never_panics(text in json_tokens(), status in any::<u16>(), sent_at in any::<u64>()) {
        if let Decoded::State(state) = record::decode(&text) {
            let again = record::encode(&state).expect("a decoded state is a stored kind");
            prop_assert_eq!(record::decode(&again), Decoded::State(state));
        }
        let _ = exchange::parse_reply(status, &text, sent_at);
        let _ = exchange::check_unbind_reply(status, &text);
        let _ = exchange::parse_login_with::<serde_json::Value>(status, &text, sent_at);
        if let Ok(p) = wx_auth::profile_sync::check_profile_reply_with::<serde_json::Value>(status, &text) {
            // A profile the backend saved is one the SDK can store and read back.
            prop_assert!(p.saved() && !p.avatar_is_file());
            let state = AuthState::ProfileGranted { profile: p };
            let again = record::encode(&state).expect("profile-granted is stored");
            prop_assert_eq!(record::decode(&again), Decoded::State(state));
        }
    }

    #[test]
    fn profile_replies_never_panic(status in any::<u16>(), nick in ".{0,80}", avatar in ".{0,80}") {
        let body = format!(r#"{{"nickName":{},"avatarUrl":{}}}"#, serde_json_string(&nick), serde_json_string(&avatar));
        for text in [body.as_str(), nick.as_str()] {
            match wx_auth::profile_sync::check_profile_reply_with::<serde_json::Value>(status, text) {
                Ok(p) => prop_assert!((200..300).contains(&status) && p.saved()),
                Err(e) => prop_assert_eq!(e.status, Some(status)),
            }
            let login = format!(r#"{{"token":"t","expiresIn":60,"profile":{text}}}"#);
            if let Ok((_, Some(p))) = exchange::parse_login_with::<serde_json::Value>(200, &login, 0) {
                prop_assert!(p.saved() && !p.avatar_is_file());
            }
        }
    }

    #[test]
    fn unbind_replies_never_panic(status in any::<u16>(), body in ".{0,120}") {
        match exchange::check_unbind_reply(status, &body) {
            Ok(()) => prop_assert!((200..300).contains(&status)),
            Err(e) => prop_assert_eq!(e.status, Some(status)),
        }
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

/// JSON-shaped text from tokens, valid or nearly: keys the readers look for, strings
/// with escapes and surrogates, numbers good and bad, literals whole and cut short.
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
        Just("{\"v\":2,\"state\":"),
        Just("\"logged-out\",\"reason\":\"user\""),
        Just("\"token\":\"t\",\"expiresIn\":"),
        Just("\"ok\":true"),
        Just("\"code\":"),
        Just("\"message\":"),
        Just("-1"),
        Just("7.2e3"),
        Just("1e400"),
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

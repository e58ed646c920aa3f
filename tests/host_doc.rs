//! The shipped wasm reads JSON with the host's `JSON.parse` (`web::doc::HostDoc`); the
//! native tests and fuzzers read it with serde_json (`wx_auth::doc_serde`, which
//! `record::decode`, `exchange::parse_reply` and `exchange::check_unbind_reply` use).
//! Here both read the same records and replies and must mean the same thing, except
//! where `wx_auth::doc` says they differ, and there each reads as stated.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test;
use wx_auth::error::ErrorCode;
use wx_auth::exchange::{
    check_unbind_reply, check_unbind_reply_with, parse_reply, parse_reply_with,
};
use wx_auth::profile::Profile;
use wx_auth::record::{self, Decoded};
use wx_auth::session::Session;
use wx_auth::state::{AuthState, LogoutReason};
use wx_auth::web::doc::HostDoc;

fn host(text: &str) -> Decoded {
    record::decode_with::<HostDoc>(text)
}

fn states() -> Vec<AuthState> {
    let profile = Profile::new("小明 \u{1F600}", "https://a/1.png").expect("profile");
    let session =
        Session::restore("tok\"en\\x", 1_700_000_000_000, 1_700_007_200_000).expect("session");
    vec![
        AuthState::ProfileGranted {
            profile: profile.clone(),
        },
        AuthState::LoggedIn {
            session: session.clone(),
            profile: None,
        },
        AuthState::LoggedIn {
            session,
            profile: Some(profile.clone()),
        },
        AuthState::LoggedOut {
            profile: None,
            reason: LogoutReason::User,
        },
        AuthState::LoggedOut {
            profile: Some(profile),
            reason: LogoutReason::Revoked,
        },
        AuthState::LoggedOut {
            profile: None,
            reason: LogoutReason::Expired,
        },
    ]
}

#[wasm_bindgen_test]
fn every_record_the_sdk_writes_reads_back_the_same() {
    for state in states() {
        let text = record::encode(&state).expect("a record");
        assert_eq!(host(&text), Decoded::State(state.clone()), "{text}");
        assert_eq!(host(&text), record::decode(&text), "{text}");
    }
}

#[wasm_bindgen_test]
fn junk_old_and_future_records_read_the_same() {
    let texts = [
        "",
        "{",
        "null",
        "[1,2]",
        "\"v\"",
        "42",
        r#"{"v":2}"#,
        r#"{"v":0,"state":"logged-out","reason":"user"}"#,
        r#"{"v":-1,"state":"logged-out","reason":"user"}"#,
        r#"{"v":"2","state":"logged-out","reason":"user"}"#,
        r#"{"v":1.5,"state":"logged-out"}"#,
        r#"{"v":3,"anything":true}"#,
        r#"{"v":1,"state":"logged-out"}"#,
        r#"{"v":1,"state":"logged-out","reason":"user"}"#,
        r#"{"v":2,"state":"logged-out"}"#,
        r#"{"v":2,"state":"logged-out","reason":"stolen"}"#,
        r#"{"v":2,"state":"logged-out","reason":"user","token":"t"}"#,
        r#"{"v":2,"state":"logged-in","token":"t","issuedAt":1,"expiresAt":null}"#,
        r#"{"v":2,"state":"logged-in","token":"t","issuedAt":1,"expiresAt":"9"}"#,
        r#"{"v":2,"state":"logged-in","token":"t","issuedAt":1,"expiresAt":900000,"profile":null}"#,
        r#"{"v":2,"state":"logged-in","token":"t","issuedAt":1,"expiresAt":900000,"profile":[]}"#,
        r#"{"v":2,"state":"profile-granted","profile":{"nickName":"a"}}"#,
        r#"{"v":2,"state":"profile-granted","profile":{"nickName":"a","avatarUrl":"https://a"}}"#,
        r#"{"v":2,"state":"anonymous"}"#,
        r#"{"v":2,"state":"logged-in","token":"t","issuedAt":-5,"expiresAt":900000}"#,
        r#" {"v":2,"state":"logged-out","reason":"expired"} "#,
        r#"{"v":2,"state":"logged-out","reason":"expired"} x"#,
        // A key given twice: both take the last one.
        r#"{"v":2,"state":"logged-out","reason":"user","reason":"expired"}"#,
        r#"{"v":2,"state":"logged-out","reason":"user","reason":"bored"}"#,
        r#"{"v":1,"v":2,"state":"logged-out","reason":"revoked"}"#,
        // Whole numbers up to 2^53 - 1 as times, and one past it where nothing reads it.
        r#"{"v":2,"state":"logged-in","token":"t","issuedAt":1,"expiresAt":9007199254740991}"#,
        r#"{"v":2,"state":"logged-out","reason":"user","note":9007199254740993}"#,
        r#"{"v":2,"state":"logged-out","reason":"user","note":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}"#,
    ];
    for text in texts {
        assert_eq!(host(text), record::decode(text), "{text}");
    }
}

/// A record serde_json rejects and the host reads as `state`.
fn only_the_host_reads(text: &str, state: AuthState) {
    assert_eq!(record::decode(text), Decoded::Corrupt, "{text}");
    assert_eq!(host(text), Decoded::State(state), "{text}");
}

fn logged_out(reason: LogoutReason) -> AuthState {
    AuthState::LoggedOut {
        profile: None,
        reason,
    }
}

#[wasm_bindgen_test]
fn where_the_parsers_differ_each_reads_as_documented() {
    // 2.0 or -0 where an integer is expected: not an integer literal for serde_json,
    // the same number as 2 or 0 for the host.
    only_the_host_reads(
        r#"{"v":2.0,"state":"logged-out","reason":"user"}"#,
        logged_out(LogoutReason::User),
    );
    let session = Session::restore("t", 0, 5).expect("session");
    only_the_host_reads(
        r#"{"v":2,"state":"logged-in","token":"t","issuedAt":-0,"expiresAt":5}"#,
        AuthState::LoggedIn {
            session,
            profile: None,
        },
    );
    // A lone surrogate, a number beyond f64's range, or nesting past 127 levels in a
    // member the SDK does not read spoils the document only for serde_json.
    only_the_host_reads(
        r#"{"v":2,"state":"logged-out","reason":"user","note":"\udc00"}"#,
        logged_out(LogoutReason::User),
    );
    only_the_host_reads(
        r#"{"v":2,"state":"logged-out","reason":"expired","note":1e400}"#,
        logged_out(LogoutReason::Expired),
    );
    let deep = format!(
        r#"{{"v":2,"state":"logged-out","reason":"revoked","note":{}1{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    only_the_host_reads(&deep, logged_out(LogoutReason::Revoked));
    // An integer past 2^53 - 1: exact for serde_json, no integer for the host.
    let far =
        r#"{"v":2,"state":"logged-in","token":"t","issuedAt":1,"expiresAt":9007199254740993}"#;
    let session = Session::restore("t", 1, 9_007_199_254_740_993).expect("session");
    assert_eq!(
        record::decode(far),
        Decoded::State(AuthState::LoggedIn {
            session,
            profile: None
        })
    );
    assert_eq!(host(far), Decoded::Corrupt);
    assert_eq!(host(r#"{"v":9007199254740993}"#), Decoded::Corrupt);
    assert_eq!(
        record::decode(r#"{"v":9007199254740993}"#),
        Decoded::Future(9_007_199_254_740_993)
    );
    // A lone surrogate in a member it reads: serde_json rejects the document, the host
    // the string, so the record is corrupt either way; a genuine U+FFFD is kept.
    let lone = r#"{"v":2,"state":"profile-granted","profile":{"nickName":"a\ud800","avatarUrl":"https://a"}}"#;
    assert_eq!(record::decode(lone), Decoded::Corrupt);
    assert_eq!(host(lone), Decoded::Corrupt);
    let replacement = r#"{"v":2,"state":"profile-granted","profile":{"nickName":"a\ufffd","avatarUrl":"https://a"}}"#;
    assert_eq!(host(replacement), record::decode(replacement));
    assert!(matches!(host(replacement), Decoded::State(_)));
    // A number beyond f64's range where the SDK reads one: unusable either way.
    let body = r#"{"token":"abc","expiresIn":1e400}"#;
    let native = parse_reply(200, body, 0).expect_err("unusable");
    let hosted = parse_reply_with::<HostDoc>(200, body, 0).expect_err("unusable");
    assert_eq!((native.code, native.transient), (ErrorCode::Server, false));
    assert_eq!((hosted.code, hosted.transient), (ErrorCode::Server, false));
}

#[wasm_bindgen_test]
fn login_replies_mean_the_same() {
    let replies: [(u16, &str); 21] = [
        (200, r#"{"token":"abc","expiresIn":7200}"#),
        (200, r#"{"token":"abc","expiresIn":7.2e3}"#),
        (200, r#"{"token":"abc","expiresIn":7200.0}"#),
        (200, r#"{"token":"abc","expiresIn":7200.000000000001}"#),
        (200, r#"{"token":"x","token":"abc","expiresIn":7200}"#),
        (403, r#"{"code":"E1","code":40029,"message":"m"}"#),
        (200, r#"{"token":"abc","expiresIn":"7200"}"#),
        (200, r#"{"token":"abc","expiresIn":0.5}"#),
        (200, r#"{"token":"abc","expiresIn":-1}"#),
        (200, r#"{"token":"abc","expiresIn":1e30}"#),
        (200, r#"{"token":"","expiresIn":7200}"#),
        (200, r#"{"token":7,"expiresIn":7200}"#),
        (200, r#"{"token":"a\ud800","expiresIn":7200}"#),
        (200, "<html>portal</html>"),
        (200, "[]"),
        (400, r#"{"code":"INVALID_CODE","message":"code been used"}"#),
        (403, r#"{"code":40029,"message":"invalid code"}"#),
        (500, r#"{"errcode":-1,"errmsg":"system busy"}"#),
        (500, r#"{"code":-1}"#),
        (503, ""),
        (418, r#"{"code":"","message":""}"#),
    ];
    for (status, body) in replies {
        let native = parse_reply(status, body, 1000);
        let hosted = parse_reply_with::<HostDoc>(status, body, 1000);
        assert_eq!(hosted, native, "{status} {body}");
    }
    let e = parse_reply_with::<HostDoc>(403, r#"{"code":40029,"message":"invalid code"}"#, 0)
        .expect_err("refused");
    assert_eq!(e.code, ErrorCode::LoginFailed);
    assert!(
        e.message.contains("HTTP 403, 40029: invalid code"),
        "{}",
        e.message
    );
    let e = parse_reply_with::<HostDoc>(500, r#"{"code":-1}"#, 0).expect_err("busy");
    assert!(e.transient && e.message.contains(", -1"), "{e:?}");
}

#[wasm_bindgen_test]
fn unbind_replies_mean_the_same() {
    let replies: [(u16, &str); 7] = [
        (200, r#"{"ok":true}"#),
        (200, r#"{"ok":"true"}"#),
        (200, r#"{"ok":1}"#),
        (204, ""),
        (401, r#"{"code":"UNAUTHORIZED"}"#),
        (403, r#"{"code":"IDENTITY_MISMATCH"}"#),
        (502, r#"{"errcode":-1}"#),
    ];
    for (status, body) in replies {
        assert_eq!(
            check_unbind_reply_with::<HostDoc>(status, body),
            check_unbind_reply(status, body),
            "{status} {body}"
        );
    }
}

//! The wire types of `wx_auth::wire` against what the SDK writes and reads without serde.
//!
//! The SDK writes its login body and its record with its own small writer (the shipped
//! wasm has no serde), and reads replies member by member. Here serde_json holds both to
//! the one definition of the protocol: the writer's text is exactly what serde_json
//! serializes from the wire type, serde_json reads it back into the same value, and what
//! serde_json writes from a reply type the SDK reads as that reply.
#![cfg(all(not(target_arch = "wasm32"), feature = "serde"))]

use proptest::prelude::*;
use wx_auth::exchange;
use wx_auth::profile::Profile;
use wx_auth::record::{self, Decoded};
use wx_auth::session::Session;
use wx_auth::state::{AuthState, LogoutReason};
use wx_auth::wire::{
    BackendCode, ErrorBody, LoginReply, LoginRequest, Record, RecordProfile, UnbindReply,
    UnbindRequest,
};
use wx_auth::ErrorCode;

/// A stored state built from `kind`, or `None` when the parts make no valid state.
fn state(
    kind: u8,
    profile: Option<(String, String, bool)>,
    token: &str,
    issued_at: u64,
    lifetime: u64,
    reason: u8,
) -> Option<AuthState> {
    let profile = match profile {
        Some((nick, avatar, saved)) => Some(Profile::new(&nick, &avatar).ok()?.with_saved(saved)),
        None => None,
    };
    let reason = [
        LogoutReason::User,
        LogoutReason::Expired,
        LogoutReason::Revoked,
    ][usize::from(reason % 3)];
    Some(match kind % 3 {
        0 => AuthState::ProfileGranted { profile: profile? },
        1 => AuthState::LoggedIn {
            session: Session::restore(token, issued_at, issued_at.checked_add(lifetime)?).ok()?,
            profile,
        },
        _ => AuthState::LoggedOut { profile, reason },
    })
}

/// Text with what needs escaping in JSON (quotes, backslashes, a slash), non-ASCII and
/// characters outside the BMP.
fn text(len: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('"'),
            Just('\\'),
            Just('/'),
            Just('é'),
            Just('小'),
            Just('\u{2028}'),
            Just('\u{1F600}'),
            proptest::char::range('!', '~'),
        ],
        1..len,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_record_written_is_the_wire_record(
        kind in any::<u8>(),
        profile in proptest::option::of((text(12), text(24), any::<bool>())),
        token in "[!-~]{1,40}",
        issued_at in prop_oneof![any::<u64>(), 1_600_000_000_000u64..1_900_000_000_000],
        lifetime in prop_oneof![1u64..10_000_000, any::<u64>()],
        reason in any::<u8>(),
    ) {
        let Some(state) = state(kind, profile, &token, issued_at, lifetime, reason) else {
            return Ok(());
        };
        let written = record::encode(&state).expect("a stored kind has a record");
        let wire = Record::of(&state).expect("a stored kind has a wire record");
        prop_assert_eq!(&written, &serde_json::to_string(&wire).unwrap());
        prop_assert_eq!(serde_json::from_str::<Record>(&written).unwrap(), wire);
        prop_assert_eq!(record::decode(&written), Decoded::State(state));
    }

    #[test]
    fn the_login_body_written_is_the_wire_request(code in ".{1,80}") {
        let Ok(written) = exchange::login_body(&code) else {
            return Ok(()); // over MAX_CODE_BYTES
        };
        let wire = LoginRequest { code: code.clone() };
        prop_assert_eq!(serde_json::from_str::<LoginRequest>(&written).unwrap(), wire.clone());
        // The one difference in text: serde_json writes U+0008 and U+000C as `\b` and
        // `\f`, the writer as `\u0008` and `\u000c`; both read back the same.
        if !code.contains(['\u{8}', '\u{c}']) {
            prop_assert_eq!(written, serde_json::to_string(&wire).unwrap());
        }
    }

    #[test]
    fn a_wire_login_reply_is_the_session_the_sdk_reads(
        token in "[!-~]{1,60}",
        expires_in in 1u64..=wx_auth::session::MAX_EXPIRES_IN_SECS,
        sent_at in 0u64..4_000_000_000_000,
    ) {
        let body = serde_json::to_string(&LoginReply { token: token.clone(), expires_in, profile: None }).unwrap();
        let session = exchange::parse_reply(200, &body, sent_at).unwrap();
        prop_assert_eq!(session, Session::issue(&token, expires_in, sent_at).unwrap());
    }
}

#[test]
fn the_wire_names_are_camel_case() {
    let reply = LoginReply {
        token: "t".into(),
        expires_in: 7200,
        profile: None,
    };
    assert_eq!(
        serde_json::to_string(&reply).unwrap(),
        r#"{"token":"t","expiresIn":7200}"#
    );
    assert_eq!(
        serde_json::to_string(&UnbindRequest { code: "c".into() }).unwrap(),
        r#"{"code":"c"}"#
    );
    assert_eq!(
        serde_json::to_string(&UnbindReply { ok: true }).unwrap(),
        r#"{"ok":true}"#
    );
    let record = Record {
        v: 2,
        state: "logged-in".into(),
        token: Some("t".into()),
        issued_at: Some(1),
        expires_at: Some(2),
        profile: Some(RecordProfile {
            nick_name: "n".into(),
            avatar_url: "a".into(),
            saved: false,
        }),
        reason: None,
    };
    assert_eq!(
        serde_json::to_string(&record).unwrap(),
        r#"{"v":2,"state":"logged-in","token":"t","issuedAt":1,"expiresAt":2,"profile":{"nickName":"n","avatarUrl":"a"}}"#
    );
}

#[test]
fn error_bodies_carry_a_name_or_a_number() {
    let read = |text| serde_json::from_str::<ErrorBody>(text).unwrap();
    assert_eq!(
        read(r#"{"code":"INVALID_CODE","message":"m"}"#),
        ErrorBody {
            code: BackendCode::Name("INVALID_CODE".into()),
            message: "m".into()
        }
    );
    assert_eq!(
        read(r#"{"code":40029}"#),
        ErrorBody {
            code: BackendCode::Number(40029),
            message: String::new()
        }
    );
    assert!(serde_json::from_str::<ErrorBody>(r#"{"message":"m"}"#).is_err());
    assert!(serde_json::from_str::<ErrorBody>(r#"{"code":true}"#).is_err());
}

#[test]
fn the_sdk_reads_wire_error_bodies_as_the_backend_meant() {
    let body = |code, message: &str| {
        serde_json::to_string(&ErrorBody {
            code,
            message: message.into(),
        })
        .unwrap()
    };
    let e = exchange::parse_reply(
        400,
        &body(BackendCode::Name("INVALID_CODE".into()), "expired"),
        0,
    )
    .unwrap_err();
    assert_eq!((e.code, e.transient), (ErrorCode::LoginFailed, false));
    assert!(
        e.message.ends_with("(HTTP 400, INVALID_CODE: expired)"),
        "{}",
        e.message
    );
    let e = exchange::parse_reply(403, &body(BackendCode::Number(40029), ""), 0).unwrap_err();
    assert!(e.message.ends_with("(HTTP 403, 40029)"), "{}", e.message);
    // code2Session's "system busy", as a number or a name, is worth retrying.
    for code in [BackendCode::Number(-1), BackendCode::Name("-1".into())] {
        let e = exchange::parse_reply(400, &body(code.clone(), "busy"), 0).unwrap_err();
        assert!(e.transient, "{code:?}");
        let e = exchange::check_unbind_reply(400, &body(code, "busy")).unwrap_err();
        assert!(e.transient);
    }
    let e = exchange::check_unbind_reply(
        403,
        &body(BackendCode::Name("IDENTITY_MISMATCH".into()), ""),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::LoginFailed);
}

#[test]
fn the_sdk_reads_wire_unbind_replies() {
    let ok = serde_json::to_string(&UnbindReply { ok: true }).unwrap();
    assert_eq!(exchange::check_unbind_reply(200, &ok), Ok(()));
    let not = serde_json::to_string(&UnbindReply { ok: false }).unwrap();
    assert_eq!(
        exchange::check_unbind_reply(200, &not).unwrap_err().code,
        ErrorCode::Server
    );
}

#[test]
fn no_record_for_the_states_that_keep_none() {
    assert_eq!(Record::of(&AuthState::Anonymous), None);
    assert_eq!(Record::of(&AuthState::PrivacyAgreed), None);
}

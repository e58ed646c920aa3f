//! The login exchange: the body sent with `wx.login`'s code, and the backend's reply
//! (any status, any body, any send time).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wx_auth::exchange::{self, MAX_CODE_BYTES};
use wx_auth::record::{self, Decoded};
use wx_auth::state::AuthState;
use wx_auth::ErrorCode;

#[derive(Debug, Arbitrary)]
struct Input {
    status: u16,
    body: String,
    sent_at: u64,
    code: String,
}

fuzz_target!(|input: Input| {
    let Input {
        status,
        body,
        sent_at,
        code,
    } = input;

    match exchange::login_body(&code) {
        Ok(json) => {
            assert!(!code.is_empty() && code.len() <= MAX_CODE_BYTES);
            let value: serde_json::Value = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("login body {json:?} is not JSON: {e}"));
            assert_eq!(value, serde_json::json!({ "code": code }));
        }
        Err(e) => {
            assert!(
                code.is_empty() || code.len() > MAX_CODE_BYTES,
                "{code:?}: {e:?}"
            );
            assert_eq!(e.code, ErrorCode::LoginFailed);
        }
    }

    match exchange::parse_reply(status, &body, sent_at) {
        Ok(session) => {
            assert_eq!(status, 200);
            assert_eq!(session.issued_at(), sent_at);
            assert!(session.expires_at() >= sent_at);
            assert!(!session.token().is_empty());
            // The session a login gives must survive being stored and restored.
            let state = AuthState::LoggedIn {
                session,
                profile: None,
            };
            let text = record::encode(&state).unwrap_or_else(|| panic!("{state:?} has no record"));
            assert_eq!(
                record::decode(&text),
                Decoded::State(state),
                "session from {body:?} sent at {sent_at} does not survive storage as {text:?}"
            );
        }
        Err(e) => {
            assert_eq!(e.status, Some(status));
            let expected = if (400..=499).contains(&status) {
                ErrorCode::LoginFailed
            } else {
                ErrorCode::Server
            };
            assert_eq!(e.code, expected, "status {status}: {e:?}");
            // A timeout, rate limit or busy backend is worth retrying.
            if matches!(status, 408 | 429 | 500 | 502 | 503 | 504) {
                assert!(e.transient, "status {status} is not transient: {e:?}");
            }
        }
    }
});

//! The one stored record: a versioned JSON text under one storage key.
//!
//! Version 2 holds the state kind, and the token, issue time, expiry, profile and
//! logout reason where the state has them. Version 1 had no logout reason; a v1
//! record reads as "logged out by the user" and is rewritten as v2. States with
//! nothing to keep (anonymous, privacy-agreed) store no record: the privacy
//! agreement lives with WeChat and is asked for at start. Token and expiry live in
//! the one record, so they are written together or not at all.

use crate::profile::Profile;
use crate::session::Session;
use crate::state::{AuthState, LogoutReason, StateKind};
use alloc::string::String;
use serde::{Deserialize, Serialize};

/// The record version this SDK writes.
pub const RECORD_VERSION: u64 = 2;

/// What a stored text turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A record of the current version, and the state it was written from.
    State(AuthState),
    /// A record of an older version, migrated to the state it means; write it again.
    Old(AuthState),
    /// A record from a newer SDK (its version is given); it is left alone and treated as no session.
    Future(u64),
    /// Not a record: unparsable, foreign, or inconsistent (a token without expiry, say).
    Corrupt,
}

#[derive(Serialize, Deserialize)]
struct ProfileV1 {
    #[serde(rename = "nickName")]
    nick_name: String,
    #[serde(rename = "avatarUrl")]
    avatar_url: String,
}

/// Versions 1 and 2 share a shape; `reason` is new in 2.
#[derive(Serialize, Deserialize)]
struct Record {
    v: u64,
    state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(default, rename = "issuedAt", skip_serializing_if = "Option::is_none")]
    issued_at: Option<u64>,
    #[serde(default, rename = "expiresAt", skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile: Option<ProfileV1>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct VersionOnly {
    v: u64,
}

/// The text to store for a state, or `None` when the state keeps no record.
pub fn encode(state: &AuthState) -> Option<String> {
    let (token, issued_at, expires_at) = match state.session() {
        Some(s) => (
            Some(s.token().into()),
            Some(s.issued_at()),
            Some(s.expires_at()),
        ),
        None => (None, None, None),
    };
    let record = match state {
        AuthState::Anonymous | AuthState::PrivacyAgreed => return None,
        _ => Record {
            v: RECORD_VERSION,
            state: state.kind().as_str().into(),
            token,
            issued_at,
            expires_at,
            profile: state.profile().map(|p| ProfileV1 {
                nick_name: p.nick_name().into(),
                avatar_url: p.avatar_url().into(),
            }),
            reason: state.logout_reason().map(|r| r.as_str().into()),
        },
    };
    serde_json::to_string(&record).ok()
}

/// The state a stored text was written from.
pub fn decode(text: &str) -> Decoded {
    let Ok(VersionOnly { v }) = serde_json::from_str::<VersionOnly>(text) else {
        return Decoded::Corrupt;
    };
    if v > RECORD_VERSION {
        return Decoded::Future(v);
    }
    if v == 0 {
        return Decoded::Corrupt;
    }
    let Ok(record) = serde_json::from_str::<Record>(text) else {
        return Decoded::Corrupt;
    };
    match state_of(record) {
        Some(state) if v == RECORD_VERSION => Decoded::State(state),
        Some(state) => Decoded::Old(state),
        None => Decoded::Corrupt,
    }
}

fn state_of(record: Record) -> Option<AuthState> {
    let profile = match record.profile {
        Some(p) => Some(Profile::new(&p.nick_name, &p.avatar_url).ok()?),
        None => None,
    };
    let kind = StateKind::parse(&record.state)?;
    let has_session =
        record.token.is_some() || record.issued_at.is_some() || record.expires_at.is_some();
    // v1 had no reason: its logged-out records were all the user's own logout.
    let reason = match (record.v, record.reason.as_deref()) {
        (1, None) => LogoutReason::User,
        (1, Some(_)) => return None,
        (_, Some(name)) => LogoutReason::parse(name)?,
        (_, None) => LogoutReason::User,
    };
    if record.reason.is_some() && kind != StateKind::LoggedOut {
        return None;
    }
    if record.v > 1 && kind == StateKind::LoggedOut && record.reason.is_none() {
        return None;
    }
    match kind {
        StateKind::LoggedIn => {
            let session =
                Session::restore(&record.token?, record.issued_at?, record.expires_at?).ok()?;
            Some(AuthState::LoggedIn { session, profile })
        }
        _ if has_session => None,
        StateKind::ProfileGranted => Some(AuthState::ProfileGranted { profile: profile? }),
        StateKind::LoggedOut => Some(AuthState::LoggedOut { profile, reason }),
        // These two are never written; a record claiming them is not ours.
        StateKind::Anonymous | StateKind::PrivacyAgreed => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile::new("小明", "https://a/1.png").unwrap()
    }

    #[test]
    fn every_stored_state_reads_back() {
        let states = [
            AuthState::ProfileGranted { profile: profile() },
            AuthState::LoggedIn {
                session: Session::restore("tok", 9, 99).unwrap(),
                profile: Some(profile()),
            },
            AuthState::LoggedIn {
                session: Session::restore("tok", 9, 99).unwrap(),
                profile: None,
            },
            AuthState::LoggedOut {
                profile: None,
                reason: LogoutReason::User,
            },
            AuthState::LoggedOut {
                profile: Some(profile()),
                reason: LogoutReason::Revoked,
            },
            AuthState::LoggedOut {
                profile: None,
                reason: LogoutReason::Expired,
            },
        ];
        for s in states {
            let text = encode(&s).unwrap();
            assert_eq!(decode(&text), Decoded::State(s));
        }
        assert_eq!(encode(&AuthState::Anonymous), None);
        assert_eq!(encode(&AuthState::PrivacyAgreed), None);
    }

    #[test]
    fn inconsistent_records_are_corrupt() {
        for text in [
            "",
            "null",
            "42",
            "\"x\"",
            "{}",
            r#"{"v":0,"state":"logged-out"}"#,
            r#"{"v":2,"state":"logged-in","token":"t"}"#,
            r#"{"v":2,"state":"logged-in","expiresAt":5}"#,
            r#"{"v":2,"state":"logged-in","token":"t","expiresAt":5}"#,
            r#"{"v":2,"state":"logged-in","token":"","issuedAt":1,"expiresAt":5}"#,
            r#"{"v":2,"state":"logged-in","token":"t","issuedAt":5,"expiresAt":5}"#,
            r#"{"v":2,"state":"logged-in","token":"t","issuedAt":1,"expiresAt":5,"reason":"user"}"#,
            r#"{"v":2,"state":"logged-out","token":"t","expiresAt":5,"reason":"user"}"#,
            r#"{"v":2,"state":"logged-out"}"#,
            r#"{"v":2,"state":"logged-out","reason":"bored"}"#,
            r#"{"v":1,"state":"logged-out","reason":"user"}"#,
            r#"{"v":2,"state":"profile-granted"}"#,
            r#"{"v":2,"state":"anonymous"}"#,
            r#"{"v":2,"state":"hacked"}"#,
            r#"{"v":2,"state":"logged-out","reason":"user","profile":{"nickName":"","avatarUrl":"x"}}"#,
            r#"{"v":1.5,"state":"logged-out"}"#,
            r#"{"v":-1,"state":"logged-out"}"#,
        ] {
            assert_eq!(decode(text), Decoded::Corrupt, "{text}");
        }
    }

    #[test]
    fn version_1_records_migrate_forward() {
        let out = decode(r#"{"v":1,"state":"logged-out"}"#);
        assert_eq!(
            out,
            Decoded::Old(AuthState::LoggedOut {
                profile: None,
                reason: LogoutReason::User
            })
        );
        let v1 = r#"{"v":1,"state":"logged-in","token":"t","issuedAt":1,"expiresAt":9,"profile":{"nickName":"a","avatarUrl":"b"}}"#;
        let Decoded::Old(state) = decode(v1) else {
            panic!("v1 logged-in did not migrate")
        };
        assert_eq!(state.session().map(|s| s.token()), Some("t"));
        let again = encode(&state).unwrap();
        assert!(again.starts_with(r#"{"v":2,"#), "{again}");
        assert_eq!(decode(&again), Decoded::State(state));
    }

    #[test]
    fn newer_versions_are_left_alone() {
        assert_eq!(decode(r#"{"v":3,"anything":true}"#), Decoded::Future(3));
    }
}

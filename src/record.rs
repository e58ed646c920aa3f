//! The one stored record: a versioned JSON text under one storage key.
//!
//! Version 2 holds the state kind, and the token, issue time, expiry, profile and
//! logout reason where the state has them. Version 1 had no logout reason; a v1
//! record reads as "logged out by the user" and is rewritten as v2. States with
//! nothing to keep (anonymous, privacy-agreed) store no record: the privacy
//! agreement lives with WeChat and is asked for at start. Token and expiry live in
//! the one record, so they are written together or not at all.

use crate::doc::Doc;
use crate::json::Writer;
use crate::session::Session;
use crate::state::{AuthState, LogoutReason, StateKind};
use alloc::string::String;

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

/// The text to store for a state ([`crate::wire::Record`]), or `None` when the state
/// keeps no record.
///
/// Members, in order: `v`, `state`, then `token`, `issuedAt`, `expiresAt`, `profile`
/// (`{nickName, avatarUrl}`) and `reason` where the state has them.
pub fn encode(state: &AuthState) -> Option<String> {
    if matches!(state, AuthState::Anonymous | AuthState::PrivacyAgreed) {
        return None;
    }
    let mut w = Writer::object()
        .number("v", RECORD_VERSION)
        .string("state", state.kind().as_str());
    if let Some(s) = state.session() {
        w = w
            .string("token", s.token())
            .number("issuedAt", s.issued_at())
            .number("expiresAt", s.expires_at());
    }
    if let Some(p) = state.profile() {
        w = w.raw("profile", &crate::profile_sync::profile_json(p, true));
    }
    if let Some(r) = state.logout_reason() {
        w = w.string("reason", r.as_str());
    }
    Some(w.finish())
}

/// The state a stored text was written from, read with serde_json.
#[cfg(feature = "serde")]
pub fn decode(text: &str) -> Decoded {
    decode_with::<serde_json::Value>(text)
}

/// The state a stored text was written from, read with the JSON reader `D` (the host's
/// `JSON.parse` in the wasm).
pub fn decode_with<D: Doc>(text: &str) -> Decoded {
    let Some(doc) = D::parse(text) else {
        return Decoded::Corrupt;
    };
    let Some(v) = doc.member("v").ok().flatten().and_then(|v| v.integer()) else {
        return Decoded::Corrupt;
    };
    if v > RECORD_VERSION {
        return Decoded::Future(v);
    }
    if v == 0 {
        return Decoded::Corrupt;
    }
    match state_of(&doc, v) {
        Some(state) if v == RECORD_VERSION => Decoded::State(state),
        Some(state) => Decoded::Old(state),
        None => Decoded::Corrupt,
    }
}

/// An optional member: `Some(None)` when absent or null, `None` when `doc` is not an
/// object.
fn present<D: Doc>(doc: &D, key: &str) -> Option<Option<D>> {
    Some(doc.member(key).ok()?.filter(|value| !value.is_null()))
}

/// An optional member read with `read`: `Some(None)` when absent or null, `None` when
/// it is there but of the wrong type.
fn optional<D: Doc, T>(doc: &D, key: &str, read: fn(&D) -> Option<T>) -> Option<Option<T>> {
    match present(doc, key)? {
        None => Some(None),
        Some(value) => read(&value).map(Some),
    }
}

fn state_of<D: Doc>(doc: &D, v: u64) -> Option<AuthState> {
    let kind = StateKind::parse(&optional(doc, "state", D::string)??)?;
    let token = optional(doc, "token", D::string)?;
    let issued_at = optional(doc, "issuedAt", D::integer)?;
    let expires_at = optional(doc, "expiresAt", D::integer)?;
    let reason_name = optional(doc, "reason", D::string)?;
    let profile = match present(doc, "profile")? {
        None => None,
        Some(p) => Some(crate::profile_sync::profile_in(&p)?),
    };
    let has_session = token.is_some() || issued_at.is_some() || expires_at.is_some();
    // v1 had no reason: its logged-out records were all the user's own logout.
    let reason = match (v, reason_name.as_deref()) {
        (1, None) => LogoutReason::User,
        (1, Some(_)) => return None,
        (_, Some(name)) => LogoutReason::parse(name)?,
        (_, None) => LogoutReason::User,
    };
    if reason_name.is_some() && kind != StateKind::LoggedOut {
        return None;
    }
    if v > 1 && kind == StateKind::LoggedOut && reason_name.is_none() {
        return None;
    }
    match kind {
        StateKind::LoggedIn => {
            let session = Session::restore(&token?, issued_at?, expires_at?).ok()?;
            Some(AuthState::LoggedIn { session, profile })
        }
        _ if has_session => None,
        StateKind::ProfileGranted => Some(AuthState::ProfileGranted { profile: profile? }),
        StateKind::LoggedOut => Some(AuthState::LoggedOut { profile, reason }),
        // These two are never written; a record claiming them is not ours.
        StateKind::Anonymous | StateKind::PrivacyAgreed => None,
    }
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;
    use crate::profile::Profile;

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

//! The record written for any state built from outside input (a page's profile fields,
//! the backend's token and times) reads back as the same state.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wx_auth::profile::Profile;
use wx_auth::record::{self, Decoded};
use wx_auth::session::Session;
use wx_auth::state::{AuthState, LogoutReason};

#[derive(Debug, Arbitrary)]
struct Input {
    kind: Kind,
    profile: Option<(String, String)>,
    token: String,
    issued_at: u64,
    expires_at: u64,
}

#[derive(Debug, Arbitrary)]
enum Kind {
    ProfileGranted,
    LoggedIn,
    LoggedOut(Reason),
}

#[derive(Debug, Arbitrary)]
enum Reason {
    User,
    Expired,
    Revoked,
}

fuzz_target!(|input: Input| {
    let profile = match &input.profile {
        Some((nick, avatar)) => match Profile::new(nick, avatar) {
            Ok(p) => Some(p),
            Err(_) => return,
        },
        None => None,
    };
    let state = match input.kind {
        Kind::ProfileGranted => match profile {
            Some(profile) => AuthState::ProfileGranted { profile },
            None => return,
        },
        Kind::LoggedIn => match Session::restore(&input.token, input.issued_at, input.expires_at) {
            Ok(session) => AuthState::LoggedIn { session, profile },
            Err(_) => return,
        },
        Kind::LoggedOut(reason) => AuthState::LoggedOut {
            profile,
            reason: match reason {
                Reason::User => LogoutReason::User,
                Reason::Expired => LogoutReason::Expired,
                Reason::Revoked => LogoutReason::Revoked,
            },
        },
    };
    let text = record::encode(&state).unwrap_or_else(|| panic!("{state:?} has no record"));
    assert_eq!(
        record::decode(&text),
        Decoded::State(state),
        "record {text:?} does not read back"
    );
});

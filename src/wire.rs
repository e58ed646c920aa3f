//! The wire protocol, defined once: the bodies the SDK and the app's backend exchange,
//! and the record the SDK stores.
//!
//! | what | shape |
//! | --- | --- |
//! | login request, `POST loginUrl` | [`LoginRequest`] `{code}` |
//! | login reply, 200 | [`LoginReply`] `{token, expiresIn, profile?}` |
//! | unbind request, `POST unbindUrl` + bearer | [`UnbindRequest`] `{code}` |
//! | unbind reply, 2xx | [`UnbindReply`] `{ok: true}` |
//! | phone request, `POST phoneUrl` + bearer | [`PhoneRequest`] `{code}` |
//! | phone reply, 2xx | [`PhoneReply`] `{phoneNumber, countryCode}` |
//! | profile request, `POST profileUrl` + bearer | multipart (`wx.uploadFile`: file `avatar`, field `nickName`) or JSON [`ProfileBody`] |
//! | profile reply, 2xx | [`ProfileBody`] `{nickName, avatarUrl}` (the saved profile) |
//! | any refusal or failure | [`ErrorBody`] `{code, message}` |
//! | the stored record, version 2 | [`Record`] `{v, state, token?, issuedAt?, expiresAt?, profile?, reason?}` |
//!
//! These are plain structs. With the `serde` feature they derive `Serialize` and
//! `Deserialize` with the names on the wire (camelCase), and the reference server
//! (`examples/server`) reads and writes its bodies through them. The shipped wasm has no
//! serde: it writes the same shapes with [`crate::json::Writer`]
//! ([`crate::exchange::login_body`], [`crate::record::encode`]) and reads replies and
//! records member by member through [`crate::doc::Doc`], more leniently than these
//! types (see [`crate::exchange`] and [`crate::record`]). `tests/wire.rs` holds the
//! writer to these types: what it writes is what serde_json serializes from them, and
//! reads back into the same values.

use crate::record::RECORD_VERSION;
use crate::state::AuthState;
use alloc::string::String;
#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// The body of `POST loginUrl`: `{"code": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct LoginRequest {
    /// The code `wx.login` gave: single use, valid for 5 minutes, exchanged by the
    /// backend with WeChat's `jscode2session` for the user's openid.
    pub code: String,
}

/// The backend's answer to a login, with status 200: `{"token": "...", "expiresIn": 7200}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct LoginReply {
    /// The session's bearer token: 1 to 4096 visible ASCII characters
    /// ([`crate::session::MAX_TOKEN_BYTES`]).
    pub token: String,
    /// How long the session lives, in seconds: 1 to 366 days
    /// ([`crate::session::MAX_EXPIRES_IN_SECS`]). The SDK also takes any JSON number
    /// that denotes such a whole number (`7.2e3`).
    pub expires_in: u64,
    /// The profile saved on the backend for this user (`POST profileUrl`), if any. The
    /// SDK adopts it unless the device holds a profile the backend has not saved yet.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub profile: Option<ProfileBody>,
}

/// The body of `POST unbindUrl` (sent with the session's bearer token): `{"code": "..."}`,
/// a fresh `wx.login` code that shows the same WeChat user is present.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct UnbindRequest {
    /// The fresh code from `wx.login`.
    pub code: String,
}

/// The backend's answer to an unbind that is done: `{"ok": true}`. Any other 2xx body
/// is not a confirmation ([`crate::exchange::check_unbind_reply_with`]). The reference
/// server answers a logout with the same body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct UnbindReply {
    /// `true`: the binding, the sessions and the user's data are gone.
    pub ok: bool,
}

/// The body of `POST phoneUrl` with the bearer token: `{"code": "..."}`, the one-time code
/// of a `getPhoneNumber` (or `getRealtimePhoneNumber`) button, which the backend exchanges
/// with WeChat's `getuserphonenumber`. Not a `wx.login` code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct PhoneRequest {
    /// The button's code: single use, valid for 5 minutes.
    pub code: String,
}

/// The backend's answer to a verified phone code, with a 2xx status:
/// `{"phoneNumber": "138****8000", "countryCode": "86"}`. The reference servers store
/// the full number with the user and answer it masked; the SDK hands the whole body to
/// the page and keeps none of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct PhoneReply {
    /// The number as the backend chooses to show it (masked by the reference servers).
    pub phone_number: String,
    /// The country code, without `+` (`"86"`).
    pub country_code: String,
}

/// A profile on the wire: `{"nickName": "...", "avatarUrl": "https://..."}`.
///
/// The JSON body of `POST profileUrl` when the avatar is already an https URL (from
/// `getUserProfile`, or saved before), and the backend's 2xx answer to it or to the
/// multipart upload of a `chooseAvatar` file: the saved profile, its avatar an https URL
/// the backend serves. The SDK always sends both fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct ProfileBody {
    /// The nickname: 1 to 64 characters, trimmed, no control characters.
    pub nick_name: String,
    /// The avatar: an https URL of at most 2048 bytes.
    pub avatar_url: String,
}

/// The backend's body with any status but success: `{"code": "INVALID_CODE", "message": "..."}`.
///
/// The SDK quotes both in its error's message (`HTTP 400, INVALID_CODE: ...`), and
/// takes a `code` of `-1` (as a number or a string) as code2Session's "system busy":
/// worth retrying.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct ErrorBody {
    /// What went wrong, for programs.
    pub code: BackendCode,
    /// What went wrong, for people; empty when absent (the SDK quotes at most 200
    /// characters of it, and nothing when it is empty).
    #[cfg_attr(feature = "serde", serde(default))]
    pub message: String,
}

/// An [`ErrorBody`]'s `code`: a name, or a number passed through from WeChat.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum BackendCode {
    /// A stable name, as the reference server sends (`INVALID_CODE`, `UNAUTHORIZED`).
    Name(String),
    /// A number, as a backend that passes code2Session's `errcode` on sends (`40029`, `-1`).
    Number(i64),
}

/// The stored record, version 2 ([`crate::record`]), under one storage key.
///
/// Members in this order, the optional ones only where the state has them:
/// `{"v": 2, "state": "logged-in", "token": "...", "issuedAt": 1, "expiresAt": 2,
/// "profile": {"nickName": "...", "avatarUrl": "...", "saved": true}, "reason": "user"}`.
/// A state that keeps nothing (anonymous, privacy-agreed) has no record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Record {
    /// The record version ([`RECORD_VERSION`]); a reader leaves a newer one alone.
    pub v: u64,
    /// The state's kind: `profile-granted`, `logged-in` or `logged-out`
    /// ([`crate::state::StateKind::as_str`]).
    pub state: String,
    /// The session's bearer token (logged-in only).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub token: Option<String>,
    /// When the login that made the session was sent, in ms since the Unix epoch
    /// (logged-in only).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub issued_at: Option<u64>,
    /// When the session ends, in ms since the Unix epoch (logged-in only).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub expires_at: Option<u64>,
    /// The profile the user gave, if any.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub profile: Option<RecordProfile>,
    /// Why the user is logged out: `user`, `expired` or `revoked`
    /// ([`crate::state::LogoutReason::as_str`]; logged-out only).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub reason: Option<String>,
}

/// A [`Record`]'s `profile`: `{"nickName": "...", "avatarUrl": "...", "saved"?: true}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct RecordProfile {
    /// The nickname ([`crate::profile::Profile::nick_name`]).
    pub nick_name: String,
    /// The avatar's URL ([`crate::profile::Profile::avatar_url`]).
    pub avatar_url: String,
    /// `true` when the backend (`profileUrl`) holds this very profile; absent otherwise.
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_false"))]
    pub saved: bool,
}

#[cfg(feature = "serde")]
fn is_false(b: &bool) -> bool {
    !*b
}

impl Record {
    /// The record [`crate::record::encode`] writes for `state`, or `None` when the state
    /// keeps no record.
    pub fn of(state: &AuthState) -> Option<Record> {
        if matches!(state, AuthState::Anonymous | AuthState::PrivacyAgreed) {
            return None;
        }
        let session = state.session();
        Some(Record {
            v: RECORD_VERSION,
            state: state.kind().as_str().into(),
            token: session.map(|s| s.token().into()),
            issued_at: session.map(|s| s.issued_at()),
            expires_at: session.map(|s| s.expires_at()),
            profile: state.profile().map(|p| RecordProfile {
                nick_name: p.nick_name().into(),
                avatar_url: p.avatar_url().into(),
                saved: p.saved(),
            }),
            reason: state.logout_reason().map(|r| r.as_str().into()),
        })
    }
}

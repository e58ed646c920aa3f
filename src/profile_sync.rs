//! The profile on the backend (`profileUrl`): what the SDK sends, and what the backend's
//! answers mean.
//!
//! A profile whose avatar is a `chooseAvatar` temporary file goes up with
//! `wx.uploadFile` (file `avatar`, form field `nickName`); one whose avatar is already an
//! https URL goes as JSON `{nickName, avatarUrl}` ([`crate::wire::ProfileBody`]). Either
//! way the backend answers the profile it saved, its avatar an https URL it serves (or a
//! cloud storage file ID, `cloud://`, with the cloud transport), and the login reply
//! carries it back on another device.

use crate::doc::Doc;
use crate::error::{AuthError, ErrorCode};
use crate::json::Writer;
use crate::profile::Profile;
use alloc::string::String;

/// `{"nickName": "...", "avatarUrl": "..."}`, plus `"saved": true` in the stored record
/// when the backend holds it.
pub fn profile_json(profile: &Profile, record: bool) -> String {
    let w = Writer::object()
        .string("nickName", profile.nick_name())
        .string("avatarUrl", profile.avatar_url());
    if record && profile.saved() {
        w.raw("saved", "true")
    } else {
        w
    }
    .finish()
}

/// The profile a JSON object holds, `{nickName, avatarUrl, saved?}` as the record keeps
/// it; `None` when it is not a valid one.
pub fn profile_in<D: Doc>(doc: &D) -> Option<Profile> {
    let field = |key| doc.member(key).ok().flatten();
    let text = |key| field(key).and_then(|v| v.string());
    let saved = field("saved").is_some_and(|v| v.is_true());
    let profile = Profile::new(&text("nickName")?, &text("avatarUrl")?).ok()?;
    Some(profile.with_saved(saved))
}

/// The profile the backend holds, from its answer to a save or a login reply's `profile`:
/// `{nickName, avatarUrl}` with an https (or cloud storage `cloud://`) avatar, marked
/// saved; `None` when it is not one.
pub fn saved_profile<D: Doc>(doc: &D) -> Option<Profile> {
    profile_in(doc)
        .filter(|p| !p.avatar_is_file())
        .map(|p| p.with_saved(true))
}

/// The profile the backend saved (a 2xx whose body is [`saved_profile`]), or the error its
/// answer means: a 401 is [`ErrorCode::NotLoggedIn`], another 4xx
/// [`ErrorCode::ProfileRejected`] (an image or a nickname the backend refuses), a 5xx or
/// an unusable 2xx [`ErrorCode::Server`]; transient for 408, 429 and 5xx.
pub fn check_profile_reply_with<D: Doc>(status: u16, body: &str) -> Result<Profile, AuthError> {
    let doc = D::parse(body);
    if let Some(profile) = doc.as_ref().and_then(saved_profile) {
        if (200..300).contains(&status) {
            return Ok(profile);
        }
    }
    let error = crate::exchange::refusal(
        status,
        doc.as_ref(),
        ErrorCode::ProfileRejected,
        [
            "the profile response is not {nickName, avatarUrl} with an https or cloud:// avatar",
            "the backend refused the session for the profile",
            "the backend refused the profile",
            "the backend failed to save the profile",
        ],
    );
    Err(error.with_transient(matches!(status, 408 | 429 | 500..=599)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as SerdeDoc;

    #[test]
    fn a_saved_profile_is_read_back_and_marked() {
        let body = r#"{"nickName":" 小明 ","avatarUrl":"https://api.example.com/avatars/a.png"}"#;
        let p = check_profile_reply_with::<SerdeDoc>(200, body).unwrap();
        assert_eq!(p.nick_name(), "小明");
        assert!(p.saved());
        assert_eq!(
            profile_json(&p, true),
            r#"{"nickName":"小明","avatarUrl":"https://api.example.com/avatars/a.png","saved":true}"#
        );
        assert_eq!(
            profile_json(&p, false),
            r#"{"nickName":"小明","avatarUrl":"https://api.example.com/avatars/a.png"}"#
        );
    }

    #[test]
    fn the_backend_answers_map_to_codes() {
        let err = |status, body| check_profile_reply_with::<SerdeDoc>(status, body).unwrap_err();
        // A 2xx that does not hold a usable profile, or keeps the avatar a local file.
        assert_eq!(err(200, "{}").code, ErrorCode::Server);
        assert_eq!(
            err(200, r#"{"nickName":"a","avatarUrl":"wxfile://tmp/a.png"}"#).code,
            ErrorCode::Server
        );
        let refused = err(
            415,
            r#"{"code":"UNSUPPORTED_IMAGE","message":"not an image"}"#,
        );
        assert_eq!(refused.code, ErrorCode::ProfileRejected);
        assert!(refused.message.contains("UNSUPPORTED_IMAGE"));
        assert!(!refused.transient);
        assert_eq!(err(401, "{}").code, ErrorCode::NotLoggedIn);
        assert!(err(503, "").transient);
        assert!(err(429, "").transient);
    }
}

//! The user's profile (nickname and avatar) and the rules for accepting one.

use crate::error::AuthError;
use alloc::string::{String, ToString};

/// Longest nickname accepted, in characters. WeChat's own nickname input stays well below it.
pub const MAX_NICKNAME_CHARS: usize = 64;
/// Longest avatar URL or temporary file path accepted, in bytes.
pub const MAX_AVATAR_URL_BYTES: usize = 2048;

/// A complete profile: both a nickname and an avatar.
///
/// Built only through [`Profile::new`] or [`Profile::patched`], so a `Profile` value is
/// always valid: neither field is empty, both are within their limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    nick_name: String,
    avatar_url: String,
    saved: bool,
}

/// Fields a page supplies to change the profile; a missing field keeps its old value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfilePatch {
    /// The new nickname, from `<input type="nickname">` collected through a form submit.
    pub nick_name: Option<String>,
    /// The new avatar, from `<button open-type="chooseAvatar">` (`e.detail.avatarUrl`).
    pub avatar_url: Option<String>,
}

impl Profile {
    /// A profile from a nickname and an avatar URL; both are trimmed and must be non-empty.
    pub fn new(nick_name: &str, avatar_url: &str) -> Result<Profile, AuthError> {
        Ok(Profile {
            nick_name: check_nick_name(nick_name)?,
            avatar_url: check_avatar_url(avatar_url)?,
            saved: false,
        })
    }

    /// This profile with the patch applied, or a profile made from the patch alone.
    ///
    /// Without a current profile the patch must carry both fields.
    pub fn patched(current: Option<&Profile>, patch: &ProfilePatch) -> Result<Profile, AuthError> {
        if patch.nick_name.is_none() && patch.avatar_url.is_none() {
            return Err(AuthError::argument(
                "setProfile needs nickName or avatarUrl",
            ));
        }
        let nick_name = merge(
            patch.nick_name.as_deref(),
            current.map(|p| p.nick_name.as_str()),
            check_nick_name,
            "the first profile needs a nickName as well as an avatarUrl",
        )?;
        let avatar_url = merge(
            patch.avatar_url.as_deref(),
            current.map(|p| p.avatar_url.as_str()),
            check_avatar_url,
            "the first profile needs an avatarUrl as well as a nickName",
        )?;
        Ok(Profile {
            nick_name,
            avatar_url,
            saved: false,
        })
    }

    /// The nickname.
    pub fn nick_name(&self) -> &str {
        &self.nick_name
    }

    /// The avatar URL (an https URL from `getUserProfile` or the backend, or a file path
    /// from `chooseAvatar`).
    pub fn avatar_url(&self) -> &str {
        &self.avatar_url
    }

    /// Whether the backend (`profileUrl`) holds this very profile. Always false without
    /// `profileUrl`; a profile the page changes is unsaved until the backend answers.
    pub fn saved(&self) -> bool {
        self.saved
    }

    /// The same profile, marked as saved on the backend or not.
    pub fn with_saved(mut self, saved: bool) -> Profile {
        self.saved = saved;
        self
    }

    /// Whether saving it uploads the avatar as a file (`wx.uploadFile`): it is neither an
    /// https URL nor a cloud storage file ID (`cloud://`), so a `chooseAvatar` temporary file.
    pub fn avatar_is_file(&self) -> bool {
        !["https://", "cloud://"]
            .iter()
            .any(|p| self.avatar_url.starts_with(p))
    }
}

/// The new value, checked, else the current one, else an error saying what is missing.
fn merge(
    new: Option<&str>,
    current: Option<&str>,
    check: fn(&str) -> Result<String, AuthError>,
    missing: &str,
) -> Result<String, AuthError> {
    match (new, current) {
        (Some(value), _) => check(value),
        (None, Some(value)) => Ok(value.to_string()),
        (None, None) => Err(AuthError::argument(missing)),
    }
}

fn check_nick_name(raw: &str) -> Result<String, AuthError> {
    let nick = raw.trim();
    if nick.is_empty() {
        return Err(AuthError::argument("nickName is empty"));
    }
    if crate::text::char_count(nick) > MAX_NICKNAME_CHARS {
        return Err(AuthError::argument("nickName is longer than 64 characters"));
    }
    if nick.chars().any(char::is_control) {
        return Err(AuthError::argument("nickName contains control characters"));
    }
    Ok(nick.to_string())
}

fn check_avatar_url(raw: &str) -> Result<String, AuthError> {
    let url = raw.trim();
    if url.is_empty() {
        return Err(AuthError::argument("avatarUrl is empty"));
    }
    if url.len() > MAX_AVATAR_URL_BYTES {
        return Err(AuthError::argument("avatarUrl is longer than 2048 bytes"));
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AuthError::argument(
            "avatarUrl contains spaces or control characters",
        ));
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn patch(nick: Option<&str>, avatar: Option<&str>) -> ProfilePatch {
        ProfilePatch {
            nick_name: nick.map(Into::into),
            avatar_url: avatar.map(Into::into),
        }
    }

    #[test]
    fn first_profile_needs_both_fields() {
        let err = Profile::patched(None, &patch(Some("小明"), None)).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        let p = Profile::patched(None, &patch(Some(" 小明 "), Some("wxfile://tmp/a.png"))).unwrap();
        assert_eq!(p.nick_name(), "小明");
        assert_eq!(p.avatar_url(), "wxfile://tmp/a.png");
    }

    #[test]
    fn patch_keeps_the_missing_field() {
        let p = Profile::new("小明", "https://a/1.png").unwrap();
        let q = Profile::patched(Some(&p), &patch(None, Some("https://a/2.png"))).unwrap();
        assert_eq!(q.nick_name(), "小明");
        assert_eq!(q.avatar_url(), "https://a/2.png");
    }

    #[test]
    fn bad_fields_are_rejected() {
        assert!(Profile::new("  ", "https://a").is_err());
        assert!(Profile::new("a", "").is_err());
        assert!(Profile::new("a\u{0}b", "https://a").is_err());
        assert!(Profile::new("a", "https://a b").is_err());
        let long: String = "名".repeat(MAX_NICKNAME_CHARS + 1);
        assert!(Profile::new(&long, "https://a").is_err());
        let ok: String = "名".repeat(MAX_NICKNAME_CHARS);
        assert!(Profile::new(&ok, "https://a").is_ok());
        assert!(Profile::patched(None, &ProfilePatch::default()).is_err());
    }
}

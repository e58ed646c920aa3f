//! The rules of a profile (`POST /auth/profile`): what a nickname, an avatar URL and an
//! uploaded avatar must be, and the refusals when they are not. Pure functions; the
//! route reads the request ([`crate::upload`]) and stores the files ([`crate::avatars`]).
//!
//! - nickname: trimmed of Unicode white space, then 1 to [`MAX_NICK_CHARS`] Unicode scalar
//!   values, none a control character;
//! - avatar URL (the JSON form): starts with `https://`, at most [`MAX_AVATAR_URL_BYTES`]
//!   bytes, no white space and no control character;
//! - uploaded avatar: a PNG, JPEG, GIF or WebP by its first bytes ([`ImageKind::sniff`]),
//!   whatever the client says its name or type is; at most [`MAX_AVATAR_BYTES`].

use crate::errors::ApiError;

/// Longest nickname, in Unicode scalar values, after trimming.
pub const MAX_NICK_CHARS: usize = 64;
/// Longest avatar URL of the JSON form, in bytes.
pub const MAX_AVATAR_URL_BYTES: usize = 2048;
/// Largest uploaded avatar, in bytes (`chooseAvatar`'s files are about 10 to 200 KB).
pub const MAX_AVATAR_BYTES: usize = 1024 * 1024;

/// An image format the server takes as an avatar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// `89 50 4E 47 0D 0A 1A 0A`
    Png,
    /// `FF D8 FF`
    Jpeg,
    /// `GIF87a` or `GIF89a`
    Gif,
    /// `RIFF`, four bytes of size, `WEBP`
    Webp,
}

impl ImageKind {
    /// Every kind, for lookups by extension.
    pub const ALL: [ImageKind; 4] = [
        ImageKind::Png,
        ImageKind::Jpeg,
        ImageKind::Gif,
        ImageKind::Webp,
    ];

    /// The format of `bytes` by their magic number, or `None`.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(b"\xff\xd8\xff") {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageKind::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }

    /// The file extension the server gives it (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Gif => "gif",
            ImageKind::Webp => "webp",
        }
    }

    /// The `Content-Type` it is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
        }
    }
}

/// The kind of a stored avatar's file name when it is one the server could have made
/// (`^[0-9a-f]{32}\.(png|jpg|gif|webp)$`), else `None`: nothing else is ever looked up.
pub fn avatar_name_kind(name: &str) -> Option<ImageKind> {
    let (stem, extension) = name.split_once('.')?;
    let hex = stem.len() == 32 && stem.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !hex {
        return None;
    }
    ImageKind::ALL
        .into_iter()
        .find(|k| k.extension() == extension)
}

/// 400 `INVALID_PROFILE`.
pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "INVALID_PROFILE", message)
}

/// 413 `AVATAR_TOO_LARGE`.
pub fn too_large() -> ApiError {
    ApiError::new(
        413,
        "AVATAR_TOO_LARGE",
        format!("the avatar is over {MAX_AVATAR_BYTES} bytes"),
    )
}

/// 415 `UNSUPPORTED_IMAGE`.
pub fn unsupported_image() -> ApiError {
    ApiError::new(
        415,
        "UNSUPPORTED_IMAGE",
        "the avatar is not a PNG, JPEG, GIF or WebP image",
    )
}

/// The nickname `raw` trimmed, if it keeps the rules (else 400 `INVALID_PROFILE` saying
/// which).
pub fn check_nick_name(raw: &str) -> Result<String, ApiError> {
    let nick = raw.trim();
    if nick.is_empty() {
        return Err(invalid("nickName is empty"));
    }
    if nick.chars().count() > MAX_NICK_CHARS {
        return Err(invalid(format!(
            "nickName is over {MAX_NICK_CHARS} characters"
        )));
    }
    if nick.chars().any(char::is_control) {
        return Err(invalid("nickName holds a control character"));
    }
    Ok(nick.to_string())
}

/// `url` if it keeps the rules of the JSON form's `avatarUrl` (else 400 `INVALID_PROFILE`
/// saying which).
pub fn check_avatar_url(url: &str) -> Result<&str, ApiError> {
    if !url.starts_with("https://") {
        return Err(invalid("avatarUrl must start with https://"));
    }
    if url.len() > MAX_AVATAR_URL_BYTES {
        return Err(invalid(format!(
            "avatarUrl is over {MAX_AVATAR_URL_BYTES} bytes"
        )));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            "avatarUrl holds white space or a control character",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message of a 400 `INVALID_PROFILE` refusal.
    fn message<T: std::fmt::Debug>(result: Result<T, ApiError>) -> String {
        let e = result.expect_err("a refusal");
        assert_eq!((e.status, e.code), (400, "INVALID_PROFILE"));
        e.message
    }

    #[test]
    fn images_are_told_by_their_first_bytes() {
        assert_eq!(
            ImageKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(ImageKind::Png)
        );
        assert_eq!(ImageKind::sniff(b"\xff\xd8\xff\xe0"), Some(ImageKind::Jpeg));
        assert_eq!(ImageKind::sniff(b"GIF87a..."), Some(ImageKind::Gif));
        assert_eq!(ImageKind::sniff(b"GIF89a"), Some(ImageKind::Gif));
        assert_eq!(
            ImageKind::sniff(b"RIFF\x24\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        for not in [
            &b""[..],
            b"\x89PNG\r\n\x1a",
            b"\xff\xd8",
            b"GIF88a",
            b"RIFF\x24\0\0\0WAVE",
            b"RIFF\x24\0\0\0WEB",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            b"BM\x36\0",
        ] {
            assert_eq!(ImageKind::sniff(not), None, "{not:?}");
        }
    }

    #[test]
    fn only_names_the_server_makes_are_looked_up() {
        let hex = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            avatar_name_kind(&format!("{hex}.png")),
            Some(ImageKind::Png)
        );
        assert_eq!(
            avatar_name_kind(&format!("{hex}.jpg")),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            avatar_name_kind(&format!("{hex}.webp")),
            Some(ImageKind::Webp)
        );
        for bad in [
            format!("{hex}.jpeg"),
            format!("{hex}.PNG"),
            format!("{}.png", hex.to_uppercase()),
            format!("{hex}0.png"),
            format!("{}.png", &hex[1..]),
            format!("{hex}.png.part"),
            format!("../{}.png", &hex[3..]),
            hex.to_string(),
            format!(".{hex}.png"),
            "..".to_string(),
            String::new(),
        ] {
            assert_eq!(avatar_name_kind(&bad), None, "{bad}");
        }
    }

    #[test]
    fn nicknames_are_trimmed_and_bounded() {
        assert_eq!(check_nick_name("  小明 \n").unwrap(), "小明");
        assert_eq!(check_nick_name("\u{3000}a b\u{a0}").unwrap(), "a b");
        let max = "😀".repeat(64);
        assert_eq!(check_nick_name(&format!(" {max} ")).unwrap(), max);
        assert!(message(check_nick_name("")).contains("empty"));
        assert!(message(check_nick_name(" \t\u{2003} ")).contains("empty"));
        assert!(message(check_nick_name(&"😀".repeat(65))).contains("64"));
        assert!(message(check_nick_name("a\u{7}b")).contains("control"));
        assert!(message(check_nick_name("a\nb")).contains("control"));
        assert!(message(check_nick_name("a\u{85}b")).contains("control"));
        // A zero-width joiner or a byte order mark is a format character, not a control one.
        assert!(check_nick_name("👨\u{200d}👩").is_ok());
    }

    #[test]
    fn avatar_urls_are_https_bounded_and_unbroken() {
        let ok = "https://thirdwx.qlogo.cn/mmopen/vi_32/abc/132";
        assert_eq!(check_avatar_url(ok), Ok(ok));
        let long = format!("https://a.example/{}", "x".repeat(2048 - 18));
        assert_eq!(long.len(), 2048);
        assert!(check_avatar_url(&long).is_ok());
        assert!(message(check_avatar_url(&format!("{long}x"))).contains("2048"));
        for bad in [
            "http://a.example/x.png",
            "HTTPS://a.example/x.png",
            " https://a.example/x.png",
            "data:image/png;base64,AAAA",
            "",
        ] {
            assert!(message(check_avatar_url(bad)).contains("https://"), "{bad}");
        }
        for bad in [
            "https://a.example/x y.png",
            "https://a.example/x.png\n",
            "https://a.example/\u{0}",
            "https://a.example/\u{3000}",
        ] {
            assert!(
                message(check_avatar_url(bad)).contains("white space"),
                "{bad:?}"
            );
        }
    }
}

//! Reading the body of `POST /auth/profile` into a [`ProfileInput`], in one of its two
//! forms, checked by [`crate::profile`]'s rules:
//!
//! - `multipart/form-data`, as `wx.uploadFile` sends it: a file part `avatar` (at most
//!   [`MAX_AVATAR_BYTES`], counted as it arrives, so no more is ever buffered) and a text
//!   part `nickName` (at most [`MAX_NICK_PART_BYTES`]). Other parts are read and dropped;
//!   they count toward the route's body limit, [`MAX_UPLOAD_BODY`]. The whole body must
//!   arrive within [`UPLOAD_TIMEOUT`]. Parsed by axum's `Multipart` (multer).
//! - `application/json`, `{"nickName", "avatarUrl"}` ([`wx_auth::wire::ProfileBody`]), at
//!   most [`MAX_PROFILE_JSON`] bytes, within [`crate::http::BODY_TIMEOUT`].
//!
//! Every refusal is an [`ApiError`]: 400 `INVALID_PROFILE`, 413 `AVATAR_TOO_LARGE`,
//! 415 `UNSUPPORTED_IMAGE` or `UNSUPPORTED_MEDIA_TYPE`, 408 `REQUEST_TIMEOUT`.

use crate::errors::ApiError;
use crate::http::read_body_within;
use crate::profile::{
    check_avatar_url, check_nick_name, invalid, too_large, unsupported_image, ImageKind,
    MAX_AVATAR_BYTES,
};
use axum::body::Body;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, HeaderMap, StatusCode};
use std::time::Duration;

/// The route's body limit: a full-size avatar, and room for the nickName, the parts'
/// headers and boundaries. A `Content-Length` over it is 413 `AVATAR_TOO_LARGE`, unread.
pub const MAX_UPLOAD_BODY: usize = MAX_AVATAR_BYTES + 16 * 1024;
/// Largest `nickName` part, in bytes (before trimming).
pub const MAX_NICK_PART_BYTES: usize = 1024;
/// Largest JSON form, in bytes.
pub const MAX_PROFILE_JSON: usize = 8 * 1024;
/// How long a multipart upload may take to arrive once the head is in; past it 408.
/// Well inside the whole-request backstop ([`crate::http::REQUEST_TIMEOUT`]).
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The avatar of a profile request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Avatar {
    /// An uploaded image, checked by its first bytes.
    Upload {
        /// The file's bytes.
        bytes: Vec<u8>,
        /// What its first bytes say it is.
        kind: ImageKind,
    },
    /// An https URL (the JSON form), checked.
    Url(String),
}

/// A profile request, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInput {
    /// The nickname, trimmed.
    pub nick_name: String,
    /// The avatar.
    pub avatar: Avatar,
}

/// The two forms of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `multipart/form-data`.
    Multipart,
    /// `application/json`.
    Json,
}

/// The form of the body by its `Content-Type` (parameters allowed, case ignored); any
/// other type, or none, is 415 `UNSUPPORTED_MEDIA_TYPE`.
pub fn form_of(headers: &HeaderMap) -> Result<Form, ApiError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or("");
    if media.eq_ignore_ascii_case("multipart/form-data") {
        Ok(Form::Multipart)
    } else if media.eq_ignore_ascii_case("application/json") {
        Ok(Form::Json)
    } else {
        Err(ApiError::new(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "the body must be multipart/form-data or application/json",
        ))
    }
}

/// Reads and checks the JSON form.
pub async fn read_json(body: Body) -> Result<ProfileInput, ApiError> {
    let bytes = read_body_within(body, MAX_PROFILE_JSON).await?;
    let doc: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| invalid("the body is not JSON"))?;
    let field = |name: &str| match doc.get(name) {
        Some(serde_json::Value::String(s)) => Ok(s.as_str()),
        _ => Err(invalid(format!("the body has no string \"{name}\""))),
    };
    if !doc.is_object() {
        return Err(invalid("the body is not a JSON object"));
    }
    let (nick, url) = (field("nickName")?, field("avatarUrl")?);
    Ok(ProfileInput {
        nick_name: check_nick_name(nick)?,
        avatar: Avatar::Url(check_avatar_url(url)?.to_string()),
    })
}

/// Reads and checks the multipart form (the request whole, so axum's `Multipart` can
/// take its body), within [`UPLOAD_TIMEOUT`].
pub async fn read_multipart(req: Request) -> Result<ProfileInput, ApiError> {
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|_| invalid("the multipart body has no boundary"))?;
    match tokio::time::timeout(UPLOAD_TIMEOUT, read_parts(&mut multipart)).await {
        Ok(result) => result,
        Err(_) => Err(ApiError::new(
            408,
            "REQUEST_TIMEOUT",
            "the upload did not arrive in time",
        )),
    }
}

async fn read_parts(multipart: &mut Multipart) -> Result<ProfileInput, ApiError> {
    let mut nick: Option<Vec<u8>> = None;
    let mut avatar: Option<Vec<u8>> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let (slot, limit, name) = match field.name() {
            Some("avatar") => (&mut avatar, MAX_AVATAR_BYTES, "avatar"),
            Some("nickName") => (&mut nick, MAX_NICK_PART_BYTES, "nickName"),
            _ => {
                while field.chunk().await.map_err(malformed)?.is_some() {}
                continue;
            }
        };
        if slot.is_some() {
            return Err(invalid(format!("the {name} part is given twice")));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            if bytes.len() + chunk.len() > limit {
                drop(field);
                // Read the rest (the route's limit bounds it), so the client, still
                // sending, reads the answer rather than a reset connection.
                drain(multipart).await;
                return Err(if name == "avatar" {
                    too_large()
                } else {
                    invalid(format!("the nickName part is over {limit} bytes"))
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        *slot = Some(bytes);
    }
    let nick = nick.ok_or_else(|| invalid("the nickName part is missing"))?;
    let avatar = avatar.ok_or_else(|| invalid("the avatar part is missing"))?;
    let nick = String::from_utf8(nick).map_err(|_| invalid("nickName is not UTF-8"))?;
    let nick_name = check_nick_name(&nick)?;
    let kind = ImageKind::sniff(&avatar).ok_or_else(unsupported_image)?;
    Ok(ProfileInput {
        nick_name,
        avatar: Avatar::Upload {
            bytes: avatar,
            kind,
        },
    })
}

/// Reads what is left of a multipart body, dropping it; stops at the first error.
async fn drain(multipart: &mut Multipart) {
    loop {
        let Ok(Some(mut field)) = multipart.next_field().await else {
            return;
        };
        loop {
            match field.chunk().await {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
}

/// A multipart body that cannot be read: over the route's limit (413), else 400.
fn malformed(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        invalid("the multipart body is malformed")
    }
}

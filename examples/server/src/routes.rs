//! The protocol the SDK speaks, as an axum [`Router`]:
//!
//! | route | answer |
//! | --- | --- |
//! | `POST /auth/login {code}` | 200 `{token, expiresIn}` |
//! | `POST /auth/logout` + bearer | 200 `{ok: true}` (always: idempotent) |
//! | `GET /api/me` + bearer | 200 `{openid, since}`, 401 without a valid session |
//! | `POST /auth/unbind {code}` + bearer | 200 `{ok: true}` after a fresh login proves the same user |
//! | `POST /auth/phone {code}` + bearer | 200 `{phoneNumber: "138****8000", countryCode}` |
//! | `POST /auth/profile` + bearer, multipart (`avatar` file, `nickName`) or JSON `{nickName, avatarUrl}` | 200 `{nickName, avatarUrl}`, the saved profile |
//! | `GET /avatars/<32 hex>.<png\|jpg\|gif\|webp>` | 200, the uploaded image (public, immutable) |
//!
//! The login reply carries `profile: {nickName, avatarUrl}` and `/api/me` a `profile`
//! member when the user has saved one; unbind erases it with its file.
//!
//! Every other answer is `{code, message}`. The bodies the SDK sends and reads are the
//! types of `wx_auth::wire` ([`LoginRequest`], [`LoginReply`], [`UnbindRequest`],
//! [`UnbindReply`], [`PhoneRequest`], [`PhoneReply`], [`ProfileBody`],
//! [`wx_auth::wire::ErrorBody`]), shared with the SDK so the protocol is defined once;
//! `/api/me` is this app's own.
//!
//! Input is checked at the door (size, content type, code shape) before anything is
//! stored or sent to WeChat: bodies of at most 1 KiB ([`crate::http::MAX_BODY`]), except
//! on `/auth/profile` ([`crate::upload::MAX_UPLOAD_BODY`], past it 413
//! `AVATAR_TOO_LARGE`). Each store call is given [`STORE_TIMEOUT`]; the WeChat call has
//! its own limits ([`crate::wechat`]).
//!
//! Configuration for the avatars: `AVATAR_DIR` (where the files live, see
//! [`crate::avatars`]) and `PUBLIC_BASE_URL` (the base of their URLs), in
//! [`crate::config::Config`].

use crate::avatars::AvatarDir;
use crate::errors::{ApiError, StoreError};
use crate::http::{guard, json, outer, payload_too_large, read_body, MAX_BODY};
use crate::phone::{cache_seconds, mask, LOCK_SECONDS, LOCK_WAIT, POLL};
use crate::profile::too_large;
use crate::store::{Phone, Profile, ProfileSaved, SessionInfo, SessionStore, STORE_TIMEOUT};
use crate::token;
use crate::upload::{self, Avatar, Form, MAX_UPLOAD_BODY};
use crate::wechat::{Identity, WeChatApi, WxError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use wx_auth::wire::{
    LoginReply, LoginRequest, PhoneReply, PhoneRequest, ProfileBody, UnbindReply, UnbindRequest,
};

/// Longest `wx.login` code accepted (real ones are 32 characters).
pub const MAX_CODE_CHARS: usize = 128;

/// The server: a store, a WeChat client, the session lifetime and a clock.
pub struct App {
    /// Where sessions live (and the shared access token).
    pub store: Box<dyn SessionStore>,
    /// WeChat's server APIs.
    pub wechat: Box<dyn WeChatApi>,
    /// The app's appid (the access token is cached under it).
    pub appid: String,
    /// Session lifetime in seconds (`expiresIn`).
    pub ttl: u64,
    /// Unix seconds now (the system clock in the binary; a test clock in tests).
    pub clock: Box<dyn Fn() -> u64 + Send + Sync>,
    /// Where uploaded avatars live, and their public URLs.
    pub avatars: AvatarDir,
}

type Answer = Result<Response, ApiError>;
type Shared = State<Arc<App>>;

/// A route that takes only `method`; any other is 405 `METHOD_NOT_ALLOWED` (JSON).
fn only(method: &'static str, route: MethodRouter<Arc<App>>) -> MethodRouter<Arc<App>> {
    route.fallback(move || async move {
        ApiError::new(
            405,
            "METHOD_NOT_ALLOWED",
            format!("this endpoint takes {method}"),
        )
    })
}

/// The routes, a JSON 404 for any other path, and the layers of [`crate::http`]: the
/// 1 KiB door everywhere but on `/auth/profile`, which has its own.
pub fn router(app: App) -> Router {
    let app = Arc::new(app);
    let small = Router::new()
        .route("/auth/login", only("POST", post(login)))
        .route("/auth/logout", only("POST", post(logout)))
        .route("/api/me", only("GET", get(me)))
        .route("/auth/unbind", only("POST", post(unbind)))
        .route("/auth/phone", only("POST", post(phone)))
        .route("/avatars/{name}", only("GET", get(avatar)))
        .fallback(|| async { ApiError::not_found() })
        .with_state(Arc::clone(&app));
    let uploads = Router::new()
        .route("/auth/profile", only("POST", post(profile)))
        .with_state(app);
    outer(
        guard(small, MAX_BODY, payload_too_large)
            .merge(guard(uploads, MAX_UPLOAD_BODY, |_| too_large())),
    )
}

/// `call` within [`STORE_TIMEOUT`]; a failure or a timeout is 500 `INTERNAL`.
async fn store<T>(call: impl Future<Output = Result<T, StoreError>>) -> Result<T, ApiError> {
    match tokio::time::timeout(STORE_TIMEOUT, call).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(_) => Err(StoreError::new("no answer in time").into()),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    token::from_bearer(
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    )
}

async fn login(State(app): Shared, headers: HeaderMap, body: Body) -> Answer {
    let LoginRequest { code } = read_json(&headers, body).await?;
    let identity = app.exchange(check_code(&code)?).await?;
    let token = token::generate().map_err(|_| {
        tracing::error!("the OS random source failed");
        ApiError::internal()
    })?;
    let now = (app.clock)();
    store(app.store.create_session(
        &identity.openid,
        &token.hash,
        now,
        now.saturating_add(app.ttl),
    ))
    .await?;
    if let Some(unionid) = &identity.unionid {
        store(app.store.set_unionid(&identity.openid, unionid)).await?;
    }
    let profile = store(app.store.profile(&identity.openid)).await?;
    Ok(json(
        StatusCode::OK,
        &LoginReply {
            token: token.token,
            expires_in: app.ttl,
            profile: profile.map(wire_profile),
        },
    ))
}

/// The profile as the SDK reads it.
fn wire_profile(p: Profile) -> ProfileBody {
    ProfileBody {
        nick_name: p.nick_name,
        avatar_url: p.avatar_url,
    }
}

async fn logout(State(app): Shared, headers: HeaderMap) -> Answer {
    if let Some(t) = bearer(&headers) {
        store(app.store.revoke(&token::hash(t))).await?;
    }
    Ok(json(StatusCode::OK, &UnbindReply { ok: true }))
}

async fn me(State(app): Shared, headers: HeaderMap) -> Answer {
    let session = app.session(&headers).await?;
    let mut body = json!({ "openid": session.openid, "since": session.since });
    if let Some(unionid) = session.unionid {
        body["unionid"] = unionid.into();
    }
    if let Some(profile) = session.profile {
        body["profile"] = json!(wire_profile(profile));
    }
    Ok(json(StatusCode::OK, &body))
}

/// Saves the user's profile (see [`crate::upload`] for the two forms and their checks):
/// the session first (401 before the body is read), then the body; an upload is written
/// to the avatar directory, then the profile stored, then the file the user's previous
/// profile had deleted. A refused request, or a store that fails, leaves no file and no
/// change behind.
async fn profile(State(app): Shared, req: Request) -> Answer {
    let session = app.session(req.headers()).await?;
    // An upload holds its body in memory until the file is written: a bounded number at once.
    let mut _admitted = None;
    let input = match upload::form_of(req.headers())? {
        Form::Json => upload::read_json(req.into_body()).await?,
        Form::Multipart => {
            _admitted = Some(app.avatars.admit().ok_or_else(|| {
                ApiError::new(503, "BUSY", "too many uploads at once; try again shortly")
            })?);
            upload::read_multipart(req).await?
        }
    };
    let (avatar_url, avatar_file) = match input.avatar {
        Avatar::Url(url) => (url, None),
        Avatar::Upload { bytes, kind } => {
            let name = app.avatars.save(&bytes, kind).await?;
            (app.avatars.url(&name), Some(name))
        }
    };
    let new = Profile {
        nick_name: input.nick_name,
        avatar_url,
        avatar_file,
    };
    let saved =
        tokio::time::timeout(STORE_TIMEOUT, app.store.set_profile(&session.openid, &new)).await;
    match saved {
        Ok(Ok(ProfileSaved::Stored { orphan })) => {
            if let Some(old) = orphan {
                app.avatars.remove(&old).await;
            }
            Ok(json(StatusCode::OK, &wire_profile(new)))
        }
        // Not stored: the new file goes. Not bound means an unbind ended the session.
        Ok(failed) => {
            if let Some(name) = &new.avatar_file {
                app.avatars.remove(name).await;
            }
            Err(match failed {
                Err(e) => e.into(),
                Ok(_) => ApiError::unauthorized(),
            })
        }
        // No answer in time: the store may still write the profile, so its file stays
        // (at worst a file nothing refers to, never a profile without its file).
        Err(_) => Err(StoreError::new("no answer in time").into()),
    }
}

/// An uploaded avatar, public: only names the server makes are looked up; the bytes
/// with their type, `nosniff`, and cached for a year (a name is never reused).
async fn avatar(State(app): Shared, req: Request) -> Answer {
    let name = req.uri().path().strip_prefix("/avatars/").unwrap_or("");
    let Some((bytes, kind)) = app.avatars.read(name).await? else {
        return Err(ApiError::new(404, "NOT_FOUND", "no such avatar"));
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(kind.content_type()),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}

/// Exchanges a phone button's code for the number (with the session's openid, which
/// WeChat checks against the code), stores it in full with the user and answers it
/// masked. The session is checked first, so a refused request never spends the code.
async fn phone(State(app): Shared, headers: HeaderMap, body: Body) -> Answer {
    let session = app.session(&headers).await?;
    let PhoneRequest { code } = read_json(&headers, body).await?;
    let code = check_code(&code)?;
    let mut access_token = app.access_token().await?;
    let mut retried = false;
    let info = loop {
        match app
            .wechat
            .phone_number(&access_token, code, &session.openid)
            .await
        {
            Ok(info) => break info,
            // The code was not consumed: drop the token, fetch it again (normal mode,
            // never force_refresh) and try once more.
            Err(WxError::TokenInvalid(n)) if !retried => {
                tracing::warn!(
                    "getuserphonenumber refused the access token (errcode {n}); fetching it again"
                );
                retried = true;
                store(app.store.drop_access_token(&app.appid, &access_token)).await?;
                access_token = app.access_token().await?;
            }
            Err(e) => {
                tracing::warn!("{}", e.describe_call("getuserphonenumber"));
                return Err(e.to_phone_api());
            }
        }
    };
    let phone = Phone {
        country_code: info.country_code,
        number: info.pure_phone_number,
    };
    store(app.store.set_phone(&session.openid, &phone)).await?;
    Ok(json(
        StatusCode::OK,
        &PhoneReply {
            phone_number: mask(&phone.number),
            country_code: phone.country_code,
        },
    ))
}

/// Deletes the user's binding, sessions and data, after a fresh `wx.login` code shows
/// the same WeChat user is present now (a stolen token alone cannot erase an account).
async fn unbind(State(app): Shared, headers: HeaderMap, body: Body) -> Answer {
    let session = app.session(&headers).await?;
    let UnbindRequest { code } = read_json(&headers, body).await?;
    let identity = app.exchange(check_code(&code)?).await?;
    if identity.openid != session.openid {
        return Err(ApiError::new(
            403,
            "IDENTITY_MISMATCH",
            "the login code belongs to another WeChat user than the session",
        ));
    }
    let erased = store(app.store.unbind(&session.openid)).await?;
    if let Some(file) = erased.and_then(|p| p.avatar_file) {
        app.avatars.remove(&file).await;
    }
    Ok(json(StatusCode::OK, &UnbindReply { ok: true }))
}

impl App {
    async fn session(&self, headers: &HeaderMap) -> Result<SessionInfo, ApiError> {
        let t = bearer(headers).ok_or_else(ApiError::unauthorized)?;
        store(self.store.session(&token::hash(t), (self.clock)()))
            .await?
            .ok_or_else(ApiError::unauthorized)
    }

    /// The app's access token: the one cached in the store, or one fetched from
    /// `stable_token` by one instance at a time ([`crate::phone`]).
    async fn access_token(&self) -> Result<String, ApiError> {
        let holder = token::generate()
            .map_err(|_| {
                tracing::error!("the OS random source failed");
                ApiError::internal()
            })?
            .hash;
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        loop {
            let now = (self.clock)();
            if let Some(t) = store(self.store.access_token(&self.appid, now)).await? {
                return Ok(t);
            }
            let locked =
                store(
                    self.store
                        .lock_token_refresh(&self.appid, &holder, now, LOCK_SECONDS),
                )
                .await?;
            if locked {
                let cached = store(self.store.access_token(&self.appid, (self.clock)())).await;
                let result = match cached {
                    Ok(Some(t)) => Ok(t),
                    Ok(None) => self.fetch_token().await,
                    Err(e) => Err(e),
                };
                if let Err(e) = store(self.store.unlock_token_refresh(&self.appid, &holder)).await {
                    tracing::warn!(
                        "the token refresh lock was not released ({}); it expires by itself",
                        e.code
                    );
                }
                return result;
            }
            if tokio::time::Instant::now() >= deadline {
                // The holder is slow or gone: normal mode hands out the token in force,
                // so asking WeChat here is harmless.
                return self.fetch_token().await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// One `stable_token` call (normal mode), its token cached in the store.
    async fn fetch_token(&self) -> Result<String, ApiError> {
        let fresh = self.wechat.stable_token().await.map_err(|e| {
            tracing::warn!("{}", e.describe_call("stable_token"));
            e.to_phone_api()
        })?;
        let now = (self.clock)();
        store(self.store.put_access_token(
            &self.appid,
            &fresh.token,
            now,
            now.saturating_add(cache_seconds(fresh.expires_in)),
        ))
        .await?;
        Ok(fresh.token)
    }

    async fn exchange(&self, code: &str) -> Result<Identity, ApiError> {
        self.wechat.exchange(code).await.map_err(|e| {
            tracing::warn!("{}", e.describe());
            e.to_api()
        })
    }
}

/// Reads a `{"code": "..."}` body: the content type first (415), then the body (408,
/// 413), then [`parse_json`].
pub async fn read_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    check_json_type(content_type)?;
    let bytes = read_body(body).await?;
    parse_json(content_type, &bytes)
}

fn check_json_type(content_type: Option<&str>) -> Result<(), ApiError> {
    let media = content_type
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or("");
    if !media.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::new(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "the body must be application/json",
        ));
    }
    Ok(())
}

/// A `{"code": "..."}` body ([`LoginRequest`], [`UnbindRequest`]), parsed: JSON content
/// type (else 415), a JSON object with a string `code` (else 400). Of a key given
/// twice, the last one counts.
pub fn parse_json<T: DeserializeOwned>(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<T, ApiError> {
    check_json_type(content_type)?;
    let doc: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| ApiError::bad_request("the body is not JSON"))?;
    // An object only: serde's derived structs would also take an array of the fields.
    if !doc.is_object() {
        return Err(ApiError::bad_request("the body is not a JSON object"));
    }
    T::deserialize(doc).map_err(|_| ApiError::bad_request("the body has no string \"code\""))
}

/// `code` when it is 1 to 128 characters of `[A-Za-z0-9_-]` (else 400).
pub fn check_code(code: &str) -> Result<&str, ApiError> {
    let well_formed = (1..=MAX_CODE_CHARS).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !well_formed {
        return Err(ApiError::bad_request(format!(
            "the code must be 1 to {MAX_CODE_CHARS} characters of A-Z, a-z, 0-9, _ and -"
        )));
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> Result<LoginRequest, ApiError> {
        parse_json(Some("application/json"), body.as_bytes())
    }

    #[test]
    fn request_bodies_are_json_objects_with_a_string_code() {
        let code = |c: &str| LoginRequest { code: c.into() };
        assert_eq!(read(r#"{"code":"abc"}"#), Ok(code("abc")));
        assert_eq!(read(r#"{"code":"abc","extra":[1]}"#), Ok(code("abc")));
        assert_eq!(read(r#"{"code":"a","code":"b"}"#), Ok(code("b")));
        for body in [
            "",
            "{",
            r#"["abc"]"#,
            r#""abc""#,
            "{}",
            r#"{"code":7}"#,
            r#"{"code":null}"#,
        ] {
            assert_eq!(read(body).map_err(|e| e.status), Err(400), "{body}");
        }
        assert_eq!(
            parse_json::<UnbindRequest>(None, br#"{"code":"abc"}"#).map_err(|e| e.status),
            Err(415)
        );
        assert_eq!(
            parse_json::<UnbindRequest>(Some("text/plain"), br#"{"code":"abc"}"#)
                .map_err(|e| e.status),
            Err(415)
        );
        assert_eq!(check_code("abc-_1"), Ok("abc-_1"));
        assert!(check_code("a b").is_err() && check_code("").is_err());
    }
}

//! The protocol the SDK speaks, as a function from a [`Request`] to a [`Response`]:
//!
//! | route | answer |
//! | --- | --- |
//! | `POST /auth/login {code}` | 200 `{token, expiresIn}` |
//! | `POST /auth/logout` + bearer | 200 `{ok: true}` (always: idempotent) |
//! | `GET /api/me` + bearer | 200 `{openid, since}`, 401 without a valid session |
//! | `POST /auth/unbind {code}` + bearer | 200 `{ok: true}` after a fresh login proves the same user |
//!
//! Every other answer is `{code, message}`. The bodies the SDK sends and reads are the
//! types of `wx_auth::wire` ([`LoginRequest`], [`LoginReply`], [`UnbindRequest`],
//! [`UnbindReply`], [`wx_auth::wire::ErrorBody`]), shared with the SDK so the protocol
//! is defined once; `/api/me` is this app's own.
//!
//! Input is checked at the door (size, content type, code shape) before anything is
//! stored or sent to WeChat.

use crate::errors::ApiError;
use crate::http::{BodyError, Request, Response};
use crate::store::{SessionInfo, SessionStore};
use crate::token;
use crate::wechat::{CodeExchange, Identity};
use serde::de::DeserializeOwned;
use serde_json::json;
use wx_auth::wire::{LoginReply, LoginRequest, UnbindReply, UnbindRequest};

/// Longest `wx.login` code accepted (real ones are 32 characters).
pub const MAX_CODE_CHARS: usize = 128;

/// The server: a store, a WeChat client, the session lifetime and a clock.
pub struct App {
    /// Where sessions live.
    pub store: Box<dyn SessionStore>,
    /// The `jscode2session` exchange.
    pub wechat: Box<dyn CodeExchange>,
    /// Session lifetime in seconds (`expiresIn`).
    pub ttl: u64,
    /// Unix seconds now (the system clock in the binary; a test clock in tests).
    pub clock: Box<dyn Fn() -> u64 + Send + Sync>,
}

type Answer = Result<Response, ApiError>;

impl App {
    /// Answers one request.
    pub fn handle(&self, req: &Request) -> Response {
        self.route(req).unwrap_or_else(Response::from)
    }

    fn route(&self, req: &Request) -> Answer {
        let (allowed, run): (&str, fn(&App, &Request) -> Answer) = match req.path.as_str() {
            "/auth/login" => ("POST", App::login),
            "/auth/logout" => ("POST", App::logout),
            "/api/me" => ("GET", App::me),
            "/auth/unbind" => ("POST", App::unbind),
            _ => return Err(ApiError::new(404, "NOT_FOUND", "no such endpoint")),
        };
        if req.method != allowed {
            return Err(ApiError::new(
                405,
                "METHOD_NOT_ALLOWED",
                format!("{} takes {allowed}", req.path),
            ));
        }
        if req.body == Err(BodyError::TooLarge) {
            return Err(ApiError::new(
                413,
                "PAYLOAD_TOO_LARGE",
                format!("the body is over {} bytes", crate::http::MAX_BODY),
            ));
        }
        run(self, req)
    }

    fn login(&self, req: &Request) -> Answer {
        let LoginRequest { code } = read_json(req)?;
        let identity = self.exchange(check_code(&code)?)?;
        let token = token::generate().map_err(|_| {
            eprintln!("error: the OS random source failed");
            ApiError::internal()
        })?;
        let now = (self.clock)();
        self.store.create_session(
            &identity.openid,
            &token.hash,
            now,
            now.saturating_add(self.ttl),
        )?;
        Ok(Response::json(
            200,
            LoginReply {
                token: token.token,
                expires_in: self.ttl,
            },
        ))
    }

    fn logout(&self, req: &Request) -> Answer {
        if let Some(t) = token::from_bearer(req.header("authorization")) {
            self.store.revoke(&token::hash(t))?;
        }
        Ok(Response::json(200, UnbindReply { ok: true }))
    }

    fn me(&self, req: &Request) -> Answer {
        let session = self.session(req)?;
        Ok(Response::json(
            200,
            json!({ "openid": session.openid, "since": session.since }),
        ))
    }

    /// Deletes the user's binding, sessions and data, after a fresh `wx.login` code shows
    /// the same WeChat user is present now (a stolen token alone cannot erase an account).
    fn unbind(&self, req: &Request) -> Answer {
        let session = self.session(req)?;
        let UnbindRequest { code } = read_json(req)?;
        let identity = self.exchange(check_code(&code)?)?;
        if identity.openid != session.openid {
            return Err(ApiError::new(
                403,
                "IDENTITY_MISMATCH",
                "the login code belongs to another WeChat user than the session",
            ));
        }
        self.store.unbind(&session.openid)?;
        Ok(Response::json(200, UnbindReply { ok: true }))
    }

    fn session(&self, req: &Request) -> Result<SessionInfo, ApiError> {
        let t =
            token::from_bearer(req.header("authorization")).ok_or_else(ApiError::unauthorized)?;
        self.store
            .session(&token::hash(t), (self.clock)())?
            .ok_or_else(ApiError::unauthorized)
    }

    fn exchange(&self, code: &str) -> Result<Identity, ApiError> {
        self.wechat.exchange(code).map_err(|e| {
            eprintln!("{}", e.describe());
            e.to_api()
        })
    }
}

/// A `{"code": "..."}` body ([`LoginRequest`], [`UnbindRequest`]), read: JSON content
/// type (else 415), a JSON object with a string `code` (else 400). Of a key given
/// twice, the last one counts.
pub fn read_json<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let media = req
        .header("content-type")
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
    let body = req
        .body
        .as_ref()
        .map_err(|_| ApiError::bad_request("the body could not be read"))?;
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
        read_json(
            &Request::new("POST", "/auth/login")
                .with_header("Content-Type", "application/json")
                .with_body(body),
        )
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
        let plain = Request::new("POST", "/auth/login").with_body(r#"{"code":"abc"}"#);
        assert_eq!(
            read_json::<UnbindRequest>(&plain).map_err(|e| e.status),
            Err(415)
        );
        assert_eq!(check_code("abc-_1"), Ok("abc-_1"));
        assert!(check_code("a b").is_err() && check_code("").is_err());
    }
}

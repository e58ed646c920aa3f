//! The protocol the SDK speaks, as a function from a [`Request`] to a [`Response`]:
//!
//! | route | answer |
//! | --- | --- |
//! | `POST /auth/login {code}` | 200 `{token, expiresIn}` |
//! | `POST /auth/logout` + bearer | 200 `{ok: true}` (always: idempotent) |
//! | `GET /api/me` + bearer | 200 `{openid, since}`, 401 without a valid session |
//! | `POST /auth/unbind {code}` + bearer | 200 `{ok: true}` after a fresh login proves the same user |
//!
//! Input is checked at the door (size, content type, code shape) before anything is
//! stored or sent to WeChat.

use crate::errors::ApiError;
use crate::http::{BodyError, Request, Response};
use crate::store::{SessionInfo, SessionStore};
use crate::token;
use crate::wechat::{CodeExchange, Identity};
use serde_json::json;

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
        let code = read_code(req)?;
        let identity = self.exchange(&code)?;
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
            json!({ "token": token.token, "expiresIn": self.ttl }),
        ))
    }

    fn logout(&self, req: &Request) -> Answer {
        if let Some(t) = token::from_bearer(req.header("authorization")) {
            self.store.revoke(&token::hash(t))?;
        }
        Ok(Response::json(200, json!({ "ok": true })))
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
        let code = read_code(req)?;
        let identity = self.exchange(&code)?;
        if identity.openid != session.openid {
            return Err(ApiError::new(
                403,
                "IDENTITY_MISMATCH",
                "the login code belongs to another WeChat user than the session",
            ));
        }
        self.store.unbind(&session.openid)?;
        Ok(Response::json(200, json!({ "ok": true })))
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

/// The `code` of a `{"code": "..."}` JSON body, checked: JSON content type (else 415),
/// a readable JSON object (else 400), a code of 1 to 128 characters of `[A-Za-z0-9_-]`.
pub fn read_code(req: &Request) -> Result<String, ApiError> {
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
    let code = doc
        .get("code")
        .and_then(|c| c.as_str())
        .ok_or_else(|| ApiError::bad_request("the body has no string \"code\""))?;
    let well_formed = (1..=MAX_CODE_CHARS).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !well_formed {
        return Err(ApiError::bad_request(format!(
            "the code must be 1 to {MAX_CODE_CHARS} characters of A-Z, a-z, 0-9, _ and -"
        )));
    }
    Ok(code.to_string())
}

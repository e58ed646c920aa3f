//! A stand-in for WeChat's `GET /sns/jscode2session`, for development and tests on
//! loopback. It accepts the codes the wx simulator mints once they are registered
//! through its control API, single use, valid 5 minutes; answers with WeChat's shapes
//! (HTTP 200 with `{openid, session_key}` or `{errcode, errmsg}`); and can be told to fail.
//!
//! Control API (loopback peers only):
//! - `POST /_standin/codes {"code", "user"}`: registers a code for a simulated user
//!   (registering the same code again replaces it, as a restarted simulator reuses names)
//! - `POST /_standin/fail {"errcode"}`: queues an error for the next exchange
//!   (-1, 40029, 40163, 45011 or 40226)
//! - `POST /_standin/clock {"advanceSeconds"}`: moves the stand-in's clock forward

use crate::errors::ApiError;
use crate::http::{json, read_body};
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{any, post};
use axum::Router;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// How long a code stays valid after registration, in seconds (as `wx.login`'s: 5 minutes).
pub const CODE_TTL_SECONDS: u64 = 300;

/// The errcodes `/_standin/fail` accepts.
pub const INJECTABLE: [i64; 5] = [-1, 40029, 40163, 45011, 40226];

struct Code {
    user: String,
    registered_at: u64,
    used: bool,
}

#[derive(Default)]
struct State {
    codes: HashMap<String, Code>,
    failures: VecDeque<i64>,
    offset: u64,
}

/// The stand-in's state and its answers.
pub struct StandIn {
    appid: String,
    secret: String,
    clock: Box<dyn Fn() -> u64 + Send + Sync>,
    state: Mutex<State>,
}

/// The openid the stand-in gives `user` of app `appid`: stable, 28 characters like
/// WeChat's (`o-` and 26 characters of base64url(SHA-256(appid ":" user))).
pub fn openid_for(appid: &str, user: &str) -> String {
    let digest = Sha256::digest(format!("{appid}:{user}").as_bytes());
    let mut id = URL_SAFE_NO_PAD.encode(digest);
    id.truncate(26);
    format!("o-{id}")
}

fn wx_error(errcode: i64) -> Response {
    let errmsg = match errcode {
        -1 => "system error",
        40002 => "invalid grant_type",
        40013 => "invalid appid",
        40029 => "invalid code",
        40125 => "invalid appsecret",
        40163 => "code been used",
        40226 => "code blocked",
        45011 => "api minute-quota reach limit  mustslower  retry next minute",
        _ => "error",
    };
    json(
        StatusCode::OK,
        &json!({ "errcode": errcode, "errmsg": errmsg }),
    )
}

impl StandIn {
    /// A stand-in for the app `appid` with `secret`, on `clock` (Unix seconds).
    pub fn new(appid: &str, secret: &str, clock: Box<dyn Fn() -> u64 + Send + Sync>) -> Self {
        StandIn {
            appid: appid.to_string(),
            secret: secret.to_string(),
            clock,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> Result<MutexGuard<'_, State>, ApiError> {
        self.state.lock().map_err(|_| ApiError::internal())
    }

    /// The stand-in's routes, with [`crate::http::layers`].
    pub fn router(self) -> Router {
        let routes = Router::new()
            .route("/sns/jscode2session", any(exchange_route))
            .route("/_standin/{action}", post(control_route))
            .fallback(|| async { ApiError::not_found() })
            .with_state(Arc::new(self));
        crate::http::layers(routes)
    }

    fn now(&self, state: &State) -> u64 {
        (self.clock)().saturating_add(state.offset)
    }

    fn exchange(&self, query: &HashMap<String, String>) -> Result<Response, ApiError> {
        let param = |name: &str| query.get(name).cloned().unwrap_or_default();
        if param("grant_type") != "authorization_code" {
            return Ok(wx_error(40002));
        }
        if param("appid") != self.appid {
            return Ok(wx_error(40013));
        }
        if param("secret") != self.secret {
            return Ok(wx_error(40125));
        }
        let mut state = self.state()?;
        if let Some(errcode) = state.failures.pop_front() {
            return Ok(wx_error(errcode));
        }
        let now = self.now(&state);
        let code = param("js_code");
        let Some(entry) = state.codes.get_mut(&code) else {
            return Ok(wx_error(40029));
        };
        if now.saturating_sub(entry.registered_at) > CODE_TTL_SECONDS {
            return Ok(wx_error(40029));
        }
        if entry.used {
            return Ok(wx_error(40163));
        }
        entry.used = true;
        let mut key = [0u8; 16];
        getrandom::fill(&mut key).map_err(|_| ApiError::internal())?;
        Ok(json(
            StatusCode::OK,
            &json!({ "openid": openid_for(&self.appid, &entry.user), "session_key": STANDARD.encode(key) }),
        ))
    }

    fn control(&self, action: &str, body: &[u8]) -> Result<Response, ApiError> {
        let doc: serde_json::Value = serde_json::from_slice(body)
            .map_err(|_| ApiError::bad_request("the body is not JSON"))?;
        let mut state = self.state()?;
        match action {
            "codes" => {
                let code = doc.get("code").and_then(|v| v.as_str()).unwrap_or("");
                let user = doc.get("user").and_then(|v| v.as_str()).unwrap_or("");
                if code.is_empty() || code.len() > 256 || user.is_empty() || user.len() > 256 {
                    return Err(ApiError::bad_request(
                        "need {\"code\", \"user\"}: non-empty strings",
                    ));
                }
                let now = self.now(&state);
                state
                    .codes
                    .retain(|_, c| now.saturating_sub(c.registered_at) <= CODE_TTL_SECONDS);
                state.codes.insert(
                    code.to_string(),
                    Code {
                        user: user.to_string(),
                        registered_at: now,
                        used: false,
                    },
                );
                Ok(json(
                    StatusCode::OK,
                    &json!({ "ok": true, "openid": openid_for(&self.appid, user) }),
                ))
            }
            "fail" => {
                let errcode = doc.get("errcode").and_then(|v| v.as_i64());
                match errcode {
                    Some(n) if INJECTABLE.contains(&n) => {
                        state.failures.push_back(n);
                        Ok(json(
                            StatusCode::OK,
                            &json!({ "ok": true, "queued": state.failures.len() }),
                        ))
                    }
                    _ => Err(ApiError::bad_request(format!(
                        "errcode must be one of {INJECTABLE:?}"
                    ))),
                }
            }
            "clock" => match doc.get("advanceSeconds").and_then(|v| v.as_u64()) {
                Some(n) => {
                    state.offset = state.offset.saturating_add(n);
                    Ok(json(
                        StatusCode::OK,
                        &json!({ "ok": true, "now": self.now(&state) }),
                    ))
                }
                None => Err(ApiError::bad_request(
                    "advanceSeconds must be a whole number >= 0",
                )),
            },
            _ => Err(ApiError::new(404, "NOT_FOUND", "no such control endpoint")),
        }
    }
}

/// `GET /sns/jscode2session`: the query decoded by axum (serde_urlencoded); a query that
/// does not decode counts as empty (40002, like WeChat without `grant_type`).
async fn exchange_route(
    axum::extract::State(standin): axum::extract::State<Arc<StandIn>>,
    method: axum::http::Method,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if method != axum::http::Method::GET {
        return axum::response::IntoResponse::into_response(ApiError::new(
            405,
            "METHOD_NOT_ALLOWED",
            "GET only",
        ));
    }
    let query = query.map(|Query(q)| q).unwrap_or_default();
    standin
        .exchange(&query)
        .unwrap_or_else(axum::response::IntoResponse::into_response)
}

/// `POST /_standin/{action}`, for loopback peers only.
async fn control_route(
    axum::extract::State(standin): axum::extract::State<Arc<StandIn>>,
    Path(action): Path<String>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    body: Body,
) -> Result<Response, ApiError> {
    let from_loopback = peer.is_some_and(|p| p.0 .0.ip().is_loopback());
    if !from_loopback {
        return Err(ApiError::new(
            403,
            "FORBIDDEN",
            "the control API is for loopback only",
        ));
    }
    let body = read_body(body).await?;
    standin.control(&action, &body)
}

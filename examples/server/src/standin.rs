//! A stand-in for WeChat's server APIs, for development and tests on loopback:
//!
//! - `GET /sns/jscode2session`: `{openid, session_key}` (and `unionid` for a user given
//!   one), for the login codes registered through the control API;
//! - `POST /cgi-bin/stable_token`: the app's access token (normal mode: the same token
//!   while it has more than 5 minutes left; `force_refresh: true` replaces it at once);
//! - `POST /wxa/business/getuserphonenumber?access_token=`: `{phone_info}` for the phone
//!   codes registered through the control API.
//!
//! Codes are single use and valid 5 minutes. Answers have WeChat's shapes (HTTP 200 with
//! the result or `{errcode, errmsg}`), and the stand-in can be told to fail.
//!
//! Control API (loopback peers only):
//! - `POST /_standin/codes {"code", "user", "unionid"?}`: registers a login code for a
//!   simulated user (registering the same code again replaces it, as a restarted
//!   simulator reuses names); a `unionid` is remembered for the user from then on
//! - `POST /_standin/phone-codes {"code", "user", "phoneNumber"?, "countryCode"?}`:
//!   registers a phone button's code for a simulated user (default `13800138000`, `86`)
//! - `POST /_standin/fail {"errcode", "api"?}`: queues an error for the next call of
//!   `api`: `jscode2session` (the default; -1, 40029, 40163, 45011 or 40226) or
//!   `getuserphonenumber` (-1, 40001, 40029, 42001, 45011 or 48001)
//! - `POST /_standin/revoke-token {}`: the current access token becomes invalid (as if
//!   another party had force-refreshed it) without counting as a force refresh
//! - `POST /_standin/clock {"advanceSeconds"}`: moves the stand-in's clock forward
//! - `GET /_standin/billing`: `{phoneVerifications, stableTokenCalls, forceRefreshes}`,
//!   the successful phone exchanges and the `stable_token` calls (every one, and those
//!   with `force_refresh: true`) so far

use crate::errors::ApiError;
use crate::http::{json, read_body};
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{any, get, post};
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

/// The errcodes `/_standin/fail` accepts for `jscode2session`.
pub const INJECTABLE: [i64; 5] = [-1, 40029, 40163, 45011, 40226];

/// The errcodes `/_standin/fail` accepts for `getuserphonenumber`.
pub const PHONE_INJECTABLE: [i64; 6] = [-1, 40001, 40029, 42001, 45011, 48001];

/// The `expires_in` of a fresh access token, in seconds (as WeChat's: 2 hours).
pub const TOKEN_TTL_SECONDS: u64 = 7200;

/// Normal mode hands out a new token once the current one has this little left.
pub const TOKEN_EARLY_SECONDS: u64 = 300;

struct Code {
    user: String,
    registered_at: u64,
    used: bool,
}

struct PhoneCode {
    user: String,
    number: String,
    country_code: String,
    registered_at: u64,
    used: bool,
}

struct Token {
    value: String,
    expires_at: u64,
}

#[derive(Default)]
struct Billing {
    phone_verifications: u64,
    stable_token_calls: u64,
    force_refreshes: u64,
}

#[derive(Default)]
struct State {
    codes: HashMap<String, Code>,
    phone_codes: HashMap<String, PhoneCode>,
    unionids: HashMap<String, String>,
    failures: VecDeque<i64>,
    phone_failures: VecDeque<i64>,
    token: Option<Token>,
    billing: Billing,
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
        40001 => "invalid credential, access_token is invalid or not latest",
        42001 => "access_token expired",
        47001 => "data format error",
        48001 => "api unauthorized",
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
            .route("/cgi-bin/stable_token", any(stable_token_route))
            .route("/wxa/business/getuserphonenumber", any(phone_route))
            .route("/_standin/billing", get(billing_route))
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
        let user = entry.user.clone();
        let mut key = [0u8; 16];
        getrandom::fill(&mut key).map_err(|_| ApiError::internal())?;
        let mut answer = json!({ "openid": openid_for(&self.appid, &user), "session_key": STANDARD.encode(key) });
        if let Some(unionid) = state.unionids.get(&user) {
            answer["unionid"] = unionid.clone().into();
        }
        Ok(json(StatusCode::OK, &answer))
    }

    /// `POST /cgi-bin/stable_token {grant_type, appid, secret, force_refresh}`.
    fn stable_token(&self, body: &[u8]) -> Result<Response, ApiError> {
        let mut state = self.state()?;
        state.billing.stable_token_calls += 1;
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(body) else {
            return Ok(wx_error(47001));
        };
        let field = |name: &str| doc.get(name).and_then(|v| v.as_str()).unwrap_or("");
        if field("grant_type") != "client_credential" {
            return Ok(wx_error(40002));
        }
        if field("appid") != self.appid {
            return Ok(wx_error(40013));
        }
        if field("secret") != self.secret {
            return Ok(wx_error(40125));
        }
        let force = doc.get("force_refresh").and_then(|v| v.as_bool()) == Some(true);
        let now = self.now(&state);
        let current = state
            .token
            .as_ref()
            .filter(|t| t.expires_at > now.saturating_add(TOKEN_EARLY_SECONDS));
        let token = match current {
            Some(t) if !force => (t.value.clone(), t.expires_at - now),
            _ => {
                if force {
                    state.billing.force_refreshes += 1;
                }
                let mut bytes = [0u8; 24];
                getrandom::fill(&mut bytes).map_err(|_| ApiError::internal())?;
                let value = format!("AT_{}", hex::encode(bytes));
                state.token = Some(Token {
                    value: value.clone(),
                    expires_at: now.saturating_add(TOKEN_TTL_SECONDS),
                });
                (value, TOKEN_TTL_SECONDS)
            }
        };
        Ok(json(
            StatusCode::OK,
            &json!({ "access_token": token.0, "expires_in": token.1 }),
        ))
    }

    /// `POST /wxa/business/getuserphonenumber?access_token= {code, openid?}`.
    fn phone_number(
        &self,
        query: &HashMap<String, String>,
        body: &[u8],
    ) -> Result<Response, ApiError> {
        let mut state = self.state()?;
        let now = self.now(&state);
        let given = query.get("access_token").map(String::as_str).unwrap_or("");
        match &state.token {
            Some(t) if t.value == given && !given.is_empty() => {
                if t.expires_at <= now {
                    return Ok(wx_error(42001));
                }
            }
            _ => return Ok(wx_error(40001)),
        }
        if let Some(errcode) = state.phone_failures.pop_front() {
            return Ok(wx_error(errcode));
        }
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(body) else {
            return Ok(wx_error(47001));
        };
        let code = doc.get("code").and_then(|v| v.as_str()).unwrap_or("");
        let openid = doc.get("openid").and_then(|v| v.as_str());
        let Some(entry) = state.phone_codes.get_mut(code) else {
            return Ok(wx_error(40029));
        };
        if entry.used || now.saturating_sub(entry.registered_at) > CODE_TTL_SECONDS {
            return Ok(wx_error(40029));
        }
        // WeChat checks the binding of the code to the openid when one is given.
        if openid.is_some_and(|o| o != openid_for(&self.appid, &entry.user)) {
            return Ok(wx_error(40029));
        }
        entry.used = true;
        let phone_number = if entry.country_code == "86" {
            entry.number.clone()
        } else {
            format!("+{}{}", entry.country_code, entry.number)
        };
        let info = json!({
            "phoneNumber": phone_number,
            "purePhoneNumber": entry.number,
            "countryCode": entry.country_code,
            "watermark": { "timestamp": now, "appid": self.appid },
        });
        state.billing.phone_verifications += 1;
        Ok(json(
            StatusCode::OK,
            &json!({ "errcode": 0, "errmsg": "ok", "phone_info": info }),
        ))
    }

    fn billing(&self) -> Result<Response, ApiError> {
        let state = self.state()?;
        Ok(json(
            StatusCode::OK,
            &json!({
                "phoneVerifications": state.billing.phone_verifications,
                "stableTokenCalls": state.billing.stable_token_calls,
                "forceRefreshes": state.billing.force_refreshes,
            }),
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
                match doc.get("unionid") {
                    None | Some(serde_json::Value::Null) => {}
                    Some(serde_json::Value::String(u))
                        if !u.is_empty()
                            && u.len() <= 128
                            && u.bytes().all(|b| b.is_ascii_graphic()) =>
                    {
                        state.unionids.insert(user.to_string(), u.clone());
                    }
                    Some(_) => {
                        return Err(ApiError::bad_request(
                            "unionid must be 1 to 128 visible ASCII characters",
                        ))
                    }
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
            "phone-codes" => {
                let text = |name: &str, default: &'static str| match doc.get(name) {
                    None | Some(serde_json::Value::Null) => Some(default.to_string()),
                    Some(v) => v.as_str().map(str::to_string),
                };
                let code = doc.get("code").and_then(|v| v.as_str()).unwrap_or("");
                let user = doc.get("user").and_then(|v| v.as_str()).unwrap_or("");
                let number = text("phoneNumber", "13800138000");
                let country_code = text("countryCode", "86");
                let digits = |v: &Option<String>, max: usize| {
                    v.as_ref().is_some_and(|v| {
                        !v.is_empty() && v.len() <= max && v.bytes().all(|b| b.is_ascii_digit())
                    })
                };
                let fine = !code.is_empty()
                    && code.len() <= 256
                    && !user.is_empty()
                    && user.len() <= 256
                    && digits(&number, 20)
                    && digits(&country_code, 4);
                let (true, Some(number), Some(country_code)) = (fine, number, country_code) else {
                    return Err(ApiError::bad_request(
                        "need {\"code\", \"user\"} (non-empty strings), phoneNumber (up to 20 digits) and countryCode (up to 4 digits) when given",
                    ));
                };
                let now = self.now(&state);
                state
                    .phone_codes
                    .retain(|_, c| now.saturating_sub(c.registered_at) <= CODE_TTL_SECONDS);
                state.phone_codes.insert(
                    code.to_string(),
                    PhoneCode {
                        user: user.to_string(),
                        number,
                        country_code,
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
                let api = doc
                    .get("api")
                    .and_then(|v| v.as_str())
                    .unwrap_or("jscode2session");
                let (allowed, queue): (&[i64], &mut VecDeque<i64>) = match api {
                    "jscode2session" => (&INJECTABLE, &mut state.failures),
                    "getuserphonenumber" => (&PHONE_INJECTABLE, &mut state.phone_failures),
                    _ => {
                        return Err(ApiError::bad_request(
                            "api must be jscode2session or getuserphonenumber",
                        ))
                    }
                };
                match errcode {
                    Some(n) if allowed.contains(&n) => {
                        queue.push_back(n);
                        Ok(json(
                            StatusCode::OK,
                            &json!({ "ok": true, "queued": queue.len() }),
                        ))
                    }
                    _ => Err(ApiError::bad_request(format!(
                        "errcode must be one of {allowed:?} for {api}"
                    ))),
                }
            }
            "revoke-token" => {
                state.token = None;
                Ok(json(StatusCode::OK, &json!({ "ok": true })))
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

fn post_only(method: &axum::http::Method) -> Result<(), ApiError> {
    if method != axum::http::Method::POST {
        return Err(ApiError::new(405, "METHOD_NOT_ALLOWED", "POST only"));
    }
    Ok(())
}

/// `POST /cgi-bin/stable_token`.
async fn stable_token_route(
    axum::extract::State(standin): axum::extract::State<Arc<StandIn>>,
    method: axum::http::Method,
    body: Body,
) -> Result<Response, ApiError> {
    post_only(&method)?;
    let body = read_body(body).await?;
    standin.stable_token(&body)
}

/// `POST /wxa/business/getuserphonenumber?access_token=`.
async fn phone_route(
    axum::extract::State(standin): axum::extract::State<Arc<StandIn>>,
    method: axum::http::Method,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
    body: Body,
) -> Result<Response, ApiError> {
    post_only(&method)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let body = read_body(body).await?;
    standin.phone_number(&query, &body)
}

fn loopback_only(peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>) -> Result<(), ApiError> {
    let from_loopback = peer.is_some_and(|p| p.0 .0.ip().is_loopback());
    if !from_loopback {
        return Err(ApiError::new(
            403,
            "FORBIDDEN",
            "the control API is for loopback only",
        ));
    }
    Ok(())
}

/// `GET /_standin/billing`, for loopback peers only.
async fn billing_route(
    axum::extract::State(standin): axum::extract::State<Arc<StandIn>>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, ApiError> {
    loopback_only(peer)?;
    standin.billing()
}

/// `POST /_standin/{action}`, for loopback peers only.
async fn control_route(
    axum::extract::State(standin): axum::extract::State<Arc<StandIn>>,
    Path(action): Path<String>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    body: Body,
) -> Result<Response, ApiError> {
    loopback_only(peer)?;
    let body = read_body(body).await?;
    standin.control(&action, &body)
}

//! WeChat's server APIs this server calls, all under one base URL (`WX_API_BASE`):
//!
//! - `GET /sns/jscode2session`: a `wx.login` code becomes the user's openid (and unionid,
//!   when the mini-program is bound to an Open Platform account);
//! - `POST /cgi-bin/stable_token`: the app's access token, always in normal mode (this
//!   server never sends `force_refresh: true`, see [`crate::phone`]);
//! - `POST /wxa/business/getuserphonenumber`: a phone button's code becomes the number.
//!
//! The `session_key` WeChat returns alongside is dropped here: this server signs its own
//! sessions and needs it for nothing, and a key that is never kept cannot leak.
//!
//! The calls share their limits, so a slow WeChat delays only logins, unbinds and phone
//! verifications: at most [`MAX_IN_FLIGHT`] at once (a call that cannot get a slot within
//! [`QUEUE_WAIT`] is 503 `WECHAT_BUSY`), each given up after [`CALL_TIMEOUT`] (502
//! `WECHAT_ERROR`).

use crate::errors::ApiError;
use std::time::Duration;
use tokio::sync::Semaphore;

/// WeChat calls in flight at most (`jscode2session`, `stable_token` and
/// `getuserphonenumber` together).
pub const MAX_IN_FLIGHT: usize = 64;
/// How long a login waits for a free slot before it is answered 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(1);
/// How long one call may take, connection and answer included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long connecting to WeChat may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Largest answer read from WeChat.
const MAX_ANSWER: usize = 64 * 1024;

/// Who the code belongs to, as WeChat says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user's openid for this app.
    pub openid: String,
    /// The user's unionid, only when the mini-program is bound to a WeChat Open Platform
    /// account (and WeChat sent a usable one).
    pub unionid: Option<String>,
}

/// The app's access token, as `stable_token` gives it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The token (never logged).
    pub token: String,
    /// Seconds it stays valid from now.
    pub expires_in: u64,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// The number `getuserphonenumber` gives for a phone code.
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneInfo {
    /// The number without the country code (`13800138000`).
    pub pure_phone_number: String,
    /// The country code without `+` (`86`).
    pub country_code: String,
}

impl std::fmt::Debug for PhoneInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneInfo")
            .field("pure_phone_number", &"<redacted>")
            .field("country_code", &self.country_code)
            .finish()
    }
}

/// Why an exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WxError {
    /// errcode -1: WeChat is busy; the same login may succeed later.
    Busy,
    /// errcode 40029: the code is invalid or expired.
    InvalidCode,
    /// errcode 40163: the code was already exchanged.
    CodeUsed,
    /// errcode 45011: the per-user minute quota is spent.
    RateLimited,
    /// errcode 40226: WeChat blocks this (high-risk) user's login.
    Blocked,
    /// errcode 40001 or 42001: the access token is invalid or expired (the phone code was
    /// not consumed).
    TokenInvalid(i64),
    /// Any other errcode (a wrong appid or secret among them).
    Other(i64),
    /// WeChat could not be reached, or answered with a non-200 status.
    Unreachable(String),
    /// WeChat answered something that is not its JSON.
    Garbage,
    /// [`MAX_IN_FLIGHT`] calls were already waiting on WeChat for [`QUEUE_WAIT`].
    Saturated,
}

impl WxError {
    /// The stable answer for the client. Messages name the errcode, never the secret,
    /// the code or WeChat's own `errmsg` (which may echo request details).
    pub fn to_api(&self) -> ApiError {
        match self {
            WxError::Busy => {
                ApiError::new(503, "WECHAT_BUSY", "WeChat is busy (errcode -1); try again")
            }
            WxError::InvalidCode => ApiError::new(
                400,
                "INVALID_CODE",
                "the login code is invalid or expired (errcode 40029)",
            ),
            WxError::CodeUsed => ApiError::new(
                400,
                "CODE_USED",
                "the login code was already used (errcode 40163)",
            ),
            WxError::RateLimited => ApiError::new(
                429,
                "RATE_LIMITED",
                "too many logins for this user; try again in a minute (errcode 45011)",
            ),
            WxError::Blocked => ApiError::new(
                403,
                "USER_BLOCKED",
                "WeChat blocked this login (errcode 40226)",
            ),
            WxError::TokenInvalid(n) => ApiError::new(
                502,
                "WECHAT_ERROR",
                format!("WeChat refused the access token (errcode {n})"),
            ),
            WxError::Other(n) => ApiError::new(
                502,
                "WECHAT_ERROR",
                format!("WeChat refused the exchange (errcode {n})"),
            ),
            WxError::Unreachable(_) => {
                ApiError::new(502, "WECHAT_ERROR", "WeChat could not be reached")
            }
            WxError::Garbage => {
                ApiError::new(502, "WECHAT_ERROR", "WeChat answered something unreadable")
            }
            WxError::Saturated => ApiError::new(
                503,
                "WECHAT_BUSY",
                "too many logins are waiting for WeChat; try again",
            ),
        }
    }

    /// The stable answer for a phone verification: as [`WxError::to_api`], with messages
    /// about the phone code (40029 also covers a used code and another user's code).
    pub fn to_phone_api(&self) -> ApiError {
        match self {
            WxError::InvalidCode => ApiError::new(
                400,
                "INVALID_CODE",
                "the phone code is invalid, expired, used or another user's (errcode 40029)",
            ),
            WxError::RateLimited => ApiError::new(
                429,
                "RATE_LIMITED",
                "too many phone verifications; try again in a minute (errcode 45011)",
            ),
            WxError::Other(n) => ApiError::new(
                502,
                "WECHAT_ERROR",
                format!("WeChat refused the phone verification (errcode {n})"),
            ),
            WxError::Saturated => ApiError::new(
                503,
                "WECHAT_BUSY",
                "too many requests are waiting for WeChat; try again",
            ),
            other => other.to_api(),
        }
    }

    /// What the log says about a failed `jscode2session` (no secrets either).
    pub fn describe(&self) -> String {
        self.describe_call("jscode2session")
    }

    /// What the log says about a failed call of `api` (its errcode or the kind of failure;
    /// never a code, token, number or the secret).
    pub fn describe_call(&self, api: &str) -> String {
        match self {
            WxError::Unreachable(why) => format!("{api} unreachable: {why}"),
            WxError::Garbage => format!("{api} answered garbage"),
            WxError::Saturated => format!("{api}: every slot busy"),
            WxError::TokenInvalid(n) => format!("{api} refused the access token: errcode {n}"),
            WxError::Other(n) => format!("{api} refused: errcode {n}"),
            other => format!("{api} refused: {}", other.to_api().code),
        }
    }
}

/// An identifier WeChat sends (openid, unionid): 1 to 128 visible ASCII characters.
fn usable_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic())
}

/// The errcode of a WeChat answer object (absent means 0), or garbage.
fn errcode(obj: &serde_json::Map<String, serde_json::Value>) -> Result<i64, WxError> {
    match obj.get("errcode") {
        None => Ok(0),
        Some(v) => v.as_i64().ok_or(WxError::Garbage),
    }
}

fn object(body: &str) -> Result<serde_json::Map<String, serde_json::Value>, WxError> {
    match serde_json::from_str(body) {
        Ok(serde_json::Value::Object(obj)) => Ok(obj),
        _ => Err(WxError::Garbage),
    }
}

/// The meaning of one `stable_token` answer body.
pub fn parse_token_answer(body: &str) -> Result<AccessToken, WxError> {
    let obj = object(body)?;
    match errcode(&obj)? {
        0 => {}
        -1 => return Err(WxError::Busy),
        45011 => return Err(WxError::RateLimited),
        n => return Err(WxError::Other(n)),
    }
    let token = obj
        .get("access_token")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let expires_in = obj.get("expires_in").and_then(|v| v.as_u64()).unwrap_or(0);
    // WeChat asks for room for 512 characters; a token is sent back in a query string.
    let usable = !token.is_empty()
        && token.len() <= 2048
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~*@".contains(&b));
    if !usable || expires_in == 0 {
        return Err(WxError::Garbage);
    }
    Ok(AccessToken {
        token: token.to_string(),
        expires_in,
    })
}

/// The meaning of one `getuserphonenumber` answer body.
pub fn parse_phone_answer(body: &str) -> Result<PhoneInfo, WxError> {
    let obj = object(body)?;
    match errcode(&obj)? {
        0 => {}
        -1 => return Err(WxError::Busy),
        40029 => return Err(WxError::InvalidCode),
        45011 => return Err(WxError::RateLimited),
        n @ (40001 | 42001) => return Err(WxError::TokenInvalid(n)),
        n => return Err(WxError::Other(n)),
    }
    let info = obj
        .get("phone_info")
        .and_then(|v| v.as_object())
        .ok_or(WxError::Garbage)?;
    let digits = |name: &str, max: usize| {
        let v = info.get(name).and_then(|v| v.as_str()).unwrap_or("");
        let ok = !v.is_empty() && v.len() <= max && v.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| v.to_string()).ok_or(WxError::Garbage)
    };
    Ok(PhoneInfo {
        pure_phone_number: digits("purePhoneNumber", 20)?,
        country_code: digits("countryCode", 4)?,
    })
}

/// The meaning of one `jscode2session` answer body.
/// A unionid that is not usable is ignored (the login still succeeds).
pub fn parse_answer(body: &str) -> Result<Identity, WxError> {
    let obj = object(body)?;
    match errcode(&obj)? {
        0 => {}
        -1 => return Err(WxError::Busy),
        40029 => return Err(WxError::InvalidCode),
        40163 => return Err(WxError::CodeUsed),
        45011 => return Err(WxError::RateLimited),
        40226 => return Err(WxError::Blocked),
        n => return Err(WxError::Other(n)),
    }
    let openid = obj.get("openid").and_then(|v| v.as_str()).unwrap_or("");
    let has_key = obj.get("session_key").is_some_and(|v| v.is_string());
    if !usable_id(openid) || !has_key {
        return Err(WxError::Garbage);
    }
    let unionid = obj
        .get("unionid")
        .and_then(|v| v.as_str())
        .filter(|u| usable_id(u))
        .map(str::to_string);
    Ok(Identity {
        openid: openid.to_string(),
        unionid,
    })
}

/// WeChat's server APIs this server calls.
#[async_trait::async_trait]
pub trait WeChatApi: Send + Sync {
    /// One `jscode2session` call for `code`.
    async fn exchange(&self, code: &str) -> Result<Identity, WxError>;

    /// One `stable_token` call, in normal mode (`force_refresh: false`): WeChat answers
    /// the token in force while it has at least 5 minutes left.
    async fn stable_token(&self) -> Result<AccessToken, WxError>;

    /// One `getuserphonenumber` call for the phone `code`, with the session's `openid`
    /// (WeChat checks the code belongs to it).
    async fn phone_number(
        &self,
        access_token: &str,
        code: &str,
        openid: &str,
    ) -> Result<PhoneInfo, WxError>;
}

/// The real exchange over HTTP(S): `GET {base}/sns/jscode2session?...`.
pub struct WeChatClient {
    http: reqwest::Client,
    slots: Semaphore,
    base: String,
    appid: String,
    secret: String,
}

impl WeChatClient {
    /// A client for `api_base` (`https://api.weixin.qq.com` in production) with the
    /// app's credentials. Fails only if the TLS set-up does.
    pub fn new(api_base: &str, appid: &str, secret: &str) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            // A pooled connection idle this long is dropped rather than reused: shorter
            // than the idle cut-off of servers like ours (5 s), so a call is not sent on a
            // connection the other end is closing.
            .pool_idle_timeout(Duration::from_secs(4))
            .build()
            .map_err(|_| "the HTTPS client could not be set up".to_string())?;
        Ok(WeChatClient {
            http,
            slots: Semaphore::new(MAX_IN_FLIGHT),
            base: api_base.trim_end_matches('/').to_string(),
            appid: appid.to_string(),
            secret: secret.to_string(),
        })
    }

    /// `request`, sent within a slot and [`CALL_TIMEOUT`]; the answer's text.
    async fn limited(&self, request: reqwest::RequestBuilder) -> Result<String, WxError> {
        let _slot = match tokio::time::timeout(QUEUE_WAIT, self.slots.acquire()).await {
            Ok(Ok(slot)) => slot,
            _ => return Err(WxError::Saturated),
        };
        // reqwest's own timeout covers the call; this one also covers reading the body.
        tokio::time::timeout(CALL_TIMEOUT, Self::call(request))
            .await
            .unwrap_or_else(|_| Err(WxError::Unreachable("timeout".to_string())))
    }

    fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
    }

    async fn call(request: reqwest::RequestBuilder) -> Result<String, WxError> {
        // reqwest's errors can carry the URL, and the URL carries the secret or the
        // access token: only the kind of failure is kept.
        let mut response = request
            .send()
            .await
            .map_err(|e| WxError::Unreachable(failure_kind(&e).to_string()))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(WxError::Unreachable(format!("HTTP {status}")));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| WxError::Unreachable(failure_kind(&e).to_string()))?
        {
            if body.len() + chunk.len() > MAX_ANSWER {
                return Err(WxError::Garbage);
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|_| WxError::Garbage)
    }
}

#[async_trait::async_trait]
impl WeChatApi for WeChatClient {
    async fn exchange(&self, code: &str) -> Result<Identity, WxError> {
        let request = self
            .http
            .get(format!("{}/sns/jscode2session", self.base))
            .query(&[
                ("appid", self.appid.as_str()),
                ("secret", self.secret.as_str()),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ]);
        parse_answer(&self.limited(request).await?)
    }

    async fn stable_token(&self) -> Result<AccessToken, WxError> {
        let body = serde_json::json!({
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret,
            "force_refresh": false,
        });
        parse_token_answer(
            &self
                .limited(self.post_json("/cgi-bin/stable_token", &body))
                .await?,
        )
    }

    async fn phone_number(
        &self,
        access_token: &str,
        code: &str,
        openid: &str,
    ) -> Result<PhoneInfo, WxError> {
        let body = serde_json::json!({ "code": code, "openid": openid });
        let request = self
            .post_json("/wxa/business/getuserphonenumber", &body)
            .query(&[("access_token", access_token)]);
        parse_phone_answer(&self.limited(request).await?)
    }
}

fn failure_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "answer unreadable"
    } else {
        "request failed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_map_to_identities_and_errors() {
        assert_eq!(
            parse_answer(r#"{"openid":"o-abc","session_key":"k=="}"#),
            Ok(Identity {
                openid: "o-abc".into(),
                unionid: None,
            })
        );
        assert_eq!(
            parse_answer(r#"{"errcode":0,"openid":"o-abc","session_key":"k","unionid":"u"}"#),
            Ok(Identity {
                openid: "o-abc".into(),
                unionid: Some("u".into()),
            })
        );
        assert_eq!(
            parse_answer(r#"{"openid":"o-abc","session_key":"k","unionid":"a b"}"#)
                .map(|i| i.unionid),
            Ok(None),
            "an unusable unionid is ignored"
        );
        for (body, err) in [
            (r#"{"errcode":-1,"errmsg":"system error"}"#, WxError::Busy),
            (
                r#"{"errcode":40029,"errmsg":"invalid code, rid: 1"}"#,
                WxError::InvalidCode,
            ),
            (
                r#"{"errcode":40163,"errmsg":"code been used"}"#,
                WxError::CodeUsed,
            ),
            (
                r#"{"errcode":45011,"errmsg":"api minute-quota reach limit"}"#,
                WxError::RateLimited,
            ),
            (
                r#"{"errcode":40226,"errmsg":"code blocked"}"#,
                WxError::Blocked,
            ),
            (
                r#"{"errcode":40013,"errmsg":"invalid appid"}"#,
                WxError::Other(40013),
            ),
            ("<html>", WxError::Garbage),
            ("[]", WxError::Garbage),
            (r#"{"errcode":"x"}"#, WxError::Garbage),
            (r#"{"openid":"o"}"#, WxError::Garbage),
            (r#"{"openid":"","session_key":"k"}"#, WxError::Garbage),
            (r#"{"openid":"a b","session_key":"k"}"#, WxError::Garbage),
        ] {
            assert_eq!(parse_answer(body), Err(err), "{body}");
        }
    }

    #[test]
    fn errors_map_to_the_documented_statuses() {
        let table = [
            (WxError::Busy, 503, "WECHAT_BUSY"),
            (WxError::InvalidCode, 400, "INVALID_CODE"),
            (WxError::CodeUsed, 400, "CODE_USED"),
            (WxError::RateLimited, 429, "RATE_LIMITED"),
            (WxError::Blocked, 403, "USER_BLOCKED"),
            (WxError::Other(40125), 502, "WECHAT_ERROR"),
            (WxError::Unreachable("x".into()), 502, "WECHAT_ERROR"),
            (WxError::Garbage, 502, "WECHAT_ERROR"),
            (WxError::Saturated, 503, "WECHAT_BUSY"),
        ];
        for (err, status, code) in table {
            let api = err.to_api();
            assert_eq!((api.status, api.code), (status, code), "{err:?}");
        }
    }

    #[test]
    fn token_and_phone_answers_map_to_values_and_errors() {
        assert_eq!(
            parse_token_answer(r#"{"access_token":"AT_1-x","expires_in":7200}"#),
            Ok(AccessToken {
                token: "AT_1-x".into(),
                expires_in: 7200
            })
        );
        for (body, err) in [
            (
                r#"{"errcode":40125,"errmsg":"invalid appsecret"}"#,
                WxError::Other(40125),
            ),
            (r#"{"errcode":-1}"#, WxError::Busy),
            (
                r#"{"access_token":"a b","expires_in":7200}"#,
                WxError::Garbage,
            ),
            (r#"{"access_token":"ab","expires_in":0}"#, WxError::Garbage),
            (r#"{"access_token":"ab"}"#, WxError::Garbage),
            ("nope", WxError::Garbage),
        ] {
            assert_eq!(parse_token_answer(body), Err(err), "{body}");
        }
        let ok = r#"{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":"86","watermark":{"timestamp":1,"appid":"wx"}}}"#;
        assert_eq!(
            parse_phone_answer(ok),
            Ok(PhoneInfo {
                pure_phone_number: "13800138000".into(),
                country_code: "86".into()
            })
        );
        for (body, err) in [
            (
                r#"{"errcode":40029,"errmsg":"invalid code"}"#,
                WxError::InvalidCode,
            ),
            (r#"{"errcode":40001}"#, WxError::TokenInvalid(40001)),
            (r#"{"errcode":42001}"#, WxError::TokenInvalid(42001)),
            (r#"{"errcode":45011}"#, WxError::RateLimited),
            (r#"{"errcode":-1}"#, WxError::Busy),
            (r#"{"errcode":48001}"#, WxError::Other(48001)),
            (r#"{"errcode":0}"#, WxError::Garbage),
            (
                r#"{"errcode":0,"phone_info":{"purePhoneNumber":"138 0013","countryCode":"86"}}"#,
                WxError::Garbage,
            ),
        ] {
            assert_eq!(parse_phone_answer(body), Err(err), "{body}");
        }
        let phone = |e: WxError| {
            let a = e.to_phone_api();
            (a.status, a.code)
        };
        assert_eq!(phone(WxError::InvalidCode), (400, "INVALID_CODE"));
        assert_eq!(phone(WxError::RateLimited), (429, "RATE_LIMITED"));
        assert_eq!(phone(WxError::Busy), (503, "WECHAT_BUSY"));
        assert_eq!(phone(WxError::TokenInvalid(40001)), (502, "WECHAT_ERROR"));
        assert_eq!(phone(WxError::Other(48001)), (502, "WECHAT_ERROR"));
        assert!(!format!(
            "{:?}",
            PhoneInfo {
                pure_phone_number: "13800138000".into(),
                country_code: "86".into()
            }
        )
        .contains("138"));
    }

    #[tokio::test]
    async fn an_unreachable_host_is_a_wechat_error_without_the_secret() {
        // Port 9 (discard) on loopback: nothing listens there in the test environment.
        let client = WeChatClient::new("http://127.0.0.1:9", "wx-app", "top-secret-value").unwrap();
        let err = client.exchange("code-1").await.unwrap_err();
        assert!(matches!(err, WxError::Unreachable(_)), "{err:?}");
        assert!(!err.describe().contains("top-secret-value"));
        assert!(!err.to_api().body().contains("top-secret-value"));
    }
}

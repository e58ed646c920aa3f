//! The `jscode2session` exchange: a `wx.login` code becomes the user's openid.
//!
//! The `session_key` WeChat returns alongside is dropped here: this server signs its own
//! sessions and needs it for nothing, and a key that is never kept cannot leak.
//!
//! The calls have their own limits, so a slow WeChat delays only logins and unbinds: at
//! most [`MAX_IN_FLIGHT`] at once (a login that cannot get a slot within [`QUEUE_WAIT`]
//! is 503 `WECHAT_BUSY`), each given up after [`CALL_TIMEOUT`] (502 `WECHAT_ERROR`).

use crate::errors::ApiError;
use std::time::Duration;
use tokio::sync::Semaphore;

/// `jscode2session` calls in flight at most.
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

    /// What the log says about the failure (no secrets either).
    pub fn describe(&self) -> String {
        match self {
            WxError::Unreachable(why) => format!("jscode2session unreachable: {why}"),
            WxError::Garbage => "jscode2session answered garbage".to_string(),
            WxError::Saturated => "jscode2session: every slot busy".to_string(),
            other => format!("jscode2session refused: {}", other.to_api().code),
        }
    }
}

/// The meaning of one `jscode2session` answer body.
pub fn parse_answer(body: &str) -> Result<Identity, WxError> {
    let doc: serde_json::Value = serde_json::from_str(body).map_err(|_| WxError::Garbage)?;
    let obj = doc.as_object().ok_or(WxError::Garbage)?;
    if let Some(errcode) = obj.get("errcode") {
        let n = errcode.as_i64().ok_or(WxError::Garbage)?;
        match n {
            0 => {}
            -1 => return Err(WxError::Busy),
            40029 => return Err(WxError::InvalidCode),
            40163 => return Err(WxError::CodeUsed),
            45011 => return Err(WxError::RateLimited),
            40226 => return Err(WxError::Blocked),
            n => return Err(WxError::Other(n)),
        }
    }
    let openid = obj.get("openid").and_then(|v| v.as_str()).unwrap_or("");
    let has_key = obj.get("session_key").is_some_and(|v| v.is_string());
    let usable =
        !openid.is_empty() && openid.len() <= 128 && openid.bytes().all(|b| b.is_ascii_graphic());
    if !usable || !has_key {
        return Err(WxError::Garbage);
    }
    Ok(Identity {
        openid: openid.to_string(),
    })
}

/// Exchanges a `wx.login` code for the user's identity.
#[async_trait::async_trait]
pub trait CodeExchange: Send + Sync {
    /// One `jscode2session` call for `code`.
    async fn exchange(&self, code: &str) -> Result<Identity, WxError>;
}

/// The real exchange over HTTP(S): `GET {base}/sns/jscode2session?...`.
pub struct WeChatClient {
    http: reqwest::Client,
    slots: Semaphore,
    url: String,
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
            url: format!("{}/sns/jscode2session", api_base.trim_end_matches('/')),
            appid: appid.to_string(),
            secret: secret.to_string(),
        })
    }

    async fn call(&self, code: &str) -> Result<Identity, WxError> {
        // reqwest's errors can carry the URL, and the URL carries the secret: only the
        // kind of failure is kept.
        let mut response = self
            .http
            .get(&self.url)
            .query(&[
                ("appid", self.appid.as_str()),
                ("secret", self.secret.as_str()),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ])
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
        parse_answer(std::str::from_utf8(&body).map_err(|_| WxError::Garbage)?)
    }
}

#[async_trait::async_trait]
impl CodeExchange for WeChatClient {
    async fn exchange(&self, code: &str) -> Result<Identity, WxError> {
        let _slot = match tokio::time::timeout(QUEUE_WAIT, self.slots.acquire()).await {
            Ok(Ok(slot)) => slot,
            _ => return Err(WxError::Saturated),
        };
        // reqwest's own timeout covers the call; this one also covers reading the body.
        tokio::time::timeout(CALL_TIMEOUT, self.call(code))
            .await
            .unwrap_or_else(|_| Err(WxError::Unreachable("timeout".to_string())))
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
                openid: "o-abc".into()
            })
        );
        assert_eq!(
            parse_answer(r#"{"errcode":0,"openid":"o-abc","session_key":"k","unionid":"u"}"#),
            Ok(Identity {
                openid: "o-abc".into()
            })
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

//! The login exchange with the app's backend: `POST loginUrl {"code"}` → `{"token","expiresIn"}`.

use crate::error::{AuthError, ErrorCode};
use crate::json::{Json, Writer};
use crate::session::Session;
use alloc::format;
use alloc::string::String;

/// Longest login code accepted from `wx.login` (real codes are 32 characters).
pub const MAX_CODE_BYTES: usize = 256;

/// The JSON body that carries a `wx.login` code to the backend.
pub fn login_body(code: &str) -> Result<String, AuthError> {
    if code.is_empty() || code.len() > MAX_CODE_BYTES {
        return Err(AuthError::new(
            ErrorCode::LoginFailed,
            "wx.login returned no usable code",
        ));
    }
    Ok(Writer::object().string("code", code).finish())
}

/// Whether a body carries code2Session's "system busy" code, -1, as `code` or `errcode`.
fn says_busy(doc: Option<&Json>) -> bool {
    let Some(doc) = doc else {
        return false;
    };
    ["code", "errcode"].iter().any(|key| match doc.member(key) {
        Ok(Some(v)) => v.as_i64() == Some(-1) || v.as_str() == Some("-1"),
        _ => false,
    })
}

/// Statuses that mean "try again later": a fresh login may succeed then
/// (a timeout, rate limiting, a busy or failing backend).
const BUSY_STATUSES: [u16; 6] = [408, 429, 500, 502, 503, 504];

/// The session the backend's answer carries, or the error it means.
///
/// `sent_at` is when the request left, so local expiry is never later than the server's.
/// 200 with `{token, expiresIn}` is success; 4xx is a refused login (`LOGIN_FAILED`);
/// 5xx, other statuses and unusable bodies are `SERVER`. The error is transient for
/// 408/429/500/502/503/504 and for any answer whose body carries code2Session's busy
/// code `-1` (`{"code": -1}` or `{"errcode": -1}`); every other failure is not.
pub fn parse_reply(status: u16, body: &str, sent_at: u64) -> Result<Session, AuthError> {
    // Parsed once: the success path, the error message and the busy check all read it.
    let doc = Json::parse(body);
    parse(status, doc.as_ref(), sent_at)
        .map_err(|e| e.with_transient(BUSY_STATUSES.contains(&status) || says_busy(doc.as_ref())))
}

fn parse(status: u16, doc: Option<&Json>, sent_at: u64) -> Result<Session, AuthError> {
    match status {
        200 => {
            let member = |key| doc.and_then(|d| d.member(key).ok().flatten());
            let (Some(token), Some(expires_in)) = (
                member("token").and_then(Json::as_str),
                member("expiresIn").filter(|v| matches!(v, Json::Number(_))),
            ) else {
                return Err(AuthError::new(
                    ErrorCode::Server,
                    "the login response is not {token, expiresIn} JSON",
                )
                .with_status(status));
            };
            let Some(secs) = expires_in.as_whole().filter(|&s| s >= 1) else {
                return Err(AuthError::new(
                    ErrorCode::Server,
                    "the login response has no whole positive expiresIn",
                )
                .with_status(status));
            };
            Session::issue(token, secs, sent_at).map_err(|e| {
                AuthError::new(
                    ErrorCode::Server,
                    format!("the login response is unusable: {}", e.message),
                )
                .with_status(status)
            })
        }
        400..=499 => Err(AuthError::new(
            ErrorCode::LoginFailed,
            format!("the backend refused the login ({})", describe(status, doc)),
        )
        .with_status(status)),
        _ => Err(AuthError::new(
            ErrorCode::Server,
            format!("the backend failed the login ({})", describe(status, doc)),
        )
        .with_status(status)),
    }
}

/// What the backend's answer to an unbind request means: 2xx with `{"ok": true}` is
/// done. A 2xx without it (a captive portal's page) is `SERVER`: the SDK must not forget
/// the session of an account that may still exist.
///
/// 401 is `NOT_LOGGED_IN` (the session is not valid there); another 4xx is
/// `LOGIN_FAILED` (the fresh code was refused, or belongs to someone else); anything
/// else is `SERVER`, transient for the same statuses and busy bodies as a login.
pub fn check_unbind_reply(status: u16, body: &str) -> Result<(), AuthError> {
    let doc = Json::parse(body);
    let confirmed = doc
        .as_ref()
        .and_then(|d| d.member("ok").ok().flatten())
        .is_some_and(|ok| *ok == Json::Bool(true));
    if (200..300).contains(&status) && confirmed {
        return Ok(());
    }
    let what = describe(status, doc.as_ref());
    let error = match status {
        200..=299 => AuthError::new(
            ErrorCode::Server,
            format!("the unbind response is not {{\"ok\": true}} ({what})"),
        ),
        401 => AuthError::new(
            ErrorCode::NotLoggedIn,
            format!("the backend has no valid session for the unbind ({what})"),
        ),
        400..=499 => AuthError::new(
            ErrorCode::LoginFailed,
            format!("the backend refused the unbind ({what})"),
        ),
        _ => AuthError::new(
            ErrorCode::Server,
            format!("the backend failed the unbind ({what})"),
        ),
    };
    let transient = BUSY_STATUSES.contains(&status) || says_busy(doc.as_ref());
    Err(error.with_status(status).with_transient(transient))
}

/// `HTTP <status>`, plus the backend's own `{code, message}` when it sent one.
fn describe(status: u16, doc: Option<&Json>) -> String {
    let Some(doc) = doc else {
        return format!("HTTP {status}");
    };
    let code = match doc.member("code") {
        Ok(Some(Json::String(s))) => s.clone(),
        Ok(Some(Json::Number(n))) => n.clone(),
        _ => String::new(),
    };
    let message: String = match doc.member("message") {
        Ok(Some(Json::String(m))) => m.chars().take(200).collect(),
        _ => String::new(),
    };
    match (code.is_empty(), message.is_empty()) {
        (true, true) => format!("HTTP {status}"),
        (false, true) => format!("HTTP {status}, {code}"),
        (true, false) => format!("HTTP {status}: {message}"),
        (false, false) => format!("HTTP {status}, {code}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_reply_gives_a_session_from_send_time() {
        let s = parse_reply(200, r#"{"token":"abc","expiresIn":7200}"#, 1000).unwrap();
        assert_eq!(s.token(), "abc");
        assert_eq!(s.expires_at(), 1000 + 7_200_000);
    }

    #[test]
    fn unbind_replies_map_to_codes() {
        assert_eq!(check_unbind_reply(200, r#"{"ok":true}"#), Ok(()));
        let e = check_unbind_reply(200, "<html>portal</html>").unwrap_err();
        assert_eq!((e.code, e.transient), (ErrorCode::Server, false));
        assert!(check_unbind_reply(200, r#"{"ok":false}"#).is_err());
        let e = check_unbind_reply(401, r#"{"code":"UNAUTHORIZED"}"#).unwrap_err();
        assert_eq!(
            (e.code, e.status, e.transient),
            (ErrorCode::NotLoggedIn, Some(401), false)
        );
        let e =
            check_unbind_reply(403, r#"{"code":"IDENTITY_MISMATCH","message":"m"}"#).unwrap_err();
        assert_eq!((e.code, e.transient), (ErrorCode::LoginFailed, false));
        assert!(e.message.contains("IDENTITY_MISMATCH"), "{}", e.message);
        let e = check_unbind_reply(503, "").unwrap_err();
        assert_eq!((e.code, e.transient), (ErrorCode::Server, true));
        let e = check_unbind_reply(302, "").unwrap_err();
        assert_eq!((e.code, e.transient), (ErrorCode::Server, false));
    }

    #[test]
    fn statuses_map_to_codes() {
        let e = parse_reply(
            400,
            r#"{"code":"INVALID_CODE","message":"code been used"}"#,
            0,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::LoginFailed);
        assert_eq!(e.status, Some(400));
        assert!(e.message.contains("INVALID_CODE"), "{}", e.message);
        assert_eq!(
            parse_reply(503, "busy", 0).unwrap_err().code,
            ErrorCode::Server
        );
        assert_eq!(parse_reply(302, "", 0).unwrap_err().code, ErrorCode::Server);
    }

    #[test]
    fn busy_answers_are_transient_and_refusals_are_not() {
        for (status, body) in [
            (503, "busy"),
            (500, ""),
            (502, "<html>"),
            (504, ""),
            (200, r#"{"code":-1,"message":"system busy"}"#),
            (400, r#"{"errcode":-1}"#),
            (429, ""),
            (408, ""),
        ] {
            assert!(
                parse_reply(status, body, 0).unwrap_err().transient,
                "{status} {body}"
            );
        }
        for (status, body) in [
            (404, ""),
            (400, r#"{"code":"INVALID_CODE"}"#),
            (403, ""),
            (401, ""),
            (200, "{}"),
            (501, ""),
        ] {
            assert!(
                !parse_reply(status, body, 0).unwrap_err().transient,
                "{status} {body}"
            );
        }
    }

    #[test]
    fn unusable_200_bodies_are_server_errors() {
        for body in [
            "",
            "<html>",
            "{}",
            r#"{"token":"abc"}"#,
            r#"{"token":"","expiresIn":10}"#,
            r#"{"token":"abc","expiresIn":-1}"#,
            r#"{"token":"abc","expiresIn":0.5}"#,
            r#"{"token":"abc","expiresIn":1e300}"#,
            r#"{"token":"abc","expiresIn":"10"}"#,
            r#"{"token":5,"expiresIn":10}"#,
        ] {
            let e = parse_reply(200, body, 0).unwrap_err();
            assert_eq!(e.code, ErrorCode::Server, "{body}");
        }
    }

    #[test]
    fn the_body_is_json_with_the_code() {
        assert_eq!(login_body("a\"b").unwrap(), r#"{"code":"a\"b"}"#);
        assert!(login_body("").is_err());
    }
}

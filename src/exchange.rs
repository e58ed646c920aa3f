//! The login exchange with the app's backend: `POST loginUrl {"code"}` → `{"token","expiresIn"}`.

use crate::doc::Doc;
use crate::error::{AuthError, ErrorCode};
use crate::json::Writer;
use crate::profile::Profile;
use crate::session::Session;
use crate::text::{concat, push_i64, push_u64};
use alloc::string::String;

/// Longest login code accepted from `wx.login` (real codes are 32 characters).
pub const MAX_CODE_BYTES: usize = 256;

/// The JSON body that carries a `wx.login` code to the backend ([`crate::wire::LoginRequest`]).
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
fn says_busy<D: Doc>(doc: Option<&D>) -> bool {
    let Some(doc) = doc else {
        return false;
    };
    ["code", "errcode"].iter().any(|key| match doc.member(key) {
        Ok(Some(v)) => v.signed() == Some(-1) || v.string().as_deref() == Some("-1"),
        _ => false,
    })
}

/// Statuses that mean "try again later": a fresh login may succeed then
/// (a timeout, rate limiting, a busy or failing backend).
const BUSY_STATUSES: [u16; 6] = [408, 429, 500, 502, 503, 504];

/// The session the backend's answer carries, or the error it means, read with serde_json.
///
/// [`parse_reply_with`] says what the answers mean.
#[cfg(feature = "serde")]
pub fn parse_reply(status: u16, body: &str, sent_at: u64) -> Result<Session, AuthError> {
    parse_reply_with::<serde_json::Value>(status, body, sent_at)
}

/// The session the backend's answer carries, or the error it means, read with the JSON
/// reader `D` (the host's `JSON.parse` in the wasm).
///
/// `sent_at` is when the request left, so local expiry is never later than the server's.
/// 200 with `{token, expiresIn}` ([`crate::wire::LoginReply`]) is success; 4xx is a
/// refused login (`LOGIN_FAILED`); 5xx, other statuses and unusable bodies are `SERVER`,
/// quoting the backend's [`crate::wire::ErrorBody`] when it sent one. The error is
/// transient for 408/429/500/502/503/504 and for any answer whose body carries
/// code2Session's busy code `-1` (`{"code": -1}` or `{"errcode": -1}`); every other
/// failure is not.
pub fn parse_reply_with<D: Doc>(
    status: u16,
    body: &str,
    sent_at: u64,
) -> Result<Session, AuthError> {
    parse_login_with::<D>(status, body, sent_at).map(|(session, _)| session)
}

/// [`parse_reply_with`], and the reply's `profile` (the one the backend saved,
/// [`crate::wire::LoginReply::profile`]) when it is a usable one; an unusable profile is
/// ignored, never a reason to fail the login.
pub fn parse_login_with<D: Doc>(
    status: u16,
    body: &str,
    sent_at: u64,
) -> Result<(Session, Option<Profile>), AuthError> {
    // Parsed once: the success path, the error message and the busy check all read it.
    let doc = D::parse(body);
    let session = parse(status, doc.as_ref(), sent_at).map_err(|e| {
        e.with_transient(BUSY_STATUSES.contains(&status) || says_busy(doc.as_ref()))
    })?;
    let profile = doc
        .and_then(|d| d.member("profile").ok().flatten())
        .and_then(|p| crate::profile_sync::saved_profile(&p));
    Ok((session, profile))
}

fn parse<D: Doc>(status: u16, doc: Option<&D>, sent_at: u64) -> Result<Session, AuthError> {
    match status {
        200 => {
            let member = |key| doc.and_then(|d| d.member(key).ok().flatten());
            let (Some(token), Some(expires_in)) = (
                member("token").and_then(|v| v.string()),
                member("expiresIn").filter(D::is_number),
            ) else {
                return Err(AuthError::new(
                    ErrorCode::Server,
                    "the login response is not {token, expiresIn} JSON",
                )
                .with_status(status));
            };
            let Some(secs) = expires_in.whole().filter(|&s| s >= 1) else {
                return Err(AuthError::new(
                    ErrorCode::Server,
                    "the login response has no whole positive expiresIn",
                )
                .with_status(status));
            };
            Session::issue(&token, secs, sent_at).map_err(|e| {
                AuthError::new(
                    ErrorCode::Server,
                    concat(&["the login response is unusable: ", &e.message]),
                )
                .with_status(status)
            })
        }
        400..=499 => Err(AuthError::new(
            ErrorCode::LoginFailed,
            concat(&[
                "the backend refused the login (",
                &describe(status, doc),
                ")",
            ]),
        )
        .with_status(status)),
        _ => Err(AuthError::new(
            ErrorCode::Server,
            concat(&[
                "the backend failed the login (",
                &describe(status, doc),
                ")",
            ]),
        )
        .with_status(status)),
    }
}

/// What the backend's answer to an unbind request means, read with serde_json.
///
/// [`check_unbind_reply_with`] says what the answers mean.
#[cfg(feature = "serde")]
pub fn check_unbind_reply(status: u16, body: &str) -> Result<(), AuthError> {
    check_unbind_reply_with::<serde_json::Value>(status, body)
}

/// What the backend's answer to an unbind request means, read with the JSON reader `D`:
/// 2xx with `{"ok": true}` ([`crate::wire::UnbindReply`]) is done. A 2xx without it (a
/// captive portal's page) is `SERVER`: the SDK must not forget the session of an account
/// that may still exist.
///
/// 401 is `NOT_LOGGED_IN` (the session is not valid there); another 4xx is
/// `LOGIN_FAILED` (the fresh code was refused, or belongs to someone else); anything
/// else is `SERVER`, transient for the same statuses and busy bodies as a login.
pub fn check_unbind_reply_with<D: Doc>(status: u16, body: &str) -> Result<(), AuthError> {
    let doc = D::parse(body);
    let confirmed = doc
        .as_ref()
        .and_then(|d| d.member("ok").ok().flatten())
        .is_some_and(|ok| ok.is_true());
    if (200..300).contains(&status) && confirmed {
        return Ok(());
    }
    let error = refusal(
        status,
        doc.as_ref(),
        ErrorCode::LoginFailed,
        [
            "the unbind response is not {\"ok\": true}",
            "the backend has no valid session for the unbind",
            "the backend refused the unbind",
            "the backend failed the unbind",
        ],
    );
    let transient = BUSY_STATUSES.contains(&status) || says_busy(doc.as_ref());
    Err(error.with_transient(transient))
}

/// The error for a backend answer that is not the success a call wanted (its transient
/// flag is the caller's): an unusable 2xx and a 5xx are [`ErrorCode::Server`], a 401
/// [`ErrorCode::NotLoggedIn`], another 4xx `refused`. `texts` say so for each of those
/// four, in that order; the status and the backend's own `{code, message}` follow.
pub(crate) fn refusal<D: Doc>(
    status: u16,
    doc: Option<&D>,
    refused: ErrorCode,
    texts: [&str; 4],
) -> AuthError {
    let [unusable, no_session, refused_text, failed] = texts;
    let (code, text) = match status {
        200..=299 => (ErrorCode::Server, unusable),
        401 => (ErrorCode::NotLoggedIn, no_session),
        400..=499 => (refused, refused_text),
        _ => (ErrorCode::Server, failed),
    };
    let what = describe(status, doc);
    AuthError::new(code, concat(&[text, " (", &what, ")"])).with_status(status)
}

/// `HTTP <status>`, plus the backend's own `{code, message}` ([`crate::wire::ErrorBody`])
/// when it sent one.
fn describe<D: Doc>(status: u16, doc: Option<&D>) -> String {
    let mut out = String::from("HTTP ");
    push_u64(&mut out, u64::from(status));
    let Some(doc) = doc else {
        return out;
    };
    if let Ok(Some(code)) = doc.member("code") {
        if let Some(code) = code.string().filter(|c| !c.is_empty()) {
            out.push_str(", ");
            out.push_str(&code);
        } else if let Some(n) = code.signed() {
            out.push_str(", ");
            push_i64(&mut out, n);
        }
    }
    if let Some(m) = doc
        .member("message")
        .ok()
        .flatten()
        .and_then(|m| m.string())
    {
        if !m.is_empty() {
            out.push_str(": ");
            out.extend(m.chars().take(200));
        }
    }
    out
}

#[cfg(all(test, feature = "serde"))]
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
    fn the_backends_own_code_and_message_are_quoted() {
        let message = |body| parse_reply(403, body, 0).unwrap_err().into_message();
        assert!(message(r#"{"code":40029,"message":"invalid code"}"#)
            .ends_with("(HTTP 403, 40029: invalid code)"));
        assert!(message(r#"{"code":-1}"#).ends_with("(HTTP 403, -1)"));
        assert!(message(r#"{"code":"E1"}"#).ends_with("(HTTP 403, E1)"));
        // Not a whole number, empty, or not a string: only the status.
        for body in [
            r#"{"code":4.5}"#,
            r#"{"code":""}"#,
            r#"{"code":true}"#,
            "[]",
        ] {
            assert!(message(body).ends_with("(HTTP 403)"), "{body}");
        }
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

//! Phone-number verification (手机号快速验证 and 实时验证): what the button's event means,
//! and what the backend's answer to `POST phoneUrl {"code"}` means.
//!
//! The button's `code` is a one-time token (5 minutes, single use; not a `wx.login`
//! code). WeChat bills the app for every successful verification when the page receives
//! the code, so the SDK sends each code once and never retries it (platform.md §8,
//! platforms.md §B.3).

use crate::doc::Doc;
use crate::error::{AuthError, ErrorCode};
use crate::json::Writer;
use crate::text::contains_ignore_case;
use crate::wx_failure::{FailureKind, WxFailure};
use alloc::string::String;

/// Longest phone code accepted from the button (real codes are about 64 characters).
pub const MAX_PHONE_CODE_BYTES: usize = 512;

/// errno when the app's phone verification quota is used up (the half-screen never opened).
pub const NO_QUOTA_ERRNO: i64 = 1_400_001;

/// errno when WeChat blocks this user's phone verification.
pub const BLOCKED_ERRNO: i64 = 1_421_102;

/// The `detail` of a `bindgetphonenumber` / `bindgetrealtimephonenumber` event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PhoneEvent {
    /// `detail.code`, if present and a string.
    pub code: Option<String>,
    /// `detail.errMsg` (`getPhoneNumber:ok`, `getPhoneNumber:fail user deny` …).
    pub err_msg: String,
    /// `detail.errno`, if present.
    pub errno: Option<i64>,
}

/// The code to send to the backend, or why there is none:
/// - the user declined: [`ErrorCode::PhoneDenied`];
/// - the quota is used up (errno 1400001): [`ErrorCode::PhoneQuota`];
/// - the privacy agreement is missing or refused: [`ErrorCode::PrivacyDenied`];
/// - success without a code (a base library below 2.21.2 gives only `encryptedData`; an
///   individual-subject or unverified app), or WeChat blocked the user:
///   [`ErrorCode::PhoneUnavailable`];
/// - anything else: [`ErrorCode::WxFailed`].
pub fn phone_code(event: PhoneEvent) -> Result<String, AuthError> {
    let ok = event.err_msg.ends_with(":ok");
    if ok {
        return match event.code {
            Some(code) if !code.is_empty() && code.len() <= MAX_PHONE_CODE_BYTES => Ok(code),
            Some(code) if !code.is_empty() => {
                Err(AuthError::argument("the phone code is longer than any WeChat issues"))
            }
            _ => Err(AuthError::new(
                ErrorCode::PhoneUnavailable,
                "no code in the event (base library below 2.21.2, or an individual or unverified app)",
            )),
        };
    }
    if event.err_msg.is_empty() && event.code.is_none() {
        return Err(AuthError::argument(
            "verifyPhoneNumber takes the event's detail ({errMsg, code}) from bindgetphonenumber",
        ));
    }
    let failure = WxFailure::new(event.err_msg, event.errno);
    let code = match failure.errno {
        Some(NO_QUOTA_ERRNO) => ErrorCode::PhoneQuota,
        Some(BLOCKED_ERRNO) => ErrorCode::PhoneUnavailable,
        _ => match failure.kind() {
            FailureKind::Privacy => ErrorCode::PrivacyDenied,
            FailureKind::UserDenied => ErrorCode::PhoneDenied,
            _ if contains_ignore_case(&failure.err_msg, "quota") => ErrorCode::PhoneQuota,
            _ => ErrorCode::WxFailed,
        },
    };
    Err(AuthError::from_wx(code, failure).with_transient(false))
}

/// The JSON body that carries a phone code to the backend ([`crate::wire::PhoneRequest`]).
pub fn phone_body(code: &str) -> String {
    Writer::object().string("code", code).finish()
}

/// Whether the backend's answer to the phone code is a verification (a 2xx whose body is
/// an object with a string `phoneNumber`, [`crate::wire::PhoneReply`]), or the error it
/// means. A 401 is [`ErrorCode::NotLoggedIn`]; another 4xx is [`ErrorCode::PhoneFailed`]
/// (transient for 408 and 429); a 5xx or an unusable 2xx is [`ErrorCode::Server`]. None of
/// them is retried with the same code: the page asks the user to tap again.
pub fn check_phone_reply_with<D: Doc>(status: u16, body: &str) -> Result<(), AuthError> {
    let doc = D::parse(body);
    let verified = doc
        .as_ref()
        .and_then(|d| d.member("phoneNumber").ok().flatten())
        .and_then(|n| n.string())
        .is_some_and(|n| !n.is_empty());
    if (200..300).contains(&status) && verified {
        return Ok(());
    }
    let error = crate::exchange::refusal(
        status,
        doc.as_ref(),
        ErrorCode::PhoneFailed,
        [
            "the phone response has no phoneNumber",
            "the backend refused the session (the code is spent: ask for another tap)",
            "the backend refused the phone code",
            "the backend failed the phone verification",
        ],
    );
    Err(error.with_transient(matches!(status, 401 | 408 | 429 | 500..=599)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as SerdeDoc;

    fn event(err_msg: &str, code: Option<&str>, errno: Option<i64>) -> PhoneEvent {
        PhoneEvent {
            code: code.map(String::from),
            err_msg: err_msg.into(),
            errno,
        }
    }

    fn code_of(e: PhoneEvent) -> ErrorCode {
        match phone_code(e) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.code,
        }
    }

    #[test]
    fn a_successful_event_gives_its_code() {
        let e = event("getPhoneNumber:ok", Some("ph-1"), None);
        assert_eq!(phone_code(e).ok().as_deref(), Some("ph-1"));
        let e = event("getRealtimePhoneNumber:ok", Some("ph-2"), None);
        assert_eq!(phone_code(e).ok().as_deref(), Some("ph-2"));
    }

    #[test]
    fn each_failure_has_a_code_the_page_can_explain() {
        assert_eq!(
            code_of(event("getPhoneNumber:fail user deny", None, None)),
            ErrorCode::PhoneDenied
        );
        assert_eq!(
            code_of(event("getPhoneNumber:fail no quota", None, Some(1_400_001))),
            ErrorCode::PhoneQuota
        );
        assert_eq!(
            code_of(event(
                "getPhoneNumber:fail privacy permission is not authorized",
                None,
                Some(104)
            )),
            ErrorCode::PrivacyDenied
        );
        assert_eq!(
            code_of(event("getPhoneNumber:ok", None, None)),
            ErrorCode::PhoneUnavailable
        );
        assert_eq!(
            code_of(event("getPhoneNumber:ok", Some(""), None)),
            ErrorCode::PhoneUnavailable
        );
        assert_eq!(
            code_of(event("getPhoneNumber:fail blocked", None, Some(1_421_102))),
            ErrorCode::PhoneUnavailable
        );
        assert_eq!(
            code_of(event("getPhoneNumber:fail system error", None, Some(1))),
            ErrorCode::WxFailed
        );
        assert_eq!(code_of(event("", None, None)), ErrorCode::InvalidArgument);
        let long = "x".repeat(MAX_PHONE_CODE_BYTES + 1);
        assert_eq!(
            code_of(event("getPhoneNumber:ok", Some(&long), None)),
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn a_refusal_is_never_transient() {
        let e = phone_code(event("getPhoneNumber:fail user deny", None, None)).unwrap_err();
        assert!(!e.transient);
        assert_eq!(
            e.wx.as_ref().map(|w| w.err_msg.as_str()),
            Some("getPhoneNumber:fail user deny")
        );
    }

    #[test]
    fn the_backend_answers_map_to_codes() {
        let ok = r#"{"phoneNumber":"138****8000","countryCode":"86"}"#;
        assert!(check_phone_reply_with::<SerdeDoc>(200, ok).is_ok());
        let code = |status, body| check_phone_reply_with::<SerdeDoc>(status, body).unwrap_err();
        assert_eq!(code(200, "{}").code, ErrorCode::Server);
        assert_eq!(code(200, "<html>").code, ErrorCode::Server);
        let refused = code(400, r#"{"code":"INVALID_CODE"}"#);
        assert_eq!(refused.code, ErrorCode::PhoneFailed);
        assert!(!refused.transient);
        assert!(refused.message.contains("INVALID_CODE"));
        assert_eq!(refused.status, Some(400));
        assert!(code(429, "{}").transient);
        assert_eq!(code(401, "{}").code, ErrorCode::NotLoggedIn);
        assert_eq!(code(503, "{}").code, ErrorCode::Server);
        assert!(code(503, "{}").transient);
    }

    #[test]
    fn the_body_carries_the_code_as_json() {
        assert_eq!(phone_body("a\"b"), r#"{"code":"a\"b"}"#);
    }
}

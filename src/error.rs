//! The SDK's one error type and its stable codes.

use crate::wx_failure::WxFailure;
use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;
use core::ops::Deref;

/// The stable code a JS caller reads from `error.code`.
///
/// Codes never change meaning between versions; pages branch on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The call is not allowed in the current state (for example `login()` while anonymous).
    InvalidTransition,
    /// The caller passed options that cannot be used (wrong type, empty, too long).
    InvalidArgument,
    /// The user did not agree to the privacy agreement, or the API is not declared in it.
    PrivacyDenied,
    /// `getUserProfile` was not called synchronously inside a tap handler.
    TapRequired,
    /// The user refused the profile popup.
    ProfileDenied,
    /// `wx.login` failed, or the backend refused the login code (4xx).
    LoginFailed,
    /// `wx.request` itself failed: no connection, timeout, interrupted, domain not allowed.
    Network,
    /// The backend answered with a 5xx or with a body the SDK cannot use.
    Server,
    /// Reading or writing wx storage failed.
    Storage,
    /// The call needs a logged-in session and there is none.
    NotLoggedIn,
    /// A wx API failed for a reason no other code covers; `errMsg`/`errno` say which.
    WxFailed,
    /// The session needed renewing and the renewal budget is spent (a backend that keeps
    /// refusing tokens); `retryAfterMs` says when a renewal is allowed again. A `login()`
    /// the user asks for is never throttled.
    Throttled,
    /// The user declined to share the phone number (`getPhoneNumber:fail user deny`).
    PhoneDenied,
    /// The event had no phone code: a base library below 2.21.2, an individual-subject or
    /// unverified mini-program, or WeChat blocked this user's verification.
    PhoneUnavailable,
    /// The mini-program's phone verification quota is used up (errno 1400001): buy more in
    /// the admin console; no verification was billed.
    PhoneQuota,
    /// The backend refused the phone code (a 4xx: expired, used, or another user's).
    PhoneFailed,
    /// The backend refused the profile (`profileUrl`, a 4xx: an image or a nickname it
    /// does not take); the profile on the device is as it was.
    ProfileRejected,
}

impl ErrorCode {
    /// The code as JS sees it, e.g. `"INVALID_TRANSITION"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidTransition => "INVALID_TRANSITION",
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::PrivacyDenied => "PRIVACY_DENIED",
            ErrorCode::TapRequired => "TAP_REQUIRED",
            ErrorCode::ProfileDenied => "PROFILE_DENIED",
            ErrorCode::LoginFailed => "LOGIN_FAILED",
            ErrorCode::Network => "NETWORK",
            ErrorCode::Server => "SERVER",
            ErrorCode::Storage => "STORAGE",
            ErrorCode::NotLoggedIn => "NOT_LOGGED_IN",
            ErrorCode::WxFailed => "WX_FAILED",
            ErrorCode::Throttled => "THROTTLED",
            ErrorCode::PhoneDenied => "PHONE_DENIED",
            ErrorCode::PhoneUnavailable => "PHONE_UNAVAILABLE",
            ErrorCode::PhoneQuota => "PHONE_QUOTA",
            ErrorCode::PhoneFailed => "PHONE_FAILED",
            ErrorCode::ProfileRejected => "PROFILE_REJECTED",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from any SDK operation: a code, a human-readable message, and what caused it.
///
/// A failed operation never changes the state or the stored session.
///
/// The fields ([`ErrorData`]) are read through `Deref` (`err.code`, `err.message`);
/// errors are made with the constructors below. The data is boxed so that every
/// `Result` carrying an error is one pointer wide: errors travel through many `?` in
/// the async driver, and moving a wide error at each of them was a sizeable part of
/// the shipped wasm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError(Box<ErrorData>);

/// What an [`AuthError`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorData {
    /// The stable code.
    pub code: ErrorCode,
    /// A message for developers (English, no tokens or secrets in it).
    pub message: String,
    /// The wx failure behind the error, when wx caused it (`errMsg`, `errno`).
    pub wx: Option<WxFailure>,
    /// The HTTP status behind the error, when the backend caused it.
    pub status: Option<u16>,
    /// Whether the same call may succeed later unchanged (a timeout, a busy backend);
    /// false for definitive failures (a refused code, a bad argument). JS sees it as
    /// `error.transient`.
    pub transient: bool,
    /// For [`ErrorCode::Throttled`]: how long until the call may succeed, in ms
    /// (`error.retryAfterMs`).
    pub retry_after_ms: Option<u64>,
}

impl Deref for AuthError {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl AuthError {
    /// An error with a code and message and no platform cause.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AuthError(Box::new(ErrorData {
            code,
            message: message.into(),
            wx: None,
            status: None,
            transient: false,
            retry_after_ms: None,
        }))
    }

    /// An error caused by a wx failure; the message says which API failed.
    ///
    /// It is transient when the failure is: a timeout, an interrupted request, or a
    /// network or system failure other than a URL the app may not use.
    pub fn from_wx(code: ErrorCode, failure: WxFailure) -> Self {
        AuthError(Box::new(ErrorData {
            code,
            message: failure.err_msg.clone(),
            transient: failure.is_transient(),
            wx: Some(failure),
            status: None,
            retry_after_ms: None,
        }))
    }

    /// The same error, marked transient or not.
    pub fn with_transient(mut self, transient: bool) -> Self {
        self.0.transient = transient;
        self
    }

    /// The same error with an HTTP status attached.
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    /// The message, taken out of the error.
    pub fn into_message(self) -> String {
        self.0.message
    }

    /// Shorthand for an [`ErrorCode::InvalidTransition`] error.
    pub fn transition(message: impl Into<String>) -> Self {
        AuthError::new(ErrorCode::InvalidTransition, message)
    }

    /// A [`ErrorCode::Throttled`] error: no renewal may start for `retry_after_ms`.
    pub fn throttled(retry_after_ms: u64) -> Self {
        let mut e = AuthError::new(
            ErrorCode::Throttled,
            "the session needs renewing and too many renewals started recently (the backend keeps refusing the session?); try again after retryAfterMs",
        )
        .with_transient(true);
        e.0.retry_after_ms = Some(retry_after_ms);
        e
    }

    /// Shorthand for an [`ErrorCode::InvalidArgument`] error.
    pub fn argument(message: impl Into<String>) -> Self {
        AuthError::new(ErrorCode::InvalidArgument, message)
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

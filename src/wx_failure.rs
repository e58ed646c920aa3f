//! What a failed wx call reports (`errMsg`, `errno`) and what it means.
//!
//! wx failures are matched by the `<api>:fail` prefix, by errno, and by substrings,
//! never by exact text: wording differs across platforms and base library versions
//! (platform.md §12, "auth deny" vs "auth denied" vs "-12006,auth deny").

use crate::text::contains_ignore_case;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::ops::Deref;

/// A failure object from a wx API callback: `{errMsg, errno?}`.
///
/// The fields ([`FailureData`]) are read through `Deref` (`f.err_msg`, `f.errno`); it
/// is boxed so that the `Result` of every wx call is narrow (see [`crate::AuthError`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WxFailure(Box<FailureData>);

/// What a [`WxFailure`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureData {
    /// The `errMsg` text, e.g. `"login:fail timeout"`.
    pub err_msg: String,
    /// The numeric `errno` (base library 2.24.0+), when present.
    pub errno: Option<i64>,
}

impl Deref for WxFailure {
    type Target = FailureData;
    fn deref(&self) -> &FailureData {
        &self.0
    }
}

/// What a wx failure means for the SDK, independent of its wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The user refused the privacy agreement, or the API is not declared in it
    /// (errno 103, 104, 112, 1025, 101100-101102, or "privacy" in the text).
    Privacy,
    /// The API needs a tap gesture and was called outside one.
    TapRequired,
    /// The user refused a popup ("auth deny", "auth denied", "deny").
    UserDenied,
    /// The call timed out (errno 5, or "timeout" / "time out" in the text).
    Timeout,
    /// A request was cut off because the app went to the background (errno 600003, "interrupted").
    Interrupted,
    /// A storage key has no data ("data not found").
    NotFound,
    /// Anything else.
    Other,
}

/// errnos of failures that trying again cannot fix: a URL outside the domain list
/// (600002) or an invalid URL (600009), from the official errno table (platform.md §7).
const CONFIG_ERRNOS: [i64; 2] = [600002, 600009];

/// Privacy errnos from the official errno table (PublicErrno) and PrivacyAuthorize.html §5.
const PRIVACY_ERRNOS: [i64; 6] = [103, 104, 112, 1025, 101100, 101102];

impl WxFailure {
    /// A failure with the given text and errno.
    pub fn new(err_msg: impl Into<String>, errno: Option<i64>) -> Self {
        WxFailure(Box::new(FailureData {
            err_msg: err_msg.into(),
            errno,
        }))
    }

    /// A failure made by the SDK itself for an API the base library does not have.
    pub fn unsupported(api: &str) -> Self {
        let mut err_msg = api.to_string();
        err_msg.push_str(":fail not supported by this base library");
        WxFailure::new(err_msg, None)
    }

    /// Whether the text starts with `<api>:fail`.
    pub fn is_fail_of(&self, api: &str) -> bool {
        self.err_msg
            .strip_prefix(api)
            .is_some_and(|rest| rest.starts_with(":fail"))
    }

    /// Whether trying the same call again later may succeed: timeouts, interruptions and
    /// other network or system failures are; privacy refusals, user refusals, a missing
    /// tap and a URL the app may not use are not.
    pub fn is_transient(&self) -> bool {
        if self.errno.is_some_and(|e| CONFIG_ERRNOS.contains(&e)) {
            return false;
        }
        let has = |word| contains_ignore_case(&self.err_msg, word);
        if has("domain list") || has("invalid url") || has("not supported") {
            return false;
        }
        matches!(
            self.kind(),
            FailureKind::Timeout | FailureKind::Interrupted | FailureKind::Other
        )
    }

    /// What the failure means, from errno first and the text second.
    pub fn kind(&self) -> FailureKind {
        if let Some(errno) = self.errno {
            if PRIVACY_ERRNOS.contains(&errno) {
                return FailureKind::Privacy;
            }
            match errno {
                5 => return FailureKind::Timeout,
                600003 => return FailureKind::Interrupted,
                _ => {}
            }
        }
        let has = |word| contains_ignore_case(&self.err_msg, word);
        if has("privacy") {
            FailureKind::Privacy
        } else if has("tap gesture") || has("user tap") {
            FailureKind::TapRequired
        } else if has("deny") || has("denied") || has("cancel") {
            FailureKind::UserDenied
        } else if has("timeout") || has("time out") {
            FailureKind::Timeout
        } else if has("interrupted") {
            FailureKind::Interrupted
        } else if has("not found") {
            FailureKind::NotFound
        } else {
            FailureKind::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_match_needs_the_api_name_and_fail() {
        let f = WxFailure::new("login:fail timeout", None);
        assert!(f.is_fail_of("login"));
        assert!(!f.is_fail_of("log"));
        assert!(!f.is_fail_of("request"));
        assert!(!WxFailure::new("login:ok", None).is_fail_of("login"));
    }

    #[test]
    fn errno_wins_over_text() {
        let f = WxFailure::new("getUserProfile:fail something", Some(104));
        assert_eq!(f.kind(), FailureKind::Privacy);
        let f = WxFailure::new("request:fail", Some(600003));
        assert_eq!(f.kind(), FailureKind::Interrupted);
        let f = WxFailure::new("request:fail", Some(5));
        assert_eq!(f.kind(), FailureKind::Timeout);
    }

    #[test]
    fn transient_failures_are_told_from_definitive_ones() {
        for (text, errno) in [
            ("request:fail timeout", Some(5)),
            ("request:fail interrupted", Some(600003)),
            ("request:fail", None),
            ("login:fail system error", Some(602001)),
        ] {
            assert!(WxFailure::new(text, errno).is_transient(), "{text}");
        }
        for (text, errno) in [
            ("request:fail url not in domain list", Some(600002)),
            ("request:fail invalid url", None),
            ("getUserProfile:fail auth deny", None),
            (
                "requirePrivacyAuthorize:fail privacy permission is not authorized",
                Some(104),
            ),
            ("login:fail not supported by this base library", None),
        ] {
            assert!(!WxFailure::new(text, errno).is_transient(), "{text}");
        }
    }

    #[test]
    fn wording_variants_classify_alike() {
        for text in [
            "authorize:fail auth deny",
            "authorize:fail:auth denied",
            "authorize:fail -12006,auth deny",
            "getUserProfile:fail auth deny",
        ] {
            assert_eq!(
                WxFailure::new(text, None).kind(),
                FailureKind::UserDenied,
                "{text}"
            );
        }
        for text in [
            "getUserProfile:fail can only be invoked by user TAP gesture",
            "getUserProfile:fail can only be invoked by user TAP gesture.",
        ] {
            assert_eq!(WxFailure::new(text, None).kind(), FailureKind::TapRequired);
        }
        assert_eq!(
            WxFailure::new(
                "getLocation:fail privacy permission is not authorized in gap",
                None
            )
            .kind(),
            FailureKind::Privacy
        );
        assert_eq!(
            WxFailure::new("getStorage:fail data not found", None).kind(),
            FailureKind::NotFound
        );
    }
}

//! The app's own session: the backend's opaque token and when it expires.
//!
//! This is not WeChat's `session_key`, which stays on the backend and never reaches
//! the client.

use crate::error::AuthError;
use alloc::string::String;
use core::fmt;

/// Longest token accepted from the backend, in bytes.
pub const MAX_TOKEN_BYTES: usize = 4096;
/// Longest session lifetime accepted from the backend: 366 days, in seconds.
pub const MAX_EXPIRES_IN_SECS: u64 = 366 * 24 * 3600;
/// Largest safety margin before expiry: a session is renewed this long before it runs out.
pub const MAX_MARGIN_MS: u64 = 30_000;

/// A logged-in session. Time is in milliseconds since the Unix epoch, passed in by the caller.
///
/// `Debug` never prints the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    token: String,
    issued_at: u64,
    expires_at: u64,
}

impl Session {
    /// A session that was issued at `issued_at` and lives `expires_in_secs` seconds.
    ///
    /// `issued_at` should be the time the login request was *sent*, so the local
    /// expiry is never later than the server's.
    pub fn issue(token: &str, expires_in_secs: u64, issued_at: u64) -> Result<Session, AuthError> {
        check_token(token)?;
        if expires_in_secs == 0 || expires_in_secs > MAX_EXPIRES_IN_SECS {
            return Err(AuthError::argument("expiresIn is out of range"));
        }
        // An expiry past the end of time (an absurd clock) is refused, not capped: a
        // capped one would end before it began and read back as corrupt.
        let expires_at = issued_at
            .checked_add(expires_in_secs * 1000)
            .ok_or_else(|| AuthError::argument("the session would expire past the end of time"))?;
        Ok(Session {
            token: token.into(),
            issued_at,
            expires_at,
        })
    }

    /// A session read back from storage: its token, when it was issued and when it ends.
    pub fn restore(token: &str, issued_at: u64, expires_at: u64) -> Result<Session, AuthError> {
        check_token(token)?;
        if expires_at <= issued_at {
            return Err(AuthError::argument("the session ends before it begins"));
        }
        Ok(Session {
            token: token.into(),
            issued_at,
            expires_at,
        })
    }

    /// The bearer token. Never log it.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// When the login request that created the session was sent (ms since the epoch).
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// When the backend's session ends (ms since the epoch).
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// Whether the session can still be used at `now`, with the safety margin applied.
    pub fn is_fresh(&self, now: u64) -> bool {
        now.saturating_add(self.margin()) < self.expires_at
    }

    /// How long before the end the session counts as expired: a quarter of its
    /// lifetime, at most [`MAX_MARGIN_MS`], so short sessions are still usable.
    pub fn margin(&self) -> u64 {
        (self.expires_at.saturating_sub(self.issued_at) / 4).min(MAX_MARGIN_MS)
    }
}

fn check_token(token: &str) -> Result<(), AuthError> {
    if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
        return Err(AuthError::argument("token is empty or too long"));
    }
    // A bearer token goes into an HTTP header: visible ASCII only.
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AuthError::argument(
            "token has characters a header cannot carry",
        ));
    }
    Ok(())
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &"<redacted>")
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn fresh_until_the_margin() {
        let s = Session::issue("t", 3600, 1_000).unwrap();
        assert_eq!(s.expires_at(), 1_000 + 3_600_000);
        assert!(s.is_fresh(1_000));
        assert!(s.is_fresh(3_601_000 - 30_001));
        assert!(!s.is_fresh(3_601_000 - 30_000));
        assert!(!s.is_fresh(u64::MAX));
    }

    #[test]
    fn short_sessions_get_a_short_margin() {
        let s = Session::issue("t", 8, 0).unwrap();
        assert!(s.is_fresh(5_999));
        assert!(!s.is_fresh(6_000));
    }

    #[test]
    fn bad_tokens_and_lifetimes_are_refused() {
        assert!(Session::issue("", 10, 0).is_err());
        assert!(Session::issue("a b", 10, 0).is_err());
        assert!(Session::issue("a\nb", 10, 0).is_err());
        assert!(Session::issue("t", 0, 0).is_err());
        assert!(Session::issue("t", MAX_EXPIRES_IN_SECS + 1, 0).is_err());
        assert!(Session::issue("t", 10, u64::MAX - 10_000).is_ok());
        assert!(Session::issue("t", 10, u64::MAX - 1).is_err());
        assert!(Session::issue("t", 10, u64::MAX).is_err());
        assert!(Session::restore("t", 5, 5).is_err());
    }

    #[test]
    fn debug_hides_the_token() {
        let s = Session::issue("secret-token", 10, 0).unwrap();
        assert!(!format!("{s:?}").contains("secret-token"));
    }
}

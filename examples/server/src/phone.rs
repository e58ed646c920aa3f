//! Phone-number verification: the access-token policy and the masked answer.
//!
//! `getuserphonenumber` needs the app's access token. This server gets it from
//! `stable_token` in normal mode and caches it in the shared store (SQLite or Redis), so
//! every instance on that store uses the same token:
//!
//! - the cached token is used until [`cache_seconds`] of its `expires_in` have passed (a
//!   little less than WeChat's validity, see [`EARLY_SECONDS`]);
//! - when none is cached, one instance at a time asks WeChat: it takes the store's lock
//!   ([`LOCK_SECONDS`]); the others wait for the token to appear (at most [`LOCK_WAIT`],
//!   then they ask WeChat themselves: normal mode returns the token in force, so a second
//!   call costs nothing but a call);
//! - `force_refresh` is never sent: it revokes the token every other instance holds and
//!   WeChat allows it 20 times a day. When `getuserphonenumber` answers 40001 or 42001
//!   (the token is invalid or expired, and the phone code was not consumed), the cached
//!   token is dropped, fetched again in normal mode and the call retried once.

use std::time::Duration;

/// How long before WeChat's `expires_in` the cached token is given up (WeChat refreshes a
/// stable token 5 minutes early, and every token it hands out lives at least that long).
pub const EARLY_SECONDS: u64 = 300;
/// How long the refresh lock holds at most (a `stable_token` call takes at most 6 s).
pub const LOCK_SECONDS: u64 = 10;
/// How long an instance waits for another one's refresh before asking WeChat itself.
pub const LOCK_WAIT: Duration = Duration::from_secs(3);
/// How often a waiting instance looks for the refreshed token.
pub const POLL: Duration = Duration::from_millis(50);

/// How long a token WeChat gave with `expires_in` is cached: [`EARLY_SECONDS`] less, or
/// half of it when it is short, and at least a second.
pub fn cache_seconds(expires_in: u64) -> u64 {
    expires_in
        .saturating_sub(EARLY_SECONDS.min(expires_in / 2))
        .max(1)
}

/// The number as the answer shows it: the first 3 and the last 4 digits (`138****8000`);
/// a number of fewer than 8 digits shows only its last 2.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let n = chars.len();
    if n >= 8 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[n - 4..].iter().collect();
        format!("{head}****{tail}")
    } else {
        let tail: String = chars[n.saturating_sub(2)..].iter().collect();
        format!("****{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_masked() {
        assert_eq!(mask("13800138000"), "138****8000");
        assert_eq!(mask("2025550123"), "202****0123");
        assert_eq!(mask("12345678"), "123****5678");
        assert_eq!(mask("1234567"), "****67");
        assert_eq!(mask("1"), "****1");
        assert_eq!(mask(""), "****");
    }

    #[test]
    fn tokens_are_cached_a_little_less_than_they_live() {
        assert_eq!(cache_seconds(7200), 6900);
        assert_eq!(cache_seconds(600), 300);
        assert_eq!(cache_seconds(300), 150);
        assert_eq!(cache_seconds(1), 1);
        assert_eq!(cache_seconds(0), 1);
    }
}

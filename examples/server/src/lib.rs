//! The reference backend for wx-auth and a WeChat stand-in for development and tests.
//!
//! - [`routes`]: the protocol the SDK speaks (`/auth/login`, `/auth/logout`, `/api/me`,
//!   `/auth/unbind`, `/auth/phone`, `/auth/profile`, `/avatars/…`), as an axum router over
//!   a store, a WeChat client and the avatar directory.
//! - [`profile`]: the rules of a profile (nickname, avatar URL, image kinds);
//!   [`upload`]: reading its two forms (multipart, JSON); [`avatars`]: the uploaded files.
//! - [`phone`]: the access-token policy of phone verification and the masked number.
//! - [`store`]: where sessions live ([`store::SqliteStore`] by default,
//!   [`store::RedisStore`] when `REDIS_URL` is set), behind one [`store::SessionStore`] trait.
//! - [`wechat`]: the `jscode2session`, `stable_token` and `getuserphonenumber` calls,
//!   their shared concurrency limit and timeout, and what their error codes mean.
//! - [`standin`]: a loopback WeChat (those three APIs) that accepts the wx simulator's codes.
//! - [`http`]: what both binaries share: the accept loop (connection cap, header-read
//!   deadline, keep-alive, graceful shutdown), the door checks, the request log.

#![deny(missing_docs)]

pub mod avatars;
pub mod config;
pub mod errors;
pub mod http;
pub mod phone;
pub mod profile;
pub mod routes;
pub mod standin;
pub mod store;
pub mod token;
pub mod upload;
pub mod wechat;

/// Seconds since the Unix epoch, from the system clock (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

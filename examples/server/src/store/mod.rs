//! Where sessions, openid bindings, what is known of each user (unionid, verified phone
//! number, profile) and the app's shared WeChat access token live, behind one trait with two
//! implementations:
//! [`SqliteStore`] (an embedded file, the default) and [`RedisStore`] (shared by several
//! server instances). Both are held to the same test suite (`tests/store_suite.rs`).
//!
//! Sessions are keyed by the SHA-256 of their token (see [`crate::token`]); the store
//! never sees a token. Every call takes `now` (Unix seconds) so expiry can be tested.
//!
//! The methods are async: SQLite runs on tokio's blocking pool, Redis on its own
//! multiplexed connection. Neither bounds its own time: the routes give each call
//! [`STORE_TIMEOUT`] (a frozen store is a prompt 500, not a hung request).

mod redis;
mod sqlite;

pub use self::redis::RedisStore;
pub use self::sqlite::SqliteStore;
use crate::errors::StoreError;
use std::time::Duration;

/// How long the routes wait for one store call before answering 500.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(1);

/// A live session, as a request with its token sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The user the session belongs to.
    pub openid: String,
    /// When the user's binding (first login since the last unbind) was created, Unix seconds.
    pub since: u64,
    /// When the session ends, Unix seconds.
    pub expires_at: u64,
    /// The user's unionid, when WeChat gave one at a login.
    pub unionid: Option<String>,
    /// The user's saved profile, if any.
    pub profile: Option<Profile>,
}

/// A profile saved with the user (`POST /auth/profile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The nickname, trimmed.
    pub nick_name: String,
    /// The avatar's URL: an https URL the client gave, or one of ours.
    pub avatar_url: String,
    /// The name of the uploaded file in the avatar directory that `avatar_url` serves,
    /// when the user uploaded it: the only file the server ever deletes for this user.
    pub avatar_file: Option<String>,
}

/// What [`SessionStore::set_profile`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileSaved {
    /// The profile is stored. `orphan`: the uploaded file the user's previous profile
    /// had and the new one has not, for the caller to delete.
    Stored {
        /// The file no profile refers to any more.
        orphan: Option<String>,
    },
    /// The user is not bound (an unbind came first): nothing was stored.
    NotBound,
}

/// A verified phone number, as stored with the user (in full; answers show it masked).
#[derive(Clone, PartialEq, Eq)]
pub struct Phone {
    /// The country code without `+` (`86`).
    pub country_code: String,
    /// The number without the country code (`13800138000`).
    pub number: String,
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone")
            .field("country_code", &self.country_code)
            .field("number", &"<redacted>")
            .finish()
    }
}

/// Sessions and openid bindings.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    /// Binds `openid` (keeping an existing binding and its `since`) and creates a session
    /// under `token_hash` that ends at `expires_at`. Returns the binding's `since`.
    async fn create_session(
        &self,
        openid: &str,
        token_hash: &str,
        now: u64,
        expires_at: u64,
    ) -> Result<u64, StoreError>;

    /// The session under `token_hash` if it exists, has not ended at `now`, and its
    /// binding still exists (an unbind ends every session of the binding).
    async fn session(&self, token_hash: &str, now: u64) -> Result<Option<SessionInfo>, StoreError>;

    /// Ends the session under `token_hash`; ending an unknown session is no error.
    async fn revoke(&self, token_hash: &str) -> Result<(), StoreError>;

    /// Deletes `openid`'s binding and every session and record of that user (unionid,
    /// phone number and profile included). Returns the profile it erased, so the caller
    /// can delete its avatar file.
    async fn unbind(&self, openid: &str) -> Result<Option<Profile>, StoreError>;

    /// Records the unionid WeChat gave for `openid` (a user that is not bound: nothing).
    async fn set_unionid(&self, openid: &str, unionid: &str) -> Result<(), StoreError>;

    /// Stores the verified `phone` with `openid`, replacing any earlier one (a user that
    /// is not bound: nothing).
    async fn set_phone(&self, openid: &str, phone: &Phone) -> Result<(), StoreError>;

    /// The phone number stored with `openid`, if any.
    async fn phone(&self, openid: &str) -> Result<Option<Phone>, StoreError>;

    /// Stores `profile` with `openid`, replacing any earlier one, in one atomic step. When
    /// `profile.avatar_file` is `None` and the avatar URL is the stored one, the stored
    /// file stays with it (a new nickname with the same avatar). Returns the file the
    /// replaced profile had and the new one has not, or [`ProfileSaved::NotBound`] (then
    /// nothing is stored).
    async fn set_profile(
        &self,
        openid: &str,
        profile: &Profile,
    ) -> Result<ProfileSaved, StoreError>;

    /// The profile stored with `openid`, if any.
    async fn profile(&self, openid: &str) -> Result<Option<Profile>, StoreError>;

    /// The cached access token of `appid`, if one is cached and still good at `now`.
    async fn access_token(&self, appid: &str, now: u64) -> Result<Option<String>, StoreError>;

    /// Caches `token` for `appid` until `good_until` (Unix seconds).
    async fn put_access_token(
        &self,
        appid: &str,
        token: &str,
        now: u64,
        good_until: u64,
    ) -> Result<(), StoreError>;

    /// Drops the cached token of `appid` if it is still `token` (a newer one that another
    /// instance cached meanwhile stays).
    async fn drop_access_token(&self, appid: &str, token: &str) -> Result<(), StoreError>;

    /// Takes the lock on refreshing `appid`'s token for `holder`, for `seconds` at most;
    /// `false` when another holder has it. Every instance sharing the store sees one lock.
    async fn lock_token_refresh(
        &self,
        appid: &str,
        holder: &str,
        now: u64,
        seconds: u64,
    ) -> Result<bool, StoreError>;

    /// Releases the lock if `holder` still has it.
    async fn unlock_token_refresh(&self, appid: &str, holder: &str) -> Result<(), StoreError>;
}

/// A random binding id (16 hex characters), so a session can tell its binding from a
/// later one of the same openid even within the same second.
fn binding_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|_| StoreError::new("the OS random source failed"))?;
    Ok(hex::encode(bytes))
}

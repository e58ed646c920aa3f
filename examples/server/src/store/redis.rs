//! The shared store: Redis, so several server instances behind a load balancer see the
//! same sessions. Keys are namespaced; session keys carry a TTL (`EX`) so expired
//! sessions vanish by themselves.
//!
//! Layout under the namespace `ns` (default `wx-auth`):
//! - `ns:user:{openid}` → `"{since} {binding}"` (no TTL: the binding lasts until unbind)
//! - `ns:session:{sha256(token)}` → `"{expires_at} {binding} {openid}"`, `EX` = time left
//! - `ns:user-sessions:{openid}` → set of the user's session hashes (for unbind), with the
//!   TTL of the longest session in it
//! - `ns:user-unionid:{openid}` → the unionid WeChat gave (no TTL; unbind deletes it)
//! - `ns:user-phone:{openid}` → `"{countryCode} {number}"`, the verified phone number in
//!   full (no TTL; unbind deletes it)
//! - `ns:user-profile:{openid}` → `{"nickName","avatarUrl","avatarFile"?}` (JSON; no TTL;
//!   unbind deletes it), `avatarFile` being the uploaded file the URL serves
//! - `ns:access-token:{appid}` → the app's WeChat access token, `EX` = a little less than
//!   the `expires_in` WeChat gave, shared by every instance
//! - `ns:access-token-lock:{appid}` → the id of the instance refreshing the token
//!   (`SET NX PX`), so one instance at a time asks WeChat
//!
//! A session counts only while its binding id matches the user's current one, so a
//! session created while an unbind runs on another instance never comes back to life.
//!
//! The connection is the redis crate's `ConnectionManager`: one multiplexed connection
//! that reconnects by itself (retrying every [`RECONNECT_MAX_DELAY`] at most) when Redis
//! restarts; each command gives up after [`RESPONSE_TIMEOUT`], so a frozen Redis is a
//! prompt error.

use super::{binding_id, Phone, Profile, ProfileSaved, SessionInfo, SessionStore};
use crate::errors::StoreError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::RedisError;
use std::time::Duration;

/// How long one command may wait for its answer.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
/// How long one connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// The longest wait between two reconnection attempts.
pub const RECONNECT_MAX_DELAY: Duration = Duration::from_millis(200);

/// Sessions in Redis.
pub struct RedisStore {
    conn: ConnectionManager,
    namespace: String,
}

/// What the log says about a Redis failure: its kind, never a key or a value.
fn err(op: &'static str) -> impl Fn(RedisError) -> StoreError {
    move |e| {
        let why = if e.is_timeout() {
            "timed out".to_string()
        } else if e.is_connection_refusal() {
            "connection refused".to_string()
        } else if e.is_connection_dropped() || e.is_io_error() {
            "connection lost".to_string()
        } else {
            format!("{:?}", e.kind())
        };
        StoreError::new(format!("redis {op}: {why}"))
    }
}

impl RedisStore {
    /// A store on the server at `url` (`redis://[[user]:password@]host[:port][/db]`, read
    /// by the redis crate), with keys under `namespace:`. Connects once to check the
    /// server answers.
    pub async fn connect(url: &str, namespace: &str) -> Result<Self, StoreError> {
        use redis::IntoConnectionInfo;
        let info = url
            .into_connection_info()
            .map_err(|_| StoreError::new("REDIS_URL is not a redis:// URL"))?
            // Small commands one after another: Nagle's algorithm would only delay them.
            .set_tcp_settings(redis::io::tcp::TcpSettings::default().set_nodelay(true));
        let client = redis::Client::open(info)
            .map_err(|_| StoreError::new("REDIS_URL is not a redis:// URL"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(RECONNECT_MAX_DELAY)
            .set_number_of_retries(3);
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(err("connect"))?;
        Ok(RedisStore {
            conn,
            namespace: namespace.to_string(),
        })
    }

    /// A handle on the store's connection (for tests and operators).
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// The full key for `kind` and `id` (public so tests can look at TTLs).
    pub fn key(&self, kind: &str, id: &str) -> String {
        format!("{}:{}:{}", self.namespace, kind, id)
    }
}

/// `SET KEYS[2] ARGV[1]` only while the user `KEYS[1]` is bound.
const SET_IF_BOUND: &str =
    "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[2], ARGV[1]) return 1 end return 0";
/// `DEL KEYS[1]` only while it holds `ARGV[1]`.
const DEL_IF_EQUAL: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/// Stores the profile `ARGV[1]` (JSON) under `KEYS[2]` only while the user `KEYS[1]` is
/// bound (else nil), in one step: without an `avatarFile` of its own, it keeps the stored
/// one when the URL is the same. Answers the stored file the new profile no longer has,
/// or "" (the Node backend runs the same script).
const SWAP_PROFILE: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local new = cjson.decode(ARGV[1])
local old = redis.call('GET', KEYS[2])
local orphan = ''
if old then
  local o = cjson.decode(old)
  if type(new.avatarFile) ~= 'string' and o.avatarUrl == new.avatarUrl then new.avatarFile = o.avatarFile end
  if type(o.avatarFile) == 'string' and o.avatarFile ~= new.avatarFile then orphan = o.avatarFile end
end
redis.call('SET', KEYS[2], cjson.encode(new))
return orphan
"#;

/// The profile record (the Node backend's too):
/// `{"nickName", "avatarUrl", "avatarFile"?}`.
fn profile_json(p: &Profile) -> String {
    let mut doc = serde_json::json!({ "nickName": p.nick_name, "avatarUrl": p.avatar_url });
    if let Some(file) = &p.avatar_file {
        doc["avatarFile"] = file.as_str().into();
    }
    doc.to_string()
}

/// A profile record read back; `None` when it is not one.
fn profile_from_json(text: &str) -> Option<Profile> {
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(Profile {
        nick_name: doc.get("nickName")?.as_str()?.to_string(),
        avatar_url: doc.get("avatarUrl")?.as_str()?.to_string(),
        avatar_file: doc
            .get("avatarFile")
            .and_then(|f| f.as_str())
            .map(str::to_string),
    })
}

/// A stored profile record, or the store's "malformed" error.
fn parse_profile(text: &str) -> Result<Profile, StoreError> {
    profile_from_json(text).ok_or_else(corrupt)
}

fn corrupt() -> StoreError {
    StoreError::new("redis: a stored record is malformed")
}

/// `"{since} {binding}"`
fn parse_user(text: &str) -> Result<(u64, &str), StoreError> {
    let (since, binding) = text.split_once(' ').ok_or_else(corrupt)?;
    Ok((since.parse().map_err(|_| corrupt())?, binding))
}

#[async_trait::async_trait]
impl SessionStore for RedisStore {
    async fn create_session(
        &self,
        openid: &str,
        token_hash: &str,
        now: u64,
        expires_at: u64,
    ) -> Result<u64, StoreError> {
        let user_key = self.key("user", openid);
        let session_key = self.key("session", token_hash);
        let index_key = self.key("user-sessions", openid);
        let fresh = format!("{now} {}", binding_id()?);
        let ttl = expires_at.saturating_sub(now).max(1);
        let mut c = self.conn.clone();
        let (current,): (Option<String>,) = redis::pipe()
            .cmd("SET")
            .arg(&user_key)
            .arg(&fresh)
            .arg("NX")
            .ignore()
            .cmd("GET")
            .arg(&user_key)
            .query_async(&mut c)
            .await
            .map_err(err("bind"))?;
        let current =
            current.ok_or_else(|| StoreError::new("redis: the binding vanished during login"))?;
        let (since, binding) = parse_user(&current)?;
        let record = format!("{expires_at} {binding} {openid}");
        let (index_ttl,): (i64,) = redis::pipe()
            .cmd("SET")
            .arg(&session_key)
            .arg(&record)
            .arg("EX")
            .arg(ttl)
            .ignore()
            .cmd("SADD")
            .arg(&index_key)
            .arg(token_hash)
            .ignore()
            .cmd("TTL")
            .arg(&index_key)
            .query_async(&mut c)
            .await
            .map_err(err("insert session"))?;
        if index_ttl < i64::try_from(ttl).unwrap_or(i64::MAX) {
            redis::cmd("EXPIRE")
                .arg(&index_key)
                .arg(ttl)
                .query_async::<()>(&mut c)
                .await
                .map_err(err("expire index"))?;
        }
        Ok(since)
    }

    async fn session(&self, token_hash: &str, now: u64) -> Result<Option<SessionInfo>, StoreError> {
        let session_key = self.key("session", token_hash);
        let mut c = self.conn.clone();
        let record: Option<String> = redis::cmd("GET")
            .arg(&session_key)
            .query_async(&mut c)
            .await
            .map_err(err("lookup"))?;
        let Some(record) = record else {
            return Ok(None);
        };
        let mut parts = record.splitn(3, ' ');
        let (Some(expires_at), Some(binding), Some(openid)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(corrupt());
        };
        let expires_at: u64 = expires_at.parse().map_err(|_| corrupt())?;
        if expires_at <= now {
            redis::cmd("DEL")
                .arg(&session_key)
                .query_async::<()>(&mut c)
                .await
                .map_err(err("expire"))?;
            return Ok(None);
        }
        let (user, unionid, profile): (Option<String>, Option<String>, Option<String>) =
            redis::cmd("MGET")
                .arg(self.key("user", openid))
                .arg(self.key("user-unionid", openid))
                .arg(self.key("user-profile", openid))
                .query_async(&mut c)
                .await
                .map_err(err("binding"))?;
        let Some(user) = user else {
            return Ok(None);
        };
        let (since, current) = parse_user(&user)?;
        if current != binding {
            return Ok(None);
        }
        Ok(Some(SessionInfo {
            openid: openid.to_string(),
            since,
            expires_at,
            unionid,
            profile: profile.as_deref().map(parse_profile).transpose()?,
        }))
    }

    async fn revoke(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        redis::cmd("DEL")
            .arg(self.key("session", token_hash))
            .query_async::<()>(&mut c)
            .await
            .map_err(err("revoke"))
    }

    async fn unbind(&self, openid: &str) -> Result<Option<Profile>, StoreError> {
        let user_key = self.key("user", openid);
        let index_key = self.key("user-sessions", openid);
        let profile_key = self.key("user-profile", openid);
        let mut c = self.conn.clone();
        // The binding goes first: from then on no session of it counts, whatever
        // happens to the rest. The profile is read and deleted in the same transaction,
        // so its file is handed back exactly once.
        let (profile,): (Option<String>,) = redis::pipe()
            .atomic()
            .cmd("GET")
            .arg(&profile_key)
            .cmd("DEL")
            .arg(&user_key)
            .arg(self.key("user-unionid", openid))
            .arg(self.key("user-phone", openid))
            .arg(&profile_key)
            .ignore()
            .query_async(&mut c)
            .await
            .map_err(err("unbind user"))?;
        let members: Vec<String> = redis::cmd("SMEMBERS")
            .arg(&index_key)
            .query_async(&mut c)
            .await
            .map_err(err("unbind index"))?;
        let mut del = redis::cmd("DEL");
        del.arg(&index_key);
        for hash in &members {
            del.arg(self.key("session", hash));
        }
        del.query_async::<()>(&mut c)
            .await
            .map_err(err("unbind sessions"))?;
        // Parsed last: a malformed record must not stop the erasure.
        Ok(profile.as_deref().and_then(profile_from_json))
    }

    async fn set_profile(
        &self,
        openid: &str,
        profile: &Profile,
    ) -> Result<ProfileSaved, StoreError> {
        let mut c = self.conn.clone();
        let orphan: Option<String> = redis::cmd("EVAL")
            .arg(SWAP_PROFILE)
            .arg(2)
            .arg(self.key("user", openid))
            .arg(self.key("user-profile", openid))
            .arg(profile_json(profile))
            .query_async(&mut c)
            .await
            .map_err(err("set profile"))?;
        Ok(match orphan {
            None => ProfileSaved::NotBound,
            Some(name) => ProfileSaved::Stored {
                orphan: Some(name).filter(|n| !n.is_empty()),
            },
        })
    }

    async fn profile(&self, openid: &str) -> Result<Option<Profile>, StoreError> {
        let mut c = self.conn.clone();
        let text: Option<String> = redis::cmd("GET")
            .arg(self.key("user-profile", openid))
            .query_async(&mut c)
            .await
            .map_err(err("profile"))?;
        text.as_deref().map(parse_profile).transpose()
    }

    async fn set_unionid(&self, openid: &str, unionid: &str) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        redis::cmd("EVAL")
            .arg(SET_IF_BOUND)
            .arg(2)
            .arg(self.key("user", openid))
            .arg(self.key("user-unionid", openid))
            .arg(unionid)
            .query_async::<()>(&mut c)
            .await
            .map_err(err("set unionid"))
    }

    async fn set_phone(&self, openid: &str, phone: &Phone) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        redis::cmd("EVAL")
            .arg(SET_IF_BOUND)
            .arg(2)
            .arg(self.key("user", openid))
            .arg(self.key("user-phone", openid))
            .arg(format!("{} {}", phone.country_code, phone.number))
            .query_async::<()>(&mut c)
            .await
            .map_err(err("set phone"))
    }

    async fn phone(&self, openid: &str) -> Result<Option<Phone>, StoreError> {
        let mut c = self.conn.clone();
        let text: Option<String> = redis::cmd("GET")
            .arg(self.key("user-phone", openid))
            .query_async(&mut c)
            .await
            .map_err(err("phone"))?;
        let Some(text) = text else {
            return Ok(None);
        };
        let (country_code, number) = text.split_once(' ').ok_or_else(corrupt)?;
        Ok(Some(Phone {
            country_code: country_code.to_string(),
            number: number.to_string(),
        }))
    }

    async fn access_token(&self, appid: &str, _now: u64) -> Result<Option<String>, StoreError> {
        let mut c = self.conn.clone();
        redis::cmd("GET")
            .arg(self.key("access-token", appid))
            .query_async(&mut c)
            .await
            .map_err(err("access token"))
    }

    async fn put_access_token(
        &self,
        appid: &str,
        token: &str,
        now: u64,
        good_until: u64,
    ) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        redis::cmd("SET")
            .arg(self.key("access-token", appid))
            .arg(token)
            .arg("EX")
            .arg(good_until.saturating_sub(now).max(1))
            .query_async::<()>(&mut c)
            .await
            .map_err(err("put access token"))
    }

    async fn drop_access_token(&self, appid: &str, token: &str) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        redis::cmd("EVAL")
            .arg(DEL_IF_EQUAL)
            .arg(1)
            .arg(self.key("access-token", appid))
            .arg(token)
            .query_async::<()>(&mut c)
            .await
            .map_err(err("drop access token"))
    }

    async fn lock_token_refresh(
        &self,
        appid: &str,
        holder: &str,
        _now: u64,
        seconds: u64,
    ) -> Result<bool, StoreError> {
        let mut c = self.conn.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(self.key("access-token-lock", appid))
            .arg(holder)
            .arg("NX")
            .arg("PX")
            .arg(seconds.saturating_mul(1000).max(1))
            .query_async(&mut c)
            .await
            .map_err(err("lock"))?;
        Ok(set.is_some())
    }

    async fn unlock_token_refresh(&self, appid: &str, holder: &str) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        redis::cmd("EVAL")
            .arg(DEL_IF_EQUAL)
            .arg(1)
            .arg(self.key("access-token-lock", appid))
            .arg(holder)
            .query_async::<()>(&mut c)
            .await
            .map_err(err("unlock"))
    }
}

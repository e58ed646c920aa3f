//! The shared store: Redis, so several server instances behind a load balancer see the
//! same sessions. Keys are namespaced; session keys carry a TTL (`EX`) so expired
//! sessions vanish by themselves.
//!
//! Layout under the namespace `ns` (default `wx-auth`):
//! - `ns:user:{openid}` → `"{since} {binding}"` (no TTL: the binding lasts until unbind)
//! - `ns:session:{sha256(token)}` → `"{expires_at} {binding} {openid}"`, `EX` = time left
//! - `ns:user-sessions:{openid}` → set of the user's session hashes (for unbind), with the
//!   TTL of the longest session in it
//!
//! A session counts only while its binding id matches the user's current one, so a
//! session created while an unbind runs on another instance never comes back to life.

use super::resp::{Connection, Reply, Target};
use super::{binding_id, SessionInfo, SessionStore};
use crate::errors::StoreError;
use std::sync::Mutex;

/// How many idle connections are kept for reuse.
const POOL_SIZE: usize = 16;

/// Sessions in Redis.
pub struct RedisStore {
    target: Target,
    namespace: String,
    pool: Mutex<Vec<Connection>>,
}

impl RedisStore {
    /// A store on the server at `url` (`redis://[[user]:password@]host[:port][/db]`), with
    /// keys under `namespace:`. Connects once to check the server answers.
    pub fn connect(url: &str, namespace: &str) -> Result<Self, StoreError> {
        let target = Target::parse(url)?;
        let mut conn = Connection::open(&target)?;
        conn.command(&[b"PING"])?;
        Ok(RedisStore {
            target,
            namespace: namespace.to_string(),
            pool: Mutex::new(vec![conn]),
        })
    }

    /// Runs `f` on a pooled connection; a connection that failed is dropped, not reused.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self
            .pool
            .lock()
            .map_err(|_| StoreError::new("redis pool lock poisoned"))?
            .pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => Connection::open(&self.target)?,
        };
        let result = f(&mut conn)?;
        if let Ok(mut pool) = self.pool.lock() {
            if pool.len() < POOL_SIZE {
                pool.push(conn);
            }
        }
        Ok(result)
    }

    /// The full key for `kind` and `id` (public so tests can look at TTLs).
    pub fn key(&self, kind: &str, id: &str) -> String {
        format!("{}:{}:{}", self.namespace, kind, id)
    }
}

fn corrupt() -> StoreError {
    StoreError::new("redis: a stored record is malformed")
}

/// `"{since} {binding}"`
fn parse_user(text: &str) -> Result<(u64, &str), StoreError> {
    let (since, binding) = text.split_once(' ').ok_or_else(corrupt)?;
    Ok((since.parse().map_err(|_| corrupt())?, binding))
}

impl SessionStore for RedisStore {
    fn create_session(
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
        let ttl = expires_at.saturating_sub(now).max(1).to_string();
        self.with(|c| {
            let replies = c.pipeline(&[
                &[b"SET", user_key.as_bytes(), fresh.as_bytes(), b"NX"],
                &[b"GET", user_key.as_bytes()],
            ])?;
            let current = replies
                .into_iter()
                .nth(1)
                .ok_or_else(corrupt)?
                .text()?
                .ok_or_else(|| StoreError::new("redis: the binding vanished during login"))?;
            let (since, binding) = parse_user(&current)?;
            let record = format!("{expires_at} {binding} {openid}");
            let replies = c.pipeline(&[
                &[
                    b"SET",
                    session_key.as_bytes(),
                    record.as_bytes(),
                    b"EX",
                    ttl.as_bytes(),
                ],
                &[b"SADD", index_key.as_bytes(), token_hash.as_bytes()],
                &[b"TTL", index_key.as_bytes()],
            ])?;
            let index_ttl = replies.into_iter().nth(2).ok_or_else(corrupt)?.int()?;
            let wanted: i64 = ttl.parse().unwrap_or(i64::MAX);
            if index_ttl < wanted {
                c.command(&[b"EXPIRE", index_key.as_bytes(), ttl.as_bytes()])?;
            }
            Ok(since)
        })
    }

    fn session(&self, token_hash: &str, now: u64) -> Result<Option<SessionInfo>, StoreError> {
        let session_key = self.key("session", token_hash);
        self.with(|c| {
            let Some(record) = c.command(&[b"GET", session_key.as_bytes()])?.text()? else {
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
                c.command(&[b"DEL", session_key.as_bytes()])?;
                return Ok(None);
            }
            let user_key = self.key("user", openid);
            let Some(user) = c.command(&[b"GET", user_key.as_bytes()])?.text()? else {
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
            }))
        })
    }

    fn revoke(&self, token_hash: &str) -> Result<(), StoreError> {
        let session_key = self.key("session", token_hash);
        self.with(|c| c.command(&[b"DEL", session_key.as_bytes()]).map(|_| ()))
    }

    fn unbind(&self, openid: &str) -> Result<(), StoreError> {
        let user_key = self.key("user", openid);
        let index_key = self.key("user-sessions", openid);
        self.with(|c| {
            // The binding goes first: from then on no session of it counts, whatever
            // happens to the rest.
            c.command(&[b"DEL", user_key.as_bytes()])?;
            let members = match c.command(&[b"SMEMBERS", index_key.as_bytes()])? {
                Reply::Array(Some(items)) => items,
                Reply::Array(None) => Vec::new(),
                _ => return Err(corrupt()),
            };
            let mut keys = vec![index_key.clone()];
            for m in members {
                if let Some(hash) = m.text()? {
                    keys.push(self.key("session", &hash));
                }
            }
            let mut args: Vec<&[u8]> = vec![b"DEL"];
            args.extend(keys.iter().map(|k| k.as_bytes()));
            c.command(&args).map(|_| ())
        })
    }
}

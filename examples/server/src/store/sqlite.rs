//! The default store: one SQLite file beside the server, created on first start.
//!
//! rusqlite is blocking: each call runs on tokio's blocking pool, on one of at most
//! [`CONNECTIONS`] connections (WAL mode lets readers run beside a writer).

use super::{binding_id, Phone, Profile, ProfileSaved, SessionInfo, SessionStore};
use crate::errors::StoreError;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Connections to the file at most, so at most this many blocking threads.
pub const CONNECTIONS: usize = 4;

/// Sessions in an SQLite database. Several processes may open the same file (WAL mode,
/// a busy timeout); within a process, a few connections taken in turn.
pub struct SqliteStore {
    path: String,
    idle: Arc<Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS users (
    openid  TEXT PRIMARY KEY,
    binding TEXT NOT NULL,
    since   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    openid     TEXT NOT NULL REFERENCES users(openid) ON DELETE CASCADE,
    binding    TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_openid ON sessions(openid);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions(expires_at);
CREATE TABLE IF NOT EXISTS access_tokens (
    appid      TEXT PRIMARY KEY,
    token      TEXT NOT NULL,
    good_until INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS token_locks (
    appid  TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  INTEGER NOT NULL
);
";

/// Columns added to `users` since its first version (a file made by an older server gains
/// them at start).
const USER_COLUMNS: [&str; 6] = [
    "unionid",
    "phone",
    "country_code",
    "nick_name",
    "avatar_url",
    "avatar_file",
];

fn err(op: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::new(format!("sqlite {op}: {e}"))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The profile in columns `i` (nick_name), `i + 1` (avatar_url), `i + 2` (avatar_file)
/// of a row: `None` unless the first two are set.
fn profile_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<Profile>> {
    let nick: Option<String> = r.get(i)?;
    let url: Option<String> = r.get(i + 1)?;
    let file: Option<String> = r.get(i + 2)?;
    Ok(match (nick, url) {
        (Some(nick_name), Some(avatar_url)) => Some(Profile {
            nick_name,
            avatar_url,
            avatar_file: file,
        }),
        _ => None,
    })
}

/// The profile stored with `openid` (none for a user not bound).
fn read_profile(c: &Connection, openid: &str) -> Result<Option<Profile>, StoreError> {
    c.query_row(
        "SELECT nick_name, avatar_url, avatar_file FROM users WHERE openid = ?1",
        params![openid],
        |r| profile_at(r, 0),
    )
    .optional()
    .map(Option::flatten)
    .map_err(err("profile"))
}

fn connect(path: &str) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(err("open"))?;
    conn.busy_timeout(Duration::from_secs(1))
        .map_err(err("busy_timeout"))?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(err("foreign_keys"))?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &str) -> Result<Self, StoreError> {
        let conn = connect(path)?;
        conn.execute_batch(SCHEMA).map_err(err("schema"))?;
        let existing: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('users')")
            .and_then(|mut st| {
                st.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<_, _>>()
            })
            .map_err(err("schema"))?;
        for column in USER_COLUMNS {
            if !existing.iter().any(|c| c == column) {
                conn.execute_batch(&format!("ALTER TABLE users ADD COLUMN {column} TEXT"))
                    .map_err(err("schema"))?;
            }
        }
        Ok(SqliteStore {
            path: path.to_string(),
            idle: Arc::new(Mutex::new(vec![conn])),
            permits: Arc::new(Semaphore::new(CONNECTIONS)),
        })
    }

    /// Runs `f` on a connection, on the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::new("sqlite: the store is closed"))?;
        let idle = Arc::clone(&self.idle);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = idle
                .lock()
                .map_err(|_| StoreError::new("sqlite connection list poisoned"))?
                .pop();
            let mut conn = match pooled {
                Some(conn) => conn,
                None => connect(&path)?,
            };
            let result = f(&mut conn);
            if let Ok(mut idle) = idle.lock() {
                idle.push(conn);
            }
            drop(permit);
            result
        })
        .await
        .map_err(|_| StoreError::new("sqlite: a store call panicked"))?
    }

    /// How many session rows the file holds, expired or not (for tests and operators).
    pub async fn session_rows(&self) -> Result<u64, StoreError> {
        self.with(|c| {
            c.query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get::<_, i64>(0))
                .map(|n| u64::try_from(n).unwrap_or(0))
                .map_err(err("count"))
        })
        .await
    }
}

#[async_trait::async_trait]
impl SessionStore for SqliteStore {
    async fn create_session(
        &self,
        openid: &str,
        token_hash: &str,
        now: u64,
        expires_at: u64,
    ) -> Result<u64, StoreError> {
        let fresh_binding = binding_id()?;
        let (openid, token_hash) = (openid.to_string(), token_hash.to_string());
        self.with(move |c| {
            let tx = c.transaction().map_err(err("begin"))?;
            tx.execute(
                "DELETE FROM sessions WHERE expires_at <= ?1",
                params![to_i64(now)],
            )
            .map_err(err("expire"))?;
            tx.execute(
                "INSERT INTO users (openid, binding, since) VALUES (?1, ?2, ?3)
                 ON CONFLICT(openid) DO NOTHING",
                params![openid, fresh_binding, to_i64(now)],
            )
            .map_err(err("bind"))?;
            let (binding, since): (String, i64) = tx
                .query_row(
                    "SELECT binding, since FROM users WHERE openid = ?1",
                    params![openid],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(err("binding"))?;
            tx.execute(
                "INSERT INTO sessions (token_hash, openid, binding, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, openid, binding, to_i64(expires_at)],
            )
            .map_err(err("insert session"))?;
            tx.commit().map_err(err("commit"))?;
            Ok(u64::try_from(since).unwrap_or(0))
        })
        .await
    }

    async fn session(&self, token_hash: &str, now: u64) -> Result<Option<SessionInfo>, StoreError> {
        let token_hash = token_hash.to_string();
        self.with(move |c| {
            // The hot path (every /api/me): the statement is prepared once per connection.
            let row: Option<(String, i64, i64, Option<String>, Option<Profile>)> = c
                .prepare_cached(
                    "SELECT s.openid, u.since, s.expires_at, u.unionid,
                            u.nick_name, u.avatar_url, u.avatar_file FROM sessions s
                     JOIN users u ON u.openid = s.openid AND u.binding = s.binding
                     WHERE s.token_hash = ?1",
                )
                .map_err(err("lookup"))?
                .query_row(params![token_hash], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        profile_at(r, 4)?,
                    ))
                })
                .optional()
                .map_err(err("lookup"))?;
            let Some((openid, since, expires_at, unionid, profile)) = row else {
                return Ok(None);
            };
            let expires_at = u64::try_from(expires_at).unwrap_or(0);
            if expires_at <= now {
                c.execute(
                    "DELETE FROM sessions WHERE token_hash = ?1",
                    params![token_hash],
                )
                .map_err(err("expire"))?;
                return Ok(None);
            }
            Ok(Some(SessionInfo {
                openid,
                since: u64::try_from(since).unwrap_or(0),
                expires_at,
                unionid,
                profile,
            }))
        })
        .await
    }

    async fn revoke(&self, token_hash: &str) -> Result<(), StoreError> {
        let token_hash = token_hash.to_string();
        self.with(move |c| {
            c.execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                params![token_hash],
            )
            .map(|_| ())
            .map_err(err("revoke"))
        })
        .await
    }

    async fn unbind(&self, openid: &str) -> Result<Option<Profile>, StoreError> {
        let openid = openid.to_string();
        self.with(move |c| {
            // IMMEDIATE: it reads the profile, then writes; no writer comes between.
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err("begin"))?;
            let profile = read_profile(&tx, &openid)?;
            tx.execute("DELETE FROM sessions WHERE openid = ?1", params![openid])
                .map_err(err("unbind sessions"))?;
            tx.execute("DELETE FROM users WHERE openid = ?1", params![openid])
                .map_err(err("unbind user"))?;
            tx.commit().map_err(err("commit"))?;
            Ok(profile)
        })
        .await
    }

    async fn set_profile(
        &self,
        openid: &str,
        profile: &Profile,
    ) -> Result<ProfileSaved, StoreError> {
        let openid = openid.to_string();
        let mut profile = profile.clone();
        self.with(move |c| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err("begin"))?;
            let old: Option<Option<Profile>> = tx
                .query_row(
                    "SELECT nick_name, avatar_url, avatar_file FROM users WHERE openid = ?1",
                    params![openid],
                    |r| profile_at(r, 0),
                )
                .optional()
                .map_err(err("profile"))?;
            let Some(old) = old else {
                return Ok(ProfileSaved::NotBound);
            };
            if let Some(old) = &old {
                if profile.avatar_file.is_none() && old.avatar_url == profile.avatar_url {
                    profile.avatar_file = old.avatar_file.clone();
                }
            }
            tx.execute(
                "UPDATE users SET nick_name = ?2, avatar_url = ?3, avatar_file = ?4
                 WHERE openid = ?1",
                params![
                    openid,
                    profile.nick_name,
                    profile.avatar_url,
                    profile.avatar_file
                ],
            )
            .map_err(err("set profile"))?;
            tx.commit().map_err(err("commit"))?;
            let orphan = old
                .and_then(|o| o.avatar_file)
                .filter(|f| profile.avatar_file.as_ref() != Some(f));
            Ok(ProfileSaved::Stored { orphan })
        })
        .await
    }

    async fn profile(&self, openid: &str) -> Result<Option<Profile>, StoreError> {
        let openid = openid.to_string();
        self.with(move |c| read_profile(c, &openid)).await
    }

    async fn set_unionid(&self, openid: &str, unionid: &str) -> Result<(), StoreError> {
        let (openid, unionid) = (openid.to_string(), unionid.to_string());
        self.with(move |c| {
            c.execute(
                "UPDATE users SET unionid = ?2 WHERE openid = ?1",
                params![openid, unionid],
            )
            .map(|_| ())
            .map_err(err("set unionid"))
        })
        .await
    }

    async fn set_phone(&self, openid: &str, phone: &Phone) -> Result<(), StoreError> {
        let openid = openid.to_string();
        let phone = phone.clone();
        self.with(move |c| {
            c.execute(
                "UPDATE users SET phone = ?2, country_code = ?3 WHERE openid = ?1",
                params![openid, phone.number, phone.country_code],
            )
            .map(|_| ())
            .map_err(err("set phone"))
        })
        .await
    }

    async fn phone(&self, openid: &str) -> Result<Option<Phone>, StoreError> {
        let openid = openid.to_string();
        self.with(move |c| {
            let row: Option<(Option<String>, Option<String>)> = c
                .query_row(
                    "SELECT phone, country_code FROM users WHERE openid = ?1",
                    params![openid],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(err("phone"))?;
            Ok(match row {
                Some((Some(number), Some(country_code))) => Some(Phone {
                    country_code,
                    number,
                }),
                _ => None,
            })
        })
        .await
    }

    async fn access_token(&self, appid: &str, now: u64) -> Result<Option<String>, StoreError> {
        let appid = appid.to_string();
        self.with(move |c| {
            c.query_row(
                "SELECT token FROM access_tokens WHERE appid = ?1 AND good_until > ?2",
                params![appid, to_i64(now)],
                |r| r.get(0),
            )
            .optional()
            .map_err(err("access token"))
        })
        .await
    }

    async fn put_access_token(
        &self,
        appid: &str,
        token: &str,
        _now: u64,
        good_until: u64,
    ) -> Result<(), StoreError> {
        let (appid, token) = (appid.to_string(), token.to_string());
        self.with(move |c| {
            c.execute(
                "INSERT INTO access_tokens (appid, token, good_until) VALUES (?1, ?2, ?3)
                 ON CONFLICT(appid) DO UPDATE SET token = ?2, good_until = ?3",
                params![appid, token, to_i64(good_until)],
            )
            .map(|_| ())
            .map_err(err("put access token"))
        })
        .await
    }

    async fn drop_access_token(&self, appid: &str, token: &str) -> Result<(), StoreError> {
        let (appid, token) = (appid.to_string(), token.to_string());
        self.with(move |c| {
            c.execute(
                "DELETE FROM access_tokens WHERE appid = ?1 AND token = ?2",
                params![appid, token],
            )
            .map(|_| ())
            .map_err(err("drop access token"))
        })
        .await
    }

    async fn lock_token_refresh(
        &self,
        appid: &str,
        holder: &str,
        now: u64,
        seconds: u64,
    ) -> Result<bool, StoreError> {
        let (appid, holder) = (appid.to_string(), holder.to_string());
        self.with(move |c| {
            // IMMEDIATE: the write lock is taken at BEGIN, so two processes cannot both
            // see the lock free.
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err("begin"))?;
            tx.execute(
                "DELETE FROM token_locks WHERE appid = ?1 AND until <= ?2",
                params![appid, to_i64(now)],
            )
            .map_err(err("lock"))?;
            let taken = tx
                .execute(
                    "INSERT INTO token_locks (appid, holder, until) VALUES (?1, ?2, ?3)
                     ON CONFLICT(appid) DO NOTHING",
                    params![appid, holder, to_i64(now.saturating_add(seconds))],
                )
                .map_err(err("lock"))?;
            tx.commit().map_err(err("commit"))?;
            Ok(taken == 1)
        })
        .await
    }

    async fn unlock_token_refresh(&self, appid: &str, holder: &str) -> Result<(), StoreError> {
        let (appid, holder) = (appid.to_string(), holder.to_string());
        self.with(move |c| {
            c.execute(
                "DELETE FROM token_locks WHERE appid = ?1 AND holder = ?2",
                params![appid, holder],
            )
            .map(|_| ())
            .map_err(err("unlock"))
        })
        .await
    }
}

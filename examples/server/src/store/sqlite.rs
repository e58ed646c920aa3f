//! The default store: one SQLite file beside the server, created on first start.

use super::{binding_id, SessionInfo, SessionStore};
use crate::errors::StoreError;
use rusqlite::{params, Connection, OptionalExtension};
use std::sync::Mutex;
use std::time::Duration;

/// Sessions in an SQLite database. Several processes may open the same file (WAL mode,
/// a busy timeout); within a process, one connection behind a mutex.
pub struct SqliteStore {
    conn: Mutex<Connection>,
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
";

fn err(op: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::new(format!("sqlite {op}: {e}"))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &str) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(err("open"))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(err("busy_timeout"))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(err("foreign_keys"))?;
        conn.execute_batch(SCHEMA).map_err(err("schema"))?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| StoreError::new("sqlite connection lock poisoned"))?;
        f(&mut conn)
    }

    /// How many session rows the file holds, expired or not (for tests and operators).
    pub fn session_rows(&self) -> Result<u64, StoreError> {
        self.with(|c| {
            c.query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get::<_, i64>(0))
                .map(|n| u64::try_from(n).unwrap_or(0))
                .map_err(err("count"))
        })
    }
}

impl SessionStore for SqliteStore {
    fn create_session(
        &self,
        openid: &str,
        token_hash: &str,
        now: u64,
        expires_at: u64,
    ) -> Result<u64, StoreError> {
        let fresh_binding = binding_id()?;
        self.with(|c| {
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
    }

    fn session(&self, token_hash: &str, now: u64) -> Result<Option<SessionInfo>, StoreError> {
        self.with(|c| {
            let row: Option<(String, i64, i64)> = c
                .query_row(
                    "SELECT s.openid, u.since, s.expires_at FROM sessions s
                     JOIN users u ON u.openid = s.openid AND u.binding = s.binding
                     WHERE s.token_hash = ?1",
                    params![token_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(err("lookup"))?;
            let Some((openid, since, expires_at)) = row else {
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
            }))
        })
    }

    fn revoke(&self, token_hash: &str) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                params![token_hash],
            )
            .map(|_| ())
            .map_err(err("revoke"))
        })
    }

    fn unbind(&self, openid: &str) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction().map_err(err("begin"))?;
            tx.execute("DELETE FROM sessions WHERE openid = ?1", params![openid])
                .map_err(err("unbind sessions"))?;
            tx.execute("DELETE FROM users WHERE openid = ?1", params![openid])
                .map_err(err("unbind user"))?;
            tx.commit().map_err(err("commit"))
        })
    }
}

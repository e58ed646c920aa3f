//! A minimal Redis client: RESP2 over one TCP connection, for the handful of commands
//! the store needs (`SET … NX/EX`, `GET`, `DEL`, `SADD`, `SMEMBERS`, `TTL`, `EXPIRE`).

use crate::errors::StoreError;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Longest bulk string and largest array accepted in a reply.
const MAX_BULK: usize = 1 << 20;
const MAX_ARRAY: usize = 1 << 16;
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// One reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`
    Simple(String),
    /// `:1`
    Int(i64),
    /// `$n…` (None for the null bulk string)
    Bulk(Option<Vec<u8>>),
    /// `*n…` (None for the null array)
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The reply as text (bulk or simple string), None for nil.
    pub fn text(self) -> Result<Option<String>, StoreError> {
        match self {
            Reply::Bulk(None) => Ok(None),
            Reply::Bulk(Some(b)) => String::from_utf8(b)
                .map(Some)
                .map_err(|_| StoreError::new("redis: a value is not UTF-8")),
            Reply::Simple(s) => Ok(Some(s)),
            other => Err(StoreError::new(format!(
                "redis: unexpected reply {}",
                kind(&other)
            ))),
        }
    }

    /// The reply as an integer.
    pub fn int(self) -> Result<i64, StoreError> {
        match self {
            Reply::Int(n) => Ok(n),
            other => Err(StoreError::new(format!(
                "redis: unexpected reply {}",
                kind(&other)
            ))),
        }
    }
}

fn kind(r: &Reply) -> &'static str {
    match r {
        Reply::Simple(_) => "status",
        Reply::Int(_) => "integer",
        Reply::Bulk(_) => "bulk",
        Reply::Array(_) => "array",
    }
}

/// Where a Redis server is, from a `redis://[[user]:password@]host[:port][/db]` URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    /// `host:port`
    pub addr: String,
    /// `(user, password)` for `AUTH`, if the URL has a password.
    pub auth: Option<(Option<String>, String)>,
    /// The database for `SELECT`.
    pub db: u32,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "redis://{}/{}", self.addr, self.db)
    }
}

impl Target {
    /// Parses a `redis://` URL (no TLS; `rediss://` is refused).
    pub fn parse(url: &str) -> Result<Target, StoreError> {
        let rest = url
            .strip_prefix("redis://")
            .ok_or_else(|| StoreError::new("REDIS_URL must start with redis://"))?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let auth = userinfo.and_then(|u| match u.split_once(':') {
            Some((user, pass)) => Some((
                Some(user.to_string()).filter(|u| !u.is_empty()),
                pass.to_string(),
            )),
            None if !u.is_empty() => Some((None, u.to_string())),
            None => None,
        });
        if hostport.is_empty() {
            return Err(StoreError::new("REDIS_URL has no host"));
        }
        let addr = if hostport.starts_with('[') {
            if hostport.contains("]:") {
                hostport.to_string()
            } else {
                format!("{hostport}:6379")
            }
        } else if hostport.contains(':') {
            hostport.to_string()
        } else {
            format!("{hostport}:6379")
        };
        let db = match path.trim_end_matches('/') {
            "" => 0,
            n => n
                .parse()
                .map_err(|_| StoreError::new("REDIS_URL database is not a number"))?,
        };
        Ok(Target { addr, auth, db })
    }
}

/// One connection to Redis.
pub struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

fn io(op: &'static str) -> impl Fn(std::io::Error) -> StoreError {
    move |e| StoreError::new(format!("redis {op}: {e}"))
}

impl Connection {
    /// Connects, authenticates and selects the database.
    pub fn open(target: &Target) -> Result<Connection, StoreError> {
        let addr = target
            .addr
            .to_socket_addrs()
            .map_err(io("resolve"))?
            .next()
            .ok_or_else(|| StoreError::new("redis: the host has no address"))?;
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT).map_err(io("connect"))?;
        stream
            .set_read_timeout(Some(IO_TIMEOUT))
            .map_err(io("timeout"))?;
        stream
            .set_write_timeout(Some(IO_TIMEOUT))
            .map_err(io("timeout"))?;
        stream.set_nodelay(true).map_err(io("nodelay"))?;
        let writer = stream.try_clone().map_err(io("clone"))?;
        let mut conn = Connection {
            reader: BufReader::new(stream),
            writer,
        };
        if let Some((user, password)) = &target.auth {
            let mut args: Vec<&[u8]> = vec![b"AUTH"];
            if let Some(user) = user {
                args.push(user.as_bytes());
            }
            args.push(password.as_bytes());
            conn.command(&args)?;
        }
        if target.db != 0 {
            conn.command(&[b"SELECT", target.db.to_string().as_bytes()])?;
        }
        Ok(conn)
    }

    /// Sends one command and reads its reply; an error reply is an `Err`.
    pub fn command(&mut self, args: &[&[u8]]) -> Result<Reply, StoreError> {
        let mut replies = self.pipeline(&[args])?;
        replies
            .pop()
            .ok_or_else(|| StoreError::new("redis: no reply"))
    }

    /// Sends several commands at once and reads their replies in order.
    pub fn pipeline(&mut self, commands: &[&[&[u8]]]) -> Result<Vec<Reply>, StoreError> {
        let mut out = Vec::new();
        for args in commands {
            out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
            for a in *args {
                out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                out.extend_from_slice(a);
                out.extend_from_slice(b"\r\n");
            }
        }
        self.writer.write_all(&out).map_err(io("write"))?;
        let mut replies = Vec::with_capacity(commands.len());
        let mut first_error = None;
        for _ in commands {
            match self.read_reply(0)? {
                Ok(r) => replies.push(r),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(replies),
        }
    }

    fn line(&mut self) -> Result<String, StoreError> {
        let mut buf = Vec::new();
        let n = (&mut self.reader)
            .take(MAX_BULK as u64)
            .read_until(b'\n', &mut buf)
            .map_err(io("read"))?;
        if n == 0 || !buf.ends_with(b"\r\n") {
            return Err(StoreError::new(
                "redis: connection closed or malformed reply",
            ));
        }
        buf.truncate(buf.len() - 2);
        String::from_utf8(buf).map_err(|_| StoreError::new("redis: malformed reply"))
    }

    /// Reads one reply; the inner `Err` is Redis's own error reply.
    fn read_reply(&mut self, depth: u8) -> Result<Result<Reply, StoreError>, StoreError> {
        let malformed = || StoreError::new("redis: malformed reply");
        let line = self.line()?;
        let (tag, rest) = line.split_at_checked(1).ok_or_else(malformed)?;
        match tag {
            "+" => Ok(Ok(Reply::Simple(rest.to_string()))),
            "-" => Ok(Err(StoreError::new(format!(
                "redis replied {}",
                rest.split_whitespace().next().unwrap_or("ERR")
            )))),
            ":" => Ok(Ok(Reply::Int(rest.parse().map_err(|_| malformed())?))),
            "$" => {
                let n: i64 = rest.parse().map_err(|_| malformed())?;
                if n < 0 {
                    return Ok(Ok(Reply::Bulk(None)));
                }
                let n = usize::try_from(n).map_err(|_| malformed())?;
                if n > MAX_BULK {
                    return Err(StoreError::new("redis: value too large"));
                }
                let mut buf = vec![0u8; n + 2];
                self.reader.read_exact(&mut buf).map_err(io("read"))?;
                if !buf.ends_with(b"\r\n") {
                    return Err(malformed());
                }
                buf.truncate(n);
                Ok(Ok(Reply::Bulk(Some(buf))))
            }
            "*" => {
                let n: i64 = rest.parse().map_err(|_| malformed())?;
                if n < 0 {
                    return Ok(Ok(Reply::Array(None)));
                }
                let n = usize::try_from(n).map_err(|_| malformed())?;
                if n > MAX_ARRAY || depth > 3 {
                    return Err(StoreError::new("redis: reply too large"));
                }
                let mut items = Vec::with_capacity(n);
                let mut first_error = None;
                for _ in 0..n {
                    match self.read_reply(depth + 1)? {
                        Ok(r) => items.push(r),
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
                Ok(match first_error {
                    Some(e) => Err(e),
                    None => Ok(Reply::Array(Some(items))),
                })
            }
            _ => Err(malformed()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse() {
        let t = Target::parse("redis://127.0.0.1:6380").unwrap();
        assert_eq!(
            (t.addr.as_str(), t.db, t.auth.clone()),
            ("127.0.0.1:6380", 0, None)
        );
        let t = Target::parse("redis://:pw@cache/2").unwrap();
        assert_eq!(t.addr, "cache:6379");
        assert_eq!(t.db, 2);
        assert_eq!(t.auth, Some((None, "pw".to_string())));
        let t = Target::parse("redis://app:pw@[::1]:7000/").unwrap();
        assert_eq!(t.addr, "[::1]:7000");
        assert_eq!(t.auth, Some((Some("app".to_string()), "pw".to_string())));
        assert!(!format!("{t:?}").contains("pw"));
        assert!(Target::parse("rediss://h").is_err());
        assert!(Target::parse("redis://").is_err());
        assert!(Target::parse("redis://h/x").is_err());
    }
}

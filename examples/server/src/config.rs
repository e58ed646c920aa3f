//! Configuration from the environment. The secret is kept out of `Debug` output.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// WeChat's API host, the default `WX_API_BASE`.
pub const WECHAT_API_BASE: &str = "https://api.weixin.qq.com";

/// Everything `wx-auth-server` reads from its environment.
#[derive(Clone)]
pub struct Config {
    /// `WX_APPID` (required).
    pub appid: String,
    /// `WX_SECRET` (required; never logged, never sent to a client).
    pub secret: String,
    /// `WX_API_BASE`: where `/sns/jscode2session` lives.
    pub api_base: String,
    /// `LISTEN`: the address to bind (port 0 picks a free port).
    pub listen: String,
    /// `DATABASE_PATH`: the SQLite file, used when `REDIS_URL` is not set.
    pub database_path: String,
    /// `REDIS_URL`: when set, sessions live in Redis.
    pub redis_url: Option<String>,
    /// `SESSION_TTL_SECONDS`: how long a session lasts.
    pub session_ttl: u64,
    /// `AVATAR_DIR`: where uploaded avatars are stored (created on the first upload).
    /// Default: `avatars` beside `DATABASE_PATH` (`./avatars` with the default path).
    pub avatar_dir: PathBuf,
    /// `PUBLIC_BASE_URL`: the base of the avatars' URLs (`https://api.example.com`, no
    /// trailing slash). `None`: `http://` and the address the server listens on
    /// ([`Config::public_base`]).
    pub public_base_url: Option<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("appid", &self.appid)
            .field("secret", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("listen", &self.listen)
            .field("database_path", &self.database_path)
            .field("redis_url", &self.redis_url.as_ref().map(|_| "<set>"))
            .field("session_ttl", &self.session_ttl)
            .field("avatar_dir", &self.avatar_dir)
            .field("public_base_url", &self.public_base_url)
            .finish()
    }
}

/// Reads a variable: `Some` only when set and not blank.
fn var(get: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    get(name).filter(|v| !v.trim().is_empty())
}

impl Config {
    /// The configuration from the process environment.
    pub fn from_env() -> Result<Config, String> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// The configuration from `get(name)`, which answers like `std::env::var(name).ok()`.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Config, String> {
        let appid = var(get, "WX_APPID").ok_or("WX_APPID is required")?;
        let secret = var(get, "WX_SECRET").ok_or("WX_SECRET is required")?;
        let session_ttl =
            match var(get, "SESSION_TTL_SECONDS") {
                None => 7200,
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if (1..=31_536_000).contains(&n) => n,
                    _ => return Err(
                        "SESSION_TTL_SECONDS must be a whole number of seconds from 1 to 31536000"
                            .into(),
                    ),
                },
            };
        let database_path =
            var(get, "DATABASE_PATH").unwrap_or_else(|| "wx-auth-sessions.db".to_string());
        let avatar_dir = match var(get, "AVATAR_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(&database_path)
                .parent()
                .unwrap_or(Path::new(""))
                .join("avatars"),
        };
        let public_base_url = match var(get, "PUBLIC_BASE_URL") {
            None => None,
            Some(url) => Some(check_base_url(&url)?),
        };
        Ok(Config {
            appid,
            secret,
            api_base: var(get, "WX_API_BASE")
                .unwrap_or_else(|| WECHAT_API_BASE.to_string())
                .trim_end_matches('/')
                .to_string(),
            listen: var(get, "LISTEN").unwrap_or_else(|| "127.0.0.1:8080".to_string()),
            database_path,
            redis_url: var(get, "REDIS_URL"),
            session_ttl,
            avatar_dir,
            public_base_url,
        })
    }

    /// The base of the avatars' URLs: `PUBLIC_BASE_URL`, else `http://` and `listening`
    /// (the address the server is bound to, with the port picked for port 0).
    pub fn public_base(&self, listening: SocketAddr) -> String {
        self.public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{listening}"))
    }
}

/// `PUBLIC_BASE_URL` without trailing slashes, if it is an `http://` or `https://` URL
/// with no white space or control character.
fn check_base_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let scheme = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match scheme {
        Some(rest)
            if !rest.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(url.to_string())
        }
        _ => Err(
            "PUBLIC_BASE_URL must be an http:// or https:// URL (https://api.example.com)".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn defaults_and_required_variables() {
        let c =
            Config::from_lookup(&lookup(&[("WX_APPID", "wx1"), ("WX_SECRET", "s3cret")])).unwrap();
        assert_eq!(c.api_base, "https://api.weixin.qq.com");
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(c.database_path, "wx-auth-sessions.db");
        assert_eq!(c.redis_url, None);
        assert_eq!(c.session_ttl, 7200);
        assert_eq!(c.avatar_dir, PathBuf::from("avatars"));
        assert_eq!(c.public_base_url, None);
        assert_eq!(
            c.public_base("127.0.0.1:8080".parse().unwrap()),
            "http://127.0.0.1:8080"
        );
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(Config::from_lookup(&lookup(&[("WX_APPID", "wx1")])).is_err());
        assert!(Config::from_lookup(&lookup(&[("WX_SECRET", "s")])).is_err());
        assert!(Config::from_lookup(&lookup(&[
            ("WX_APPID", "wx1"),
            ("WX_SECRET", "s"),
            ("SESSION_TTL_SECONDS", "0")
        ]))
        .is_err());
        let c = Config::from_lookup(&lookup(&[
            ("WX_APPID", "wx1"),
            ("WX_SECRET", "s"),
            ("WX_API_BASE", "http://127.0.0.1:9/"),
            ("SESSION_TTL_SECONDS", "60"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
        ]))
        .unwrap();
        assert_eq!(c.api_base, "http://127.0.0.1:9");
        assert_eq!(c.session_ttl, 60);
        assert!(c.redis_url.is_some());
    }

    #[test]
    fn the_avatar_directory_and_the_public_base() {
        let c = Config::from_lookup(&lookup(&[
            ("WX_APPID", "wx1"),
            ("WX_SECRET", "s"),
            ("DATABASE_PATH", "/var/lib/wx-auth/sessions.db"),
        ]))
        .unwrap();
        assert_eq!(c.avatar_dir, PathBuf::from("/var/lib/wx-auth/avatars"));
        let c = Config::from_lookup(&lookup(&[
            ("WX_APPID", "wx1"),
            ("WX_SECRET", "s"),
            ("DATABASE_PATH", "/var/lib/wx-auth/sessions.db"),
            ("AVATAR_DIR", "/srv/avatars"),
            ("PUBLIC_BASE_URL", "https://api.example.com/"),
        ]))
        .unwrap();
        assert_eq!(c.avatar_dir, PathBuf::from("/srv/avatars"));
        assert_eq!(
            c.public_base("127.0.0.1:8080".parse().unwrap()),
            "https://api.example.com"
        );
        for bad in ["api.example.com", "ftp://x", "https://", "https://a b"] {
            let e = Config::from_lookup(&|name: &str| match name {
                "WX_APPID" => Some("wx1".into()),
                "WX_SECRET" => Some("s".into()),
                "PUBLIC_BASE_URL" => Some(bad.into()),
                _ => None,
            });
            assert!(e.unwrap_err().contains("PUBLIC_BASE_URL"), "{bad}");
        }
    }
}

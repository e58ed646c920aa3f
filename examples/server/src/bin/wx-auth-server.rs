//! `wx-auth-server`: the reference backend. Configuration from the environment (see
//! `examples/server/README.md`); prints `listening on http://ADDR` on stdout when ready.

use std::sync::Arc;
use wx_auth_server::config::Config;
use wx_auth_server::routes::App;
use wx_auth_server::store::{RedisStore, SessionStore, SqliteStore};
use wx_auth_server::wechat::WeChatClient;
use wx_auth_server::{http, unix_now};

fn main() {
    if let Err(e) = run() {
        eprintln!("wx-auth-server: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let config = Config::from_env()?;
    let store: Box<dyn SessionStore> = match &config.redis_url {
        Some(url) => {
            let store = RedisStore::connect(url, "wx-auth").map_err(|e| e.to_string())?;
            eprintln!("sessions in Redis");
            Box::new(store)
        }
        None => {
            let store = SqliteStore::open(&config.database_path).map_err(|e| e.to_string())?;
            eprintln!("sessions in SQLite at {}", config.database_path);
            Box::new(store)
        }
    };
    let app = App {
        store,
        wechat: Box::new(WeChatClient::new(
            &config.api_base,
            &config.appid,
            &config.secret,
        )),
        ttl: config.session_ttl,
        clock: Box::new(unix_now),
    };
    eprintln!("WeChat API at {}, app {}", config.api_base, config.appid);
    let server = http::bind(&config.listen)?;
    http::serve(server, Arc::new(move |req| app.handle(req)), 8);
    Ok(())
}

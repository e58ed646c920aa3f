//! `wx-auth-server`: the reference backend. Configuration from the environment (see
//! `examples/server/README.md`); prints `listening on http://ADDR` on stdout when ready,
//! stops on SIGTERM (open requests finish first).

use std::process::ExitCode;
use wx_auth_server::avatars::AvatarDir;
use wx_auth_server::config::Config;
use wx_auth_server::routes::{router, App};
use wx_auth_server::store::{RedisStore, SessionStore, SqliteStore};
use wx_auth_server::wechat::WeChatClient;
use wx_auth_server::{http, unix_now};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wx-auth-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let config = Config::from_env()?;
    http::init_logging();
    let files = http::raise_fd_limit();
    let store: Box<dyn SessionStore> = match &config.redis_url {
        Some(url) => {
            let store = RedisStore::connect(url, "wx-auth")
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!("sessions in Redis");
            Box::new(store)
        }
        None => {
            let store = SqliteStore::open(&config.database_path).map_err(|e| e.to_string())?;
            tracing::info!("sessions in SQLite at {}", config.database_path);
            Box::new(store)
        }
    };
    if config.avatar_dir.exists() && !config.avatar_dir.is_dir() {
        return Err(format!(
            "AVATAR_DIR {} is not a directory",
            config.avatar_dir.display()
        ));
    }
    let wechat = WeChatClient::new(&config.api_base, &config.appid, &config.secret)?;
    let listener = http::bind(&config.listen).await?;
    let public_base = config.public_base(listener.local_addr().map_err(|e| e.to_string())?);
    let app = App {
        store,
        wechat: Box::new(wechat),
        appid: config.appid.clone(),
        ttl: config.session_ttl,
        clock: Box::new(unix_now),
        avatars: AvatarDir::new(&config.avatar_dir, &public_base),
    };
    tracing::info!(
        "WeChat API at {}, app {}; avatars in {} at {public_base}/avatars/; open-file limit {}",
        config.api_base,
        config.appid,
        config.avatar_dir.display(),
        files.map_or_else(|| "unknown".to_string(), |n| n.to_string())
    );
    if !public_base.starts_with("https://") {
        tracing::warn!(
            "avatars are served at {public_base}, not https: the SDK saves only https avatars; set PUBLIC_BASE_URL to the https address clients reach this server by"
        );
    }
    http::serve(listener, router(app), http::shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

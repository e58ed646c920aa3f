//! `wechat-standin`: plays WeChat's `jscode2session` on loopback for development and
//! tests. `LISTEN` (default 127.0.0.1:8081), `WX_APPID` and `WX_SECRET` (required).

use std::process::ExitCode;
use wx_auth_server::standin::StandIn;
use wx_auth_server::{http, unix_now};

#[tokio::main]
async fn main() -> ExitCode {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(appid), Some(secret)) = (var("WX_APPID"), var("WX_SECRET")) else {
        eprintln!("wechat-standin: WX_APPID and WX_SECRET are required");
        return ExitCode::FAILURE;
    };
    http::init_logging();
    http::raise_fd_limit();
    let listen = var("LISTEN").unwrap_or_else(|| "127.0.0.1:8081".to_string());
    let app = StandIn::new(&appid, &secret, Box::new(unix_now)).router();
    match http::bind(&listen).await {
        Ok(listener) => {
            http::serve(listener, app, http::shutdown_signal()).await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wechat-standin: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `wechat-standin`: plays WeChat's `jscode2session` on loopback for development and
//! tests. `LISTEN` (default 127.0.0.1:8081), `WX_APPID` and `WX_SECRET` (required).

use std::sync::Arc;
use wx_auth_server::standin::StandIn;
use wx_auth_server::{http, unix_now};

fn main() {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(appid), Some(secret)) = (var("WX_APPID"), var("WX_SECRET")) else {
        eprintln!("wechat-standin: WX_APPID and WX_SECRET are required");
        std::process::exit(1);
    };
    let listen = var("LISTEN").unwrap_or_else(|| "127.0.0.1:8081".to_string());
    let standin = StandIn::new(&appid, &secret, Box::new(unix_now));
    match http::bind(&listen) {
        Ok(server) => http::serve(server, Arc::new(move |req| standin.handle(req)), 4),
        Err(e) => {
            eprintln!("wechat-standin: {e}");
            std::process::exit(1);
        }
    }
}

//! What both binaries share on the HTTP side.
//!
//! - [`serve`]: the accept loop. Each connection is served by hyper's HTTP/1 server with
//!   a tokio timer, so [`HEADER_READ_TIMEOUT`] really applies (to the first request, to
//!   the idle time between keep-alive requests and to each later head); at most
//!   [`MAX_CONNECTIONS`] are open at once (the next ones wait in the kernel's backlog);
//!   an accept that fails for lack of file descriptors backs off instead of spinning;
//!   SIGTERM (or Ctrl-C) stops accepting and lets open requests finish.
//! - [`layers`]: around the routes, outermost first: one log line per request, a panic
//!   becomes 500, a whole-request deadline ([`REQUEST_TIMEOUT`]) ([`outer`]), the door
//!   checks (`Transfer-Encoding` → 411, a `Content-Length` over [`MAX_BODY`] → 413, unread)
//!   and tower-http's body limit ([`guard`]). A router whose routes take larger bodies (the
//!   avatar upload) gets its own [`guard`] with its own limit, inside the same [`outer`].
//! - [`read_body`]: a body of at most [`MAX_BODY`] bytes that must arrive within
//!   [`BODY_TIMEOUT`] ([`read_body_within`] for another limit).

use crate::errors::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde::Serialize;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// Largest request body read; a larger announced one is answered 413 without being read.
pub const MAX_BODY: usize = 1024;
/// Largest request head (request line and headers); hyper answers a longer one 431.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long a client has to send a whole request head, counted from the moment the
/// server waits for it (a new connection, or the end of the previous answer on a
/// keep-alive connection). Past it hyper closes the connection: this bounds slowloris
/// clients and idle keep-alive connections alike.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a body may take to arrive once the head is in; past it the answer is 408.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(5);
/// The backstop for a whole request, body and handler included (503, empty body). The
/// handlers' own deadlines (WeChat, the store, the body) answer long before it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Open connections at most; the next ones wait in the listen backlog until one closes.
pub const MAX_CONNECTIONS: usize = 4096;
/// How long open requests may take to finish after SIGTERM.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Longest pause of the accept loop after failed accepts (no file descriptor left, …).
const MAX_ACCEPT_PAUSE: Duration = Duration::from_secs(1);
/// At most one log line per this long about failing accepts.
const ACCEPT_LOG_EVERY: Duration = Duration::from_secs(5);

/// A JSON answer with this status and JSON text.
pub fn json_text(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A JSON answer with `status` and `value` serialized (a `wx_auth::wire` body, or a
/// `serde_json::Value`).
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => json_text(status, body),
        // Only a map with keys that are not strings, or a Serialize impl that fails,
        // gets here, and no body the server sends has either.
        Err(_) => ApiError::new(500, "INTERNAL", "internal error").into_response(),
    }
}

/// `s` with control characters escaped (`\u{1b}`), so a log line stays one line and
/// cannot carry terminal escapes.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Logs to stderr through `tracing`: INFO and up, no colours.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_max_level(tracing::Level::INFO)
        .init();
}

/// Raises the soft limit on open files to the hard limit (a lower hard limit, set by
/// whoever started the process, stays as it is). Returns the soft limit now in force.
pub fn raise_fd_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    Some(limit.rlim_cur)
}

/// Binds `listen` and prints `listening on http://ADDR` (one line, flushed) on stdout.
pub async fn bind(listen: &str) -> Result<TcpListener, String> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{addr}").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(listener)
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// `routes` with the layers both binaries use (see the module documentation): the
/// [`guard`] with [`MAX_BODY`] inside the [`outer`] layers.
pub fn layers(routes: Router) -> Router {
    outer(guard(routes, MAX_BODY, payload_too_large))
}

/// 413 `PAYLOAD_TOO_LARGE` for a body over `limit` bytes.
pub fn payload_too_large(limit: usize) -> ApiError {
    ApiError::new(
        413,
        "PAYLOAD_TOO_LARGE",
        format!("the body is over {limit} bytes"),
    )
}

/// The door checks of `routes` (and their fallback): `Transfer-Encoding` → 411, a
/// `Content-Length` over `limit` → `too_large(limit)` (the body unread), a malformed one
/// → 400; and tower-http's body limit of `limit` bytes.
pub fn guard(routes: Router, limit: usize, too_large: fn(usize) -> ApiError) -> Router {
    routes
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(middleware::from_fn_with_state(
            BodyLimit { limit, too_large },
            door,
        ))
}

/// The layers around every route: the request log, panics caught as 500, the
/// whole-request deadline.
pub fn outer(routes: Router) -> Router {
    routes
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a handler panicked");
            ApiError::new(500, "INTERNAL", "internal error").into_response()
        }))
        .layer(middleware::from_fn(log_request))
}

/// One line per request: method, path (never the query, which carries the secret on
/// the stand-in), status, time taken. Never a header or a body.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = printable(req.uri().path());
    let start = Instant::now();
    let response = next.run(req).await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        "{} {} {} {:.1}ms",
        printable(method.as_str()),
        path,
        response.status().as_u16(),
        ms
    );
    response
}

/// A router's body limit and its answer past it.
#[derive(Clone, Copy)]
struct BodyLimit {
    limit: usize,
    too_large: fn(usize) -> ApiError,
}

/// Refuses what the server does not take before anything reads the body.
async fn door(State(limit): State<BodyLimit>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return ApiError::new(
            411,
            "LENGTH_REQUIRED",
            "send the body with a Content-Length",
        )
        .into_response();
    }
    if let Some(value) = headers.get(header::CONTENT_LENGTH) {
        match value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            Some(n) if n > limit.limit as u64 => {
                return (limit.too_large)(limit.limit).into_response();
            }
            Some(_) => {}
            None => return ApiError::bad_request("malformed Content-Length").into_response(),
        }
    }
    next.run(req).await
}

/// Reads a whole body: at most [`MAX_BODY`] bytes (else 413), within [`BODY_TIMEOUT`]
/// (else 408 `REQUEST_TIMEOUT`); a connection that fails meanwhile is 400.
pub async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    read_body_within(body, MAX_BODY).await
}

/// [`read_body`] with a limit of `limit` bytes (413 `PAYLOAD_TOO_LARGE` past it).
pub async fn read_body_within(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, limit)).await {
        Err(_) => Err(ApiError::new(
            408,
            "REQUEST_TIMEOUT",
            "the body did not arrive in time",
        )),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(err) = source {
                if err.is::<http_body_util::LengthLimitError>() {
                    return Err(payload_too_large(limit));
                }
                source = err.source();
            }
            Err(ApiError::bad_request("the body could not be read"))
        }
    }
}

/// Whether an accept error concerns only the connection being accepted (try the next
/// one at once) rather than the process (back off).
fn connection_only(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock
    )
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits up to
/// [`SHUTDOWN_GRACE`] for open requests. Each request carries the peer's address as
/// `ConnectInfo<SocketAddr>`.
pub async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    let open = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_header_size(MAX_HEAD)
        .keep_alive(true);
    let mut pause = Duration::ZERO;
    let mut last_log: Option<Instant> = None;
    let mut unlogged = 0u64;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            permit = Arc::clone(&open).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => {
                pause = Duration::ZERO;
                pair
            }
            Err(e) if connection_only(&e) => continue,
            Err(e) => {
                // EMFILE, ENFILE, ENOBUFS, ENOMEM: retrying at once would spin. Wait,
                // longer each time, and say so at most once per ACCEPT_LOG_EVERY.
                pause = (pause * 2).clamp(Duration::from_millis(10), MAX_ACCEPT_PAUSE);
                if last_log.is_none_or(|t| t.elapsed() >= ACCEPT_LOG_EVERY) {
                    tracing::warn!(
                        "accept failed: {e}; pausing accepts for {} ms ({unlogged} more failures since the last line)",
                        pause.as_millis()
                    );
                    last_log = Some(Instant::now());
                    unlogged = 0;
                } else {
                    unlogged += 1;
                }
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = tokio::time::sleep(pause) => continue,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let service =
            app.clone()
                .map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                    req
                });
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection error (reset, timeout, malformed request) concerns only it.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("some connections were still open after the grace period");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_are_escaped_for_the_log() {
        assert_eq!(printable("/api/me"), "/api/me");
        assert_eq!(
            printable("/a\nb\x1b[31m\u{7f}"),
            "/a\\u{a}b\\u{1b}[31m\\u{7f}"
        );
        assert_eq!(printable("/登录"), "/登录");
    }
}

//! The HTTP/1.1 listener both binaries use, over `std::net`: a few worker threads, each
//! reading one request per connection into a [`Request`] (head up to [`MAX_HEAD`], body
//! up to [`MAX_BODY`], a larger one is never read), calling the handler, and writing its
//! JSON [`Response`] with `Connection: close`. Reads and writes time out after 10 s. Logs go to stderr: method, path (never the
//! query, which carries the secret on the stand-in), status.

use crate::errors::ApiError;
use serde::Serialize;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Largest request body read; a larger one is answered 413 without being read.
pub const MAX_BODY: usize = 1024;

/// Why a request body is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Longer than [`MAX_BODY`].
    TooLarge,
    /// The connection failed while the body was read.
    Unreadable,
}

/// A request as the handlers see it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// The query without the `?` (empty when none).
    pub query: String,
    /// Header names and values as received.
    pub headers: Vec<(String, String)>,
    /// The body, or why it was not read.
    pub body: Result<Vec<u8>, BodyError>,
    /// Whether the peer is on a loopback address.
    pub from_loopback: bool,
}

impl Request {
    /// A request with no headers and an empty body from loopback (for tests).
    pub fn new(method: &str, target: &str) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Request {
            method: method.to_string(),
            path: path.to_string(),
            query: query.to_string(),
            headers: Vec::new(),
            body: Ok(Vec::new()),
            from_loopback: true,
        }
    }

    /// Adds a header (builder style, for tests).
    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body (builder style, for tests).
    pub fn with_body(mut self, body: &str) -> Request {
        self.body = Ok(body.as_bytes().to_vec());
        self
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The query parameter `name`, percent-decoded (`+` as space).
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k) == name).then(|| percent_decode(v))
        })
    }
}

/// Decodes `%XX` escapes and `+`; malformed escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                if let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2)) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A JSON answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// JSON text.
    pub body: String,
}

impl Response {
    /// An answer with `status` and `value` as JSON (a `wx_auth::wire` body, or a
    /// `serde_json::Value`).
    pub fn json<T: Serialize>(status: u16, value: T) -> Response {
        match serde_json::to_string(&value) {
            Ok(body) => Response { status, body },
            // Only a map with keys that are not strings, or a Serialize impl that fails,
            // gets here, and no body the server sends has either.
            Err(e) => {
                eprintln!("error: a body did not serialize: {e}");
                Response {
                    status: 500,
                    body: String::from(r#"{"code":"INTERNAL","message":"internal error"}"#),
                }
            }
        }
    }
}

impl From<ApiError> for Response {
    fn from(e: ApiError) -> Response {
        Response::json(e.status, e.wire())
    }
}

/// A handler: a pure function of the request.
pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// Longest request head (request line and headers) accepted; longer is 431.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request, or to take the answer.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections waiting for a worker; beyond this a connection is answered 503.
const QUEUE: usize = 256;

/// Binds `listen` and prints `listening on http://ADDR` (one line, flushed) on stdout.
pub fn bind(listen: &str) -> Result<TcpListener, String> {
    let listener =
        TcpListener::bind(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{addr}").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(listener)
}

/// Serves requests with `workers` threads until the process ends. One request per
/// connection (every answer says `Connection: close`).
pub fn serve(listener: TcpListener, handler: Handler, workers: usize) {
    let (tx, rx) = mpsc::sync_channel::<TcpStream>(QUEUE);
    let rx = Arc::new(Mutex::new(rx));
    for _ in 0..workers.max(1) {
        let rx = Arc::clone(&rx);
        let handler = Arc::clone(&handler);
        thread::spawn(move || loop {
            let next = match rx.lock() {
                Ok(guard) => guard.recv(),
                Err(_) => return,
            };
            match next {
                Ok(stream) => handle_connection(stream, &handler),
                Err(_) => return,
            }
        });
    }
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                if let Err(mpsc::TrySendError::Full(mut stream)) = tx.try_send(stream) {
                    let busy = crate::errors::ApiError::new(503, "BUSY", "the server is busy");
                    let _ = write_response(&mut stream, &busy.into());
                }
            }
            Err(e) => eprintln!("accept failed: {}", e.kind()),
        }
    }
}

fn handle_connection(mut stream: TcpStream, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let from_loopback = stream.peer_addr().is_ok_and(|a| a.ip().is_loopback());
    let (request, response) = match read_request(&mut stream, from_loopback) {
        Ok(request) => {
            let response =
                catch_unwind(AssertUnwindSafe(|| handler(&request))).unwrap_or_else(|_| {
                    eprintln!("error: handler panicked");
                    crate::errors::ApiError::new(500, "INTERNAL", "internal error").into()
                });
            (Some(request), response)
        }
        Err(None) => return, // the client went away or sent nothing
        Err(Some(e)) => (None, e.into()),
    };
    match &request {
        Some(r) => eprintln!("{} {} {}", r.method, r.path, response.status),
        None => eprintln!("(unreadable request) {}", response.status),
    }
    if let Err(e) = write_response(&mut stream, &response) {
        eprintln!("write failed: {}", e.kind());
        return;
    }
    // Lingering close: read (and drop) a little of what the client may still be sending,
    // so closing with unread data does not reset the connection before the answer lands.
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = std::io::copy(&mut (&stream).take(64 * 1024), &mut std::io::sink());
}

fn write_response(stream: &mut TcpStream, response: &Response) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        response.status,
        reason(response.status),
        response.body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(response.body.as_bytes())?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads one request. `Err(None)`: nothing to answer; `Err(Some(e))`: answer `e`.
fn read_request(stream: &mut TcpStream, from_loopback: bool) -> Result<Request, Option<ApiError>> {
    let bad = |m: &str| Some(ApiError::bad_request(m.to_string()));
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    let mut extra = loop {
        let n = stream.read(&mut buf).map_err(|_| None::<ApiError>)?;
        if n == 0 {
            return Err(if head.is_empty() {
                None
            } else {
                bad("the request ended early")
            });
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
        let end = head.windows(4).position(|w| w == b"\r\n\r\n");
        if end.unwrap_or(head.len()) > MAX_HEAD {
            return Err(Some(ApiError::new(
                431,
                "HEADERS_TOO_LARGE",
                "the request head is over 8 KiB",
            )));
        }
        if let Some(end) = end {
            let rest = head.split_off(end + 4);
            head.truncate(end);
            break rest;
        }
    };
    let text = std::str::from_utf8(&head).map_err(|_| bad("the request head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !target.starts_with('/') {
        return Err(bad("malformed request line"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("malformed header"))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut request = Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: Ok(Vec::new()),
        from_loopback,
    };
    if request.header("transfer-encoding").is_some() {
        return Err(Some(ApiError::new(
            411,
            "LENGTH_REQUIRED",
            "send the body with a Content-Length",
        )));
    }
    let length = match request.header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<u64>()
            .map_err(|_| bad("malformed Content-Length"))?,
    };
    request.body = if length > MAX_BODY as u64 {
        Err(BodyError::TooLarge)
    } else {
        let length = length as usize;
        if extra.len() > length {
            extra.truncate(length);
        }
        let missing = length - extra.len();
        let mut rest = vec![0u8; missing];
        match stream.read_exact(&mut rest) {
            Ok(()) => {
                extra.extend_from_slice(&rest);
                Ok(extra)
            }
            Err(_) => Err(BodyError::Unreadable),
        }
    };
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        let r = Request::new("GET", "/x?appid=wx1&secret=a%2Bb+c&js_code=code-1&empty=");
        assert_eq!(r.path, "/x");
        assert_eq!(r.query_param("secret").as_deref(), Some("a+b c"));
        assert_eq!(r.query_param("js_code").as_deref(), Some("code-1"));
        assert_eq!(r.query_param("empty").as_deref(), Some(""));
        assert_eq!(r.query_param("missing"), None);
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}

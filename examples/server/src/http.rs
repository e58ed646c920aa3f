//! The HTTP/1.1 listener both binaries use: a few worker threads on `tiny_http`, each
//! turning a request into a [`Request`] (body read up to [`MAX_BODY`]), calling the
//! handler, and writing its JSON [`Response`]. Logs go to stderr: method, path (never the
//! query, which carries the secret on the stand-in), status.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;

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
    /// An answer with `status` and the JSON `value`.
    pub fn json(status: u16, value: serde_json::Value) -> Response {
        Response {
            status,
            body: value.to_string(),
        }
    }
}

impl From<crate::errors::ApiError> for Response {
    fn from(e: crate::errors::ApiError) -> Response {
        Response {
            status: e.status,
            body: e.body(),
        }
    }
}

/// A handler: a pure function of the request.
pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// Binds `listen` and prints `listening on http://ADDR` (one line, flushed) on stdout.
pub fn bind(listen: &str) -> Result<Arc<tiny_http::Server>, String> {
    let server =
        tiny_http::Server::http(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| "the listener has no IP address".to_string())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{addr}").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(Arc::new(server))
}

/// Serves requests with `workers` threads until the process ends.
pub fn serve(server: Arc<tiny_http::Server>, handler: Handler, workers: usize) {
    let threads: Vec<_> = (0..workers.max(1))
        .map(|_| {
            let server = Arc::clone(&server);
            let handler = Arc::clone(&handler);
            thread::spawn(move || loop {
                match server.recv() {
                    Ok(request) => handle_one(request, &handler),
                    Err(e) => eprintln!("accept failed: {e}"),
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

fn handle_one(mut raw: tiny_http::Request, handler: &Handler) {
    let request = read_request(&mut raw);
    let response = catch_unwind(AssertUnwindSafe(|| handler(&request))).unwrap_or_else(|_| {
        eprintln!("error: handler panicked");
        crate::errors::ApiError::new(500, "INTERNAL", "internal error").into()
    });
    eprintln!("{} {} {}", request.method, request.path, response.status);
    let content_type =
        tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..]);
    let mut answer =
        tiny_http::Response::from_string(response.body).with_status_code(response.status);
    if let Ok(h) = content_type {
        answer.add_header(h);
    }
    if let Err(e) = raw.respond(answer) {
        eprintln!("write failed: {}", e.kind());
    }
}

fn read_request(raw: &mut tiny_http::Request) -> Request {
    let url = raw.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let headers = raw
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_string(),
                h.value.as_str().to_string(),
            )
        })
        .collect();
    let from_loopback = raw
        .remote_addr()
        .map(SocketAddr::ip)
        .is_some_and(|ip| ip.is_loopback());
    let body = if raw.body_length().is_some_and(|n| n > MAX_BODY) {
        Err(BodyError::TooLarge)
    } else {
        let mut buf = Vec::new();
        match raw
            .as_reader()
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut buf)
        {
            Ok(_) if buf.len() > MAX_BODY => Err(BodyError::TooLarge),
            Ok(_) => Ok(buf),
            Err(_) => Err(BodyError::Unreadable),
        }
    };
    Request {
        method: raw.method().as_str().to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body,
        from_loopback,
    }
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

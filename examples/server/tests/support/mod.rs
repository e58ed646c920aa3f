//! Test fixtures: a real `redis-server` on a free loopback port, the two binaries as
//! child processes, and a raw HTTP/1.1 client (so malformed requests can be sent too).
#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A fresh path `name` in a fresh folder of the temp directory; the folder and all in it
/// (SQLite's -wal/-shm, the server's default `avatars` beside the database) go on drop.
pub struct TempPath(pub PathBuf);

impl TempPath {
    pub fn new(name: &str) -> TempPath {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("wx-auth-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp folder");
        TempPath(dir.join(name))
    }
    pub fn as_str(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }
    /// The folder holding the path.
    pub fn dir(&self) -> PathBuf {
        self.0.parent().expect("a temp folder").to_path_buf()
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.dir());
    }
}

/// A `redis-server` child on loopback, killed on drop. It writes its snapshot only when
/// told ([`Redis::restart`] saves, then starts again on the same port and file).
/// A missing `redis-server` fails the test (scripts/setup-server.sh installs it).
pub struct Redis {
    child: Child,
    pub port: u16,
    dir: PathBuf,
    _tmp: TempPath,
}

impl Redis {
    pub fn start() -> Redis {
        let tmp = TempPath::new("redis");
        let dir = tmp.0.clone();
        std::fs::create_dir_all(&dir).expect("a redis directory");
        let port = free_port();
        let child = Self::spawn(port, &dir);
        let redis = Redis {
            child,
            port,
            dir,
            _tmp: tmp,
        };
        redis.wait_ready();
        redis
    }

    fn spawn(port: u16, dir: &std::path::Path) -> Child {
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("redis-server could not be started ({e}); run scripts/setup-server.sh to install it")
            })
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.answers() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer on port {}",
                self.port
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether it answers PING within half a second.
    pub fn answers(&self) -> bool {
        self.command("PING").as_deref() == Some("+PONG")
    }

    /// Sends one inline command and returns the first line of the answer.
    pub fn command(&self, command: &str) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_millis(500))).ok()?;
        s.write_all(format!("{command}\r\n").as_bytes()).ok()?;
        let mut line = String::new();
        BufReader::new(s).read_line(&mut line).ok()?;
        Some(line.trim_end().to_string())
    }

    /// Saves the data, kills the server and starts a new one on the same port and file.
    /// Returns when the new one answers.
    pub fn restart(&mut self) {
        assert_eq!(self.command("SAVE").as_deref(), Some("+OK"));
        self.kill();
        self.child = Self::spawn(self.port, &self.dir);
        self.wait_ready();
    }

    /// Kills the server (it goes away; [`Redis::revive`] brings it back).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again after [`Redis::kill`], with what was last saved.
    pub fn revive(&mut self) {
        self.child = Self::spawn(self.port, &self.dir);
        self.wait_ready();
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        signal(self.pid(), libc::SIGCONT);
        self.kill();
    }
}

/// Sends `sig` to process `pid` (SIGSTOP freezes it, SIGCONT thaws it).
pub fn signal(pid: i32, sig: i32) {
    // SAFETY: kill(2) with a child's pid; no memory is involved.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// One of the crate's binaries, running; killed on drop. Its stderr goes to a file.
pub struct Proc {
    child: Child,
    pub base: String,
    pub stderr: TempPath,
}

impl Proc {
    pub fn start(bin: &str, env: &[(&str, &str)]) -> Proc {
        Self::start_command(Command::new(bin), env)
    }

    /// `/bin/sh -c script` (which ends with `exec` of a binary), as [`Proc::start`].
    pub fn start_shell(script: &str, env: &[(&str, &str)]) -> Proc {
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(script);
        Self::start_command(cmd, env)
    }

    fn start_command(mut cmd: Command, env: &[(&str, &str)]) -> Proc {
        let stderr = TempPath::new("stderr.log");
        cmd.env_clear()
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(File::create(&stderr.0).expect("stderr file")));
        let mut child = cmd.spawn().expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("a first line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Proc {
            child,
            base,
            stderr,
        }
    }

    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Waits up to `limit` for the process to end; its exit code if it did.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<Option<i32>> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status.code());
            }
            if Instant::now() > deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything the process wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr.0).unwrap_or_default()
    }

    /// Waits for the process to end on its own (it must fail fast, e.g. bad config).
    pub fn exit_code(bin: &str, env: &[(&str, &str)]) -> (Option<i32>, String, String) {
        let out = Command::new(bin)
            .env_clear()
            .envs(env.iter().copied())
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        signal(self.pid(), libc::SIGCONT);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced).
    pub body: String,
    /// The body's bytes.
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// The body as one of the SDK's wire types (`wx_auth::wire`), strictly.
    pub fn wire<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not a {} ({e}): {}", std::any::type_name::<T>(), self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("").to_string()
    }
}

/// Sends raw request bytes to `addr` and reads the answer (the connection is closed).
pub fn raw(addr: &str, request: &[u8]) -> Answer {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(request).expect("write");
    let mut reader = BufReader::new(s);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).expect("status line");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len: Option<usize> = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok());
    let mut body = Vec::new();
    match len {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body).expect("body");
        }
        None => {
            reader.read_to_end(&mut body).expect("body");
        }
    }
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        bytes: body,
    }
}

/// A request with `Connection: close`; `headers` as `(name, value)`.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(body);
    raw(addr, text.as_bytes())
}

/// A request with `Connection: close` and a body of bytes (its `Content-Length` added).
pub fn request_bytes(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes)
}

/// The boundary [`multipart`] uses.
pub const BOUNDARY: &str = "----wxauthtestboundary7MA4YWxkTrZu0gW";

/// A part of a multipart body: name, filename (a file part when given), content type, bytes.
pub type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

/// A `multipart/form-data` body as `wx.uploadFile` sends it.
pub fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content_type, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
        if let Some(f) = filename {
            disposition.push_str(&format!("; filename=\"{f}\""));
        }
        body.extend_from_slice(format!("{disposition}\r\n").as_bytes());
        if let Some(t) = content_type {
            body.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// `POST /auth/profile` as `wx.uploadFile` sends it: the file part `avatar` (a
/// `chooseAvatar` temp file name) and the text part `nickName`.
pub fn upload_profile(addr: &str, bearer: Option<&str>, nick: &str, avatar: &[u8]) -> Answer {
    let body = multipart(&[
        ("nickName", None, None, nick.as_bytes()),
        ("avatar", Some("tmp_8a1f.png"), Some("image/png"), avatar),
    ]);
    post_multipart(addr, bearer, &body)
}

/// `POST /auth/profile` with a multipart body made by [`multipart`].
pub fn post_multipart(addr: &str, bearer: Option<&str>, body: &[u8]) -> Answer {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let mut headers = vec![("Content-Type", content_type.as_str())];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    request_bytes(addr, "POST", "/auth/profile", &headers, body)
}

/// A real PNG: 1×1, one red pixel (69 bytes).
pub fn tiny_png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&hex_bytes(concat!(
        "0000000d4948445200000001000000010802000000907753",
        "de0000000c49444154789c63f8cfc0000003010100c9fe92",
        "ef0000000049454e44ae426082",
    )));
    png
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    let digits: Vec<u8> = hex.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// `POST path` with a JSON body and an optional bearer token.
pub fn post_json(addr: &str, path: &str, bearer: Option<&str>, body: &str) -> Answer {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    request(addr, "POST", path, &headers, body)
}

/// `GET path` with an optional bearer token.
pub fn get(addr: &str, path: &str, bearer: Option<&str>) -> Answer {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    match &auth {
        Some(a) => request(addr, "GET", path, &[("Authorization", a.as_str())], ""),
        None => request(addr, "GET", path, &[], ""),
    }
}

/// The app credentials the stand-in and the server share in these tests.
pub const APPID: &str = "wx-test-app";
/// The app secret (never to be seen in an answer or a log).
pub const SECRET: &str = "test-secret-4f1c9b";

/// The WeChat stand-in on a free loopback port.
pub fn standin() -> Proc {
    Proc::start(
        env!("CARGO_BIN_EXE_wechat-standin"),
        &[
            ("LISTEN", "127.0.0.1:0"),
            ("WX_APPID", APPID),
            ("WX_SECRET", SECRET),
        ],
    )
}

/// The server's environment: loopback, the test credentials, WeChat at `standin`, SQLite at `db`.
pub fn server_env<'a>(standin: &'a str, db: &'a TempPath) -> Vec<(&'a str, &'a str)> {
    vec![
        ("LISTEN", "127.0.0.1:0"),
        ("WX_APPID", APPID),
        ("WX_SECRET", SECRET),
        ("WX_API_BASE", standin),
        ("DATABASE_PATH", db.as_str()),
    ]
}

/// A server talking to the stand-in at `standin_base`, with `extra` environment on top,
/// and its fresh SQLite file (removed when dropped).
pub fn server_with(standin_base: &str, extra: &[(&str, &str)]) -> (Proc, TempPath) {
    let db = TempPath::new("server.db");
    let mut env = server_env(standin_base, &db);
    env.extend_from_slice(extra);
    (Proc::start(env!("CARGO_BIN_EXE_wx-auth-server"), &env), db)
}

/// The stand-in and a server wired to it.
pub struct Stack {
    /// The WeChat stand-in.
    pub standin: Proc,
    /// The server.
    pub server: Proc,
    /// The server's SQLite file.
    pub db: TempPath,
}

/// A fresh stand-in and a server wired to it, with `extra` environment for the server.
pub fn stack_with(extra: &[(&str, &str)]) -> Stack {
    let standin = standin();
    let (server, db) = server_with(&standin.base.clone(), extra);
    Stack {
        standin,
        server,
        db,
    }
}

impl Stack {
    /// The server's address.
    pub fn s(&self) -> &str {
        self.server.addr()
    }

    /// Registers a login code for a simulated user with the stand-in.
    pub fn register(&self, code: &str, user: &str) {
        register_code(&self.standin, code, user);
    }
}

/// Registers a `wx.login` code for a simulated user with the stand-in; its answer.
pub fn register_code(standin: &Proc, code: &str, user: &str) -> Answer {
    let a = post_json(
        standin.addr(),
        "/_standin/codes",
        None,
        &format!(r#"{{"code":"{code}","user":"{user}"}}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    a
}

/// Registers a phone button code for a simulated user with the stand-in.
pub fn register_phone_code(standin: &Proc, code: &str, user: &str) {
    let a = post_json(
        standin.addr(),
        "/_standin/phone-codes",
        None,
        &format!(r#"{{"code":"{code}","user":"{user}"}}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
}

/// The files in a directory (the avatar directory), sorted; none when it does not exist.
pub fn files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

//! `make bench-server`: the server's throughput and latency, written to
//! examples/server/BENCH.md. Not a test: timings never gate a build.
//!
//! It starts the release binaries (`cargo build --profile server`, beside this one), the
//! WeChat stand-in, a `redis-server` on a free loopback port, and one server per store;
//! then a load generator on tokio and hyper's client measures `GET /api/me` at 1, 8 and
//! 64 clients, each with a new connection per request and with keep-alive, and
//! `POST /auth/login` through the stand-in (each login is a `jscode2session` call).

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const APPID: &str = "wx-bench-app";
const SECRET: &str = "bench-secret";
/// How long each `/api/me` run lasts (after a short warm-up).
const RUN: Duration = Duration::from_secs(3);
/// Logins per run.
const LOGINS: usize = 3000;

struct Running(Child, String);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(bin: &Path, env: &[(&str, &str)]) -> Running {
    // BENCH_LOG=path keeps the servers' logs (appended) for a look at failures.
    let stderr = match std::env::var_os("BENCH_LOG") {
        Some(path) => std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_or_else(|_| Stdio::null(), Stdio::from),
        None => Stdio::null(),
    };
    let mut child = Command::new(bin)
        .env_clear()
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", bin.display()));
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected {line:?}"))
        .to_string();
    Running(child, addr)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn connect(addr: &str) -> Option<SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(conn);
    Some(sender)
}

/// One request; its status and body.
async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Option<(u16, Bytes)> {
    sender.ready().await.ok()?;
    let response = sender.send_request(request).await.ok()?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.ok()?.to_bytes();
    Some((status, body))
}

fn post(addr: &str, path: &str, body: String, keep_alive: bool) -> Request<Full<Bytes>> {
    Request::post(path)
        .header("host", addr)
        .header("content-type", "application/json")
        .header(
            "connection",
            if keep_alive { "keep-alive" } else { "close" },
        )
        .body(Full::new(Bytes::from(body)))
        .expect("a request")
}

fn me(addr: &str, token: &str, keep_alive: bool) -> Request<Full<Bytes>> {
    Request::get("/api/me")
        .header("host", addr)
        .header("authorization", format!("Bearer {token}"))
        .header(
            "connection",
            if keep_alive { "keep-alive" } else { "close" },
        )
        .body(Full::new(Bytes::new()))
        .expect("a request")
}

/// Throughput and latency of one run.
struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    failed: usize,
}

fn figures(mut latencies: Vec<Duration>, failed: usize, took: Duration) -> Figures {
    latencies.sort();
    let at = |q: usize| {
        latencies
            .get((latencies.len() * q / 100).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Figures {
        per_second: latencies.len() as f64 / took.as_secs_f64(),
        p50: at(50),
        p99: at(99),
        failed,
    }
}

/// `clients` loops of `GET /api/me` for [`RUN`].
async fn bench_me(addr: &str, token: &str, clients: usize, keep_alive: bool) -> Figures {
    let mut tasks = Vec::new();
    let start = Instant::now();
    let warm = start + Duration::from_millis(300);
    let end = warm + RUN;
    for _ in 0..clients {
        let (addr, token) = (addr.to_string(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0;
            let mut sender = None;
            while Instant::now() < end {
                let t = Instant::now();
                if sender.is_none() {
                    sender = connect(&addr).await;
                }
                let Some(s) = sender.as_mut() else {
                    failed += 1;
                    continue;
                };
                let answer = send(s, me(&addr, &token, keep_alive)).await;
                if !keep_alive || answer.is_none() {
                    sender = None;
                }
                match answer {
                    Some((200, _)) if t >= warm => latencies.push(t.elapsed()),
                    Some((200, _)) => {}
                    _ => failed += 1,
                }
            }
            (latencies, failed)
        }));
    }
    let (mut all, mut failed) = (Vec::new(), 0);
    for t in tasks {
        let (l, f) = t.await.expect("a client");
        all.extend(l);
        failed += f;
    }
    figures(all, failed, RUN)
}

/// [`LOGINS`] logins by `clients` loops, a new connection each (codes registered first).
async fn bench_logins(addr: &str, standin: &str, clients: usize, round: usize) -> Figures {
    let mut reg = connect(standin).await.expect("the stand-in");
    for i in 0..LOGINS {
        let body = format!(r#"{{"code":"b{round}-{i}","user":"u{}"}}"#, i % 100);
        let answer = send(&mut reg, post(standin, "/_standin/codes", body, true)).await;
        if !matches!(answer, Some((200, _))) {
            reg = connect(standin).await.expect("the stand-in");
        }
    }
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (addr, next) = (addr.to_string(), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut failed) = (Vec::new(), 0);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= LOGINS {
                    break;
                }
                let t = Instant::now();
                let body = format!(r#"{{"code":"b{round}-{i}"}}"#);
                let answer = match connect(&addr).await {
                    Some(mut s) => send(&mut s, post(&addr, "/auth/login", body, false)).await,
                    None => None,
                };
                match answer {
                    Some((200, _)) => latencies.push(t.elapsed()),
                    _ => failed += 1,
                }
            }
            (latencies, failed)
        }));
    }
    let (mut all, mut failed) = (Vec::new(), 0);
    for t in tasks {
        let (l, f) = t.await.expect("a client");
        all.extend(l);
        failed += f;
    }
    figures(all, failed, start.elapsed())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let redis = Command::new("redis-server")
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .find_map(|w| w.strip_prefix("v=").map(str::to_string))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?").to_string();
    format!(
        "{model}, {cores} cores available (shared with other work: load average {load} when the run began), Linux {}, {rustc}, Redis {redis}",
        kernel.trim()
    )
}

fn k(n: f64) -> String {
    format!("{:.1}k", n / 1000.0)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let machine = machine();
    let dir: PathBuf = std::env::current_exe()
        .expect("own path")
        .parent()
        .and_then(Path::parent)
        .expect("target/server")
        .to_path_buf();
    let standin = start(
        &dir.join("wechat-standin"),
        &[
            ("LISTEN", "127.0.0.1:0"),
            ("WX_APPID", APPID),
            ("WX_SECRET", SECRET),
        ],
    );
    let redis_port = free_port();
    let redis_dir = std::env::temp_dir().join(format!("wx-auth-bench-{}", std::process::id()));
    std::fs::create_dir_all(&redis_dir).expect("a temp dir");
    let _redis = Running(
        Command::new("redis-server")
            .args([
                "--port",
                &redis_port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&redis_dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (scripts/setup-server.sh installs it)"),
        String::new(),
    );
    std::thread::sleep(Duration::from_millis(300));
    let db = redis_dir.join("bench.db");
    let api_base = format!("http://{}", standin.1);
    let redis_url = format!("redis://127.0.0.1:{redis_port}");
    let base_env = [
        ("LISTEN", "127.0.0.1:0"),
        ("WX_APPID", APPID),
        ("WX_SECRET", SECRET),
        ("WX_API_BASE", api_base.as_str()),
        ("DATABASE_PATH", db.to_str().expect("a UTF-8 path")),
    ];
    let mut report = String::new();
    let mut rows = Vec::new();
    for (store, extra) in [
        ("SQLite", None),
        ("Redis", Some(("REDIS_URL", redis_url.as_str()))),
    ] {
        let mut env = base_env.to_vec();
        env.extend(extra);
        let server = start(&dir.join("wx-auth-server"), &env);
        let addr = server.1.clone();
        let mut s = connect(&standin.1).await.expect("the stand-in");
        let code = format!("first-{store}");
        send(
            &mut s,
            post(
                &standin.1,
                "/_standin/codes",
                format!(r#"{{"code":"{code}","user":"bench"}}"#),
                true,
            ),
        )
        .await
        .expect("registered");
        let mut c = connect(&addr).await.expect("the server");
        let (status, body) = send(
            &mut c,
            post(
                &addr,
                "/auth/login",
                format!(r#"{{"code":"{code}"}}"#),
                true,
            ),
        )
        .await
        .expect("a login");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let reply: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        let token = reply["token"].as_str().expect("a token").to_string();
        for keep_alive in [false, true] {
            for clients in [1, 8, 64] {
                let f = bench_me(&addr, &token, clients, keep_alive).await;
                eprintln!(
                    "{store} /api/me {clients} clients keep-alive {keep_alive}: {:.0}/s p50 {:?} p99 {:?} failed {}",
                    f.per_second, f.p50, f.p99, f.failed
                );
                rows.push((store, "GET /api/me", keep_alive, clients, f));
            }
        }
        for (round, clients) in [1, 8, 64].into_iter().enumerate() {
            let f = bench_logins(&addr, &standin.1, clients, round + 10 * rows.len()).await;
            eprintln!(
                "{store} logins {clients} clients: {:.0}/s p50 {:?} p99 {:?} failed {}",
                f.per_second, f.p50, f.p99, f.failed
            );
            rows.push((store, "POST /auth/login", false, clients, f));
        }
    }
    let _ = std::fs::remove_dir_all(&redis_dir);

    let before = |store: &str, what: &str, keep_alive: bool, clients: usize| -> String {
        match (store, what, keep_alive, clients) {
            ("SQLite", "GET /api/me", false, 1) => "8.2k".into(),
            ("SQLite", "GET /api/me", false, 8) => "15.4k".into(),
            ("SQLite", "GET /api/me", false, 64) => "18.7k".into(),
            ("Redis", "GET /api/me", false, 1) => "7.3k".into(),
            ("Redis", "GET /api/me", false, 8) => "9.6k".into(),
            ("Redis", "GET /api/me", false, 64) => "11.0k".into(),
            (_, "GET /api/me", true, _) => "— (no keep-alive)".into(),
            (_, "POST /auth/login", _, _) => "0.9k–1.7k".into(),
            _ => "—".into(),
        }
    };
    let _ = writeln!(report, "# wx-auth-server: benchmark\n");
    let _ = writeln!(
        report,
        "Written by `make bench-server` (examples/server/examples/bench-server.rs); not part of `make test`.\n"
    );
    let _ = writeln!(report, "Machine: {machine}.\n");
    let _ = writeln!(
        report,
        "The release build (`--profile server`), the WeChat stand-in, redis-server and the load \
generator (tokio + hyper's client, in one process) all run on this machine, on loopback, so \
the load generator takes part of the same cores. `/api/me` runs last {} s each after a 0.3 s \
warm-up; a login run is {LOGINS} logins, each a new connection and one `jscode2session` call \
to the stand-in. Requests log one line each to stderr (sent to /dev/null). *Before* is the \
previous server (threads over `std::net`, one request per connection, hand-written RESP \
client), measured earlier on the same kind of machine without keep-alive. The machine is \
shared, so runs differ by up to a factor of two from one to the next; compare orders of \
magnitude, not digits. `failed` counts requests that got no 200 (or no answer). One client \
with a new connection per request is the case the new server is slowest at: each `/api/me` \
passes from the connection's task to the store (tokio's blocking pool for SQLite, the \
connection manager's task for Redis) and back, where the old server called the store on \
the connection's own thread. `BENCH_LOG=path` keeps the servers' logs.\n",
        RUN.as_secs()
    );
    let _ = writeln!(
        report,
        "| store | request | connection | clients | before (req/s) | after (req/s) | p50 | p99 | failed |"
    );
    let _ = writeln!(
        report,
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for (store, what, keep_alive, clients, f) in &rows {
        let _ = writeln!(
            report,
            "| {store} | {what} | {} | {clients} | {} | {} | {} | {} | {} |",
            if *keep_alive {
                "keep-alive"
            } else {
                "new per request"
            },
            before(store, what, *keep_alive, *clients),
            k(f.per_second),
            ms(f.p50),
            ms(f.p99),
            f.failed
        );
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCH.md");
    std::fs::write(&path, report).expect("BENCH.md written");
    eprintln!("wrote {}", path.display());
}

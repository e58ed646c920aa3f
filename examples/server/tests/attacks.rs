//! The server under attack and under failing dependencies, over real HTTP on loopback.
//! Each test is bounded (well under a minute) and checks what must hold meanwhile: a
//! legitimate client's `GET /api/me` succeeds at least 95 % of the time with p99 under
//! 1 s, and a failed dependency fails fast and is used again as soon as it is back.
//! They run one at a time ([`serial`]): each measures latency on a machine whose cores
//! the others would take (hundreds of connections and threads each).

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};
use support::{post_json, server_env, signal, stack_with, standin, Proc, Redis, Stack, TempPath};

/// Held for the whole of a test, so the attacks run one at a time (a test that failed
/// poisons the lock; the next one goes on regardless).
fn serial() -> MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// The server's header-read deadline (src/http.rs), and the slack the tests allow.
const HEADER_DEADLINE: Duration = Duration::from_secs(5);
const SLACK: Duration = Duration::from_secs(2);

impl Stack {
    fn token(&self, code: &str) -> String {
        self.register(code, "xiaoming");
        let a = post_json(
            self.s(),
            "/auth/login",
            None,
            &format!(r#"{{"code":"{code}"}}"#),
        );
        assert_eq!(a.status, 200, "{}", a.body);
        a.json()["token"].as_str().unwrap().to_string()
    }
}

/// One request on a fresh connection, every step bounded by `limit`: the status and
/// body, or `None` if anything failed or took too long.
fn try_request(addr: &str, request: &[u8], limit: Duration) -> Option<(u16, String)> {
    let start = Instant::now();
    let mut s = TcpStream::connect_timeout(&addr.parse().ok()?, limit).ok()?;
    s.set_read_timeout(Some(limit)).ok()?;
    s.set_write_timeout(Some(limit)).ok()?;
    s.write_all(request).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if start.elapsed() > limit {
            return None;
        }
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => return None,
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

fn me_request(addr: &str, token: &str) -> Vec<u8> {
    format!("GET /api/me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

/// What a legitimate client saw: answers with the wanted status, and latencies.
struct Seen {
    ok: usize,
    total: usize,
    latencies: Vec<Duration>,
}

impl Seen {
    fn p99(&self) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l.get((l.len() * 99 / 100).min(l.len().saturating_sub(1)))
            .copied()
            .unwrap_or(Duration::MAX)
    }
    fn check(&self, what: &str) {
        assert!(
            self.total >= 20,
            "{what}: too few requests ({})",
            self.total
        );
        assert!(
            self.ok * 100 >= self.total * 95,
            "{what}: {} of {} /api/me succeeded",
            self.ok,
            self.total
        );
        assert!(
            self.p99() < Duration::from_secs(1),
            "{what}: p99 {:?}",
            self.p99()
        );
        eprintln!(
            "{what}: {}/{} ok, p99 {:?}",
            self.ok,
            self.total,
            self.p99()
        );
    }
}

/// `GET /api/me` every 40 ms for `how_long`; a request counts when it answers 200
/// within 2 s (a failed one counts 2 s).
fn legit_client(addr: &str, token: &str, how_long: Duration) -> Seen {
    let mut seen = Seen {
        ok: 0,
        total: 0,
        latencies: Vec::new(),
    };
    let request = me_request(addr, token);
    let end = Instant::now() + how_long;
    while Instant::now() < end {
        let start = Instant::now();
        let answer = try_request(addr, &request, Duration::from_secs(2));
        let took = start.elapsed();
        seen.total += 1;
        if matches!(answer, Some((200, _))) {
            seen.ok += 1;
            seen.latencies.push(took);
        } else {
            seen.latencies.push(Duration::from_secs(2));
        }
        thread::sleep(Duration::from_millis(40));
    }
    seen
}

/// Whether the server closed `s` (read gives end of file or an error), without waiting.
fn closed(s: &mut TcpStream) -> bool {
    let _ = s.set_nonblocking(true);
    let mut b = [0u8; 256];
    let result = match s.read(&mut b) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != ErrorKind::WouldBlock,
    };
    let _ = s.set_nonblocking(false);
    result
}

#[test]
fn slowloris_64_connections_one_header_byte_every_2s() {
    let _one = serial();
    let st = stack_with(&[]);
    let token = st.token("c-slow");
    let addr = st.s().to_string();
    let head = b"GET /api/me HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let mut attackers: Vec<(TcpStream, Option<Duration>)> = (0..64)
        .map(|_| (TcpStream::connect(&addr).unwrap(), None))
        .collect();
    let start = Instant::now();
    thread::scope(|scope| {
        let legit = scope.spawn(|| legit_client(&addr, &token, Duration::from_secs(12)));
        let mut i = 0;
        while start.elapsed() < Duration::from_secs(12) {
            for (s, closed_at) in attackers.iter_mut() {
                if closed_at.is_none()
                    && (closed(s) || s.write_all(&head[i % head.len()..][..1]).is_err())
                {
                    *closed_at = Some(start.elapsed());
                }
            }
            i += 1;
            thread::sleep(Duration::from_secs(2));
        }
        legit.join().unwrap().check("slowloris");
    });
    for (s, closed_at) in attackers.iter_mut() {
        let at = closed_at.or_else(|| closed(s).then(|| start.elapsed()));
        let at = at.expect("every slow connection is closed by the header deadline");
        assert!(
            at <= HEADER_DEADLINE + SLACK + Duration::from_secs(2),
            "closed after {at:?}"
        );
    }
}

#[test]
fn a_thousand_idle_connections() {
    let _one = serial();
    let st = stack_with(&[]);
    let token = st.token("c-idle");
    let addr = st.s().to_string();
    let mut idle: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(&addr).expect("connect"))
        .collect();
    legit_client(&addr, &token, Duration::from_secs(4)).check("1,000 idle connections");
    thread::sleep(HEADER_DEADLINE + SLACK - Duration::from_secs(4));
    let still_open = idle.iter_mut().map(closed).filter(|c| !c).count();
    assert_eq!(still_open, 0, "idle connections are closed by the deadline");
}

#[test]
fn a_valid_request_then_one_byte_every_800ms_is_cut_off() {
    let _one = serial();
    let st = stack_with(&[]);
    let token = st.token("c-trickle");
    let addr = st.s();
    // Keep-alive: a whole request, its answer, then the next head a byte at a time.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s.write_all(
        format!("GET /api/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let mut buf = [0u8; 1024];
    let n = s.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let start = Instant::now();
    let next = b"GET /api/me HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let mut cut = None;
    for b in next.iter().cycle().take(40) {
        if closed(&mut s) || s.write_all(std::slice::from_ref(b)).is_err() {
            cut = Some(start.elapsed());
            break;
        }
        thread::sleep(Duration::from_millis(800));
    }
    let cut = cut.expect("the connection is closed");
    assert!(
        cut <= HEADER_DEADLINE + SLACK,
        "head trickle cut after {cut:?}"
    );

    // A head, then the body a byte at a time: 408 once the body deadline passes.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    s.write_all(b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n")
        .unwrap();
    let start = Instant::now();
    let text = trickle(
        &mut s,
        b" ",
        Duration::from_millis(700),
        start,
        Duration::from_secs(10),
    );
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("REQUEST_TIMEOUT"), "{text}");
    assert!(start.elapsed() <= Duration::from_secs(5) + SLACK);
}

#[test]
fn a_frozen_wechat_delays_only_logins() {
    let _one = serial();
    let st = stack_with(&[]);
    let token = st.token("c-frozen-0");
    for i in 0..80 {
        st.register(&format!("c-frozen-{}", i + 1), "xiaoming");
    }
    let addr = st.s().to_string();
    signal(st.standin.pid(), libc::SIGSTOP);
    let start = Instant::now();
    thread::scope(|scope| {
        let logins: Vec<_> = (0..80)
            .map(|i| {
                let addr = addr.clone();
                scope.spawn(move || {
                    let t = Instant::now();
                    let body = format!(r#"{{"code":"c-frozen-{}"}}"#, i + 1);
                    let req = format!("POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                    (try_request(&addr, req.as_bytes(), Duration::from_secs(9)), t.elapsed())
                })
            })
            .collect();
        legit_client(&addr, &token, Duration::from_secs(10)).check("frozen WeChat");
        for l in logins {
            let (answer, took) = l.join().unwrap();
            let (status, body) = answer.expect("every login is answered");
            assert!(
                (status == 502 && body.contains("WECHAT_ERROR"))
                    || (status == 503 && body.contains("WECHAT_BUSY")),
                "{status} {body}"
            );
            assert!(took < Duration::from_secs(7), "a login took {took:?}");
        }
    });
    assert!(start.elapsed() < Duration::from_secs(20));
    signal(st.standin.pid(), libc::SIGCONT);
    let fresh = st.token("c-after-thaw");
    assert_eq!(fresh.len(), 64);
}

/// Polls `/api/me` until it answers 200; how long that took.
fn until_me_ok(addr: &str, token: &str, limit: Duration) -> Duration {
    let start = Instant::now();
    let request = me_request(addr, token);
    loop {
        if let Some((200, _)) = try_request(addr, &request, Duration::from_secs(2)) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "/api/me still failing after {limit:?}"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_redis_restart_is_recovered_within_a_second() {
    let _one = serial();
    let mut redis = Redis::start();
    let url = redis.url();
    let st = stack_with(&[("REDIS_URL", &url)]);
    let token = st.token("c-restart");
    let addr = st.s().to_string();
    for round in 0..3 {
        redis.restart();
        let took = until_me_ok(&addr, &token, Duration::from_secs(5));
        eprintln!("redis restart {round}: /api/me 200 again after {took:?}");
        assert!(took < Duration::from_secs(1), "{took:?}");
    }
}

#[test]
fn a_frozen_redis_fails_fast_and_is_used_again_when_it_thaws() {
    let _one = serial();
    let redis = Redis::start();
    let url = redis.url();
    let st = stack_with(&[("REDIS_URL", &url)]);
    let token = st.token("c-freeze");
    let addr = st.s().to_string();
    signal(redis.pid(), libc::SIGSTOP);
    let request = me_request(&addr, &token);
    for _ in 0..5 {
        let start = Instant::now();
        let answer = try_request(&addr, &request, Duration::from_secs(3));
        let took = start.elapsed();
        let (status, body) = answer.expect("an answer while Redis is frozen");
        assert_eq!(status, 500, "{body}");
        assert!(body.contains("INTERNAL"), "{body}");
        assert!(took < Duration::from_millis(1500), "took {took:?}");
    }
    // What needs no store is not delayed.
    let start = Instant::now();
    let nowhere = format!("GET /nowhere HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    assert_eq!(
        try_request(&addr, nowhere.as_bytes(), Duration::from_secs(1)).map(|a| a.0),
        Some(404)
    );
    assert!(start.elapsed() < Duration::from_millis(200));
    signal(redis.pid(), libc::SIGCONT);
    let took = until_me_ok(&addr, &token, Duration::from_secs(5));
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn smuggling_shapes_are_refused() {
    let _one = serial();
    let st = stack_with(&[]);
    let s = st.s();
    let limit = Duration::from_secs(5);
    let status = |req: &str| try_request(s, req.as_bytes(), limit).map(|a| a.0);
    let body = r#"{"code":"abc"}"#;
    // Two Content-Length values that disagree.
    assert_eq!(
        status(&format!("POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 14\r\nContent-Length: 5\r\n\r\n{body}")),
        Some(400)
    );
    // A space between a header name and its colon.
    assert_eq!(
        status(&format!("POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length : 14\r\n\r\n{body}")),
        Some(400)
    );
    // An obsolete folded header line.
    assert_eq!(
        status("GET /api/me HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\nConnection: close\r\n\r\n"),
        Some(400)
    );
    // An HTTP version that does not exist.
    assert_eq!(
        status("GET /api/me HTTP/1.9\r\nHost: x\r\nConnection: close\r\n\r\n"),
        Some(400)
    );
    // Transfer-Encoding beside Content-Length: 411, never a body read two ways.
    assert_eq!(
        status(&format!("POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 14\r\nTransfer-Encoding: chunked\r\n\r\n{body}")),
        Some(411)
    );
    // hyper has no setting to require Host: a request without one is served.
    assert_eq!(
        status("GET /api/me HTTP/1.1\r\nConnection: close\r\n\r\n"),
        Some(401)
    );
    // Still serving.
    assert_eq!(
        status("GET /api/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        Some(401)
    );
}

/// CPU seconds (user + system) the process has used so far.
fn cpu_seconds(pid: i32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of stat(5); after the ")" they are the 12th and 13th.
    (ticks(11) + ticks(12)) / 100.0
}

#[test]
fn out_of_file_descriptors_the_accept_loop_backs_off() {
    let _one = serial();
    let standin = standin();
    let db = TempPath::new("fd.db");
    let env = server_env(&standin.base, &db);
    // A shell lowers the limit (soft and hard) to 48 files, then becomes the server.
    let script = format!(
        "ulimit -n 48 && exec {}",
        env!("CARGO_BIN_EXE_wx-auth-server")
    );
    let server = Proc::start_shell(&script, &env);
    let addr = server.addr().to_string();
    let mut held: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(&addr).expect("connect (the backlog takes them)"))
        .collect();
    thread::sleep(Duration::from_millis(500));
    let cpu_before = cpu_seconds(server.pid());
    let lines_before = server.log().lines().count();
    thread::sleep(Duration::from_secs(3));
    let cpu = cpu_seconds(server.pid()) - cpu_before;
    let lines = server.log().lines().count() - lines_before;
    assert!(cpu < 0.3, "the accept loop used {cpu} s of CPU in 3 s");
    assert!(lines <= 3, "{lines} log lines in 3 s:\n{}", server.log());
    assert!(
        server.log().contains("accept failed"),
        "the failure is logged: {}",
        server.log()
    );
    held.clear();
    // Once descriptors are free again (the held ones closed, the accepted ones cut by
    // the header deadline), the server serves.
    let start = Instant::now();
    let nowhere = format!("GET /nowhere HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    loop {
        if let Some((404, _)) = try_request(&addr, nowhere.as_bytes(), Duration::from_secs(2)) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "not serving again"
        );
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let _one = serial();
    let mut st = stack_with(&[]);
    let token = st.token("c-term");
    // An idle keep-alive connection does not hold the shutdown up.
    let mut idle = TcpStream::connect(st.s()).unwrap();
    idle.write_all(me_request(st.s(), &token).as_slice())
        .unwrap();
    signal(st.server.pid(), libc::SIGTERM);
    let code = st.server.wait_exit(Duration::from_secs(5));
    assert_eq!(code, Some(Some(0)), "exit status after SIGTERM");
    assert!(st.server.log().contains("stopped"), "{}", st.server.log());
}

/// Writes `byte` every `every` until the server answers (its JSON body ends with `}`), the
/// connection closes, or `limit` has passed since `start`; what came back, as text. The
/// stream needs a short read timeout, so each round reads what has arrived and goes on.
fn trickle(
    s: &mut TcpStream,
    byte: &[u8],
    every: Duration,
    start: Instant,
    limit: Duration,
) -> String {
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while start.elapsed() < limit {
        let _ = s.write_all(byte);
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        if answer.ends_with(b"}") {
            break;
        }
        thread::sleep(every);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// How long a multipart upload may take (src/upload.rs).
const UPLOAD_DEADLINE: Duration = Duration::from_secs(10);

/// The head of `POST /auth/profile` announcing a multipart body of `length` bytes.
fn upload_head(token: &str, length: usize) -> String {
    format!(
        "POST /auth/profile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n",
        support::BOUNDARY
    )
}

#[test]
fn oversized_uploads_are_refused_promptly_and_the_server_stays_up() {
    let _one = serial();
    let st = stack_with(&[]);
    let token = st.token("c-big");
    let addr = st.s().to_string();
    // An avatar one byte over 1 MiB, sent whole: 413 as soon as it is counted.
    let mut avatar = support::tiny_png();
    avatar.resize(1024 * 1024 + 1, 0);
    let start = Instant::now();
    let a = support::upload_profile(&addr, Some(&token), "小明", &avatar);
    assert_eq!(
        (a.status, a.code().as_str()),
        (413, "AVATAR_TOO_LARGE"),
        "{}",
        a.body
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // 100 MB announced, 16 clients at once: refused unread, at once.
    thread::scope(|scope| {
        let clients: Vec<_> = (0..16)
            .map(|_| {
                let (addr, token) = (addr.clone(), token.clone());
                scope.spawn(move || {
                    let mut request = upload_head(&token, 100_000_000).into_bytes();
                    request.extend_from_slice(&[0u8; 4096]);
                    let t = Instant::now();
                    (
                        try_request(&addr, &request, Duration::from_secs(3)),
                        t.elapsed(),
                    )
                })
            })
            .collect();
        let seen = legit_client(&addr, &token, Duration::from_secs(2));
        for c in clients {
            let (answer, took) = c.join().unwrap();
            let (status, body) = answer.expect("every oversized upload is answered");
            assert_eq!(status, 413, "{body}");
            assert!(body.contains("AVATAR_TOO_LARGE"), "{body}");
            assert!(took < Duration::from_secs(1), "took {took:?}");
        }
        seen.check("oversized uploads");
    });
    let ok = support::upload_profile(&addr, Some(&token), "小明", &support::tiny_png());
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[test]
fn slow_uploads_get_408_at_the_upload_deadline_and_hold_nothing_longer() {
    let _one = serial();
    let st = stack_with(&[]);
    let token = st.token("c-slow-up");
    let addr = st.s().to_string();
    let start = Instant::now();
    thread::scope(|scope| {
        let uploads: Vec<_> = (0..32)
            .map(|_| {
                let (addr, token) = (addr.clone(), token.clone());
                scope.spawn(move || {
                    let mut s = TcpStream::connect(&addr).unwrap();
                    s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
                    s.write_all(upload_head(&token, 200_000).as_bytes()).unwrap();
                    let opening = format!(
                        "--{}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n\r\n",
                        support::BOUNDARY
                    );
                    s.write_all(opening.as_bytes()).unwrap();
                    // A byte every 0.4 s: never the whole body.
                    let every = Duration::from_millis(400);
                    let limit = UPLOAD_DEADLINE + SLACK + SLACK;
                    let text = trickle(&mut s, b"x", every, start, limit);
                    (text, start.elapsed())
                })
            })
            .collect();
        // Those 32 fill the uploads the server reads at once: one more is turned away at
        // once (503, try again), not queued behind them.
        thread::sleep(Duration::from_secs(1));
        let t = Instant::now();
        let more = support::upload_profile(&addr, Some(&token), "小明", &support::tiny_png());
        assert_eq!(
            (more.status, more.json()["code"].as_str()),
            (503, Some("BUSY")),
            "{}",
            more.body
        );
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        let seen = legit_client(&addr, &token, Duration::from_secs(6));
        for u in uploads {
            let (text, at) = u.join().unwrap();
            assert!(text.starts_with("HTTP/1.1 408"), "{text}");
            assert!(text.contains("REQUEST_TIMEOUT"), "{text}");
            assert!(
                at >= UPLOAD_DEADLINE - SLACK && at <= UPLOAD_DEADLINE + SLACK,
                "answered after {at:?}"
            );
        }
        seen.check("32 slow uploads");
    });
    let ok = support::upload_profile(&addr, Some(&token), "小明", &support::tiny_png());
    assert_eq!(ok.status, 200, "{}", ok.body);
}

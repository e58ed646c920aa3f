//! The two binaries over real HTTP on loopback: the server against the stand-in.

mod support;

use std::time::Duration;
use support::{
    get, post_json, register_code, register_phone_code, request, server_with, stack_with, standin,
    Proc, Redis, Stack, TempPath, APPID, SECRET,
};
use wx_auth::wire::{BackendCode, ErrorBody, LoginReply, UnbindReply};
use wx_auth_server::standin::openid_for;

fn stack() -> Stack {
    stack_with(&[])
}

impl Stack {
    fn fail_next(&self, errcode: i64) {
        let a = post_json(
            self.standin.addr(),
            "/_standin/fail",
            None,
            &format!(r#"{{"errcode":{errcode}}}"#),
        );
        assert_eq!(a.status, 200, "{}", a.body);
    }
    fn login(&self, code: &str) -> support::Answer {
        post_json(
            self.s(),
            "/auth/login",
            None,
            &format!(r#"{{"code":"{code}"}}"#),
        )
    }
    fn login_as(&self, code: &str, user: &str) -> String {
        self.register(code, user);
        let a = self.login(code);
        assert_eq!(a.status, 200, "{}", a.body);
        a.wire::<LoginReply>().token
    }
}

#[test]
fn login_me_logout_me_refused() {
    let st = stack();
    st.register("code-000001", "xiaoming");
    let a = st.login("code-000001");
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("application/json"));
    let LoginReply {
        token,
        expires_in,
        profile,
    } = a.wire();
    assert_eq!(profile, None, "no profile saved yet");
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(expires_in, 7200);
    let body = a.json();
    assert_eq!(
        body.as_object().unwrap().len(),
        2,
        "only token and expiresIn: {body}"
    );

    let me = get(st.s(), "/api/me", Some(&token));
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["openid"], openid_for(APPID, "xiaoming").as_str());
    let since = me.json()["since"].as_u64().unwrap();
    assert!(since.abs_diff(wx_auth_server::unix_now()) < 600);

    let out = post_json(st.s(), "/auth/logout", Some(&token), "");
    assert_eq!(
        (out.status, out.wire::<UnbindReply>()),
        (200, UnbindReply { ok: true })
    );
    let me = get(st.s(), "/api/me", Some(&token));
    assert_eq!((me.status, me.code()), (401, "UNAUTHORIZED".to_string()));
    // Idempotent: again, with a garbage token, with none.
    assert_eq!(
        post_json(st.s(), "/auth/logout", Some(&token), "").status,
        200
    );
    assert_eq!(
        post_json(st.s(), "/auth/logout", Some("nonsense"), "").status,
        200
    );
    assert_eq!(request(st.s(), "POST", "/auth/logout", &[], "").status, 200);
    assert_eq!(get(st.s(), "/api/me", None).status, 401);
    assert_eq!(get(st.s(), "/api/me", Some(&"0".repeat(64))).status, 401);
}

#[test]
fn a_second_login_of_the_same_user_keeps_since_and_both_sessions() {
    let st = stack();
    let t1 = st.login_as("c1", "xiaoming");
    let t2 = st.login_as("c2", "xiaoming");
    let t3 = st.login_as("c3", "xiaohong");
    let me = |t: &str| get(st.s(), "/api/me", Some(t)).json();
    assert_eq!(me(&t1)["since"], me(&t2)["since"]);
    assert_eq!(me(&t1)["openid"], me(&t2)["openid"]);
    assert_ne!(me(&t1)["openid"], me(&t3)["openid"]);
}

#[test]
fn wechat_errors_map_to_stable_answers() {
    let st = stack();
    for (errcode, status, code) in [
        (-1, 503, "WECHAT_BUSY"),
        (40029, 400, "INVALID_CODE"),
        (40163, 400, "CODE_USED"),
        (45011, 429, "RATE_LIMITED"),
        (40226, 403, "USER_BLOCKED"),
    ] {
        st.register("code-err", "xiaoming");
        st.fail_next(errcode);
        let a = st.login("code-err");
        assert_eq!(
            (a.status, a.code()),
            (status, code.to_string()),
            "errcode {errcode}: {}",
            a.body
        );
        let body: ErrorBody = a.wire();
        assert_eq!(body.code, BackendCode::Name(code.to_string()));
        assert!(!body.message.is_empty());
    }
    // The real thing, not injected: unknown code, reused code, expired code.
    assert_eq!(st.login("never-registered").code(), "INVALID_CODE");
    st.login_as("code-once", "xiaoming");
    let again = st.login("code-once");
    assert_eq!((again.status, again.code()), (400, "CODE_USED".to_string()));
    st.register("code-late", "xiaoming");
    let a = post_json(
        st.standin.addr(),
        "/_standin/clock",
        None,
        r#"{"advanceSeconds":301}"#,
    );
    assert_eq!(a.status, 200);
    assert_eq!(st.login("code-late").code(), "INVALID_CODE");
}

#[test]
fn input_is_checked_at_the_door_and_nothing_reaches_wechat() {
    let st = stack();
    st.register("code-door", "xiaoming");
    let s = st.s();
    let body = r#"{"code":"code-door"}"#;
    let cases: Vec<(support::Answer, u16, &str)> = vec![
        (
            request(
                s,
                "POST",
                "/auth/login",
                &[("Content-Type", "text/plain")],
                body,
            ),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            request(s, "POST", "/auth/login", &[], body),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            post_json(
                s,
                "/auth/login",
                None,
                &format!(r#"{{"code":"code-door","pad":"{}"}}"#, "x".repeat(2000)),
            ),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            post_json(s, "/auth/login", None, "{not json"),
            400,
            "BAD_REQUEST",
        ),
        (post_json(s, "/auth/login", None, "[]"), 400, "BAD_REQUEST"),
        (
            post_json(s, "/auth/login", None, r#"{"code":7}"#),
            400,
            "BAD_REQUEST",
        ),
        (
            post_json(s, "/auth/login", None, r#"{"code":""}"#),
            400,
            "BAD_REQUEST",
        ),
        (
            post_json(
                s,
                "/auth/login",
                None,
                &format!(r#"{{"code":"{}"}}"#, "a".repeat(129)),
            ),
            400,
            "BAD_REQUEST",
        ),
        (
            post_json(s, "/auth/login", None, r#"{"code":"code door"}"#),
            400,
            "BAD_REQUEST",
        ),
        (
            post_json(s, "/auth/login", None, r#"{"code":"code-dööor"}"#),
            400,
            "BAD_REQUEST",
        ),
        (
            post_json(s, "/auth/login", None, r#"{"code":"code-door&secret=x"}"#),
            400,
            "BAD_REQUEST",
        ),
        (
            request(s, "GET", "/auth/login", &[], ""),
            405,
            "METHOD_NOT_ALLOWED",
        ),
        (
            request(s, "POST", "/api/me", &[], ""),
            405,
            "METHOD_NOT_ALLOWED",
        ),
        (get(s, "/nowhere", None), 404, "NOT_FOUND"),
    ];
    for (i, (a, status, code)) in cases.iter().enumerate() {
        assert_eq!(
            (a.status, a.code().as_str()),
            (*status, *code),
            "case {i}: {}",
            a.body
        );
        assert_eq!(
            a.header("content-type"),
            Some("application/json"),
            "case {i}"
        );
    }
    // A 128-character code passes the door (and WeChat says it is unknown).
    let long = post_json(
        s,
        "/auth/login",
        None,
        &format!(r#"{{"code":"{}"}}"#, "a".repeat(128)),
    );
    assert_eq!(long.code(), "INVALID_CODE");
    // The code was never sent to WeChat: it still works.
    let ok = post_json(s, "/auth/login", None, body);
    assert_eq!(ok.status, 200, "{}", ok.body);
    let with_charset = request(
        s,
        "POST",
        "/auth/login",
        &[("Content-Type", "application/json; charset=utf-8")],
        r#"{"code":"x"}"#,
    );
    assert_eq!(
        with_charset.code(),
        "INVALID_CODE",
        "a charset parameter is fine"
    );
}

#[test]
fn unbind_needs_the_same_user_present_then_erases_the_binding() {
    let st = stack();
    let s = st.s();
    let t1 = st.login_as("c1", "xiaoming");
    let t2 = st.login_as("c2", "xiaoming");
    let other = st.login_as("c3", "xiaohong");
    let since = get(s, "/api/me", Some(&t1)).json()["since"]
        .as_u64()
        .unwrap();

    st.register("u1", "xiaoming");
    assert_eq!(
        post_json(s, "/auth/unbind", None, r#"{"code":"u1"}"#).status,
        401
    );
    assert_eq!(
        post_json(s, "/auth/unbind", Some(&"f".repeat(64)), r#"{"code":"u1"}"#).status,
        401
    );
    assert_eq!(
        post_json(s, "/auth/unbind", Some(&t1), r#"{"code":""}"#).status,
        400
    );
    let wrong = request(
        s,
        "POST",
        "/auth/unbind",
        &[("Authorization", &format!("Bearer {t1}"))],
        r#"{"code":"u1"}"#,
    );
    assert_eq!(wrong.status, 415);
    // A code of another user: refused, nothing deleted.
    st.register("u-other", "xiaohong");
    let a = post_json(s, "/auth/unbind", Some(&t1), r#"{"code":"u-other"}"#);
    assert_eq!((a.status, a.code()), (403, "IDENTITY_MISMATCH".to_string()));
    assert_eq!(get(s, "/api/me", Some(&t1)).status, 200);
    // WeChat's refusals map as for login.
    st.fail_next(-1);
    assert_eq!(
        post_json(s, "/auth/unbind", Some(&t1), r#"{"code":"u1"}"#).status,
        503
    );
    // The used code is refused.
    assert_eq!(
        post_json(s, "/auth/unbind", Some(&t1), r#"{"code":"c1"}"#).code(),
        "CODE_USED"
    );

    let a = post_json(s, "/auth/unbind", Some(&t1), r#"{"code":"u1"}"#);
    assert_eq!(
        (a.status, a.wire::<UnbindReply>()),
        (200, UnbindReply { ok: true }),
        "{}",
        a.body
    );
    assert_eq!(get(s, "/api/me", Some(&t1)).status, 401);
    assert_eq!(
        get(s, "/api/me", Some(&t2)).status,
        401,
        "every session of the user ends"
    );
    assert_eq!(
        get(s, "/api/me", Some(&other)).status,
        200,
        "other users keep theirs"
    );

    std::thread::sleep(Duration::from_millis(1100)); // so a new binding has a later second
    let t4 = st.login_as("c4", "xiaoming");
    let me = get(s, "/api/me", Some(&t4)).json();
    assert_eq!(me["openid"], openid_for(APPID, "xiaoming").as_str());
    assert!(
        me["since"].as_u64().unwrap() > since,
        "a brand-new binding: {me} vs {since}"
    );
}

#[test]
fn wechat_misconfigured_or_unreachable_is_502_without_secrets() {
    let standin = standin();
    let (server, _db) = server_with(&standin.base, &[("WX_SECRET", "wrong-secret-77")]);
    let a = post_json(server.addr(), "/auth/login", None, r#"{"code":"abc"}"#);
    assert_eq!((a.status, a.code()), (502, "WECHAT_ERROR".to_string()));
    assert!(a.body.contains("40125"), "{}", a.body);
    assert!(!a.body.contains("wrong-secret-77"));

    let port = support::free_port();
    let (server, _db) = server_with(&format!("http://127.0.0.1:{port}"), &[]);
    let a = post_json(server.addr(), "/auth/login", None, r#"{"code":"abc"}"#);
    assert_eq!((a.status, a.code()), (502, "WECHAT_ERROR".to_string()));
    assert!(!a.body.contains(SECRET));
    assert!(!server.log().contains(SECRET));
}

#[test]
fn logs_hold_no_secret_code_or_token() {
    let st = stack();
    let token = st.login_as("code-logme-1", "xiaoming");
    get(st.s(), "/api/me", Some(&token));
    st.fail_next(40226);
    st.register("code-logme-2", "xiaoming");
    st.login("code-logme-2");
    post_json(st.s(), "/auth/logout", Some(&token), "");
    let log = st.server.log();
    assert!(
        log.contains("POST /auth/login 200"),
        "the log records requests: {log}"
    );
    for secret in [
        SECRET,
        token.as_str(),
        "code-logme-1",
        "code-logme-2",
        "session_key",
    ] {
        assert!(
            !log.contains(secret),
            "the server log contains {secret:?}:\n{log}"
        );
    }
    let standin_log = st.standin.log();
    assert!(!standin_log.contains(SECRET), "{standin_log}");
}

#[test]
fn the_server_refuses_to_start_without_credentials() {
    let (code, stdout, stderr) =
        Proc::exit_code(env!("CARGO_BIN_EXE_wx-auth-server"), &[("WX_APPID", "wx1")]);
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
    assert!(stderr.contains("WX_SECRET is required"), "{stderr}");
}

#[test]
fn two_servers_on_one_redis_share_sessions() {
    let redis = Redis::start();
    let url = redis.url();
    let standin = standin();
    let (a, _d1) = server_with(&standin.base, &[("REDIS_URL", &url)]);
    let (b, _d2) = server_with(&standin.base, &[("REDIS_URL", &url)]);
    register_code(&standin, "r1", "xiaoming");
    let login = post_json(a.addr(), "/auth/login", None, r#"{"code":"r1"}"#);
    assert_eq!(login.status, 200, "{}", login.body);
    let token = login.json()["token"].as_str().unwrap().to_string();
    assert_eq!(get(b.addr(), "/api/me", Some(&token)).status, 200);
    assert_eq!(
        post_json(b.addr(), "/auth/logout", Some(&token), "").status,
        200
    );
    assert_eq!(get(a.addr(), "/api/me", Some(&token)).status, 401);
    // With Redis gone, the server answers 500 JSON and keeps running.
    drop(redis);
    let me = get(a.addr(), "/api/me", Some(&token));
    assert_eq!((me.status, me.code()), (500, "INTERNAL".to_string()));
    assert_eq!(
        post_json(a.addr(), "/auth/logout", Some(&token), "").status,
        500
    );
    assert_eq!(get(a.addr(), "/nowhere", None).status, 404, "still serving");
}

#[test]
fn hostile_requests_get_clear_answers_and_the_server_stays_up() {
    let st = stack();
    let s = st.s();
    // A huge announced body is refused unread (no allocation of its size).
    let huge = support::raw(
        s,
        b"POST /auth/login HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 999999999999999\r\n\r\n{\"code\":",
    );
    assert_eq!(
        (huge.status, huge.code()),
        (413, "PAYLOAD_TOO_LARGE".to_string())
    );
    let head = format!(
        "GET /api/me HTTP/1.1\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(9000)
    );
    assert_eq!(support::raw(s, head.as_bytes()).status, 431);
    // A head hyper cannot parse gets hyper's own answer: the status, no body.
    assert_eq!(support::raw(s, b"NONSENSE\r\n\r\n").status, 400);
    assert_eq!(
        support::raw(s, b"GET /api/me HTTP/1.1\r\nContent-Length: x\r\n\r\n").status,
        400
    );
    let chunked = support::raw(
        s,
        b"POST /auth/login HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n0\r\n\r\n",
    );
    assert_eq!(
        (chunked.status, chunked.code()),
        (411, "LENGTH_REQUIRED".to_string())
    );
    // A client that announces a body and hangs up early.
    {
        use std::io::Write;
        let mut c = std::net::TcpStream::connect(s).unwrap();
        c.write_all(b"POST /auth/login HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{").unwrap();
    }
    // Still serving, and a normal login works.
    assert_eq!(get(s, "/api/me", None).status, 401);
    st.login_as("after-hostile", "xiaoming");
}

#[test]
fn two_servers_on_one_redis_survive_it_going_away_and_coming_back() {
    let mut redis = Redis::start();
    let url = redis.url();
    let standin = standin();
    let (a, _d1) = server_with(&standin.base, &[("REDIS_URL", &url)]);
    let (b, _d2) = server_with(&standin.base, &[("REDIS_URL", &url)]);
    register_code(&standin, "gone1", "xiaoming");
    let login = post_json(a.addr(), "/auth/login", None, r#"{"code":"gone1"}"#);
    assert_eq!(login.status, 200, "{}", login.body);
    let token = login.json()["token"].as_str().unwrap().to_string();
    assert_eq!(redis.command("SAVE").as_deref(), Some("+OK"));
    redis.kill();
    for s in [&a, &b] {
        let me = get(s.addr(), "/api/me", Some(&token));
        assert_eq!((me.status, me.code()), (500, "INTERNAL".to_string()));
        assert_eq!(get(s.addr(), "/nowhere", None).status, 404, "still serving");
    }
    redis.revive();
    let back = std::time::Instant::now();
    for s in [&a, &b] {
        while get(s.addr(), "/api/me", Some(&token)).status != 200 {
            assert!(
                back.elapsed() < Duration::from_secs(1),
                "not back within a second"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    assert_eq!(
        post_json(b.addr(), "/auth/logout", Some(&token), "").status,
        200
    );
    assert_eq!(get(a.addr(), "/api/me", Some(&token)).status, 401);
}

// Phone-number verification and UnionID.

impl Stack {
    fn register_phone(&self, code: &str, user: &str, number: &str) {
        let a = post_json(
            self.standin.addr(),
            "/_standin/phone-codes",
            None,
            &format!(r#"{{"code":"{code}","user":"{user}","phoneNumber":"{number}"}}"#),
        );
        assert_eq!(a.status, 200, "{}", a.body);
    }
    fn phone(&self, token: Option<&str>, code: &str) -> support::Answer {
        post_json(
            self.s(),
            "/auth/phone",
            token,
            &format!(r#"{{"code":"{code}"}}"#),
        )
    }
}

fn billing(standin: &Proc) -> (u64, u64, u64) {
    let a = get(standin.addr(), "/_standin/billing", None);
    assert_eq!(a.status, 200, "{}", a.body);
    let b = a.json();
    let n = |k: &str| b[k].as_u64().unwrap_or_else(|| panic!("{k} in {b}"));
    (
        n("phoneVerifications"),
        n("stableTokenCalls"),
        n("forceRefreshes"),
    )
}

fn fail_phone(standin: &Proc, errcode: i64) {
    let a = post_json(
        standin.addr(),
        "/_standin/fail",
        None,
        &format!(r#"{{"errcode":{errcode},"api":"getuserphonenumber"}}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
}

#[test]
fn phone_verification_stores_the_number_and_answers_it_masked() {
    let st = stack();
    let token = st.login_as("c1", "xiaoming");
    st.register_phone("p1", "xiaoming", "13912345678");
    let a = st.phone(Some(&token), "p1");
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("application/json"));
    let reply: wx_auth::wire::PhoneReply = a.wire();
    assert_eq!(reply.phone_number, "139****5678");
    assert_eq!(reply.country_code, "86");
    assert_eq!(a.json().as_object().unwrap().len(), 2, "{}", a.body);
    assert_eq!(billing(&st.standin), (1, 1, 0));
    // The full number is stored with the user.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = wx_auth_server::store::SqliteStore::open(st.db.as_str()).unwrap();
    let stored = rt.block_on(wx_auth_server::store::SessionStore::phone(
        &store,
        &openid_for(APPID, "xiaoming"),
    ));
    assert_eq!(stored.unwrap().unwrap().number, "13912345678");
    // A second verification uses the cached token: no new stable_token call.
    st.register_phone("p2", "xiaoming", "13800138000");
    let a = st.phone(Some(&token), "p2");
    assert_eq!(a.json()["phoneNumber"], "138****8000", "{}", a.body);
    assert_eq!(billing(&st.standin), (2, 1, 0));
    let log = st.server.log();
    for secret in ["13912345678", "13800138000", "p1", "p2", token.as_str()] {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
    // The stand-in's access tokens are AT_ and hex (WECHAT_BUSY also holds "AT_").
    assert!(
        !log.match_indices("AT_")
            .any(|(i, _)| log[i + 3..].starts_with(|c: char| c.is_ascii_hexdigit())),
        "the log holds an access token:\n{log}"
    );
    assert!(log.contains("POST /auth/phone 200"), "{log}");
}

#[test]
fn phone_needs_a_session_before_anything_reaches_wechat() {
    let st = stack();
    st.register_phone("p1", "xiaoming", "13912345678");
    for bearer in [None, Some("f".repeat(64)), Some("nonsense".to_string())] {
        let a = st.phone(bearer.as_deref(), "p1");
        assert_eq!((a.status, a.code()), (401, "UNAUTHORIZED".to_string()));
    }
    assert_eq!(billing(&st.standin), (0, 0, 0), "WeChat was not asked");
    let token = st.login_as("c1", "xiaoming");
    // The door: content type, body, code shape, size; nothing spent.
    let s = st.s();
    let auth = format!("Bearer {token}");
    let cases = [
        (
            request(
                s,
                "POST",
                "/auth/phone",
                &[("Authorization", &auth), ("Content-Type", "text/plain")],
                r#"{"code":"p1"}"#,
            ),
            415,
        ),
        (post_json(s, "/auth/phone", Some(&token), "{"), 400),
        (post_json(s, "/auth/phone", Some(&token), "{}"), 400),
        (st.phone(Some(&token), "p 1"), 400),
        (
            post_json(
                s,
                "/auth/phone",
                Some(&token),
                &format!(r#"{{"code":"p1","pad":"{}"}}"#, "x".repeat(2000)),
            ),
            413,
        ),
        (request(s, "GET", "/auth/phone", &[], ""), 405),
    ];
    for (i, (a, status)) in cases.iter().enumerate() {
        assert_eq!(a.status, *status, "case {i}: {}", a.body);
    }
    assert_eq!(billing(&st.standin).0, 0);
    assert_eq!(st.phone(Some(&token), "p1").status, 200);
}

#[test]
fn phone_codes_are_single_use_and_bound_to_their_user() {
    let st = stack();
    let ming = st.login_as("c1", "xiaoming");
    let hong = st.login_as("c2", "xiaohong");
    st.register_phone("p1", "xiaoming", "13912345678");
    assert_eq!(st.phone(Some(&ming), "p1").status, 200);
    let again = st.phone(Some(&ming), "p1");
    assert_eq!(
        (again.status, again.code()),
        (400, "INVALID_CODE".to_string())
    );
    assert_eq!(st.phone(Some(&ming), "never-minted").code(), "INVALID_CODE");
    // The server sends the session's openid: WeChat refuses another user's code, and
    // the code stays good for its owner.
    st.register_phone("p2", "xiaohong", "13700137000");
    let other = st.phone(Some(&ming), "p2");
    assert_eq!(
        (other.status, other.code()),
        (400, "INVALID_CODE".to_string())
    );
    let own = st.phone(Some(&hong), "p2");
    assert_eq!(own.json()["phoneNumber"], "137****7000", "{}", own.body);
    // Expired (5 minutes).
    st.register_phone("p3", "xiaoming", "13912345678");
    post_json(
        st.standin.addr(),
        "/_standin/clock",
        None,
        r#"{"advanceSeconds":301}"#,
    );
    assert_eq!(st.phone(Some(&ming), "p3").code(), "INVALID_CODE");
}

#[test]
fn phone_wechat_errors_map_to_stable_answers_and_leave_the_code() {
    let st = stack();
    let token = st.login_as("c1", "xiaoming");
    st.register_phone("p1", "xiaoming", "13912345678");
    for (errcode, status, code) in [
        (-1, 503, "WECHAT_BUSY"),
        (45011, 429, "RATE_LIMITED"),
        (40029, 400, "INVALID_CODE"),
        (48001, 502, "WECHAT_ERROR"),
    ] {
        fail_phone(&st.standin, errcode);
        let a = st.phone(Some(&token), "p1");
        assert_eq!(
            (a.status, a.code()),
            (status, code.to_string()),
            "errcode {errcode}: {}",
            a.body
        );
    }
    assert_eq!(st.phone(Some(&token), "p1").status, 200);
    assert_eq!(billing(&st.standin), (1, 1, 0));
}

#[test]
fn an_invalid_token_is_fetched_again_once_and_never_forced() {
    let st = stack();
    let token = st.login_as("c1", "xiaoming");
    st.register_phone("p1", "xiaoming", "13912345678");
    assert_eq!(st.phone(Some(&token), "p1").status, 200);
    assert_eq!(billing(&st.standin), (1, 1, 0));
    // Revoked at WeChat (as a force refresh elsewhere does): 40001, then one normal-mode
    // fetch and the call again.
    let a = post_json(st.standin.addr(), "/_standin/revoke-token", None, "{}");
    assert_eq!(a.status, 200);
    st.register_phone("p2", "xiaoming", "13912345678");
    let a = st.phone(Some(&token), "p2");
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(billing(&st.standin), (2, 2, 0));
    // 42001 (expired) likewise.
    fail_phone(&st.standin, 42001);
    st.register_phone("p3", "xiaoming", "13912345678");
    assert_eq!(st.phone(Some(&token), "p3").status, 200);
    assert_eq!(billing(&st.standin), (3, 3, 0));
    // Refused twice: one retry only, 502, and the code is not spent.
    fail_phone(&st.standin, 40001);
    fail_phone(&st.standin, 40001);
    st.register_phone("p4", "xiaoming", "13912345678");
    let a = st.phone(Some(&token), "p4");
    assert_eq!((a.status, a.code()), (502, "WECHAT_ERROR".to_string()));
    assert_eq!(billing(&st.standin), (3, 4, 0));
    assert_eq!(st.phone(Some(&token), "p4").status, 200);
    assert_eq!(billing(&st.standin).2, 0, "never force_refresh");
}

/// Six verifications at once on two fresh instances sharing `store_env`: one
/// `stable_token` call for all.
fn one_token_for_two_instances(store_env: &[(&str, &str)]) {
    let standin = standin();
    let (a, _d1) = server_with(&standin.base, store_env);
    let (b, _d2) = server_with(&standin.base, store_env);
    let mut work = Vec::new();
    for i in 0..6 {
        let user = format!("user{i}");
        let code = format!("login{i}");
        register_code(&standin, &code, &user);
        let server = if i % 2 == 0 { &a } else { &b };
        let login = post_json(
            server.addr(),
            "/auth/login",
            None,
            &format!(r#"{{"code":"{code}"}}"#),
        );
        assert_eq!(login.status, 200, "{}", login.body);
        register_phone_code(&standin, &format!("phone{i}"), &user);
        work.push((
            server,
            login.wire::<LoginReply>().token,
            format!("phone{i}"),
        ));
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = work
            .iter()
            .map(|(server, token, code)| {
                scope.spawn(move || {
                    post_json(
                        server.addr(),
                        "/auth/phone",
                        Some(token),
                        &format!(r#"{{"code":"{code}"}}"#),
                    )
                })
            })
            .collect();
        for h in handles {
            let a = h.join().unwrap();
            assert_eq!(a.status, 200, "{}", a.body);
        }
    });
    assert_eq!(
        billing(&standin),
        (6, 1, 0),
        "one stable_token call for both"
    );
}

#[test]
fn two_servers_on_one_redis_share_one_access_token() {
    let redis = Redis::start();
    one_token_for_two_instances(&[("REDIS_URL", &redis.url())]);
}

#[test]
fn two_servers_on_one_sqlite_file_share_one_access_token() {
    let db = TempPath::new("shared.db");
    one_token_for_two_instances(&[("DATABASE_PATH", db.as_str())]);
}

#[test]
fn a_unionid_from_wechat_is_stored_and_shown_by_me() {
    let st = stack();
    let reg = post_json(
        st.standin.addr(),
        "/_standin/codes",
        None,
        r#"{"code":"u1","user":"xiaoming","unionid":"oUnion-xiaoming-1"}"#,
    );
    assert_eq!(reg.status, 200, "{}", reg.body);
    let a = st.login("u1");
    assert_eq!(a.status, 200);
    assert_eq!(
        a.json().as_object().unwrap().len(),
        2,
        "not in the login answer"
    );
    let token = a.wire::<LoginReply>().token;
    let me = get(st.s(), "/api/me", Some(&token)).json();
    assert_eq!(me["unionid"], "oUnion-xiaoming-1", "{me}");
    // The user keeps it on later logins; a user without one has no member at all.
    let t2 = st.login_as("u2", "xiaoming");
    assert_eq!(
        get(st.s(), "/api/me", Some(&t2)).json()["unionid"],
        "oUnion-xiaoming-1"
    );
    let other = st.login_as("u3", "xiaohong");
    let me = get(st.s(), "/api/me", Some(&other)).json();
    assert!(me.get("unionid").is_none(), "{me}");
    assert!(
        !st.server.log().contains("oUnion"),
        "the log holds the unionid"
    );
}

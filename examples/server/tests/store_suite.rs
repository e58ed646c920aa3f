//! One suite, two stores: every case runs against SQLite and against a real Redis.

mod support;

use support::{Redis, TempPath};
use wx_auth_server::store::{RedisStore, SessionInfo, SessionStore, SqliteStore};
use wx_auth_server::token;

const T0: u64 = 1_800_000_000;

fn hash(n: u32) -> String {
    token::hash(&format!("token-{n}"))
}

fn login(store: &dyn SessionStore, openid: &str, n: u32, now: u64, ttl: u64) -> u64 {
    store
        .create_session(openid, &hash(n), now, now + ttl)
        .expect("create_session")
}

fn lookup(store: &dyn SessionStore, n: u32, now: u64) -> Option<SessionInfo> {
    store.session(&hash(n), now).expect("session")
}

fn a_session_is_found_by_its_hash_until_it_expires(s: &dyn SessionStore) {
    let since = login(s, "o-alice", 1, T0, 60);
    assert_eq!(since, T0);
    let info = lookup(s, 1, T0 + 59).expect("live at expiry - 1");
    assert_eq!(
        info,
        SessionInfo {
            openid: "o-alice".into(),
            since: T0,
            expires_at: T0 + 60
        }
    );
    assert_eq!(lookup(s, 1, T0 + 60), None, "ended at expires_at");
    assert_eq!(lookup(s, 1, T0), None, "an expired session stays gone");
    assert_eq!(lookup(s, 2, T0), None, "unknown hash");
    assert_eq!(s.session(&token::hash("token-1"), T0 + 1).unwrap(), None);
}

fn a_later_login_keeps_the_binding_and_its_since(s: &dyn SessionStore) {
    assert_eq!(login(s, "o-alice", 1, T0, 3600), T0);
    assert_eq!(login(s, "o-alice", 2, T0 + 100, 3600), T0);
    assert_eq!(lookup(s, 1, T0 + 200).unwrap().since, T0);
    assert_eq!(lookup(s, 2, T0 + 200).unwrap().since, T0);
    assert_eq!(login(s, "o-bob", 3, T0 + 100, 3600), T0 + 100);
}

fn revoke_ends_one_session_and_is_idempotent(s: &dyn SessionStore) {
    login(s, "o-alice", 1, T0, 3600);
    login(s, "o-alice", 2, T0, 3600);
    s.revoke(&hash(1)).unwrap();
    assert_eq!(lookup(s, 1, T0 + 1), None);
    assert!(lookup(s, 2, T0 + 1).is_some(), "the other session stays");
    s.revoke(&hash(1)).unwrap();
    s.revoke(&hash(99)).unwrap();
}

fn unbind_removes_the_user_and_every_session_and_nothing_else(s: &dyn SessionStore) {
    login(s, "o-alice", 1, T0, 3600);
    login(s, "o-alice", 2, T0 + 5, 3600);
    login(s, "o-bob", 3, T0, 3600);
    s.unbind("o-alice").unwrap();
    assert_eq!(lookup(s, 1, T0 + 10), None);
    assert_eq!(lookup(s, 2, T0 + 10), None);
    assert_eq!(lookup(s, 3, T0 + 10).unwrap().openid, "o-bob");
    s.unbind("o-alice").unwrap();
    s.unbind("o-nobody").unwrap();
    // A new login makes a new binding, even within the same second.
    assert_eq!(login(s, "o-alice", 4, T0 + 10, 3600), T0 + 10);
    assert_eq!(lookup(s, 4, T0 + 11).unwrap().since, T0 + 10);
    assert_eq!(
        lookup(s, 1, T0 + 11),
        None,
        "old sessions do not come back with the new binding"
    );
}

fn two_handles_on_one_store_share_sessions(a: &dyn SessionStore, b: &dyn SessionStore) {
    login(a, "o-alice", 1, T0, 3600);
    assert_eq!(lookup(b, 1, T0 + 1).unwrap().openid, "o-alice");
    b.revoke(&hash(1)).unwrap();
    assert_eq!(lookup(a, 1, T0 + 1), None);
    login(b, "o-alice", 2, T0, 3600);
    a.unbind("o-alice").unwrap();
    assert_eq!(lookup(b, 2, T0 + 1), None);
}

fn many_threads_log_in_at_once(s: &(dyn SessionStore + Sync)) {
    std::thread::scope(|scope| {
        for t in 0..4u32 {
            scope.spawn(move || {
                for i in 0..25 {
                    login(s, "o-crowd", t * 100 + i, T0, 3600);
                }
            });
        }
    });
    for t in 0..4u32 {
        for i in 0..25 {
            assert_eq!(lookup(s, t * 100 + i, T0 + 1).unwrap().since, T0);
        }
    }
}

// Fixtures: each test gets a fresh store (a new file, or a new redis-server).

fn sqlite() -> (TempPath, SqliteStore) {
    let path = TempPath::new("sessions.db");
    let store = SqliteStore::open(path.as_str()).expect("open sqlite");
    (path, store)
}

fn redis() -> (Redis, RedisStore) {
    let server = Redis::start();
    let store = RedisStore::connect(&server.url(), "test").expect("connect redis");
    (server, store)
}

macro_rules! both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite_store {
            $(#[test] fn $case() { let (_p, s) = super::sqlite(); super::$case(&s); })*
        }
        mod redis_store {
            $(#[test] fn $case() { let (_r, s) = super::redis(); super::$case(&s); })*
        }
    };
}

both_stores!(
    a_session_is_found_by_its_hash_until_it_expires,
    a_later_login_keeps_the_binding_and_its_since,
    revoke_ends_one_session_and_is_idempotent,
    unbind_removes_the_user_and_every_session_and_nothing_else,
    many_threads_log_in_at_once,
);

#[test]
fn sqlite_two_handles_on_one_file_share_sessions() {
    let (path, a) = sqlite();
    let b = SqliteStore::open(path.as_str()).unwrap();
    two_handles_on_one_store_share_sessions(&a, &b);
}

#[test]
fn redis_two_clients_share_sessions() {
    let (server, a) = redis();
    let b = RedisStore::connect(&server.url(), "test").unwrap();
    two_handles_on_one_store_share_sessions(&a, &b);
}

#[test]
fn sqlite_deletes_expired_rows() {
    let (_p, s) = sqlite();
    login(&s, "o-alice", 1, T0, 60);
    login(&s, "o-alice", 2, T0, 60);
    assert_eq!(s.session_rows().unwrap(), 2);
    assert_eq!(lookup(&s, 1, T0 + 60), None);
    assert_eq!(
        s.session_rows().unwrap(),
        1,
        "the expired row read is deleted"
    );
    login(&s, "o-bob", 3, T0 + 61, 60);
    assert_eq!(
        s.session_rows().unwrap(),
        1,
        "a login sweeps the other expired rows"
    );
}

#[test]
fn redis_keys_are_namespaced_and_carry_a_ttl() {
    let (server, s) = redis();
    let now = wx_auth_server::unix_now();
    s.create_session("o-alice", &hash(1), now, now + 120)
        .unwrap();
    let key = s.key("session", &hash(1));
    assert!(key.starts_with("test:session:"));
    let ttl = s
        .with(|c| c.command(&[b"TTL", key.as_bytes()])?.int())
        .unwrap();
    assert!((1..=120).contains(&ttl), "session TTL {ttl}");
    let index_ttl = s
        .with(|c| {
            c.command(&[b"TTL", s.key("user-sessions", "o-alice").as_bytes()])?
                .int()
        })
        .unwrap();
    assert!((1..=120).contains(&index_ttl), "index TTL {index_ttl}");
    // Another namespace on the same server sees nothing.
    let other = RedisStore::connect(&server.url(), "other").unwrap();
    assert_eq!(other.session(&hash(1), now).unwrap(), None);
    // The stored value holds no token: only its hash is a key.
    let keys = s.with(|c| c.command(&[b"KEYS", b"*"])).unwrap();
    assert!(!format!("{keys:?}").contains("token-1"));
}

#[test]
fn redis_that_goes_away_is_an_error_not_a_panic() {
    let (server, s) = redis();
    drop(server);
    assert!(s.session(&hash(1), T0).is_err());
    assert!(s.create_session("o-alice", &hash(1), T0, T0 + 60).is_err());
}

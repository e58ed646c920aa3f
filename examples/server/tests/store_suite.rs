//! One suite, two stores: every case runs against SQLite and against a real Redis.

mod support;

use support::{Redis, TempPath};
use wx_auth_server::store::{
    Phone, Profile, ProfileSaved, RedisStore, SessionInfo, SessionStore, SqliteStore,
};
use wx_auth_server::token;

const T0: u64 = 1_800_000_000;

fn hash(n: u32) -> String {
    token::hash(&format!("token-{n}"))
}

async fn login(store: &dyn SessionStore, openid: &str, n: u32, now: u64, ttl: u64) -> u64 {
    store
        .create_session(openid, &hash(n), now, now + ttl)
        .await
        .expect("create_session")
}

async fn lookup(store: &dyn SessionStore, n: u32, now: u64) -> Option<SessionInfo> {
    store.session(&hash(n), now).await.expect("session")
}

async fn a_session_is_found_by_its_hash_until_it_expires(s: &dyn SessionStore) {
    let since = login(s, "o-alice", 1, T0, 60).await;
    assert_eq!(since, T0);
    let info = lookup(s, 1, T0 + 59).await.expect("live at expiry - 1");
    assert_eq!(
        info,
        SessionInfo {
            openid: "o-alice".into(),
            since: T0,
            expires_at: T0 + 60,
            unionid: None,
            profile: None,
        }
    );
    assert_eq!(lookup(s, 1, T0 + 60).await, None, "ended at expires_at");
    assert_eq!(
        lookup(s, 1, T0).await,
        None,
        "an expired session stays gone"
    );
    assert_eq!(lookup(s, 2, T0).await, None, "unknown hash");
    assert_eq!(
        s.session(&token::hash("token-1"), T0 + 1).await.unwrap(),
        None
    );
}

async fn a_later_login_keeps_the_binding_and_its_since(s: &dyn SessionStore) {
    assert_eq!(login(s, "o-alice", 1, T0, 3600).await, T0);
    assert_eq!(login(s, "o-alice", 2, T0 + 100, 3600).await, T0);
    assert_eq!(lookup(s, 1, T0 + 200).await.unwrap().since, T0);
    assert_eq!(lookup(s, 2, T0 + 200).await.unwrap().since, T0);
    assert_eq!(login(s, "o-bob", 3, T0 + 100, 3600).await, T0 + 100);
}

async fn revoke_ends_one_session_and_is_idempotent(s: &dyn SessionStore) {
    login(s, "o-alice", 1, T0, 3600).await;
    login(s, "o-alice", 2, T0, 3600).await;
    s.revoke(&hash(1)).await.unwrap();
    assert_eq!(lookup(s, 1, T0 + 1).await, None);
    assert!(
        lookup(s, 2, T0 + 1).await.is_some(),
        "the other session stays"
    );
    s.revoke(&hash(1)).await.unwrap();
    s.revoke(&hash(99)).await.unwrap();
}

async fn unbind_removes_the_user_and_every_session_and_nothing_else(s: &dyn SessionStore) {
    login(s, "o-alice", 1, T0, 3600).await;
    login(s, "o-alice", 2, T0 + 5, 3600).await;
    login(s, "o-bob", 3, T0, 3600).await;
    s.unbind("o-alice").await.unwrap();
    assert_eq!(lookup(s, 1, T0 + 10).await, None);
    assert_eq!(lookup(s, 2, T0 + 10).await, None);
    assert_eq!(lookup(s, 3, T0 + 10).await.unwrap().openid, "o-bob");
    s.unbind("o-alice").await.unwrap();
    s.unbind("o-nobody").await.unwrap();
    // A new login makes a new binding, even within the same second.
    assert_eq!(login(s, "o-alice", 4, T0 + 10, 3600).await, T0 + 10);
    assert_eq!(lookup(s, 4, T0 + 11).await.unwrap().since, T0 + 10);
    assert_eq!(
        lookup(s, 1, T0 + 11).await,
        None,
        "old sessions do not come back with the new binding"
    );
}

async fn unionid_and_phone_are_kept_with_the_user_until_unbind(s: &dyn SessionStore) {
    let phone = |cc: &str, n: &str| Phone {
        country_code: cc.into(),
        number: n.into(),
    };
    // Not bound yet: nothing is recorded.
    s.set_unionid("o-alice", "u-alice").await.unwrap();
    s.set_phone("o-alice", &phone("86", "13800138000"))
        .await
        .unwrap();
    assert_eq!(s.phone("o-alice").await.unwrap(), None);
    login(s, "o-alice", 1, T0, 3600).await;
    assert_eq!(lookup(s, 1, T0 + 1).await.unwrap().unionid, None);
    s.set_unionid("o-alice", "u-alice").await.unwrap();
    login(s, "o-bob", 2, T0, 3600).await;
    assert_eq!(
        lookup(s, 1, T0 + 1).await.unwrap().unionid.as_deref(),
        Some("u-alice")
    );
    assert_eq!(lookup(s, 2, T0 + 1).await.unwrap().unionid, None);
    s.set_phone("o-alice", &phone("86", "13800138000"))
        .await
        .unwrap();
    s.set_phone("o-alice", &phone("1", "2025550123"))
        .await
        .unwrap();
    assert_eq!(
        s.phone("o-alice").await.unwrap(),
        Some(phone("1", "2025550123")),
        "the later number replaces the earlier"
    );
    assert_eq!(s.phone("o-bob").await.unwrap(), None);
    s.unbind("o-alice").await.unwrap();
    assert_eq!(s.phone("o-alice").await.unwrap(), None, "unbind erases it");
    login(s, "o-alice", 3, T0 + 5, 3600).await;
    assert_eq!(lookup(s, 3, T0 + 6).await.unwrap().unionid, None);
    assert_eq!(s.phone("o-alice").await.unwrap(), None);
}

fn profile(nick: &str, url: &str, file: Option<&str>) -> Profile {
    Profile {
        nick_name: nick.into(),
        avatar_url: url.into(),
        avatar_file: file.map(str::to_string),
    }
}

fn stored(orphan: Option<&str>) -> ProfileSaved {
    ProfileSaved::Stored {
        orphan: orphan.map(str::to_string),
    }
}

async fn a_profile_is_swapped_atomically_and_hands_back_the_file_it_drops(s: &dyn SessionStore) {
    let (f1, f2) = (
        "0123456789abcdef0123456789abcdef.png",
        "fedcba9876543210fedcba9876543210.jpg",
    );
    let ours = |f: &str| format!("https://api.example.com/avatars/{f}");
    // Not bound: nothing is stored.
    let p1 = profile("小明", &ours(f1), Some(f1));
    assert_eq!(
        s.set_profile("o-alice", &p1).await.unwrap(),
        ProfileSaved::NotBound
    );
    assert_eq!(s.profile("o-alice").await.unwrap(), None);
    login(s, "o-alice", 1, T0, 3600).await;
    login(s, "o-bob", 2, T0, 3600).await;
    assert_eq!(s.set_profile("o-alice", &p1).await.unwrap(), stored(None));
    assert_eq!(s.profile("o-alice").await.unwrap(), Some(p1.clone()));
    assert_eq!(
        lookup(s, 1, T0 + 1).await.unwrap().profile,
        Some(p1.clone()),
        "a session shows the profile"
    );
    assert_eq!(lookup(s, 2, T0 + 1).await.unwrap().profile, None);
    // A new nickname with the same avatar URL (the JSON form): the file stays with it.
    let renamed = profile("小明明", &ours(f1), None);
    assert_eq!(
        s.set_profile("o-alice", &renamed).await.unwrap(),
        stored(None)
    );
    assert_eq!(
        s.profile("o-alice").await.unwrap(),
        Some(profile("小明明", &ours(f1), Some(f1)))
    );
    // A new upload: the old file is handed back once.
    let p2 = profile("小明明", &ours(f2), Some(f2));
    assert_eq!(
        s.set_profile("o-alice", &p2).await.unwrap(),
        stored(Some(f1))
    );
    // An https avatar from elsewhere: the upload is handed back; then nothing.
    let remote = profile("小明", "https://thirdwx.qlogo.cn/x/132", None);
    assert_eq!(
        s.set_profile("o-alice", &remote).await.unwrap(),
        stored(Some(f2))
    );
    assert_eq!(
        s.set_profile("o-alice", &remote).await.unwrap(),
        stored(None)
    );
    // Another user pointing at one of ours never owns it.
    let borrowed = profile("小红", &ours(f1), None);
    assert_eq!(
        s.set_profile("o-bob", &borrowed).await.unwrap(),
        stored(None)
    );
    assert_eq!(s.profile("o-bob").await.unwrap(), Some(borrowed.clone()));
    assert_eq!(
        s.set_profile("o-bob", &profile("小红", "https://a.example/b", None))
            .await
            .unwrap(),
        stored(None),
        "bob never uploaded f1: it is not his to drop"
    );
    // Unbind erases the profile and hands it back; the other user keeps theirs.
    s.set_profile("o-alice", &p2).await.unwrap();
    assert_eq!(s.unbind("o-alice").await.unwrap(), Some(p2));
    assert_eq!(s.profile("o-alice").await.unwrap(), None);
    assert_eq!(s.unbind("o-alice").await.unwrap(), None);
    assert!(s.profile("o-bob").await.unwrap().is_some());
    login(s, "o-alice", 3, T0 + 5, 3600).await;
    assert_eq!(lookup(s, 3, T0 + 6).await.unwrap().profile, None);
}

/// The access token cache and the refresh lock, on the real clock (Redis expires keys
/// by itself).
async fn the_access_token_is_cached_dropped_only_if_unchanged_and_refreshed_under_a_lock(
    s: &dyn SessionStore,
) {
    let now = wx_auth_server::unix_now;
    assert_eq!(s.access_token("wx-a", now()).await.unwrap(), None);
    s.put_access_token("wx-a", "AT-1", now(), now() + 60)
        .await
        .unwrap();
    assert_eq!(
        s.access_token("wx-a", now()).await.unwrap().as_deref(),
        Some("AT-1")
    );
    assert_eq!(
        s.access_token("wx-b", now()).await.unwrap(),
        None,
        "per appid"
    );
    s.drop_access_token("wx-a", "AT-0").await.unwrap();
    assert_eq!(
        s.access_token("wx-a", now()).await.unwrap().as_deref(),
        Some("AT-1"),
        "dropping another token leaves the cached one"
    );
    s.put_access_token("wx-a", "AT-2", now(), now() + 60)
        .await
        .unwrap();
    assert_eq!(
        s.access_token("wx-a", now()).await.unwrap().as_deref(),
        Some("AT-2")
    );
    s.drop_access_token("wx-a", "AT-2").await.unwrap();
    assert_eq!(s.access_token("wx-a", now()).await.unwrap(), None);

    assert!(s.lock_token_refresh("wx-a", "h1", now(), 1).await.unwrap());
    assert!(!s.lock_token_refresh("wx-a", "h2", now(), 1).await.unwrap());
    assert!(s.lock_token_refresh("wx-b", "h2", now(), 10).await.unwrap());
    s.unlock_token_refresh("wx-a", "h2").await.unwrap();
    assert!(
        !s.lock_token_refresh("wx-a", "h2", now(), 1).await.unwrap(),
        "only the holder releases"
    );
    s.unlock_token_refresh("wx-a", "h1").await.unwrap();
    assert!(s.lock_token_refresh("wx-a", "h2", now(), 1).await.unwrap());

    // Both the lock and the token end by themselves.
    s.put_access_token("wx-a", "AT-3", now(), now() + 1)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(s.access_token("wx-a", now()).await.unwrap(), None);
    assert!(
        s.lock_token_refresh("wx-a", "h3", now(), 1).await.unwrap(),
        "an abandoned lock expires"
    );
}

async fn two_handles_on_one_store_share_sessions(a: &dyn SessionStore, b: &dyn SessionStore) {
    login(a, "o-alice", 1, T0, 3600).await;
    assert_eq!(lookup(b, 1, T0 + 1).await.unwrap().openid, "o-alice");
    b.revoke(&hash(1)).await.unwrap();
    assert_eq!(lookup(a, 1, T0 + 1).await, None);
    login(b, "o-alice", 2, T0, 3600).await;
    a.unbind("o-alice").await.unwrap();
    assert_eq!(lookup(b, 2, T0 + 1).await, None);
    // One access token and one refresh lock for both.
    let now = wx_auth_server::unix_now();
    a.put_access_token("wx-a", "AT-1", now, now + 60)
        .await
        .unwrap();
    assert_eq!(
        b.access_token("wx-a", now).await.unwrap().as_deref(),
        Some("AT-1")
    );
    assert!(a.lock_token_refresh("wx-a", "h1", now, 10).await.unwrap());
    assert!(!b.lock_token_refresh("wx-a", "h2", now, 10).await.unwrap());
}

/// Four logins at a time (SQLite runs them on several blocking threads, Redis pipelines
/// them on its one connection).
async fn many_threads_log_in_at_once(s: &dyn SessionStore) {
    let crowd = |t: u32| async move {
        for i in 0..25 {
            login(s, "o-crowd", t * 100 + i, T0, 3600).await;
        }
    };
    tokio::join!(crowd(0), crowd(1), crowd(2), crowd(3));
    for t in 0..4u32 {
        for i in 0..25 {
            assert_eq!(lookup(s, t * 100 + i, T0 + 1).await.unwrap().since, T0);
        }
    }
}

// Fixtures: each test gets a fresh store (a new file, or a new redis-server).

fn sqlite() -> (TempPath, SqliteStore) {
    let path = TempPath::new("sessions.db");
    let store = SqliteStore::open(path.as_str()).expect("open sqlite");
    (path, store)
}

async fn redis() -> (Redis, RedisStore) {
    let server = Redis::start();
    let store = RedisStore::connect(&server.url(), "test")
        .await
        .expect("connect redis");
    (server, store)
}

macro_rules! both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
              async fn $case() { let (_p, s) = super::sqlite(); super::$case(&s).await; })*
        }
        mod redis_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
              async fn $case() { let (_r, s) = super::redis().await; super::$case(&s).await; })*
        }
    };
}

both_stores!(
    a_session_is_found_by_its_hash_until_it_expires,
    a_later_login_keeps_the_binding_and_its_since,
    revoke_ends_one_session_and_is_idempotent,
    unbind_removes_the_user_and_every_session_and_nothing_else,
    many_threads_log_in_at_once,
    unionid_and_phone_are_kept_with_the_user_until_unbind,
    a_profile_is_swapped_atomically_and_hands_back_the_file_it_drops,
    the_access_token_is_cached_dropped_only_if_unchanged_and_refreshed_under_a_lock,
);

#[tokio::test]
async fn sqlite_adds_the_new_user_columns_to_an_older_file() {
    let path = TempPath::new("old.db");
    {
        let c = rusqlite::Connection::open(path.as_str()).unwrap();
        c.execute_batch(
            "CREATE TABLE users (openid TEXT PRIMARY KEY, binding TEXT NOT NULL, since INTEGER NOT NULL);
             INSERT INTO users VALUES ('o-alice', 'b1', 1800000000);",
        )
        .unwrap();
    }
    let s = SqliteStore::open(path.as_str()).unwrap();
    s.set_phone(
        "o-alice",
        &Phone {
            country_code: "86".into(),
            number: "13800138000".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        s.phone("o-alice").await.unwrap().unwrap().number,
        "13800138000"
    );
    let p = profile("小明", "https://a.example/x.png", None);
    assert_eq!(s.set_profile("o-alice", &p).await.unwrap(), stored(None));
    assert_eq!(s.profile("o-alice").await.unwrap(), Some(p));
    drop(s);
    SqliteStore::open(path.as_str()).expect("opens again");
}

#[tokio::test]
async fn sqlite_two_handles_on_one_file_share_sessions() {
    let (path, a) = sqlite();
    let b = SqliteStore::open(path.as_str()).unwrap();
    two_handles_on_one_store_share_sessions(&a, &b).await;
}

#[tokio::test]
async fn redis_two_clients_share_sessions() {
    let (server, a) = redis().await;
    let b = RedisStore::connect(&server.url(), "test").await.unwrap();
    two_handles_on_one_store_share_sessions(&a, &b).await;
}

#[tokio::test]
async fn sqlite_deletes_expired_rows() {
    let (_p, s) = sqlite();
    login(&s, "o-alice", 1, T0, 60).await;
    login(&s, "o-alice", 2, T0, 60).await;
    assert_eq!(s.session_rows().await.unwrap(), 2);
    assert_eq!(lookup(&s, 1, T0 + 60).await, None);
    assert_eq!(
        s.session_rows().await.unwrap(),
        1,
        "the expired row read is deleted"
    );
    login(&s, "o-bob", 3, T0 + 61, 60).await;
    assert_eq!(
        s.session_rows().await.unwrap(),
        1,
        "a login sweeps the other expired rows"
    );
}

#[tokio::test]
async fn redis_keys_are_namespaced_and_carry_a_ttl() {
    let (server, s) = redis().await;
    let now = wx_auth_server::unix_now();
    s.create_session("o-alice", &hash(1), now, now + 120)
        .await
        .unwrap();
    let key = s.key("session", &hash(1));
    assert!(key.starts_with("test:session:"));
    let mut c = s.connection();
    let ttl: i64 = redis::cmd("TTL")
        .arg(&key)
        .query_async(&mut c)
        .await
        .unwrap();
    assert!((1..=120).contains(&ttl), "session TTL {ttl}");
    let index_ttl: i64 = redis::cmd("TTL")
        .arg(s.key("user-sessions", "o-alice"))
        .query_async(&mut c)
        .await
        .unwrap();
    assert!((1..=120).contains(&index_ttl), "index TTL {index_ttl}");
    // Another namespace on the same server sees nothing.
    let other = RedisStore::connect(&server.url(), "other").await.unwrap();
    assert_eq!(other.session(&hash(1), now).await.unwrap(), None);
    // The stored value holds no token: only its hash is a key.
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(!format!("{keys:?}").contains("token-1"));
}

#[tokio::test]
async fn redis_that_goes_away_is_an_error_not_a_panic() {
    let (server, s) = redis().await;
    drop(server);
    assert!(s.session(&hash(1), T0).await.is_err());
    assert!(s
        .create_session("o-alice", &hash(1), T0, T0 + 60)
        .await
        .is_err());
}

#[tokio::test]
async fn redis_that_restarts_is_used_again_without_a_new_store() {
    let (mut server, s) = redis().await;
    login(&s, "o-alice", 1, T0, 3600).await;
    server.restart();
    // The first call may see the dropped connection; within a second the manager has
    // reconnected.
    let start = std::time::Instant::now();
    loop {
        match s.session(&hash(1), T0 + 1).await {
            Ok(found) => {
                assert_eq!(found.map(|f| f.openid).as_deref(), Some("o-alice"));
                break;
            }
            Err(e) => assert!(
                start.elapsed() < std::time::Duration::from_secs(1),
                "still failing after {:?}: {e}",
                start.elapsed()
            ),
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

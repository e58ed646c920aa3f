//! What an upload leaves behind when the store fails or the user is unbound meanwhile: the
//! server in process, over a store that refuses `set_profile` on demand (the sessions are
//! a real SQLite file), against the stand-in, over real HTTP on loopback.

mod support;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use support::{files, get, post_json, register_code, standin, tiny_png, upload_profile, TempPath};
use wx_auth_server::avatars::AvatarDir;
use wx_auth_server::errors::StoreError;
use wx_auth_server::routes::{router, App};
use wx_auth_server::store::{Phone, Profile, ProfileSaved, SessionInfo, SessionStore, SqliteStore};
use wx_auth_server::wechat::WeChatClient;

/// What `set_profile` does.
const STORE: u8 = 0;
const FAIL: u8 = 1;
const NOT_BOUND: u8 = 2;

/// SQLite, with `set_profile` failing or finding no user when told.
struct Flaky {
    inner: SqliteStore,
    mode: Arc<AtomicU8>,
}

#[async_trait::async_trait]
impl SessionStore for Flaky {
    async fn create_session(
        &self,
        openid: &str,
        token_hash: &str,
        now: u64,
        expires_at: u64,
    ) -> Result<u64, StoreError> {
        self.inner
            .create_session(openid, token_hash, now, expires_at)
            .await
    }
    async fn session(&self, token_hash: &str, now: u64) -> Result<Option<SessionInfo>, StoreError> {
        self.inner.session(token_hash, now).await
    }
    async fn revoke(&self, token_hash: &str) -> Result<(), StoreError> {
        self.inner.revoke(token_hash).await
    }
    async fn unbind(&self, openid: &str) -> Result<Option<Profile>, StoreError> {
        self.inner.unbind(openid).await
    }
    async fn set_unionid(&self, openid: &str, unionid: &str) -> Result<(), StoreError> {
        self.inner.set_unionid(openid, unionid).await
    }
    async fn set_phone(&self, openid: &str, phone: &Phone) -> Result<(), StoreError> {
        self.inner.set_phone(openid, phone).await
    }
    async fn phone(&self, openid: &str) -> Result<Option<Phone>, StoreError> {
        self.inner.phone(openid).await
    }
    async fn set_profile(
        &self,
        openid: &str,
        profile: &Profile,
    ) -> Result<ProfileSaved, StoreError> {
        match self.mode.load(Ordering::SeqCst) {
            FAIL => Err(StoreError::new("refused by the test")),
            NOT_BOUND => Ok(ProfileSaved::NotBound),
            _ => self.inner.set_profile(openid, profile).await,
        }
    }
    async fn profile(&self, openid: &str) -> Result<Option<Profile>, StoreError> {
        self.inner.profile(openid).await
    }
    async fn access_token(&self, appid: &str, now: u64) -> Result<Option<String>, StoreError> {
        self.inner.access_token(appid, now).await
    }
    async fn put_access_token(
        &self,
        appid: &str,
        token: &str,
        now: u64,
        good_until: u64,
    ) -> Result<(), StoreError> {
        self.inner
            .put_access_token(appid, token, now, good_until)
            .await
    }
    async fn drop_access_token(&self, appid: &str, token: &str) -> Result<(), StoreError> {
        self.inner.drop_access_token(appid, token).await
    }
    async fn lock_token_refresh(
        &self,
        appid: &str,
        holder: &str,
        now: u64,
        seconds: u64,
    ) -> Result<bool, StoreError> {
        self.inner
            .lock_token_refresh(appid, holder, now, seconds)
            .await
    }
    async fn unlock_token_refresh(&self, appid: &str, holder: &str) -> Result<(), StoreError> {
        self.inner.unlock_token_refresh(appid, holder).await
    }
}

#[test]
fn a_store_that_fails_or_an_unbind_meanwhile_leaves_no_file_and_no_change() {
    let wechat = standin();
    let db = TempPath::new("flaky.db");
    let dir = db.dir().join("avatars");
    let mode = Arc::new(AtomicU8::new(STORE));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(wx_auth_server::http::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let app = App {
        store: Box::new(Flaky {
            inner: SqliteStore::open(db.as_str()).unwrap(),
            mode: Arc::clone(&mode),
        }),
        wechat: Box::new(WeChatClient::new(&wechat.base, support::APPID, support::SECRET).unwrap()),
        appid: support::APPID.into(),
        ttl: 7200,
        clock: Box::new(wx_auth_server::unix_now),
        avatars: AvatarDir::new(&dir, &format!("http://{addr}")),
    };
    rt.spawn(wx_auth_server::http::serve(
        listener,
        router(app),
        std::future::pending::<()>(),
    ));

    register_code(&wechat, "c1", "xiaoming");
    let login = post_json(&addr, "/auth/login", None, r#"{"code":"c1"}"#);
    assert_eq!(login.status, 200, "{}", login.body);
    let token = login.json()["token"].as_str().unwrap().to_string();
    let saved = upload_profile(&addr, Some(&token), "小明", &tiny_png());
    assert_eq!(saved.status, 200, "{}", saved.body);
    let before = files(&dir);
    assert_eq!(before.len(), 1);

    for (failure, status, code) in [(FAIL, 500, "INTERNAL"), (NOT_BOUND, 401, "UNAUTHORIZED")] {
        mode.store(failure, Ordering::SeqCst);
        let a = upload_profile(&addr, Some(&token), "小红", &tiny_png());
        assert_eq!((a.status, a.code().as_str()), (status, code), "{}", a.body);
        assert_eq!(files(&dir), before, "the new file is deleted again");
    }

    mode.store(STORE, Ordering::SeqCst);
    let me = get(&addr, "/api/me", Some(&token)).json();
    assert_eq!(
        me["profile"],
        saved.json(),
        "the saved profile is unchanged"
    );
    let name = &before[0];
    assert_eq!(
        get(&addr, &format!("/avatars/{name}"), None).bytes,
        tiny_png()
    );
}

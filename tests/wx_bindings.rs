//! The typed wx bindings of `src/web/wx.rs` against the simulator: results become typed
//! values, every failure keeps wx's `errMsg`/`errno`, and missing APIs are reported as such.
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;
use wx_auth::version::BaseVersion;
use wx_auth::web::wx;
use wx_auth::wx_failure::FailureKind;

#[wasm_bindgen(module = "/tests/sim/wx-sim.js")]
extern "C" {
    type Sim;
    #[wasm_bindgen(js_name = createWxSim)]
    fn create_wx_sim(config: &JsValue) -> Sim;
    #[wasm_bindgen(js_name = installWx)]
    fn install_wx(sim: &Sim) -> JsValue;
    #[wasm_bindgen(method, js_name = failNext)]
    fn fail_next(this: &Sim, api: &str, failure: &JsValue);
    #[wasm_bindgen(method, js_name = setStorageRaw)]
    fn set_storage_raw(this: &Sim, key: &str, value: &JsValue, encrypted: bool);
}

fn sim(sdk_version: &str) -> Sim {
    let config = Object::new();
    Reflect::set(&config, &"sdkVersion".into(), &sdk_version.into()).expect("set");
    let sim = create_wx_sim(&config.into());
    install_wx(&sim);
    sim
}

fn failure(err_msg: &str, errno: Option<f64>) -> JsValue {
    let f = Object::new();
    Reflect::set(&f, &"errMsg".into(), &err_msg.into()).expect("set");
    if let Some(n) = errno {
        Reflect::set(&f, &"errno".into(), &n.into()).expect("set");
    }
    f.into()
}

#[wasm_bindgen_test]
async fn login_returns_the_code_and_failures_keep_errmsg_and_errno() {
    let s = sim("3.3.4");
    assert_eq!(wx::login().await.expect("login"), "code-000001");
    s.fail_next("login", &failure("login:fail timeout", Some(5.0)));
    let f = wx::login().await.expect_err("a failure");
    assert_eq!(f.err_msg, "login:fail timeout");
    assert_eq!(f.errno, Some(5));
    assert!(f.is_fail_of("login"));
    assert_eq!(f.kind(), FailureKind::Timeout);
}

#[wasm_bindgen_test]
async fn check_session_follows_the_latest_login() {
    let _s = sim("3.3.4");
    let f = wx::check_session().await.expect_err("no login yet");
    assert!(f.is_fail_of("checkSession"), "{}", f.err_msg);
    wx::login().await.expect("login");
    wx::check_session().await.expect("valid after a login");
}

#[wasm_bindgen_test]
async fn missing_apis_are_reported_not_thrown() {
    let _s = sim("2.30.0");
    assert!(!wx::has("requirePrivacyAuthorize"));
    assert_eq!(wx::needs_privacy_authorization().await, Ok(false));
    assert_eq!(wx::require_privacy_authorize().await, Ok(()));
    let f = wx::open_privacy_contract()
        .await
        .expect_err("missing below 2.32.3");
    assert!(f.is_fail_of("openPrivacyContract"), "{}", f.err_msg);
}

#[wasm_bindgen_test]
async fn storage_reads_tell_missing_text_and_foreign_values_apart() {
    let s = sim("3.3.4");
    assert!(matches!(
        wx::get_storage("k", false).await,
        Ok(wx::Stored::Missing)
    ));
    wx::set_storage("k", "hello", false).await.expect("set");
    assert!(matches!(wx::get_storage("k", false).await, Ok(wx::Stored::Text(t)) if t == "hello"));
    s.set_storage_raw("k", &Object::new().into(), false);
    assert!(matches!(
        wx::get_storage("k", false).await,
        Ok(wx::Stored::Foreign)
    ));
    wx::remove_storage("k").await.expect("remove");
    wx::remove_storage("k")
        .await
        .expect("removing a missing key is fine");
    s.fail_next(
        "setStorage",
        &failure("setStorage:fail exceed storage max size 10MB", None),
    );
    let f = wx::set_storage("k", "x", false).await.expect_err("quota");
    assert!(f.is_fail_of("setStorage"));
}

#[wasm_bindgen_test]
async fn encrypted_storage_is_read_back_only_encrypted() {
    let _s = sim("3.3.4");
    wx::set_storage("k", "secret", true).await.expect("set");
    assert!(matches!(wx::get_storage("k", true).await, Ok(wx::Stored::Text(t)) if t == "secret"));
    let f = wx::get_storage("k", false).await.err();
    assert!(
        f.is_some(),
        "a plain read of encrypted data must not succeed"
    );
}

#[wasm_bindgen_test]
fn base_version_and_can_i_use_come_from_wx() {
    let _s = sim("2.32.3");
    assert_eq!(wx::base_version(), Some(BaseVersion(2, 32, 3)));
    assert!(wx::can_i_use("button.open-type.agreePrivacyAuthorization"));
    assert!(wx::can_i_use("login"));
    assert!(!wx::can_i_use("noSuchApi"));
    let _old = sim("2.20.0");
    assert_eq!(wx::base_version(), None, "getAppBaseInfo arrived in 2.20.1");
}

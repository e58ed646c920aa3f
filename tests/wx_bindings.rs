//! The wx bindings of `src/web/wx.rs` against the simulator: results read into the
//! engine's typed answers, every failure keeps wx's `errMsg`/`errno`, and missing APIs
//! are reported as such, never thrown.
#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wx_auth::engine::{Stored, WxOk};
use wx_auth::version::BaseVersion;
use wx_auth::web::wx;
use wx_auth::wx_failure::{FailureKind, WxFailure};

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

/// Calls `wx.<api>(options)` as the edge does and waits for `success` or `fail`.
async fn invoke(api: &str, options: wx::Options) -> Result<JsValue, WxFailure> {
    let mut settle: Option<(Function, Function)> = None;
    let done = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    let (ok, fail) = settle.expect("executor ran");
    options.set_success(&ok);
    options.set_fail(&fail);
    wx::call(api, &options)?;
    JsFuture::from(done).await.map_err(|e| wx::failure(api, &e))
}

fn keyed(key: &str, encrypt: bool) -> wx::Options {
    let o = wx::options();
    o.set_key(key);
    if encrypt {
        o.set_encrypt(true);
    }
    o
}

async fn get(key: &str, encrypt: bool) -> Result<WxOk, WxFailure> {
    invoke("getStorage", keyed(key, encrypt))
        .await
        .map(|res| wx::stored_of(&res))
}

async fn set(key: &str, text: &str, encrypt: bool) -> Result<JsValue, WxFailure> {
    let o = keyed(key, encrypt);
    o.set_data(&JsValue::from_str(text));
    invoke("setStorage", o).await
}

#[wasm_bindgen_test]
async fn login_reads_the_code_and_failures_keep_errmsg_and_errno() {
    let s = sim("3.3.4");
    let res = invoke("login", wx::options()).await.expect("login");
    assert_eq!(wx::code_of(&res), Ok(WxOk::Code("code-000001".into())));
    assert!(wx::code_of(&JsValue::NULL).is_err(), "no code: a failure");
    s.fail_next("login", &failure("login:fail timeout", Some(5.0)));
    let f = invoke("login", wx::options()).await.expect_err("a failure");
    assert_eq!(f.err_msg, "login:fail timeout");
    assert_eq!(f.errno, Some(5));
    assert!(f.is_fail_of("login"));
    assert_eq!(f.kind(), FailureKind::Timeout);
}

#[wasm_bindgen_test]
async fn missing_apis_are_reported_not_thrown() {
    let _s = sim("2.30.0");
    assert!(!wx::has("requirePrivacyAuthorize"));
    let platform = wx::platform();
    assert!(!platform.privacy_setting && !platform.privacy_authorize);
    let f = wx::call("openPrivacyContract", &wx::options()).expect_err("missing below 2.32.3");
    assert!(f.is_fail_of("openPrivacyContract"), "{}", f.err_msg);
    let _new = sim("3.3.4");
    let platform = wx::platform();
    assert!(platform.privacy_setting && platform.privacy_authorize);
    assert_eq!(platform.base, Some(BaseVersion(3, 3, 4)));
}

#[wasm_bindgen_test]
async fn storage_reads_tell_missing_text_and_foreign_values_apart() {
    let s = sim("3.3.4");
    let f = get("k", false).await.expect_err("a missing key fails");
    assert_eq!(f.kind(), FailureKind::NotFound);
    set("k", "hello", false).await.expect("set");
    assert_eq!(
        get("k", false).await,
        Ok(WxOk::Stored(Stored::Text("hello".into())))
    );
    s.set_storage_raw("k", &Object::new().into(), false);
    assert_eq!(get("k", false).await, Ok(WxOk::Stored(Stored::Foreign)));
    s.fail_next(
        "setStorage",
        &failure("setStorage:fail exceed storage max size 10MB", None),
    );
    let f = set("k", "x", false).await.expect_err("quota");
    assert!(f.is_fail_of("setStorage"));
}

#[wasm_bindgen_test]
async fn encrypted_storage_is_read_back_only_encrypted() {
    let _s = sim("3.3.4");
    set("k", "secret", true).await.expect("set");
    assert_eq!(
        get("k", true).await,
        Ok(WxOk::Stored(Stored::Text("secret".into())))
    );
    assert!(
        get("k", false).await.is_err(),
        "a plain read of encrypted data must not succeed"
    );
}

#[wasm_bindgen_test]
async fn privacy_setting_and_scopes_are_read_into_typed_answers() {
    let _s = sim("3.3.4");
    let res = invoke("getPrivacySetting", wx::options())
        .await
        .expect("privacy");
    assert_eq!(wx::needs_agreement_of(&res), WxOk::NeedsAgreement(true));
    assert_eq!(
        wx::needs_agreement_of(&JsValue::NULL),
        WxOk::NeedsAgreement(false)
    );
    let res = invoke("getSetting", wx::options()).await.expect("setting");
    assert!(matches!(wx::scopes_of(&res), WxOk::Scopes(s) if s.iter().count() == 0));
}

#[wasm_bindgen_test]
fn base_version_comes_from_wx() {
    let _s = sim("2.32.3");
    assert_eq!(wx::base_version(), Some(BaseVersion(2, 32, 3)));
    let _old = sim("2.20.0");
    assert_eq!(wx::base_version(), None, "getAppBaseInfo arrived in 2.20.1");
}

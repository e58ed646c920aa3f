//! The WeChat stand-in over real HTTP: WeChat's shapes and errors, and its control API.

mod support;

use support::{get, post_json, register_code, register_phone_code, Proc};
use wx_auth_server::standin::openid_for;

const APPID: &str = "wx-standin-app";
const SECRET: &str = "standin-secret";

fn start() -> Proc {
    Proc::start(
        env!("CARGO_BIN_EXE_wechat-standin"),
        &[
            ("LISTEN", "127.0.0.1:0"),
            ("WX_APPID", APPID),
            ("WX_SECRET", SECRET),
        ],
    )
}

fn exchange(p: &Proc, appid: &str, secret: &str, code: &str) -> serde_json::Value {
    let a = get(
        p.addr(),
        &format!("/sns/jscode2session?appid={appid}&secret={secret}&js_code={code}&grant_type=authorization_code"),
        None,
    );
    assert_eq!(a.status, 200, "WeChat answers errors with HTTP 200 too");
    a.json()
}

fn register(p: &Proc, code: &str, user: &str) -> serde_json::Value {
    register_code(p, code, user).json()
}

#[test]
fn codes_are_single_use_and_openids_stable_per_user() {
    let p = start();
    let reg = register(&p, "code-000001", "xiaoming");
    register(&p, "code-000002", "xiaoming");
    register(&p, "code-000003", "xiaohong");
    let a = exchange(&p, APPID, SECRET, "code-000001");
    let b = exchange(&p, APPID, SECRET, "code-000002");
    let c = exchange(&p, APPID, SECRET, "code-000003");
    assert_eq!(a["openid"], reg["openid"]);
    assert_eq!(a["openid"], openid_for(APPID, "xiaoming").as_str());
    assert_eq!(a["openid"].as_str().unwrap().len(), 28);
    assert_eq!(a["openid"], b["openid"]);
    assert_ne!(a["openid"], c["openid"]);
    assert_ne!(
        openid_for(APPID, "xiaoming"),
        openid_for("another-app", "xiaoming")
    );
    let (ka, kb) = (
        a["session_key"].as_str().unwrap(),
        b["session_key"].as_str().unwrap(),
    );
    assert_eq!(ka.len(), 24, "base64 of 16 bytes, like WeChat's");
    assert_ne!(ka, kb, "a new session_key per exchange");
    assert_eq!(exchange(&p, APPID, SECRET, "code-000001")["errcode"], 40163);
    assert_eq!(
        exchange(&p, APPID, SECRET, "code-unknown")["errcode"],
        40029
    );
    assert_eq!(exchange(&p, APPID, SECRET, "")["errcode"], 40029);
}

#[test]
fn credentials_are_checked_like_wechat() {
    let p = start();
    register(&p, "c1", "xiaoming");
    assert_eq!(exchange(&p, "wx-other", SECRET, "c1")["errcode"], 40013);
    assert_eq!(exchange(&p, APPID, "nope", "c1")["errcode"], 40125);
    let a = get(
        p.addr(),
        &format!("/sns/jscode2session?appid={APPID}&secret={SECRET}&js_code=c1"),
        None,
    );
    assert_eq!(a.json()["errcode"], 40002);
    // None of those used the code.
    assert!(exchange(&p, APPID, SECRET, "c1")["openid"].is_string());
}

#[test]
fn codes_expire_after_five_minutes_of_the_standin_clock() {
    let p = start();
    register(&p, "c-early", "xiaoming");
    register(&p, "c-late", "xiaoming");
    let clock = |s: u64| {
        post_json(
            p.addr(),
            "/_standin/clock",
            None,
            &format!(r#"{{"advanceSeconds":{s}}}"#),
        )
    };
    assert_eq!(clock(290).status, 200);
    assert!(exchange(&p, APPID, SECRET, "c-early")["openid"].is_string());
    assert_eq!(clock(11).status, 200);
    assert_eq!(exchange(&p, APPID, SECRET, "c-late")["errcode"], 40029);
    assert_eq!(clock(0).status, 200);
    assert_eq!(
        post_json(
            p.addr(),
            "/_standin/clock",
            None,
            r#"{"advanceSeconds":-5}"#
        )
        .status,
        400
    );
}

#[test]
fn injected_failures_answer_the_next_exchanges_in_order() {
    let p = start();
    register(&p, "c1", "xiaoming");
    for errcode in [-1, 45011, 40226, 40029, 40163] {
        let a = post_json(
            p.addr(),
            "/_standin/fail",
            None,
            &format!(r#"{{"errcode":{errcode}}}"#),
        );
        assert_eq!(a.status, 200, "{}", a.body);
    }
    for errcode in [-1, 45011, 40226, 40029, 40163] {
        let r = exchange(&p, APPID, SECRET, "c1");
        assert_eq!(r["errcode"], errcode);
        assert!(r["errmsg"].is_string());
    }
    assert!(
        exchange(&p, APPID, SECRET, "c1")["openid"].is_string(),
        "the queue is spent; the code was never used"
    );
    for bad in [r#"{"errcode":40125}"#, r#"{"errcode":"x"}"#, "{}", "nope"] {
        assert_eq!(
            post_json(p.addr(), "/_standin/fail", None, bad).status,
            400,
            "{bad}"
        );
    }
    assert_eq!(
        post_json(p.addr(), "/_standin/codes", None, r#"{"code":"x"}"#).status,
        400
    );
    assert_eq!(
        post_json(p.addr(), "/_standin/nothing", None, "{}").status,
        404
    );
}

fn stable_token(p: &Proc, secret: &str, force: bool) -> serde_json::Value {
    let a = post_json(
        p.addr(),
        "/cgi-bin/stable_token",
        None,
        &format!(
            r#"{{"grant_type":"client_credential","appid":"{APPID}","secret":"{secret}","force_refresh":{force}}}"#
        ),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

fn phone(p: &Proc, token: &str, body: &str) -> serde_json::Value {
    let a = post_json(
        p.addr(),
        &format!("/wxa/business/getuserphonenumber?access_token={token}"),
        None,
        body,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

fn billing(p: &Proc) -> serde_json::Value {
    get(p.addr(), "/_standin/billing", None).json()
}

#[test]
fn stable_tokens_stay_the_same_in_normal_mode_and_change_when_forced() {
    let p = start();
    let a = stable_token(&p, SECRET, false);
    let t = a["access_token"].as_str().unwrap().to_string();
    assert_eq!(a["expires_in"], 7200);
    assert_eq!(stable_token(&p, SECRET, false)["access_token"], t.as_str());
    assert_eq!(stable_token(&p, "wrong", false)["errcode"], 40125);
    let forced = stable_token(&p, SECRET, true);
    assert_ne!(forced["access_token"], t.as_str());
    // The old token is refused from then on.
    register_phone_code(&p, "p1", "xiaoming");
    assert_eq!(phone(&p, &t, r#"{"code":"p1"}"#)["errcode"], 40001);
    let b = billing(&p);
    assert_eq!(
        (
            &b["stableTokenCalls"],
            &b["forceRefreshes"],
            &b["phoneVerifications"]
        ),
        (&4.into(), &1.into(), &0.into()),
        "{b}"
    );
    // Past its expiry: 42001; normal mode then hands out a new one.
    let forced = forced["access_token"].as_str().unwrap().to_string();
    let late = post_json(
        p.addr(),
        "/_standin/clock",
        None,
        r#"{"advanceSeconds":7200}"#,
    );
    assert_eq!(late.status, 200);
    assert_eq!(phone(&p, &forced, r#"{"code":"p1"}"#)["errcode"], 42001);
    assert_ne!(
        stable_token(&p, SECRET, false)["access_token"],
        forced.as_str()
    );
}

#[test]
fn phone_codes_give_the_number_once_to_their_user() {
    let p = start();
    let t = stable_token(&p, SECRET, false)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    register_phone_code(&p, "p1", "xiaoming");
    let ming = openid_for(APPID, "xiaoming");
    let hong = openid_for(APPID, "xiaohong");
    assert_eq!(
        phone(&p, &t, &format!(r#"{{"code":"p1","openid":"{hong}"}}"#))["errcode"],
        40029,
        "another user's openid"
    );
    let ok = phone(&p, &t, &format!(r#"{{"code":"p1","openid":"{ming}"}}"#));
    assert_eq!(ok["errcode"], 0, "{ok}");
    assert_eq!(ok["phone_info"]["purePhoneNumber"], "13800138000");
    assert_eq!(ok["phone_info"]["phoneNumber"], "13800138000");
    assert_eq!(ok["phone_info"]["countryCode"], "86");
    assert_eq!(ok["phone_info"]["watermark"]["appid"], APPID);
    assert_eq!(phone(&p, &t, r#"{"code":"p1"}"#)["errcode"], 40029, "used");
    assert_eq!(phone(&p, &t, r#"{"code":"nope"}"#)["errcode"], 40029);
    assert_eq!(phone(&p, "", r#"{"code":"p1"}"#)["errcode"], 40001);
    let a = post_json(
        p.addr(),
        "/_standin/phone-codes",
        None,
        r#"{"code":"p2","user":"x","phoneNumber":"2025550123","countryCode":"1"}"#,
    );
    assert_eq!(a.status, 200);
    let us = phone(&p, &t, r#"{"code":"p2"}"#);
    assert_eq!(us["phone_info"]["phoneNumber"], "+12025550123");
    assert_eq!(us["phone_info"]["purePhoneNumber"], "2025550123");
    for bad in [
        r#"{"code":"p3","user":"x","phoneNumber":"138 0013"}"#,
        r#"{"code":"p3","user":"x","countryCode":7}"#,
        r#"{"code":"","user":"x"}"#,
    ] {
        assert_eq!(
            post_json(p.addr(), "/_standin/phone-codes", None, bad).status,
            400,
            "{bad}"
        );
    }
    // Injected failures do not use the code up.
    register_phone_code(&p, "p4", "xiaoming");
    for errcode in [-1, 45011] {
        let a = post_json(
            p.addr(),
            "/_standin/fail",
            None,
            &format!(r#"{{"errcode":{errcode},"api":"getuserphonenumber"}}"#),
        );
        assert_eq!(a.status, 200);
        assert_eq!(phone(&p, &t, r#"{"code":"p4"}"#)["errcode"], errcode);
    }
    assert_eq!(phone(&p, &t, r#"{"code":"p4"}"#)["errcode"], 0);
    assert_eq!(
        post_json(
            p.addr(),
            "/_standin/fail",
            None,
            r#"{"errcode":40163,"api":"getuserphonenumber"}"#
        )
        .status,
        400
    );
    assert_eq!(billing(&p)["phoneVerifications"], 3);
}

#[test]
fn a_user_given_a_unionid_gets_it_from_jscode2session() {
    let p = start();
    let a = post_json(
        p.addr(),
        "/_standin/codes",
        None,
        r#"{"code":"c1","user":"xiaoming","unionid":"oU-1"}"#,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(exchange(&p, APPID, SECRET, "c1")["unionid"], "oU-1");
    register(&p, "c2", "xiaoming");
    assert_eq!(
        exchange(&p, APPID, SECRET, "c2")["unionid"],
        "oU-1",
        "kept for the user"
    );
    register(&p, "c3", "xiaohong");
    assert!(exchange(&p, APPID, SECRET, "c3").get("unionid").is_none());
    let bad = post_json(
        p.addr(),
        "/_standin/codes",
        None,
        r#"{"code":"c4","user":"x","unionid":""}"#,
    );
    assert_eq!(bad.status, 400);
}

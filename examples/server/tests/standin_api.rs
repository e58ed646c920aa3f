//! The WeChat stand-in over real HTTP: WeChat's shapes and errors, and its control API.

mod support;

use support::{get, post_json, Proc};
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
    let a = post_json(
        p.addr(),
        "/_standin/codes",
        None,
        &format!(r#"{{"code":"{code}","user":"{user}"}}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
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

//! The native JSON reader (`doc::Doc` over serde_json's `Value`, the `serde` feature) on
//! any text, and everything that reads with it: the record, the login and unbind replies.
//!
//! Wherever a document parses, what `Doc` says about each value must agree with the
//! value and with itself: a member is found exactly where an object has it, an integer
//! is a whole number too, a whole number that is not an integer literal is an exact
//! `f64` no larger than 2^53 - 1, and serde_json's own text for the document reads back
//! as the same document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use wx_auth::doc::Doc;
use wx_auth::exchange;
use wx_auth::record::{self, Decoded, RECORD_VERSION};

const MAX_EXACT: u64 = (1 << 53) - 1;

fn check(v: &Value) {
    assert_eq!(Doc::member(v, "\u{0}?").is_ok(), v.is_object(), "{v:?}");
    match v {
        Value::Object(members) => {
            for (key, item) in members {
                assert_eq!(Doc::member(v, key), Ok(Some(item.clone())));
                check(item);
            }
        }
        Value::Array(items) => items.iter().for_each(check),
        _ => {}
    }
    assert_eq!(Doc::string(v).as_deref(), v.as_str());
    assert_eq!(Doc::is_null(v), v.is_null());
    assert_eq!(Doc::is_true(v), v == &Value::Bool(true));
    let (integer, signed, whole) = (Doc::integer(v), Doc::signed(v), Doc::whole(v));
    if !v.is_number() {
        assert_eq!((integer, signed, whole), (None, None, None), "{v:?}");
        return;
    }
    if let Some(n) = integer {
        assert_eq!(whole, Some(n), "{v:?}");
        assert_eq!(signed, i64::try_from(n).ok(), "{v:?}");
    }
    if let Some(s) = signed {
        match u64::try_from(s) {
            Ok(n) => assert_eq!(integer, Some(n), "{v:?}"),
            Err(_) => assert_eq!(whole, None, "{v:?}"),
        }
    }
    if let (Some(w), None) = (whole, integer) {
        assert!(w <= MAX_EXACT, "{v:?}");
        assert_eq!(v.as_f64(), Some(w as f64), "{v:?}");
    }
}

fuzz_target!(|text: &str| {
    if let Some(doc) = <Value as Doc>::parse(text) {
        check(&doc);
        let again = serde_json::to_string(&doc).expect("a parsed document writes");
        assert_eq!(<Value as Doc>::parse(&again).as_ref(), Some(&doc), "{text:?}");
    }
    match record::decode(text) {
        Decoded::State(state) | Decoded::Old(state) => {
            let again = record::encode(&state).expect("a decoded state is a stored kind");
            assert_eq!(record::decode(&again), Decoded::State(state), "{text:?}");
        }
        Decoded::Future(v) => assert!(v > RECORD_VERSION),
        Decoded::Corrupt => {}
    }
    for status in [200, 401, 503] {
        if let Err(e) = exchange::parse_reply(status, text, 0) {
            assert_eq!(e.status, Some(status));
        }
        if exchange::check_unbind_reply(status, text).is_ok() {
            assert_eq!(status, 200);
        }
    }
});

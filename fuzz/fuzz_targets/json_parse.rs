//! The JSON reader of src/json.rs against serde_json, on any text.
//!
//! Wherever serde_json accepts a document, the reader must accept it and see the same
//! value (unless it nests deeper than the reader's limit or repeats a key, which the
//! reader keeps and serde_json collapses); wherever the reader accepts one that
//! serde_json refuses, the only allowed reason is a number beyond f64's range, which
//! the reader keeps as text.
#![no_main]

use libfuzzer_sys::fuzz_target;
#[path = "../../tests/support/json_oracle.rs"]
mod json_oracle;
use json_oracle::from_serde;
use wx_auth::json::{Json, MAX_DEPTH};

/// Objects' members in key order with numbers dropped to a marker (serde_json rewrites
/// number text, e.g. `1E2` as `100.0`), or `None` if a key repeats.
fn normal(v: &Json) -> Option<Json> {
    Some(match v {
        Json::Number(_) => Json::Number(String::from("n")),
        Json::Array(items) => Json::Array(items.iter().map(normal).collect::<Option<_>>()?),
        Json::Object(members) => {
            let mut m: Vec<(String, Json)> = members
                .iter()
                .map(|(k, v)| Some((k.clone(), normal(v)?)))
                .collect::<Option<_>>()?;
            m.sort_by(|a, b| a.0.cmp(&b.0));
            if m.windows(2).any(|w| w[0].0 == w[1].0) {
                return None;
            }
            Json::Object(m)
        }
        other => other.clone(),
    })
}

fn depth(text: &str) -> usize {
    let (mut d, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for c in text.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (false, _, '"') => in_string = true,
            (false, _, '[' | '{') => {
                d += 1;
                max = max.max(d);
            }
            (false, _, ']' | '}') => d = d.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fuzz_target!(|text: &str| {
    let ours = Json::parse(text);
    match (ours, serde_json::from_str::<serde_json::Value>(text)) {
        (Some(a), Ok(b)) => {
            if let Some(a) = normal(&a) {
                assert_eq!(Some(a), normal(&from_serde(&b)), "{text:?}");
            }
        }
        (None, Err(_)) => {}
        (None, Ok(_)) => assert!(
            depth(text) > MAX_DEPTH,
            "refused a document serde_json reads: {text:?}"
        ),
        (Some(_), Err(e)) => assert!(
            e.to_string().contains("number out of range"),
            "accepted a document serde_json refuses ({e}): {text:?}"
        ),
    }
});

//! serde_json as an oracle for `wx_auth::json`: its value as the crate's `Json`.
//!
//! Shared by the property tests (tests/parsing.rs) and the json_parse fuzz target,
//! each of which includes it with `#[path]`.

use wx_auth::json::Json;

/// serde_json's value as this crate's `Json` (objects in serde_json's key order).
pub fn from_serde(v: &serde_json::Value) -> Json {
    match v {
        serde_json::Value::Null => Json::Null,
        serde_json::Value::Bool(b) => Json::Bool(*b),
        serde_json::Value::Number(n) => Json::Number(n.to_string()),
        serde_json::Value::String(s) => Json::String(s.clone()),
        serde_json::Value::Array(a) => Json::Array(a.iter().map(from_serde).collect()),
        serde_json::Value::Object(o) => {
            Json::Object(o.iter().map(|(k, v)| (k.clone(), from_serde(v))).collect())
        }
    }
}

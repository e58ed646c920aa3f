//! The stored session record, as read back from wx storage: any text at all.
//!
//! `decode` must never panic, every state it accepts must be one the SDK can write
//! again and read back unchanged, and an older record must migrate to a current one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wx_auth::record::{self, Decoded, RECORD_VERSION};
use wx_auth::state::AuthState;

/// `state` is written as a current record that reads back as exactly `state`.
fn assert_round_trip(state: AuthState, text: &str) {
    let again = record::encode(&state)
        .unwrap_or_else(|| panic!("decoded {state:?} from {text:?} but cannot encode it"));
    assert_eq!(
        record::decode(&again),
        Decoded::State(state.clone()),
        "{text:?} decoded, re-encoded as {again:?}, did not read back"
    );
    // Encoding is a function of the state: writing it again gives the same text.
    assert_eq!(record::encode(&state).as_deref(), Some(again.as_str()));
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match record::decode(text) {
        Decoded::State(state) | Decoded::Old(state) => assert_round_trip(state, text),
        Decoded::Future(v) => assert!(v > RECORD_VERSION, "Future({v}) from {text:?}"),
        Decoded::Corrupt => {}
    }
});

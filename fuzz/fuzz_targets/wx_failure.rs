//! A wx failure object (`errMsg`, `errno`) as the platform hands it over.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wx_auth::wx_failure::{FailureKind, WxFailure};

#[derive(Debug, Arbitrary)]
struct Input {
    err_msg: String,
    errno: Option<i64>,
    api: String,
    rest: String,
}

fuzz_target!(|input: Input| {
    let failure = WxFailure::new(input.err_msg.as_str(), input.errno);
    let kind = failure.kind();
    match input.errno {
        Some(103 | 104 | 112 | 1025 | 101100 | 101102) => assert_eq!(kind, FailureKind::Privacy),
        Some(5) => assert_eq!(kind, FailureKind::Timeout),
        Some(600003) => assert_eq!(kind, FailureKind::Interrupted),
        _ => {
            // Without a deciding errno, only the text (in any ASCII case) counts.
            let lower = WxFailure::new(input.err_msg.to_ascii_lowercase(), None);
            assert_eq!(lower.kind(), kind, "{:?}", input.err_msg);
        }
    }

    // Only failures that may go away by themselves are worth retrying.
    if failure.is_transient() {
        assert!(
            matches!(
                kind,
                FailureKind::Timeout | FailureKind::Interrupted | FailureKind::Other
            ),
            "{failure:?} is transient but {kind:?}"
        );
    }

    let is_fail = failure.is_fail_of(&input.api);
    let prefix = format!("{}:fail", input.api);
    assert_eq!(is_fail, input.err_msg.starts_with(&prefix), "{input:?}");

    let built = WxFailure::new(format!("{prefix}{}", input.rest), input.errno);
    assert!(built.is_fail_of(&input.api), "{built:?}");
    assert!(WxFailure::unsupported(&input.api).is_fail_of(&input.api));
});

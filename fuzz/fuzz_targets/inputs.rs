//! What pages and the platform pass in: the base library version, a request method,
//! and profile fields (a first profile and a patch to it).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wx_auth::profile::{Profile, ProfilePatch, MAX_AVATAR_URL_BYTES, MAX_NICKNAME_CHARS};
use wx_auth::request::Method;
use wx_auth::version::BaseVersion;

#[derive(Debug, Arbitrary)]
struct Input {
    version: String,
    method: String,
    nick_name: String,
    avatar_url: String,
    patch_nick_name: Option<String>,
    patch_avatar_url: Option<String>,
}

fn assert_valid(p: &Profile) {
    let (nick, avatar) = (p.nick_name(), p.avatar_url());
    assert!(!nick.is_empty() && nick == nick.trim(), "{p:?}");
    assert!(nick.chars().count() <= MAX_NICKNAME_CHARS, "{p:?}");
    assert!(!nick.chars().any(char::is_control), "{p:?}");
    assert!(
        !avatar.is_empty() && avatar.len() <= MAX_AVATAR_URL_BYTES,
        "{p:?}"
    );
    assert!(
        !avatar.chars().any(|c| c.is_control() || c.is_whitespace()),
        "{p:?}"
    );
    // A valid profile is accepted again as it is.
    assert_eq!(Profile::new(nick, avatar).as_ref(), Ok(p));
}

fuzz_target!(|input: Input| {
    if let Some(v) = BaseVersion::parse(&input.version) {
        let BaseVersion(a, b, c) = v;
        assert_eq!(BaseVersion::parse(&format!("{a}.{b}.{c}")), Some(v));
        assert!(v.at_least(v));
    }

    if let Ok(m) = Method::parse(&input.method) {
        assert!(m.as_str().eq_ignore_ascii_case(&input.method));
        assert_eq!(Method::parse(m.as_str()), Ok(m));
    }

    let current = Profile::new(&input.nick_name, &input.avatar_url).ok();
    if let Some(p) = &current {
        assert_valid(p);
    }
    let patch = ProfilePatch {
        nick_name: input.patch_nick_name.clone(),
        avatar_url: input.patch_avatar_url.clone(),
    };
    for base in [None, current.as_ref()] {
        if let Ok(p) = Profile::patched(base, &patch) {
            assert_valid(&p);
            if patch.nick_name.is_none() {
                assert_eq!(Some(p.nick_name()), base.map(Profile::nick_name));
            }
            if patch.avatar_url.is_none() {
                assert_eq!(Some(p.avatar_url()), base.map(Profile::avatar_url));
            }
        }
    }
});

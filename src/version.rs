//! Base library versions (`wx.getAppBaseInfo().SDKVersion`), compared numerically.
//!
//! Never compare versions as strings: `"2.29.1" > "2.3.0"` is false as text
//! (platform.md §11, compatibility.html).

use core::cmp::Ordering;

/// A `major.minor.patch` base library version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BaseVersion(pub u32, pub u32, pub u32);

/// First base library with encrypted storage (`setStorage({encrypt: true})`).
pub const ENCRYPTED_STORAGE: BaseVersion = BaseVersion(2, 21, 3);
/// First base library with the privacy APIs.
pub const PRIVACY_APIS: BaseVersion = BaseVersion(2, 32, 3);

impl BaseVersion {
    /// Parses `"2.32.3"`; missing parts count as 0 (`"3.1"` is 3.1.0). `None` for anything else.
    pub fn parse(text: &str) -> Option<BaseVersion> {
        let mut parts = [0u32; 3];
        // Split as bytes: `str::split('.')` links core's char searcher.
        for (i, piece) in text.trim().as_bytes().split(|&b| b == b'.').enumerate() {
            let slot = parts.get_mut(i)?;
            // digits_u64 takes ASCII digits only (no sign), and at least one.
            *slot = u32::try_from(crate::text::digits_u64(piece)?).ok()?;
        }
        let [a, b, c] = parts;
        Some(BaseVersion(a, b, c))
    }

    /// Whether this version is `min` or newer.
    pub fn at_least(self, min: BaseVersion) -> bool {
        self.cmp(&min) != Ordering::Less
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_numerically() {
        let a = BaseVersion::parse("2.29.1").unwrap();
        let b = BaseVersion::parse("2.3.0").unwrap();
        assert!(a > b);
        assert!(BaseVersion::parse("2.21.3")
            .unwrap()
            .at_least(ENCRYPTED_STORAGE));
        assert!(!BaseVersion::parse("2.21.2")
            .unwrap()
            .at_least(ENCRYPTED_STORAGE));
        assert_eq!(BaseVersion::parse("3.1"), Some(BaseVersion(3, 1, 0)));
    }

    #[test]
    fn junk_is_none() {
        for t in [
            "",
            "a.b.c",
            "1..2",
            "1.2.3.4",
            "-1.0.0",
            "99999999999.0.0",
            "1.2.x",
        ] {
            assert_eq!(BaseVersion::parse(t), None, "{t}");
        }
    }
}

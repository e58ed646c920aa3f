//! Which storage mode the record is written and read in.
//!
//! The record is written with `encrypt: true` where the base library supports it
//! (2.21.3+, read from `wx.getAppBaseInfo().SDKVersion` and compared numerically) and
//! plain otherwise. wx only reads data back in the mode it was written in, and a base
//! library update can change the mode between two launches, so reading tries the
//! preferred mode first and then the other; a record found in the other mode is
//! written again in the preferred one.

use crate::version::{BaseVersion, ENCRYPTED_STORAGE};

/// How the SDK uses wx storage on this base library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoragePlan {
    /// Whether `setStorage`/`getStorage` are called with `encrypt: true`.
    pub encrypt: bool,
}

impl StoragePlan {
    /// The plan for a base library version (`None`: unknown, so plain).
    pub fn for_base(version: Option<BaseVersion>) -> StoragePlan {
        StoragePlan {
            encrypt: version.is_some_and(|v| v.at_least(ENCRYPTED_STORAGE)),
        }
    }

    /// The modes to read in, preferred first: `[true, false]` or `[false]`.
    pub fn read_modes(self) -> &'static [bool] {
        if self.encrypt {
            &[true, false]
        } else {
            &[false]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypts_from_2_21_3_and_reads_both_modes_there() {
        let new = StoragePlan::for_base(BaseVersion::parse("2.21.3"));
        assert!(new.encrypt);
        assert_eq!(new.read_modes(), &[true, false]);
        let old = StoragePlan::for_base(BaseVersion::parse("2.21.2"));
        assert!(!old.encrypt);
        assert_eq!(old.read_modes(), &[false]);
        assert!(!StoragePlan::for_base(None).encrypt);
    }
}

//! Permission scopes (`scope.*`) as `wx.getSetting` and `wx.openSetting` report them.
//!
//! A scope the mini-program never asked for is absent from `authSetting`, not `false`
//! (platform.md §6); [`Scopes`] keeps that difference.

use alloc::vec::Vec;

/// A permission a mini-program can ask for (platform.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `scope.userInfo` (reclaimed: no longer grants the real profile).
    UserInfo,
    /// `scope.userLocation`.
    UserLocation,
    /// `scope.userFuzzyLocation`.
    UserFuzzyLocation,
    /// `scope.userLocationBackground`.
    UserLocationBackground,
    /// `scope.record` (microphone).
    Record,
    /// `scope.camera`.
    Camera,
    /// `scope.bluetooth`.
    Bluetooth,
    /// `scope.writePhotosAlbum`.
    WritePhotosAlbum,
    /// `scope.addPhoneContact`.
    AddPhoneContact,
    /// `scope.addPhoneCalendar`.
    AddPhoneCalendar,
    /// `scope.werun` (WeChat steps).
    Werun,
    /// `scope.address` (reported as granted: it needs no authorization any more).
    Address,
    /// `scope.invoiceTitle` (reported as granted, like `Address`).
    InvoiceTitle,
    /// `scope.invoice` (reported as granted, like `Address`).
    Invoice,
}

impl Scope {
    /// Every scope, in the order the SDK reports them.
    pub const ALL: [Scope; 14] = [
        Scope::UserInfo,
        Scope::UserLocation,
        Scope::UserFuzzyLocation,
        Scope::UserLocationBackground,
        Scope::Record,
        Scope::Camera,
        Scope::Bluetooth,
        Scope::WritePhotosAlbum,
        Scope::AddPhoneContact,
        Scope::AddPhoneCalendar,
        Scope::Werun,
        Scope::Address,
        Scope::InvoiceTitle,
        Scope::Invoice,
    ];

    /// The key wx uses, e.g. `"scope.userLocation"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::UserInfo => "scope.userInfo",
            Scope::UserLocation => "scope.userLocation",
            Scope::UserFuzzyLocation => "scope.userFuzzyLocation",
            Scope::UserLocationBackground => "scope.userLocationBackground",
            Scope::Record => "scope.record",
            Scope::Camera => "scope.camera",
            Scope::Bluetooth => "scope.bluetooth",
            Scope::WritePhotosAlbum => "scope.writePhotosAlbum",
            Scope::AddPhoneContact => "scope.addPhoneContact",
            Scope::AddPhoneCalendar => "scope.addPhoneCalendar",
            Scope::Werun => "scope.werun",
            Scope::Address => "scope.address",
            Scope::InvoiceTitle => "scope.invoiceTitle",
            Scope::Invoice => "scope.invoice",
        }
    }

    /// The scope a wx key names, if the SDK knows it.
    pub fn parse(key: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == key)
    }
}

/// What the user answered for each scope the mini-program asked for before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(Vec<(Scope, bool)>);

impl Scopes {
    /// Reads an `authSetting`: `answer(key)` is the value wx gave for a key, `None` when
    /// the key is absent or not a boolean (such a scope counts as never asked).
    pub fn read(mut answer: impl FnMut(&str) -> Option<bool>) -> Scopes {
        Scopes(
            Scope::ALL
                .into_iter()
                .filter_map(|s| answer(s.as_str()).map(|granted| (s, granted)))
                .collect(),
        )
    }

    /// Whether the user granted `scope`; `None` when it was never asked for.
    pub fn get(&self, scope: Scope) -> Option<bool> {
        self.0.iter().find(|(s, _)| *s == scope).map(|&(_, g)| g)
    }

    /// The scopes asked for before, with the answer, in [`Scope::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Scope, bool)> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("scope.unknown"), None);
        assert_eq!(Scope::parse("userLocation"), None);
    }

    #[test]
    fn never_asked_is_absent_not_denied() {
        let scopes = Scopes::read(|k| match k {
            "scope.userLocation" => Some(false),
            "scope.camera" => Some(true),
            _ => None,
        });
        assert_eq!(scopes.get(Scope::UserLocation), Some(false));
        assert_eq!(scopes.get(Scope::Camera), Some(true));
        assert_eq!(scopes.get(Scope::Record), None);
        let listed: Vec<_> = scopes.iter().collect();
        assert_eq!(
            listed,
            [(Scope::UserLocation, false), (Scope::Camera, true)]
        );
    }
}

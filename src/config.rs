//! What the app configured, as the core uses it.

use crate::budget::RenewalBudget;
use crate::retry::Backoff;

/// The app's choices that shape the flows (the URLs themselves stay with the edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Config {
    /// Whether login needs a profile first (profile-granted), not only the privacy agreement.
    pub require_profile: bool,
    /// How a failed login or renewal is retried.
    pub backoff: Backoff,
    /// How many automatic renewals (expiry, a 401, a failed `checkSession`) may start in a
    /// window; a `login()` the user asked for is never held back by it.
    pub renewals: RenewalBudget,
    /// Whether to ask `wx.checkSession` once at start (for backends that use `session_key`).
    pub check_session: bool,
    /// Whether the app gave a `logoutUrl` (the session is revoked there on logout and reset).
    pub logout_url: bool,
    /// Whether the app gave an `unbindUrl` (`unbind()` needs it).
    pub unbind_url: bool,
    /// Whether the app gave a `phoneUrl` (`verifyPhoneNumber()` needs it).
    pub phone_url: bool,
    /// Whether the app gave a `profileUrl`: the profile is saved on the backend and a
    /// login restores it; without it the profile stays on the device.
    pub profile_url: bool,
    /// Whether the backend learns who the user is from WeChat itself (a cloud function's
    /// `OPENID`, a CloudRun container's `X-WX-OPENID`): then login and unbind call no
    /// `wx.login` and send `{}` instead of `{code}`.
    pub login_without_code: bool,
}

//! The five states and the data each one carries.

use crate::profile::Profile;
use crate::session::Session;

/// Where the user is in anonymous → privacy-agreed → profile-granted → logged-in → logged-out.
///
/// Each state carries exactly the data it has: only `LoggedIn` has a session, only
/// `ProfileGranted` is sure to have a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthState {
    /// Nothing known; the privacy agreement may still be needed.
    Anonymous,
    /// The user agreed to the privacy agreement (or the app needs none).
    PrivacyAgreed,
    /// The user gave a nickname and avatar; not logged in yet.
    ProfileGranted {
        /// The profile the user gave.
        profile: Profile,
    },
    /// A session with the app's backend exists.
    LoggedIn {
        /// The backend session.
        session: Session,
        /// The profile, if the user gave one.
        profile: Option<Profile>,
    },
    /// Logged out; nothing logs the user in again until `login()` is called.
    LoggedOut {
        /// The profile kept from before, so logging in again needs no new profile.
        profile: Option<Profile>,
        /// Why: the user logged out, or the session ended and could not be renewed.
        reason: LogoutReason,
    },
}

/// Why a session ended, as JS sees it in `state.reason`, so a page can say why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogoutReason {
    /// `"user"`: the user logged out.
    User,
    /// `"expired"`: the session expired and the backend refused to renew it.
    Expired,
    /// `"revoked"`: the backend refused the session (401) and refused to renew it.
    Revoked,
}

impl LogoutReason {
    /// The reason as JS sees it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogoutReason::User => "user",
            LogoutReason::Expired => "expired",
            LogoutReason::Revoked => "revoked",
        }
    }

    /// The reason for a JS name, if it is one of the three.
    pub fn parse(name: &str) -> Option<LogoutReason> {
        [
            LogoutReason::User,
            LogoutReason::Expired,
            LogoutReason::Revoked,
        ]
        .into_iter()
        .find(|r| r.as_str() == name)
    }
}

/// The name of a state without its data, as JS sees it in `state.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateKind {
    /// `"anonymous"`
    Anonymous,
    /// `"privacy-agreed"`
    PrivacyAgreed,
    /// `"profile-granted"`
    ProfileGranted,
    /// `"logged-in"`
    LoggedIn,
    /// `"logged-out"`
    LoggedOut,
}

impl StateKind {
    /// The kind as JS sees it.
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Anonymous => "anonymous",
            StateKind::PrivacyAgreed => "privacy-agreed",
            StateKind::ProfileGranted => "profile-granted",
            StateKind::LoggedIn => "logged-in",
            StateKind::LoggedOut => "logged-out",
        }
    }

    /// The kind for a JS name, if it is one of the five.
    pub fn parse(name: &str) -> Option<StateKind> {
        [
            StateKind::Anonymous,
            StateKind::PrivacyAgreed,
            StateKind::ProfileGranted,
            StateKind::LoggedIn,
            StateKind::LoggedOut,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

impl AuthState {
    /// The state's kind.
    pub fn kind(&self) -> StateKind {
        match self {
            AuthState::Anonymous => StateKind::Anonymous,
            AuthState::PrivacyAgreed => StateKind::PrivacyAgreed,
            AuthState::ProfileGranted { .. } => StateKind::ProfileGranted,
            AuthState::LoggedIn { .. } => StateKind::LoggedIn,
            AuthState::LoggedOut { .. } => StateKind::LoggedOut,
        }
    }

    /// The profile, in the states that may have one.
    pub fn profile(&self) -> Option<&Profile> {
        match self {
            AuthState::Anonymous | AuthState::PrivacyAgreed => None,
            AuthState::ProfileGranted { profile } => Some(profile),
            AuthState::LoggedIn { profile, .. } | AuthState::LoggedOut { profile, .. } => {
                profile.as_ref()
            }
        }
    }

    /// Why the user is logged out, in `LoggedOut`.
    pub fn logout_reason(&self) -> Option<LogoutReason> {
        match self {
            AuthState::LoggedOut { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    /// The session, when logged in.
    pub fn session(&self) -> Option<&Session> {
        match self {
            AuthState::LoggedIn { session, .. } => Some(session),
            _ => None,
        }
    }

    /// The same state with another profile; before login that is `ProfileGranted`.
    ///
    /// The machine checks first that a profile may be given in the current state.
    pub fn with_profile(&self, profile: Profile) -> AuthState {
        match self {
            AuthState::Anonymous | AuthState::PrivacyAgreed | AuthState::ProfileGranted { .. } => {
                AuthState::ProfileGranted { profile }
            }
            AuthState::LoggedIn { session, .. } => AuthState::LoggedIn {
                session: session.clone(),
                profile: Some(profile),
            },
            AuthState::LoggedOut { reason, .. } => AuthState::LoggedOut {
                profile: Some(profile),
                reason: *reason,
            },
        }
    }
}

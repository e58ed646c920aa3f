//! The errors the server answers with, and the store's own error type.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::fmt;
use wx_auth::wire::{BackendCode, ErrorBody};

/// An answer other than success: an HTTP status and the JSON body `{code, message}`
/// ([`wx_auth::wire::ErrorBody`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// A stable, machine-readable code (`INVALID_CODE`, `UNAUTHORIZED`, …).
    pub code: &'static str,
    /// A human-readable explanation; never carries a secret, token or code.
    pub message: String,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `BAD_REQUEST`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BAD_REQUEST", message)
    }

    /// 401 `UNAUTHORIZED`.
    pub fn unauthorized() -> Self {
        Self::new(401, "UNAUTHORIZED", "a valid bearer token is required")
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found() -> Self {
        Self::new(404, "NOT_FOUND", "no such endpoint")
    }

    /// 500 `INTERNAL`: the session store failed or did not answer in time (the details
    /// go to the log only).
    pub fn internal() -> Self {
        Self::new(500, "INTERNAL", "the session store is unavailable")
    }

    /// The body the SDK reads: `{"code": ..., "message": ...}`.
    pub fn wire(&self) -> ErrorBody {
        ErrorBody {
            code: BackendCode::Name(self.code.to_string()),
            message: self.message.clone(),
        }
    }

    /// The JSON text of [`ApiError::wire`].
    pub fn body(&self) -> String {
        serde_json::to_string(&self.wire())
            .unwrap_or_else(|_| String::from(r#"{"code":"INTERNAL","message":"internal error"}"#))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        crate::http::json_text(status, self.body())
    }
}

/// A failure of the session store (SQLite or Redis). Its text names the operation and
/// the kind of cause, never a key, token hash or openid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl StoreError {
    /// A store error with this description.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError(message.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::warn!("{e}");
        ApiError::internal()
    }
}

/// A failure of the avatar directory (creating, writing, renaming or reading a file). Its
/// text names the operation and the kind of cause, never a path or a file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError(pub String);

impl FileError {
    /// A file error: what was being done and `e`'s kind.
    pub fn io(op: &str, e: &std::io::Error) -> Self {
        FileError(format!("{op}: {:?}", e.kind()))
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "avatar files: {}", self.0)
    }
}

impl std::error::Error for FileError {}

impl From<FileError> for ApiError {
    fn from(e: FileError) -> Self {
        tracing::warn!("{e}");
        ApiError::new(500, "INTERNAL", "the avatar could not be stored or read")
    }
}

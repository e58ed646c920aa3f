//! Checks for what a page passes to `auth.request`.

use crate::error::AuthError;

/// An HTTP method `wx.request` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// `TRACE`
    Trace,
    /// `CONNECT`
    Connect,
}

const ALL: [Method; 8] = [
    Method::Get,
    Method::Head,
    Method::Post,
    Method::Put,
    Method::Delete,
    Method::Options,
    Method::Trace,
    Method::Connect,
];

impl Method {
    /// The method's name as wx expects it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
            Method::Connect => "CONNECT",
        }
    }

    /// A method from its name, in any case; wx's list has no `PATCH`.
    pub fn parse(name: &str) -> Result<Method, AuthError> {
        ALL.into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| AuthError::argument("method must be one wx.request accepts (GET, POST, PUT, DELETE, HEAD, OPTIONS, TRACE, CONNECT)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_parse_in_any_case() {
        assert_eq!(Method::parse("post").unwrap(), Method::Post);
        assert_eq!(Method::parse("GET").unwrap(), Method::Get);
        assert!(Method::parse("PATCH").is_err());
        assert!(Method::parse("").is_err());
    }
}

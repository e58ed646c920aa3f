//! Session tokens: 256 random bits from the OS, given to the client as 64 hex characters;
//! only their SHA-256 is stored, so a leaked database or Redis dump holds no usable token.

use sha2::{Digest, Sha256};

/// Length of a token as the client sees it.
pub const TOKEN_CHARS: usize = 64;

/// A fresh token and the hash to store for it.
pub struct NewToken {
    /// What the client gets (`{"token": ...}`); never stored, never logged.
    pub token: String,
    /// `hash(token)`, the store's key for the session.
    pub hash: String,
}

/// 32 bytes from the OS random source, as a token. Fails only if the OS source does.
pub fn generate() -> Result<NewToken, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let token = hex::encode(bytes);
    let hash = hash(&token);
    Ok(NewToken { token, hash })
}

/// The stored form of a token: lowercase hex of SHA-256 over its text.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The token of an `Authorization: Bearer <token>` header value, if it has the shape
/// this server issues (64 lowercase hex characters); anything else is no token.
pub fn from_bearer(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    let well_formed = token.len() == TOKEN_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    well_formed.then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_distinct_and_stored_hashed() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_eq!(a.token.len(), 64);
        assert_ne!(a.token, b.token);
        assert_eq!(a.hash, hash(&a.token));
        assert_ne!(a.hash, a.token);
        // SHA-256("abc")
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn bearer_headers_are_read_strictly() {
        let t = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(from_bearer(Some(&format!("Bearer {t}"))), Some(t));
        assert_eq!(from_bearer(Some(&format!("bearer {t}"))), Some(t));
        assert_eq!(from_bearer(None), None);
        assert_eq!(from_bearer(Some(t)), None);
        assert_eq!(from_bearer(Some(&format!("Basic {t}"))), None);
        assert_eq!(from_bearer(Some("Bearer abc")), None);
        assert_eq!(
            from_bearer(Some(&format!("Bearer {}", t.to_uppercase()))),
            None
        );
        assert_eq!(from_bearer(Some("Bearer ")), None);
    }
}

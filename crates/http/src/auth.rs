//! The bearer-token check: when a server is given an access token, a request
//! must carry `Authorization: Bearer <token>`, or it is answered 401. The
//! token is compared in constant time, so timing does not reveal how much of
//! a guess was right.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

use enma_common::error::Error;

use crate::HttpError;

/// Refuses to expose `service` on `address` without protection: a token,
/// when given, must not be blank, and off loopback one is required.
pub fn check_exposure(service: &str, address: SocketAddr, token: Option<&str>) -> Result<(), Error> {
    if token.is_some_and(|t| t.trim().is_empty()) {
        return Err(Error::forbidden("the access token must not be empty"));
    }
    if !address.ip().is_loopback() && token.is_none() {
        return Err(Error::forbidden(format!(
            "refusing to serve {service} on {address} without an access token: configure one (`enma serve --token`, \
             ENMA_TOKEN; clients send it as `Authorization: Bearer <token>`) or use a loopback address such as 127.0.0.1"
        )));
    }
    Ok(())
}

/// The access token a server requires, or none: the state of [`require_bearer_token`].
#[derive(Debug, Clone, Default)]
pub struct BearerToken(Option<Arc<str>>);

impl BearerToken {
    /// Requires `token` when it is set; lets every request through when it is `None`.
    pub fn new(token: Option<&str>) -> Self {
        Self(token.map(Arc::from))
    }

    /// Whether `headers` carry the token (always, when none is required).
    pub fn check(&self, headers: &HeaderMap) -> Result<(), HttpError> {
        let Some(expected) = self.0.as_deref() else { return Ok(()) };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        match given {
            None => Err(HttpError::unauthorized(
                "this server requires an access token: send `Authorization: Bearer <token>`",
            )),
            Some(given) if !constant_time_eq(given.as_bytes(), expected.as_bytes()) => {
                Err(HttpError::unauthorized("the access token is not valid"))
            }
            Some(_) => Ok(()),
        }
    }
}

/// Lets the request through when it carries the token; 401 otherwise. Use with
/// `axum::middleware::from_fn_with_state(BearerToken::new(..), require_bearer_token)`.
pub async fn require_bearer_token(
    State(token): State<BearerToken>,
    request: Request,
    next: Next,
) -> Result<Response, HttpError> {
    token.check(request.headers())?;
    Ok(next.run(request).await)
}

/// Compares without returning early, so timing does not reveal how much of a guess was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, &x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, StatusCode};

    use super::*;

    fn with_authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn token_is_checked_only_when_configured() {
        assert!(BearerToken::default().check(&HeaderMap::new()).is_ok());
        let token = BearerToken::new(Some("s3cret"));
        let missing = token.check(&HeaderMap::new()).unwrap_err();
        assert_eq!((missing.status(), missing.code()), (StatusCode::UNAUTHORIZED, "unauthorized"));
        assert!(missing.message().contains("Bearer <token>"), "{}", missing.message());
        let wrong = token.check(&with_authorization("Bearer nope")).unwrap_err();
        assert_eq!(wrong.message(), "the access token is not valid");
        assert!(token.check(&with_authorization("Basic s3cret")).is_err());
        assert!(token.check(&with_authorization("Bearer s3cret")).is_ok());
        assert!(token.check(&with_authorization("bearer  s3cret ")).is_ok());
    }

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"secret"));
        assert!(!constant_time_eq(b"secret", b""));
    }
}

//! Authentication and authorization as Eve's `BasicAuth` and `TokenAuth`
//! classes do it, with the users an `AUTH` settings key names (Eve's
//! settings cannot name a Python class, so ENMA reads this key instead):
//!
//! ```yaml
//! AUTH:
//!   type: basic              # or token
//!   users:                   # optional
//!     - {username: alice, password: "$2b$12$...", roles: [admin], token: "..."}
//!   accounts: accounts       # optional: a DOMAIN resource whose documents are accounts
//!   auth_value: username     # the account field a resource's auth_field receives
//! ```
//!
//! An account is found by user name (basic) or token (token), first among
//! `users`, then in the accounts resource's collection. Basic checks the
//! password against the account's bcrypt hash; both check that the
//! account has one of the roles the endpoint allows, when it names any.
//! Which methods are public and which roles they need is Eve's per-resource
//! `public_methods`, `allowed_roles`, ... with the global defaults.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use bson::{Bson, Document, doc};
use enma_docstore::{DocumentStore, Find, StoreError};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::settings::SettingsError;

/// How credentials are given: Eve's two schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization: Basic base64(user:password)`.
    Basic,
    /// A token: as a Basic user name, bare, or after `Token` or `Bearer`.
    Token,
}

/// The `AUTH` settings key.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub scheme: Scheme,
    /// Accounts from the settings.
    pub users: Vec<Document>,
    /// The resource whose documents are accounts, by name.
    pub accounts: Option<String>,
    /// The account field whose value a resource's `auth_field` receives.
    pub auth_value: String,
}

impl AuthSettings {
    pub fn parse(value: &Value) -> Result<AuthSettings, SettingsError> {
        let bad = |m: &str| SettingsError(format!("AUTH: {m}"));
        let Some(a) = value.as_object() else { return Err(bad("must be an object")) };
        for key in a.keys() {
            if !["type", "users", "accounts", "auth_value"].contains(&key.as_str()) {
                return Err(bad(&format!("unknown key {key:?} (type, users, accounts, auth_value)")));
            }
        }
        let scheme = match a.get("type").and_then(Value::as_str) {
            Some("basic") | None => Scheme::Basic,
            Some("token") => Scheme::Token,
            Some(other) => return Err(bad(&format!("type {other:?} is not basic or token"))),
        };
        let mut users = Vec::new();
        for (i, u) in a.get("users").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default().iter().enumerate()
        {
            let Ok(Bson::Document(d)) = Bson::try_from(u.clone()) else {
                return Err(bad(&format!("users[{i}] must be an object")));
            };
            if d.get("password").is_some_and(|p| p.as_str().and_then(bcrypt_cost).is_none()) {
                // As with Eve's bcrypt check, such an account never signs in.
                tracing::warn!(
                    "AUTH.users[{i}].password is not a bcrypt hash ($2b$...): that user cannot sign in with a password"
                );
            }
            users.push(d);
        }
        let accounts = a.get("accounts").and_then(Value::as_str).map(str::to_string);
        if users.is_empty() && accounts.is_none() {
            return Err(bad("names no users and no accounts resource, so nobody could sign in"));
        }
        let auth_value = a.get("auth_value").and_then(Value::as_str).unwrap_or("username").to_string();
        Ok(AuthSettings { scheme, users, accounts, auth_value })
    }
}

/// The cost of a bcrypt hash, or `None` when the text is not one.
fn bcrypt_cost(hash: &str) -> Option<u32> {
    let rest = hash.strip_prefix("$2a$").or(hash.strip_prefix("$2b$")).or(hash.strip_prefix("$2y$"))?;
    (hash.len() == 60).then(|| rest.get(..2)?.parse().ok()).flatten()
}

/// Who may call an endpoint: Eve's public methods and allowed roles.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Whether the endpoint checks credentials at all (`authentication: null` turns it off).
    pub authenticated: bool,
    pub public_methods: Vec<String>,
    pub roles: Vec<String>,
    pub read_roles: Vec<String>,
    pub write_roles: Vec<String>,
}

impl Access {
    /// The roles `method` needs (none: any signed-in user).
    pub fn roles_for(&self, method: &str, read: &[&str]) -> Vec<String> {
        let mut roles = self.roles.clone();
        roles.extend(if read.contains(&method) { &self.read_roles } else { &self.write_roles }.iter().cloned());
        roles
    }

    pub fn is_public(&self, method: &str) -> bool {
        !self.authenticated || self.public_methods.iter().any(|m| m == method)
    }
}

/// Reads `key` as Eve's list of roles or methods, else `default`.
pub fn list(r: &Map<String, Value>, key: &str, default: &[String]) -> Result<Vec<String>, SettingsError> {
    match r.get(key) {
        None => Ok(default.to_vec()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| SettingsError(format!("{key} must list strings"))))
            .collect(),
        Some(_) => Err(SettingsError(format!("{key} must be a list"))),
    }
}

/// Who a request's credentials name.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The value for a resource's `auth_field` (none when the account lacks the field).
    pub auth_value: Option<Bson>,
    /// The account's user name.
    pub user: String,
}

/// Why a request was not let through.
#[derive(Debug)]
pub enum Denied {
    /// No credentials, wrong ones, or not in an allowed role: Eve's 401.
    Unauthorized,
    /// The accounts could not be read.
    Store(StoreError),
}

/// Checks credentials against the configured accounts.
pub struct Authenticator {
    settings: AuthSettings,
    store: Arc<dyn DocumentStore>,
    /// The accounts resource's collection.
    accounts_source: Option<String>,
    /// bcrypt is slow by design: a (hash, SHA-256 of the password) pair
    /// once verified is remembered, so a client's every request does not
    /// pay for it. The account is still read on every request, so a
    /// changed password or a removed account takes effect at once.
    verified: Mutex<HashMap<(String, [u8; 32]), ()>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").field("scheme", &self.settings.scheme).finish_non_exhaustive()
    }
}

/// The remembered verifications are dropped past this many.
const VERIFIED_LIMIT: usize = 4096;

impl Authenticator {
    pub fn new(settings: AuthSettings, store: Arc<dyn DocumentStore>, accounts_source: Option<String>) -> Self {
        Authenticator { settings, store, accounts_source, verified: Mutex::new(HashMap::new()) }
    }

    /// Lets the request through when its credentials name an account with
    /// one of `roles` (any account when `roles` is empty): who signed in.
    pub async fn authorize(&self, headers: &HeaderMap, roles: &[String]) -> Result<SignedIn, Denied> {
        let header = headers.get(header::AUTHORIZATION).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let account = match self.settings.scheme {
            Scheme::Basic => {
                let Some((user, password)) = header.as_deref().and_then(basic_credentials) else {
                    return Err(Denied::Unauthorized);
                };
                let Some(password) = password else { return Err(Denied::Unauthorized) };
                let Some(account) = self.account("username", &user).await? else {
                    return Err(Denied::Unauthorized);
                };
                if !self.password_matches(&account, &password).await {
                    return Err(Denied::Unauthorized);
                }
                account
            }
            Scheme::Token => {
                let Some(token) = header.as_deref().and_then(token_of) else { return Err(Denied::Unauthorized) };
                match self.account("token", &token).await? {
                    Some(a) => a,
                    None => return Err(Denied::Unauthorized),
                }
            }
        };
        if !roles.is_empty() {
            let has = match account.get("roles") {
                Some(Bson::Array(held)) => held.iter().any(|r| matches!(r, Bson::String(s) if roles.contains(s))),
                Some(Bson::String(s)) => roles.contains(s),
                _ => false,
            };
            if !has {
                return Err(Denied::Unauthorized);
            }
        }
        Ok(SignedIn {
            auth_value: account.get(self.settings.auth_value.as_str()).cloned(),
            // The OPLOG names the user; Eve writes a token there, ENMA the account's name.
            user: account.get_str("username").unwrap_or_default().to_string(),
        })
    }

    /// The account whose `field` equals `value`: from the settings first, then the accounts collection.
    async fn account(&self, field: &str, value: &str) -> Result<Option<Document>, Denied> {
        let configured = self.settings.users.iter().find(|u| match u.get(field) {
            Some(Bson::String(s)) => enma_http::constant_time_eq(s.as_bytes(), value.as_bytes()),
            _ => false,
        });
        if let Some(u) = configured {
            return Ok(Some(u.clone()));
        }
        let Some(source) = &self.accounts_source else { return Ok(None) };
        let find = Find { limit: Some(1), ..Find::filter(doc! {field: value}) };
        let found = self.store.find(source, &find).await.map_err(Denied::Store)?;
        Ok(found.into_iter().next())
    }

    async fn password_matches(&self, account: &Document, password: &str) -> bool {
        let Ok(hash) = account.get_str("password") else { return false };
        let Some(cost) = bcrypt_cost(hash) else { return false };
        let key = (hash.to_string(), Sha256::digest(password.as_bytes()).into());
        if self.verified.lock().is_ok_and(|v| v.contains_key(&key)) {
            return true;
        }
        // Hashes of absurd cost would stall a thread for minutes.
        if cost > 16 {
            return false;
        }
        let (hash_owned, password) = (hash.to_string(), password.to_string());
        let ok = tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash_owned).unwrap_or(false))
            .await
            .unwrap_or(false);
        if ok && let Ok(mut v) = self.verified.lock() {
            if v.len() >= VERIFIED_LIMIT {
                v.clear();
            }
            v.insert(key, ());
        }
        ok
    }
}

/// The user name and password of an `Authorization` header as Werkzeug
/// reads it: `Basic` and base64 of `user:password` (the password `None`
/// when the scheme is another one that carries a `username` parameter).
fn basic_credentials(header: &str) -> Option<(String, Option<String>)> {
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = decode_base64(rest)?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':').unwrap_or((&text, ""));
        return Some((user.to_string(), Some(password.to_string())));
    }
    parameter(rest, "username").map(|u| (u, None))
}

/// The user name of Basic credentials, as Werkzeug reads it.
pub fn basic_user(header: &str) -> Option<String> {
    match basic_credentials(header)? {
        (user, Some(_)) => Some(user),
        _ => None,
    }
}

/// Python's lenient `base64.b64decode`: characters outside the alphabet are
/// skipped, but the padding must be right.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let kept: String = text.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')).collect();
    let data = match kept.find('=') {
        // Anything after the padding is ignored, as Python does.
        Some(at) => {
            let pad = kept[at..].chars().take_while(|c| *c == '=').count();
            let data = &kept[..at];
            let needed = (4 - data.len() % 4) % 4;
            if needed == 0 || pad < needed {
                return None;
            }
            data.to_string()
        }
        None if kept.len() % 4 == 1 => return None,
        None if !kept.len().is_multiple_of(4) => return None,
        None => kept,
    };
    base64::engine::general_purpose::STANDARD_NO_PAD.decode(data.as_bytes()).ok()
}

/// A `key=value` parameter of an auth header (`Digest username="x", ...`).
fn parameter(rest: &str, key: &str) -> Option<String> {
    if !rest.trim_end_matches('=').contains('=') {
        return None;
    }
    rest.split(',').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The token of an `Authorization` header as Eve's `TokenAuth` reads it:
/// the user name of Basic credentials, else the header itself, less a
/// leading `Token`/`Bearer` word.
fn token_of(header: &str) -> Option<String> {
    if let Some((user, _)) = basic_credentials(header)
        && !user.is_empty()
    {
        return Some(user);
    }
    let h = header.trim();
    let lower = h.to_ascii_lowercase();
    let token = if lower.starts_with("token") || lower.starts_with("bearer") {
        h.split(' ').nth(1).unwrap_or("").to_string()
    } else {
        h.to_string()
    };
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn basic_credentials_read_as_werkzeug_does() {
        let h = format!("Basic {}", b64("alice:se:cret é"));
        assert_eq!(basic_credentials(&h), Some(("alice".into(), Some("se:cret é".into()))));
        assert_eq!(basic_credentials(&format!("basic {}", b64("bob"))), Some(("bob".into(), Some(String::new()))));
        assert_eq!(basic_credentials("Basic !!!"), Some((String::new(), Some(String::new()))));
        assert_eq!(basic_credentials("Basic YWxp"), Some(("ali".into(), Some(String::new()))));
        assert_eq!(basic_credentials("Basic YWxpY2"), None);
        assert_eq!(basic_credentials("Digest username=\"carol\", realm=x"), Some(("carol".into(), None)));
        assert_eq!(basic_credentials("Bearer abc"), None);
    }

    #[test]
    fn tokens_read_as_eve_does() {
        assert_eq!(token_of(&format!("Basic {}", b64("tok:"))), Some("tok".into()));
        assert_eq!(token_of("tok"), Some("tok".into()));
        assert_eq!(token_of("Token tok"), Some("tok".into()));
        assert_eq!(token_of("bearer tok"), Some("tok".into()));
        assert_eq!(token_of("Bearer"), None);
    }

    #[test]
    fn settings_name_who_may_sign_in() {
        let hash = bcrypt::hash("pw", 4).unwrap();
        let ok = AuthSettings::parse(&serde_json::json!({"users": [{"username": "a", "password": hash}]}));
        assert_eq!(ok.unwrap().scheme, Scheme::Basic);
        assert!(AuthSettings::parse(&serde_json::json!({"type": "token"})).is_err());
    }
}

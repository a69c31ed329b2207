//! Plays the HTTP API's JWT authorizer: HS256 tokens signed with `LOCAL_JWT_SECRET`.

use std::collections::HashMap;

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{json, Value};

/// The secret when `LOCAL_JWT_SECRET` is not set.
pub const DEFAULT_SECRET: &str = "local-dev-secret";

/// Mints a token for `user`, in the `admin` group if asked, valid for `ttl_seconds`.
pub fn mint(secret: &str, user: &str, admin: bool, ttl_seconds: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({ "sub": user, "iat": now, "exp": now + ttl_seconds, "iss": "local-gateway", "token_use": "access" });
    if admin {
        claims["cognito:groups"] = json!(["admin"]);
    }
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes()))
        .expect("HS256 signing of a JSON object cannot fail")
}

/// Validates a bearer token and returns its claims flattened to strings, the way API Gateway
/// puts them in `requestContext.authorizer.jwt.claims` (arrays become `[a b]`).
pub fn verify(secret: &str, authorization: Option<&str>) -> Result<HashMap<String, String>, &'static str> {
    let token = authorization
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .ok_or("a bearer token is required")?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.leeway = 0;
    let data = decode::<HashMap<String, Value>>(token.trim(), &DecodingKey::from_secret(secret.as_bytes()), &validation)
        .map_err(|_| "the token is invalid or expired")?;
    Ok(data
        .claims
        .into_iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s,
                Value::Array(items) => {
                    let parts: Vec<String> = items.into_iter().map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string())).collect();
                    format!("[{}]", parts.join(" "))
                }
                other => other.to_string(),
            };
            (k, s)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_verifies_with_its_claims() {
        let t = mint("s", "alice", true, 60);
        let claims = verify("s", Some(&format!("Bearer {t}"))).unwrap();
        assert_eq!(claims["sub"], "alice");
        assert_eq!(claims["cognito:groups"], "[admin]");
    }

    #[test]
    fn forged_expired_and_missing_tokens_are_refused() {
        let t = mint("other", "alice", false, 60);
        assert!(verify("s", Some(&format!("Bearer {t}"))).is_err());
        let old = mint("s", "alice", false, -10);
        assert!(verify("s", Some(&format!("Bearer {old}"))).is_err());
        assert!(verify("s", None).is_err());
        assert!(verify("s", Some("Basic abc")).is_err());
    }
}

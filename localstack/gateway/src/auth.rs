//! Plays the HTTP API's JWT authorizer: HS256 tokens signed with `LOCAL_JWT_SECRET`.

use booking_core::auth::{Claims, TokenKeys};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

pub use booking_core::auth::DEFAULT_SECRET;

/// Mints a token for `user`, in the `admin` group if asked, valid for `ttl_seconds`. It carries
/// the `email` Cognito would (`<user>@example.com`), so notifications have somewhere to go.
pub fn mint(secret: &str, user: &str, admin: bool, ttl_seconds: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({ "sub": user, "iat": now, "exp": now + ttl_seconds, "iss": "local-gateway", "token_use": "id",
        "email": format!("{user}@example.com") });
    if admin {
        claims["cognito:groups"] = json!(["admin"]);
    }
    sign(secret, &claims)
}

/// Mints a token for a door `user` in the `staff` group, valid for `ttl_seconds`.
pub fn mint_staff(secret: &str, user: &str, ttl_seconds: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": user, "iat": now, "exp": now + ttl_seconds, "iss": "local-gateway", "token_use": "id",
        "cognito:groups": ["staff"] });
    sign(secret, &claims)
}

/// Signs any claims (HS256), e.g. a token with a `phone_number`.
pub fn sign(secret: &str, claims: &serde_json::Value) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes()))
        .expect("HS256 signing of a JSON object cannot fail")
}

/// Validates a bearer token and returns its claims flattened to strings, the way API Gateway
/// puts them in `requestContext.authorizer.jwt.claims` (arrays become `[a b]`).
pub fn verify(keys: &TokenKeys, authorization: Option<&str>) -> Result<Claims, &'static str> {
    let token = authorization
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .ok_or("a bearer token is required")?;
    keys.verify(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_verifies_with_its_claims() {
        let t = mint("s", "alice", true, 60);
        let claims = verify(&TokenKeys::Shared("s".into()), Some(&format!("Bearer {t}"))).unwrap();
        assert_eq!(claims["sub"], "alice");
        assert_eq!(claims["cognito:groups"], "[admin]");
    }

    #[test]
    fn forged_expired_and_missing_tokens_are_refused() {
        let t = mint("other", "alice", false, 60);
        assert!(verify(&TokenKeys::Shared("s".into()), Some(&format!("Bearer {t}"))).is_err());
        let old = mint("s", "alice", false, -10);
        assert!(verify(&TokenKeys::Shared("s".into()), Some(&format!("Bearer {old}"))).is_err());
        assert!(verify(&TokenKeys::Shared("s".into()), None).is_err());
        assert!(verify(&TokenKeys::Shared("s".into()), Some("Basic abc")).is_err());
    }
}

//! Bearer tokens checked by the code itself, where no API Gateway authorizer does it: WebSocket
//! APIs have no JWT authorizer, so `$connect` verifies the `token` query parameter here. In AWS the
//! keys are the Cognito user pool's JWKS (`JWT_JWKS`, RS256, issuer `JWT_ISSUER`); locally the
//! HS256 secret the local gateway signs with (`LOCAL_JWT_SECRET`).

use std::collections::HashMap;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// The secret when `LOCAL_JWT_SECRET` is not set.
pub const DEFAULT_SECRET: &str = "local-dev-secret";

/// Claims as API Gateway hands them to a function: every value a string, arrays as `[a b]`.
pub type Claims = HashMap<String, String>;

/// The keys tokens are checked against.
#[derive(Clone)]
pub enum TokenKeys {
    /// HS256 with a shared secret (the local gateway's tokens).
    Shared(String),
    /// The user pool's public keys, by `kid`, and the issuer tokens must name.
    Jwks { keys: JwkSet, issuer: Option<String> },
}

impl TokenKeys {
    /// `JWT_JWKS` (the JWKS document) if set, else the shared secret.
    pub fn new(jwks: Option<&str>, issuer: Option<&str>, secret: &str) -> anyhow::Result<TokenKeys> {
        match jwks {
            Some(doc) => Ok(TokenKeys::Jwks { keys: serde_json::from_str(doc)?, issuer: issuer.map(String::from) }),
            None => Ok(TokenKeys::Shared(secret.to_string())),
        }
    }

    /// The token's claims if it is signed by these keys and not expired.
    pub fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        const INVALID: &str = "the token is invalid or expired";
        let token = token.trim();
        let (key, mut validation) = match self {
            TokenKeys::Shared(secret) => (DecodingKey::from_secret(secret.as_bytes()), Validation::new(Algorithm::HS256)),
            TokenKeys::Jwks { keys, issuer } => {
                let header = decode_header(token).map_err(|_| INVALID)?;
                let jwk = header.kid.as_deref().and_then(|kid| keys.find(kid)).ok_or(INVALID)?;
                let mut validation = Validation::new(Algorithm::RS256);
                if let Some(iss) = issuer {
                    validation.set_issuer(&[iss]);
                }
                (DecodingKey::from_jwk(jwk).map_err(|_| INVALID)?, validation)
            }
        };
        validation.set_required_spec_claims(&["exp", "sub"]);
        // Cognito access tokens carry `client_id`, not `aud`.
        validation.validate_aud = false;
        validation.leeway = 0;
        let data = decode::<HashMap<String, Value>>(token, &key, &validation).map_err(|_| INVALID)?;
        Ok(flatten(data.claims))
    }
}

/// Renders claims the way API Gateway puts them in `requestContext.authorizer.jwt.claims`.
pub fn flatten(claims: HashMap<String, Value>) -> Claims {
    claims
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
        .collect()
}

//! Bearer tokens checked by the code itself, where no API Gateway authorizer does it: WebSocket
//! APIs have no JWT authorizer, so `$connect` verifies the `token` query parameter here. In AWS the
//! keys are the Cognito user pool's JWKS (`JWT_JWKS`, RS256, issuer `JWT_ISSUER`); locally the
//! HS256 secret the local gateway signs with (`LOCAL_JWT_SECRET`).

use std::collections::HashMap;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::domain::queue::{AccessClaims, ACCESS_AUDIENCE};

/// The secret when `LOCAL_JWT_SECRET` is not set.
pub const DEFAULT_SECRET: &str = "local-dev-secret";

/// How far ahead of this clock a token's `iat` may be (the issuer's clock may run a little fast).
const CLOCK_SKEW_SECONDS: i64 = 5;

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
    pub fn new(
        jwks: Option<&str>,
        issuer: Option<&str>,
        secret: &str,
    ) -> anyhow::Result<TokenKeys> {
        match jwks {
            Some(doc) => Ok(TokenKeys::Jwks {
                keys: serde_json::from_str(doc)?,
                issuer: issuer.map(String::from),
            }),
            None => Ok(TokenKeys::Shared(secret.to_string())),
        }
    }

    /// The token's claims if it is signed by these keys and not expired.
    pub fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        const INVALID: &str = "the token is invalid or expired";
        let token = token.trim();
        let (key, mut validation) = match self {
            TokenKeys::Shared(secret) => {
                (DecodingKey::from_secret(secret.as_bytes()), Validation::new(Algorithm::HS256))
            }
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
        validation.validate_nbf = true;
        validation.leeway = 0;
        let data =
            decode::<HashMap<String, Value>>(token, &key, &validation).map_err(|_| INVALID)?;
        // A token issued in the future was minted with a wrong clock or to outlive its keys.
        let now = chrono::Utc::now().timestamp();
        if data
            .claims
            .get("iat")
            .is_some_and(|iat| iat.as_i64().is_none_or(|iat| iat > now + CLOCK_SKEW_SECONDS))
        {
            return Err(INVALID);
        }
        Ok(flatten(data.claims))
    }
}

/// The claim that makes an admin: Cognito always issues it as an array of group names.
pub const GROUPS_CLAIM: &str = "cognito:groups";

/// Renders claims the way API Gateway puts them in `requestContext.authorizer.jwt.claims`: arrays
/// as `[a b]`. Array items that this form cannot carry unambiguously (not strings, empty, or with
/// whitespace or brackets) are left out, and a [`GROUPS_CLAIM`] that is not an array is dropped, so
/// that no token can spell a group it was not given.
pub fn flatten(claims: HashMap<String, Value>) -> Claims {
    claims
        .into_iter()
        .filter_map(|(k, v)| {
            let s = match v {
                Value::Array(items) => {
                    let parts: Vec<&str> = items
                        .iter()
                        .filter_map(Value::as_str)
                        .filter(|i| representable(i))
                        .collect();
                    format!("[{}]", parts.join(" "))
                }
                _ if k == GROUPS_CLAIM => return None,
                Value::String(s) => s,
                other => other.to_string(),
            };
            Some((k, s))
        })
        .collect()
}

fn representable(item: &str) -> bool {
    !item.is_empty() && !item.chars().any(|c| c.is_whitespace() || c == '[' || c == ']')
}

/// The key of the waiting room's access passes: HS256 JWTs (audience [`ACCESS_AUDIENCE`]) bound to
/// one user and one event, signed with `QUEUE_TOKEN_SECRET`. A pass proves who was admitted; the
/// queue's state is still asked whether the admission stands (expired or revoked passes fail there).
#[derive(Clone)]
pub struct AccessKey {
    encoding: jsonwebtoken::EncodingKey,
    decoding: DecodingKey,
}

impl AccessKey {
    pub fn new(secret: &str) -> AccessKey {
        AccessKey {
            encoding: jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
        }
    }

    /// A pass for `claims`.
    pub fn sign(&self, claims: &AccessClaims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&jsonwebtoken::Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// The pass's claims if this key signed it for `user` and `event` and it is not expired at
    /// `now` (the caller's clock, which tests move).
    pub fn verify(
        &self,
        token: &str,
        user: &str,
        event: uuid::Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<AccessClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[ACCESS_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        // Expiry is judged below, against the given clock.
        validation.validate_exp = false;
        let claims = decode::<AccessClaims>(token.trim(), &self.decoding, &validation).ok()?.claims;
        (claims.sub == user && claims.evt == event && now.timestamp() < claims.exp)
            .then_some(claims)
    }
}

/// The events' ticket keys. Each event has its own Ed25519 key pair, derived from one master secret
/// (`TICKET_KEY_SECRET`, from Secrets Manager in AWS) and the event id by HMAC-SHA256: no private
/// key is stored anywhere or ever leaves the functions that sign; a scanner gets the public key only.
#[derive(Clone)]
pub struct TicketKeys {
    master: Vec<u8>,
}

impl TicketKeys {
    pub fn new(master: &str) -> TicketKeys {
        TicketKeys { master: master.as_bytes().to_vec() }
    }

    fn signing_key(&self, event: uuid::Uuid) -> ed25519_dalek::SigningKey {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.master)
            .expect("HMAC takes a key of any length");
        mac.update(b"ticket-key/v1/");
        mac.update(event.as_bytes());
        let seed: [u8; 32] = mac.finalize().into_bytes().into();
        ed25519_dalek::SigningKey::from_bytes(&seed)
    }

    /// The event's public key (32 bytes), which scanners check codes with.
    pub fn public_key(&self, event: uuid::Uuid) -> [u8; 32] {
        self.signing_key(event).verifying_key().to_bytes()
    }

    /// The printable code of a ticket: the same every time (Ed25519 signatures are deterministic).
    pub fn code(&self, ticket: uuid::Uuid, event: uuid::Uuid, seat: &str) -> String {
        use ed25519_dalek::Signer;
        let payload = crate::domain::ticket::payload(ticket, event, seat);
        let signature = self.signing_key(event).sign(&payload).to_bytes();
        crate::domain::ticket::encode(&payload, &signature)
    }

    /// What a code says, if it is a code signed with its event's key.
    pub fn verify(&self, code: &str) -> Option<crate::domain::ticket::CodeParts> {
        let parts = crate::domain::ticket::parse(code)?;
        let key = self.signing_key(parts.event_id).verifying_key();
        let signature = ed25519_dalek::Signature::from_bytes(&parts.signature);
        key.verify_strict(&parts.payload, &signature).ok()?;
        Some(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sign(secret: &str, claims: Value) -> String {
        use jsonwebtoken::{encode, EncodingKey, Header};
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn tokens_from_the_future_are_refused() {
        let keys = TokenKeys::Shared("s".into());
        let now = chrono::Utc::now().timestamp();
        assert!(keys.verify(&sign("s", json!({"sub": "u", "exp": now + 60, "iat": now}))).is_ok());
        assert!(keys
            .verify(&sign("s", json!({"sub": "u", "exp": now + 600, "iat": now + 300})))
            .is_err());
        assert!(keys
            .verify(&sign("s", json!({"sub": "u", "exp": now + 600, "nbf": now + 300})))
            .is_err());
        assert!(keys
            .verify(&sign("s", json!({"sub": "u", "exp": now + 600, "iat": "soon"})))
            .is_err());
    }

    #[test]
    fn an_access_pass_is_bound_to_its_user_event_key_and_time() {
        let key = AccessKey::new("k");
        let event = uuid::Uuid::now_v7();
        let now = chrono::Utc::now();
        let claims = AccessClaims {
            sub: "ann".into(),
            evt: event,
            exp: now.timestamp() + 60,
            aud: ACCESS_AUDIENCE.into(),
            adm: Some(now.timestamp_millis()),
        };
        let pass = key.sign(&claims).unwrap();
        assert_eq!(key.verify(&pass, "ann", event, now), Some(claims.clone()));
        assert_eq!(key.verify(&pass, "bob", event, now), None, "another user's pass");
        assert_eq!(key.verify(&pass, "ann", uuid::Uuid::now_v7(), now), None, "another event's");
        let later = now + chrono::Duration::seconds(61);
        assert_eq!(key.verify(&pass, "ann", event, later), None, "expired");
        assert_eq!(AccessKey::new("other").verify(&pass, "ann", event, now), None, "forged");
        // A bearer token of the API, signed with the same secret, is no pass (no audience).
        let bearer = sign("k", json!({"sub": "ann", "evt": event, "exp": claims.exp}));
        assert_eq!(key.verify(&bearer, "ann", event, now), None);
    }

    #[test]
    fn a_ticket_code_verifies_with_its_events_key_only() {
        let keys = TicketKeys::new("master");
        let (t, e) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let code = keys.code(t, e, "A-1-1");
        assert_eq!(code, keys.code(t, e, "A-1-1"), "codes are deterministic");
        let parts = keys.verify(&code).unwrap();
        assert_eq!((parts.ticket_id, parts.event_id, parts.seat_id.as_str()), (t, e, "A-1-1"));
        assert!(TicketKeys::new("other").verify(&code).is_none(), "another master's key");
        assert_ne!(keys.public_key(e), keys.public_key(uuid::Uuid::now_v7()), "one key per event");
        // A code whose payload was changed (another seat) no longer verifies.
        let forged = crate::domain::ticket::encode(
            &crate::domain::ticket::payload(t, e, "A-1-2"),
            &crate::domain::ticket::parse(&code).unwrap().signature,
        );
        assert!(keys.verify(&forged).is_none());
    }

    #[test]
    fn groups_are_rendered_only_from_arrays_of_plain_names() {
        let flat = |groups: Value| {
            flatten(HashMap::from([(GROUPS_CLAIM.to_string(), groups)])).remove(GROUPS_CLAIM)
        };
        assert_eq!(flat(json!(["users", "admin"])), Some("[users admin]".into()));
        assert_eq!(flat(json!(["admin "])), Some("[]".into()));
        assert_eq!(flat(json!(["a dmin", "[admin]", 7])), Some("[]".into()));
        assert_eq!(flat(json!("admin")), None);
        assert_eq!(flat(json!("[admin]")), None);
    }
}

//! MSK IAM tokens, checked as MSK checks them: a base64url SigV4-presigned `GET
//! https://kafka.{region}.amazonaws.com/?Action=kafka-cluster:Connect`, signed for the service
//! `kafka-cluster` by a known key, within its validity. The signature is computed again with
//! `aws-sigv4` over the same request and compared.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;

/// The one action a token may sign.
const ACTION: &str = "kafka-cluster:Connect";
/// The SigV4 signing name of MSK's IAM auth.
const SERVICE: &str = "kafka-cluster";
/// The longest validity a token may claim (the MSK signers' own, 15 minutes).
const MAX_EXPIRES: Duration = Duration::from_secs(900);
/// How far a signer's clock may run ahead of the gate's.
const CLOCK_SKEW: Duration = Duration::from_secs(300);
/// A token longer than this is refused before it is decoded.
pub const MAX_TOKEN_LEN: usize = 8192;

/// The key pair tokens must be signed with, and the region they must name.
pub struct Verifier {
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl Verifier {
    /// The access key id of a valid token at `now`, or why it is refused.
    pub fn verify(&self, token: &str, now: SystemTime) -> Result<String, String> {
        if token.len() > MAX_TOKEN_LEN {
            return Err("token too long".into());
        }
        let raw = URL_SAFE_NO_PAD
            .decode(token.trim_end_matches('='))
            .map_err(|_| "token is not base64url".to_string())?;
        let url = url::Url::parse(std::str::from_utf8(&raw).map_err(|_| "token is not UTF-8")?)
            .map_err(|_| "token is not a URL".to_string())?;
        let host = format!("kafka.{}.amazonaws.com", self.region);
        if url.scheme() != "https" || url.host_str() != Some(host.as_str()) || url.path() != "/" {
            return Err(format!("token is not for {host}"));
        }
        let params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let one = |name: &str| -> Result<&str, String> {
            let mut found = params.iter().filter(|(k, _)| k == name);
            match (found.next(), found.next()) {
                (Some((_, v)), None) => Ok(v.as_str()),
                (None, _) => Err(format!("token lacks {name}")),
                _ => Err(format!("token repeats {name}")),
            }
        };
        if one("Action")? != ACTION {
            return Err(format!("token does not sign {ACTION}"));
        }
        if one("X-Amz-Algorithm")? != "AWS4-HMAC-SHA256" {
            return Err("token is not signed with AWS4-HMAC-SHA256".into());
        }
        let credential: Vec<&str> = one("X-Amz-Credential")?.split('/').collect();
        let [key_id, day, region, service, "aws4_request"] = credential[..] else {
            return Err("token's credential scope is malformed".into());
        };
        if key_id != self.access_key_id {
            return Err("token is signed by an unknown key".into());
        }
        if region != self.region || service != SERVICE {
            return Err(format!("token is scoped to {region}/{service}"));
        }
        let signed_at = NaiveDateTime::parse_from_str(one("X-Amz-Date")?, "%Y%m%dT%H%M%SZ")
            .map_err(|_| "token's X-Amz-Date is malformed".to_string())?;
        if signed_at.format("%Y%m%d").to_string() != day {
            return Err("token's date and credential scope disagree".into());
        }
        let signed_at = SystemTime::UNIX_EPOCH
            + Duration::from_secs(
                u64::try_from(signed_at.and_utc().timestamp())
                    .map_err(|_| "token's X-Amz-Date is before 1970")?,
            );
        let expires = Duration::from_secs(
            one("X-Amz-Expires")?.parse().map_err(|_| "token's X-Amz-Expires is malformed")?,
        );
        if expires.is_zero() || expires > MAX_EXPIRES {
            return Err("token's X-Amz-Expires is out of range".into());
        }
        if now + CLOCK_SKEW < signed_at {
            return Err("token is signed in the future".into());
        }
        if now > signed_at + expires {
            return Err("token has expired".into());
        }
        let session_token =
            params.iter().find(|(k, _)| k == "X-Amz-Security-Token").map(|(_, v)| v.clone());
        let expected = self.signature(&host, signed_at, expires, session_token)?;
        let given = one("X-Amz-Signature")?;
        if !same(expected.as_bytes(), given.as_bytes()) {
            return Err("token's signature does not match".into());
        }
        Ok(key_id.to_string())
    }

    /// The signature this gate's key gives the connect request signed at `at`.
    fn signature(
        &self,
        host: &str,
        at: SystemTime,
        expires: Duration,
        session_token: Option<String>,
    ) -> Result<String, String> {
        let identity = Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            session_token,
            None,
            "msk-gate",
        )
        .into();
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(expires);
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(at)
            .settings(settings)
            .build()
            .map_err(|e| e.to_string())?;
        let url = format!("https://{host}/?Action=kafka-cluster%3AConnect");
        let request =
            SignableRequest::new("GET", &url, std::iter::empty(), SignableBody::Bytes(&[]))
                .map_err(|e| e.to_string())?;
        let (instructions, _) =
            sign(request, &params.into()).map_err(|e| e.to_string())?.into_parts();
        instructions
            .params()
            .iter()
            .find(|(k, _)| *k == "X-Amz-Signature")
            .map(|(_, v)| v.to_string())
            .ok_or_else(|| "no signature computed".to_string())
    }
}

/// Equal bytes, compared in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The bearer token of an OAUTHBEARER client-first message (RFC 7628: `n,,\x01auth=Bearer
/// <token>\x01\x01`).
pub fn bearer(message: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(message).ok()?;
    let mut parts = text.split('\x01');
    if !parts.next()?.starts_with("n,") {
        return None;
    }
    parts.find_map(|kv| kv.strip_prefix("auth=Bearer ")).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::provider::SharedCredentialsProvider;

    fn verifier() -> Verifier {
        Verifier {
            region: "us-east-1".into(),
            access_key_id: "AKIDLOCAL".into(),
            secret_access_key: "local-secret".into(),
        }
    }

    /// A token made by the MSK signer the functions use, from `key` and `secret`.
    async fn token(region: &str, key: &str, secret: &str, session: Option<&str>) -> String {
        let credentials = Credentials::new(key, secret, session.map(str::to_string), None, "test");
        let (token, _) = aws_msk_iam_sasl_signer::generate_auth_token_from_credentials_provider(
            aws_config::Region::new(region.to_string()),
            SharedCredentialsProvider::new(credentials),
        )
        .await
        .unwrap();
        token
    }

    fn rewritten(token: &str, f: impl Fn(String) -> String) -> String {
        let url = String::from_utf8(URL_SAFE_NO_PAD.decode(token).unwrap()).unwrap();
        URL_SAFE_NO_PAD.encode(f(url))
    }

    #[tokio::test]
    async fn a_token_from_the_msk_signer_passes_within_its_validity_only() {
        let v = verifier();
        let t = token("us-east-1", "AKIDLOCAL", "local-secret", None).await;
        let now = SystemTime::now();
        assert_eq!(v.verify(&t, now).unwrap(), "AKIDLOCAL");
        // With a session token (what a Lambda's role gives) too.
        let s = token("us-east-1", "AKIDLOCAL", "local-secret", Some("session-1")).await;
        assert!(v.verify(&s, now).is_ok());
        let err = v.verify(&t, now + Duration::from_secs(901)).unwrap_err();
        assert!(err.contains("expired"), "{err}");
        let err = v.verify(&t, now - Duration::from_secs(301)).unwrap_err();
        assert!(err.contains("future"), "{err}");
    }

    #[tokio::test]
    async fn a_token_signed_otherwise_or_altered_is_refused_and_says_why() {
        let v = verifier();
        let now = SystemTime::now();
        let wrong_secret = token("us-east-1", "AKIDLOCAL", "guessed", None).await;
        assert!(v.verify(&wrong_secret, now).unwrap_err().contains("signature"));
        let other_key = token("us-east-1", "AKIDOTHER", "local-secret", None).await;
        assert!(v.verify(&other_key, now).unwrap_err().contains("unknown key"));
        let other_region = token("eu-west-1", "AKIDLOCAL", "local-secret", None).await;
        assert!(v.verify(&other_region, now).unwrap_err().contains("not for"));
        let good = token("us-east-1", "AKIDLOCAL", "local-secret", None).await;
        // Every signed part is covered: the action, the validity, the session token.
        for (from, to) in [
            ("kafka-cluster%3AConnect", "kafka-cluster%3AWriteData"),
            ("X-Amz-Expires=900", "X-Amz-Expires=600"),
        ] {
            let altered = rewritten(&good, |u| u.replace(from, to));
            assert!(v.verify(&altered, now).is_err(), "{to} accepted");
        }
        let added = rewritten(&good, |u| u + "&X-Amz-Security-Token=stolen");
        assert!(v.verify(&added, now).unwrap_err().contains("signature"));
        let twice = rewritten(&good, |u| u + "&Action=kafka-cluster%3AConnect");
        assert!(v.verify(&twice, now).unwrap_err().contains("repeats"));
        for junk in ["", "not base64 !", "aGVsbG8", &"A".repeat(MAX_TOKEN_LEN + 1)] {
            assert!(v.verify(junk, now).is_err(), "{junk:.20} accepted");
        }
    }

    #[test]
    fn the_bearer_token_is_read_from_the_client_first_message() {
        assert_eq!(bearer(b"n,,\x01auth=Bearer abc.def\x01\x01"), Some("abc.def"));
        assert_eq!(bearer(b"n,a=user,\x01host=x\x01auth=Bearer t\x01\x01"), Some("t"));
        assert_eq!(bearer(b"y,,\x01auth=Bearer t\x01\x01"), None);
        assert_eq!(bearer(b"n,,\x01auth=Basic t\x01\x01"), None);
        assert_eq!(bearer(b"\xff\xfe"), None);
    }
}

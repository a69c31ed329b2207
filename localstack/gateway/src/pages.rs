//! The pages the local gateway serves: the storefront (`web/`, the same files CloudFront serves
//! from S3 in AWS, with the same security headers as the template's response headers policy) and
//! the API's Swagger UI, each with the headers a page a person uses needs: a Content-Security-Policy
//! that runs only the page's own scripts (the Swagger UI's inline ones by their SHA-256), no
//! sniffing, no framing. The Swagger UI is a pinned copy vendored in `vendor/swagger-ui` (no CDN at
//! run time). `/live?event=`, the address of the old harness page, leads to the event's page.

use std::path::PathBuf;

use axum::extract::Path;

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Swagger UI over the spec, served at `/docs`, from the vendored files below.
const SWAGGER_UI: &str = r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Booking API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>"##;
const SWAGGER_INIT: &str = r##"SwaggerUIBundle({ url: "/openapi.yaml", dom_id: "#ui" });"##;
const SWAGGER_JS: &str = include_str!("../vendor/swagger-ui/swagger-ui-bundle.js");
const SWAGGER_CSS: &str = include_str!("../vendor/swagger-ui/swagger-ui.css");

/// The origins Stripe.js loads from, talks to and frames: Stripe's own, and the emulator's where
/// the environment points Stripe there (`STRIPE_JS_URL`, `STRIPE_API_BASE`).
fn stripe_origins() -> String {
    let mut origins: Vec<String> =
        ["https://js.stripe.com", "https://api.stripe.com", "https://hooks.stripe.com"]
            .map(String::from)
            .to_vec();
    for var in ["STRIPE_JS_URL", "STRIPE_API_BASE"] {
        let Ok(url) = std::env::var(var) else { continue };
        let Some((scheme, rest)) = url.split_once("://") else { continue };
        let origin = format!("{scheme}://{}", rest.split('/').next().unwrap_or_default());
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    origins.join(" ")
}

/// The Content-Security-Policy of `html`: its own inline scripts by hash, scripts and connections
/// to this origin only, images from itself or made by the page.
pub fn csp(html: &str) -> String {
    let mut hashes = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script>") {
        let body = &rest[start + "<script>".len()..];
        let Some(end) = body.find("</script>") else { break };
        let digest = Sha256::digest(&body.as_bytes()[..end]);
        let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
        hashes.push_str(&format!(" 'sha256-{b64}'"));
        rest = &body[end..];
    }
    format!(
        "default-src 'none'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `/live?event=ID`: the storefront's page of that event.
async fn live_redirect(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let to = match q.get("event").and_then(|e| uuid::Uuid::parse_str(e).ok()) {
        Some(id) => format!("/events/{id}"),
        None => "/".to_string(),
    };
    axum::response::Redirect::to(&to).into_response()
}

/// An HTML page with its security headers.
fn page(html: &'static str) -> Response {
    let policy = csp(html);
    (
        [
            ("content-type", "text/html; charset=utf-8"),
            ("content-security-policy", policy.as_str()),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("cache-control", "no-cache"),
        ],
        html,
    )
        .into_response()
}

/// A static asset of a page.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            ("content-type", content_type),
            ("x-content-type-options", "nosniff"),
            ("cache-control", "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// The storefront's files: `WEB_DIR`, or `web/` of the checkout this gateway was built from.
fn web_dir() -> PathBuf {
    std::env::var_os("WEB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web")))
}

/// The storefront's Content-Security-Policy: its own scripts and styles only (no inline script),
/// Stripe.js and its frames, connections to this origin (the API and the WebSocket) and Stripe's.
/// The template's `StorefrontHeaders` policy says the same with AWS's origins (a test compares them).
pub fn storefront_csp(stripe: &str, connect: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self' {stripe}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; connect-src 'self' {stripe}{connect}; frame-src {stripe}; \
         font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The headers of every storefront response: CloudFront's `StorefrontHeaders` policy's.
fn storefront_headers(content_type: &'static str) -> [(&'static str, String); 7] {
    [
        ("content-type", content_type.to_string()),
        ("content-security-policy", storefront_csp(&stripe_origins(), "")),
        ("strict-transport-security", "max-age=63072000; includeSubDomains".to_string()),
        ("x-content-type-options", "nosniff".to_string()),
        ("x-frame-options", "DENY".to_string()),
        ("referrer-policy", "strict-origin-when-cross-origin".to_string()),
        // The app revalidates (an edit shows at once locally; CloudFront caches it, see template).
        ("cache-control", "no-cache".to_string()),
    ]
}

/// The storefront's shell (`web/index.html`), the page of every view's address. Files are read
/// from disk on each request (a few KiB; an edit shows without a rebuild).
async fn storefront() -> Response {
    match std::fs::read(web_dir().join("index.html")) {
        Ok(body) => (storefront_headers("text/html; charset=utf-8"), body).into_response(),
        Err(_) => {
            (axum::http::StatusCode::NOT_FOUND, "the storefront is not in WEB_DIR").into_response()
        }
    }
}

/// A storefront asset under `/app/`: only `.js` and `.css` files named in lower case, digits, `-`,
/// `_` and `/` (no `..`, nothing else of the disk).
async fn storefront_asset(Path(path): Path<String>) -> Response {
    let content_type = match path.rsplit_once('.') {
        Some((_, "js")) => "text/javascript; charset=utf-8",
        Some((_, "css")) => "text/css; charset=utf-8",
        _ => return axum::http::StatusCode::NOT_FOUND.into_response(),
    };
    let name_ok = path.len() <= 100
        && !path.contains("..")
        && !path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_/.".contains(&b));
    if !name_ok {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    match std::fs::read(web_dir().join("app").join(&path)) {
        Ok(body) => (storefront_headers(content_type), body).into_response(),
        Err(_) => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// The storefront's settings locally: the API on this origin, the local sign-in. (In AWS a
/// CloudFront function answers `/config.json` with the Hosted UI's domain and client.)
async fn storefront_config() -> Response {
    (storefront_headers("application/json"), r#"{"api":"/api/v1","signIn":"local"}"#)
        .into_response()
}

/// The routes of the pages and their assets.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(storefront))
        .route("/events/{id}", get(storefront))
        .route("/events/{id}/checkout", get(storefront))
        .route("/events/{id}/organiser", get(storefront))
        .route("/bookings/{id}", get(storefront))
        .route("/me", get(storefront))
        .route("/signin", get(storefront))
        .route("/config.json", get(storefront_config))
        .route("/app/{*path}", get(storefront_asset))
        .route("/door", get(storefront))
        // The developer's page of old: its address now shows the event in the storefront.
        .route("/live", get(live_redirect))
        .route("/docs", get(|| async { page(SWAGGER_UI) }))
        .route("/docs/init.js", get(|| async { asset("text/javascript", SWAGGER_INIT) }))
        .route("/docs/swagger-ui-bundle.js", get(|| async { asset("text/javascript", SWAGGER_JS) }))
        .route("/docs/swagger-ui.css", get(|| async { asset("text/css", SWAGGER_CSS) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_runs_only_its_own_inline_scripts() {
        let policy = csp("<p>hi</p><script>alert(1)</script><script>go()</script>");
        let one = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"alert(1)"));
        assert!(policy.contains(&format!("'sha256-{one}'")), "{policy}");
        assert_eq!(policy.matches("'sha256-").count(), 2);
        assert!(!policy.contains("unsafe-eval") && policy.contains("frame-ancestors 'none'"));
        assert!(
            csp(SWAGGER_UI).contains("script-src 'self';"),
            "the Swagger UI has no inline script"
        );
    }

    #[test]
    fn the_storefront_s_policy_is_the_one_cloudfront_sends() {
        let template = include_str!("../../../template.yaml");
        let line = template
            .lines()
            .find(|l| l.trim_start().starts_with("ContentSecurityPolicy: !Sub"))
            .expect("StorefrontHeaders has a ContentSecurityPolicy");
        let deployed = line.split_once('"').unwrap().1.trim_end_matches('"');
        let stripe = "https://js.stripe.com https://api.stripe.com https://hooks.stripe.com";
        let aws = " wss://${WebSocketApi}.execute-api.${AWS::Region}.amazonaws.com \
                   https://${CognitoHostedUiDomain}";
        assert_eq!(deployed, storefront_csp(stripe, aws));
        let local = storefront_csp(stripe, "");
        assert!(
            !local.contains("'unsafe-eval'")
                && !local.contains("script-src 'self' 'unsafe-inline'")
        );
    }

    #[test]
    fn only_the_storefront_s_own_scripts_and_styles_are_served() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        for (path, found) in [
            ("main.js", true),
            ("style.css", true),
            ("views/event.js", true),
            ("../index.html", false),
            ("../../Cargo.toml", false),
            ("main.JS", false),
            ("nothing.js", false),
            ("/etc/passwd.js", false),
        ] {
            let res = rt.block_on(storefront_asset(Path(path.to_string())));
            assert_eq!(res.status().is_success(), found, "{path}");
        }
    }
}

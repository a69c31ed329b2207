//! The pages the local gateway serves (the buyer's live page, the door, the API's Swagger UI), each
//! with the headers a page a person uses needs: a Content-Security-Policy that runs only the page's
//! own scripts (inline ones by their SHA-256), no sniffing, no framing, no Referer. The Swagger UI is
//! a pinned copy vendored in `vendor/swagger-ui` (no CDN at run time).

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The live seat-map page, served at `/live`.
const LIVE_PAGE: &str = include_str!("live.html");
/// The door page: staff scan tickets (a client of `POST /api/v1/checkins`).
const DOOR_PAGE: &str = include_str!("door.html");
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

/// The Content-Security-Policy of `html`: its own inline scripts by hash, scripts and connections
/// to this origin only (the WebSocket included), images from itself or made by the page.
pub fn csp(html: &str) -> String {
    csp_with(html, "")
}

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

/// [`csp`] letting scripts, connections and frames also reach `extra` (origins, space-separated).
fn csp_with(html: &str, extra: &str) -> String {
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
    let (extra, frames) = if extra.is_empty() {
        (String::new(), String::new())
    } else {
        (format!(" {extra}"), format!(" frame-src {extra};"))
    };
    format!(
        "default-src 'none'; script-src 'self'{hashes}{extra}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; connect-src 'self'{extra};{frames} font-src 'self'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// An HTML page with its security headers; `stripe`: it runs Stripe.js.
fn page(html: &'static str, stripe: bool) -> Response {
    let policy = if stripe { csp_with(html, &stripe_origins()) } else { csp(html) };
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

/// The routes of the pages and their assets.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/live", get(|| async { page(LIVE_PAGE, true) }))
        .route("/door", get(|| async { page(DOOR_PAGE, false) }))
        .route("/docs", get(|| async { page(SWAGGER_UI, false) }))
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
}

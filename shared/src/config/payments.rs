//! Which payment provider takes the money (`PAYMENT_PROVIDER`), and Stripe's settings.

/// `PAYMENT_PROVIDER`: `sandbox` (local only: it charges nothing) or `stripe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Sandbox,
    Stripe,
}

impl std::str::FromStr for ProviderKind {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "sandbox" => Ok(ProviderKind::Sandbox),
            "stripe" => Ok(ProviderKind::Stripe),
            _ => anyhow::bail!("stripe or sandbox is needed"),
        }
    }
}

/// The provider's settings.
#[derive(Clone)]
pub struct Payments {
    pub provider: ProviderKind,
    /// `STRIPE_API_BASE`: Stripe's API (the local stack's emulator locally).
    pub stripe_api_base: String,
    /// The Stripe secret key, read from `STRIPE_SECRET_KEY_ARN` (Secrets Manager); locally
    /// `STRIPE_SECRET_KEY` (the emulator takes any key).
    pub stripe_secret_key: String,
    /// `STRIPE_SECRET_KEY_ARN`: where the secret key is kept.
    pub stripe_secret_key_arn: Option<String>,
    /// `STRIPE_PUBLISHABLE_KEY`: the browser library's key (configuration, not a secret).
    pub stripe_publishable_key: String,
    /// `STRIPE_JS_URL`: where pages load Stripe.js from (Stripe's own; the emulator's locally).
    pub stripe_js_url: String,
    /// `DISPUTES_EMAIL`: where a chargeback on a booking is reported (the organiser's payments
    /// desk); unset, the `PaymentDisputed` message on `payment.events` is the only notice.
    pub disputes_email: Option<String>,
}

impl Payments {
    pub(super) fn read(env: &dyn super::Lookup, provider: ProviderKind) -> Payments {
        let var = |k: &str, d: &str| env.get(k).unwrap_or_else(|| d.to_string());
        Payments {
            provider,
            stripe_api_base: var("STRIPE_API_BASE", "https://api.stripe.com"),
            stripe_secret_key: var("STRIPE_SECRET_KEY", LOCAL_STRIPE_KEY),
            stripe_secret_key_arn: env.get("STRIPE_SECRET_KEY_ARN"),
            stripe_publishable_key: var("STRIPE_PUBLISHABLE_KEY", "pk_test_local"),
            stripe_js_url: var("STRIPE_JS_URL", STRIPE_JS),
            disputes_email: env.get("DISPUTES_EMAIL").filter(|e| !e.is_empty()),
        }
    }

    /// The problems of these settings in Lambda: only Stripe starts; a function that moves money
    /// (`key_needed`) has its secret key from Secrets Manager.
    pub(super) fn problems(&self, key_needed: bool, out: &mut Vec<String>) {
        if self.provider != ProviderKind::Stripe {
            out.push("PAYMENT_PROVIDER must be stripe (the sandbox charges nothing)".into());
            return;
        }
        if !self.stripe_api_base.starts_with("https://") {
            out.push("STRIPE_API_BASE must be https".into());
        }
        if self.stripe_js_url != STRIPE_JS {
            out.push(format!("STRIPE_JS_URL must be Stripe's own ({STRIPE_JS})"));
        }
        if !key_needed {
            return;
        }
        if self.stripe_secret_key_arn.is_none() {
            out.push("STRIPE_SECRET_KEY_ARN is not set".into());
        } else if self.stripe_secret_key == LOCAL_STRIPE_KEY
            || !(self.stripe_secret_key.starts_with("sk_")
                || self.stripe_secret_key.starts_with("rk_"))
        {
            out.push(
                "the STRIPE_SECRET_KEY_ARN secret is the local default or no Stripe secret key"
                    .into(),
            );
        }
    }
}

/// Stripe.js, as Stripe serves it (pages must load it from there, never a copy).
pub const STRIPE_JS: &str = "https://js.stripe.com/v3/";

/// The key the local emulator is called with (it takes any test key).
pub const LOCAL_STRIPE_KEY: &str = "sk_test_local";

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments")
            .field("provider", &self.provider)
            .field("stripe_api_base", &self.stripe_api_base)
            .field("stripe_secret_key", &"<redacted>")
            .field("stripe_secret_key_arn", &self.stripe_secret_key_arn)
            .field("stripe_publishable_key", &self.stripe_publishable_key)
            .finish()
    }
}

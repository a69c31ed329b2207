//! One module per real backend, each implementing the ports it serves. Only `bootstrap` names them.

pub mod apigw;
pub mod clock;
pub mod connections;
pub mod dynamodb;
pub mod hold_history;
pub mod kafka;
pub mod ledger;
pub mod mysql;
pub mod notify;
pub mod redis;
pub mod sandbox;
pub mod secrets;
pub mod stripe;

/// Makes aws-lc-rs the process's TLS crypto (the one every link already uses), so that an HTTP
/// client built on rustls without a crypto of its own (`reqwest`) finds it. Idempotent.
pub fn install_crypto() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

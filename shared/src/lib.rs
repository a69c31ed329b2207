//! `booking-core`: everything behind the functions but their `main`.
//!
//! The arrows point inwards: `http` handlers call use cases in `app`, which apply the pure rules in
//! `domain` through the traits in `ports`; `adapters` implement those traits for Redis, MySQL,
//! Kafka and DynamoDB. `bootstrap` builds it all once per cold start.

pub mod adapters;
pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod config;
pub mod consumers;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod ports;
#[cfg(test)]
pub mod testing;
pub mod ws;

pub use app::App;
pub use config::Config;

/// mimalloc for every binary built on this crate: the request path allocates many small,
/// short-lived buffers across threads, where glibc's allocator spent a third of the gateway's CPU
/// in arena locks and consolidation (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

//! Time, as the use cases see it: the system clock in production, a controllable one in tests
//! (`adapters::clock`). The domain rules take `now` as an argument and read no clock at all.

use chrono::{DateTime, Utc};

/// The current time. Every use case reads time through this, never `Utc::now()`.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

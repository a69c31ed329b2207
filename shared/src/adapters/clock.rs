//! Clocks: the system's, and one a test can move (`ShiftedClock`), so that nothing in the suite
//! waits for real time to pass.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

use crate::ports::Clock;

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock moved by an offset a test sets: time still flows (Redis expires keys by its own
/// clock), but a test can step past a hold's TTL or a payment deadline at once.
#[derive(Debug, Default)]
pub struct ShiftedClock {
    offset_ms: AtomicI64,
}

impl ShiftedClock {
    /// Moves the clock by `by` (back when negative), on top of any earlier shift.
    pub fn shift(&self, by: Duration) {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// Back to the system's time.
    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_moves_by_what_it_is_told_and_back() {
        let clock = ShiftedClock::default();
        clock.shift(Duration::seconds(90));
        let ahead = clock.now() - Utc::now();
        assert!(ahead > Duration::seconds(89) && ahead <= Duration::seconds(90), "{ahead}");
        clock.shift(Duration::seconds(-120));
        assert!(clock.now() < Utc::now() - Duration::seconds(29));
        clock.reset();
        assert!((clock.now() - Utc::now()).num_milliseconds().abs() < 1000);
    }
}

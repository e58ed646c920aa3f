//! How long to wait before trying a login again: bounded exponential backoff with jitter.
//!
//! Each attempt gets a fresh `wx.login` code (codes are single-use), so a retry is a
//! whole new login, spaced so a struggling backend is not hammered.

/// The retry rules for one login or renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Attempts in all, the first included (at least 1).
    pub attempts: u32,
    /// The wait after the first failure, in ms; it doubles after each further failure.
    pub base_ms: u64,
    /// The longest wait, in ms.
    pub max_ms: u64,
}

impl Default for Backoff {
    /// 4 attempts, waits of about 0.5, 1 and 2 s.
    fn default() -> Self {
        Backoff {
            attempts: 4,
            base_ms: 500,
            max_ms: 8_000,
        }
    }
}

impl Backoff {
    /// The wait before the next attempt after `failures` failed ones, or `None` when the
    /// attempts are used up. `jitter` in `[0, 1)` spreads clients apart: the wait is
    /// between half and all of the exponential step ("equal jitter").
    pub fn delay(&self, failures: u32, jitter: f64) -> Option<u64> {
        if failures == 0 || failures >= self.attempts.max(1) {
            return None;
        }
        let step = self
            .base_ms
            .saturating_mul(1u64 << (failures - 1).min(32))
            .min(self.max_ms);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let half = step / 2;
        // `as` saturates; the product is at most `half`.
        Some(half + (half as f64 * jitter) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_stop_after_the_attempts() {
        let b = Backoff {
            attempts: 6,
            base_ms: 100,
            max_ms: 500,
        };
        let lows: Vec<_> = (1..6).map(|n| b.delay(n, 0.0).unwrap()).collect();
        assert_eq!(lows, [50, 100, 200, 250, 250]);
        let highs: Vec<_> = (1..6).map(|n| b.delay(n, 0.999_999).unwrap()).collect();
        assert_eq!(highs, [99, 199, 399, 499, 499]);
        assert_eq!(b.delay(6, 0.5), None);
        assert_eq!(b.delay(0, 0.5), None);
    }

    #[test]
    fn odd_inputs_stay_bounded() {
        let b = Backoff {
            attempts: u32::MAX,
            base_ms: u64::MAX,
            max_ms: 1_000,
        };
        assert_eq!(b.delay(100, f64::NAN), Some(500));
        assert_eq!(b.delay(u32::MAX - 1, 7.0), Some(1_000));
        let one = Backoff {
            attempts: 0,
            ..Backoff::default()
        };
        assert_eq!(one.delay(1, 0.5), None);
    }
}

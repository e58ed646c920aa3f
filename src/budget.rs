//! The budget for automatic renewals: how many may start in a window.
//!
//! A session renews itself when it expires, when the backend answers 401 and when
//! `wx.checkSession` says WeChat's `session_key` is gone. A backend that refuses every
//! token would turn each request into a renewal; the budget bounds that loop without
//! slowing anything down: within it a renewal starts at once, beyond it the call fails
//! at once with `THROTTLED` and the time until the next renewal is allowed. A `login()`
//! the user asked for never draws on it.
//!
//! It is a token bucket kept as one time (the generic cell rate algorithm): `max`
//! renewals may start back to back, then one more every `per_ms / max`.

/// How many automatic renewals may start in a window of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalBudget {
    /// Renewals that may start back to back (at least 1).
    pub max: u32,
    /// The window, in ms: the budget refills `max` renewals in this time.
    pub per_ms: u64,
}

impl Default for RenewalBudget {
    /// 5 a minute: far above what a working backend needs (one renewal per session
    /// lifetime) and far below WeChat's 100 `jscode2session` calls per user per minute.
    fn default() -> Self {
        RenewalBudget {
            max: 5,
            per_ms: 60_000,
        }
    }
}

/// What is left of a [`RenewalBudget`] at any time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    limit: RenewalBudget,
    /// When the bucket will be full again, had no renewal been refused (ms).
    full_at: u64,
}

impl Budget {
    /// A full budget.
    pub fn new(limit: RenewalBudget) -> Budget {
        Budget { limit, full_at: 0 }
    }

    /// Takes one renewal at `now`, or says how long until one is allowed (ms, at least 1).
    pub fn take(&mut self, now: u64) -> Result<(), u64> {
        let step = (self.limit.per_ms / u64::from(self.limit.max.max(1))).max(1);
        let slack = self.limit.per_ms.saturating_sub(step);
        let full_at = self.full_at.max(now);
        let ahead = full_at - now;
        if ahead > slack {
            return Err(ahead - slack);
        }
        self.full_at = full_at.saturating_add(step);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_back_to_back_then_one_every_twelve_seconds() {
        let mut b = Budget::new(RenewalBudget::default());
        let t = 1_000_000;
        for _ in 0..5 {
            assert_eq!(b.take(t), Ok(()));
        }
        assert_eq!(b.take(t), Err(12_000));
        assert_eq!(b.take(t + 11_999), Err(1));
        assert_eq!(b.take(t + 12_000), Ok(()));
        assert_eq!(b.take(t + 12_000), Err(12_000));
        // An hour later the whole budget is back.
        let later = t + 3_600_000;
        for _ in 0..5 {
            assert_eq!(b.take(later), Ok(()));
        }
        assert!(b.take(later).is_err());
    }

    #[test]
    fn odd_limits_stay_bounded() {
        let mut b = Budget::new(RenewalBudget { max: 0, per_ms: 0 });
        assert_eq!(b.take(0), Ok(()));
        assert_eq!(b.take(0), Err(1));
        let mut b = Budget::new(RenewalBudget {
            max: u32::MAX,
            per_ms: u64::MAX,
        });
        assert_eq!(b.take(u64::MAX), Ok(()));
        assert_eq!(b.take(u64::MAX), Ok(()));
    }
}

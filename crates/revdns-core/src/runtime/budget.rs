//! [`RetryBudget`]: one token bucket per client that caps retries across
//! all its concurrent requests, so a failing service is not sent a multiple
//! of the load it already cannot carry.

use std::sync::atomic::{AtomicU32, Ordering};

/// Tokens a full bucket holds.
pub const RETRY_BUDGET_CAPACITY: u32 = 500;
/// Tokens a retry after a 5xx answer takes.
pub const RETRY_COST: u32 = 5;
/// Tokens a retry after a timeout or a lost connection takes.
pub const RETRY_COST_TRANSPORT: u32 = 10;
/// Tokens a first-attempt success gives back.
const SUCCESS_REFUND: u32 = 1;

/// A client's retry quota, in the manner of the AWS SDKs' standard retry
/// quota: every retry after a failure takes tokens, a request that then
/// succeeds gives its retries' tokens back, and every success on the first
/// attempt adds one. When the bucket is empty, failures are returned
/// without retrying until successes refill it. Waiting after a 429 costs
/// nothing: the server said when to come back.
///
/// ```
/// use revdns_core::runtime::RetryBudget;
///
/// let budget = RetryBudget::new(10);
/// assert!(budget.try_take(5));
/// assert!(budget.try_take(5));
/// assert!(!budget.try_take(5), "empty");
/// budget.refund(5);
/// assert_eq!(budget.available(), 5);
/// ```
#[derive(Debug)]
pub struct RetryBudget {
    capacity: u32,
    tokens: AtomicU32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget::new(RETRY_BUDGET_CAPACITY)
    }
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        RetryBudget {
            capacity,
            tokens: AtomicU32::new(capacity),
        }
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    /// Takes `cost` tokens if there are that many.
    pub fn try_take(&self, cost: u32) -> bool {
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Gives `tokens` back, up to the capacity.
    pub fn refund(&self, tokens: u32) {
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_add(tokens).min(self.capacity))
            });
    }

    /// Settles a request that succeeded after taking `spent` tokens.
    pub(crate) fn on_success(&self, spent: u32) {
        self.refund(if spent == 0 { SUCCESS_REFUND } else { spent });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refund_is_capped_at_capacity() {
        let b = RetryBudget::new(10);
        b.refund(100);
        assert_eq!(b.available(), 10);
        b.on_success(0);
        assert_eq!(b.available(), 10);
        assert!(b.try_take(10));
        b.on_success(0);
        assert_eq!(b.available(), 1);
        b.on_success(4);
        assert_eq!(b.available(), 5);
    }
}

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many keys the limiter remembers at most.
pub const MAX_KEYS: usize = 100_000;

/// Sliding-window counters for sign-in attempts, kept in memory: per account (failures)
/// and per client address (all attempts). A restart forgets them, which errs on the side of
/// letting people in; a multi-instance deployment would move them to the store.
///
/// Memory is bounded by [`MAX_KEYS`]. When it is reached, a tenth of the keys is forgotten:
/// those with the fewest recent events first, the least recently seen among equals. A key
/// that is being limited has the most events, so a flood of new keys (one event each) is
/// forgotten before it.

#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// `Err(retry_after)` if `key` has `max` or more events within `window`.
    pub fn check(&self, key: &str, max: usize, window: Duration) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let Some(q) = map.get_mut(key) else {
            return Ok(());
        };
        while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
            q.pop_front();
        }
        if q.len() >= max {
            let oldest = *q.front().expect("non-empty");
            return Err(window
                .saturating_sub(now.duration_since(oldest))
                .max(Duration::from_secs(1)));
        }
        Ok(())
    }

    pub fn record(&self, key: &str) {
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            evict(&mut map);
        }
        map.entry(key.to_owned())
            .or_default()
            .push_back(Instant::now());
    }

    /// How many keys are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.windows.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn clear(&self, key: &str) {
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

/// Forgets a tenth of the keys: the fewest events first, then the least recently seen.
fn evict(map: &mut HashMap<String, VecDeque<Instant>>) {
    let mut keys: Vec<(usize, Option<Instant>, String)> = map
        .iter()
        .map(|(k, q)| (q.len(), q.back().copied(), k.clone()))
        .collect();
    let n = (keys.len() / 10).max(1);
    keys.select_nth_unstable_by(n - 1, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (_, _, k) in keys.into_iter().take(n) {
        map.remove(&k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_within_window() {
        let r = RateLimiter::default();
        let w = Duration::from_secs(60);
        for _ in 0..3 {
            assert!(r.check("a", 3, w).is_ok());
            r.record("a");
        }
        assert!(r.check("a", 3, w).is_err());
        assert!(r.check("b", 3, w).is_ok());
        r.clear("a");
        assert!(r.check("a", 3, w).is_ok());
        r.record("c");
        assert!(
            r.check("c", 1, Duration::from_millis(0)).is_ok(),
            "old events fall out of the window"
        );
    }

    #[test]
    fn a_flood_of_new_keys_cannot_reset_a_limited_key() {
        let r = RateLimiter::default();
        let w = Duration::from_secs(600);
        for _ in 0..3 {
            r.record("address:203.0.113.9");
        }
        assert!(r.check("address:203.0.113.9", 3, w).is_err());
        for i in 0..(MAX_KEYS + 10) {
            r.record(&format!("account:{i}@example.org"));
        }
        assert!(
            r.check("address:203.0.113.9", 3, w).is_err(),
            "the limited address is still limited"
        );
        assert!(r.len() <= MAX_KEYS, "memory stays bounded");
    }
}

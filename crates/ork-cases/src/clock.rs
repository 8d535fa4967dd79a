//! The statutory clock of a part: it starts when the part goes to its authority, stands
//! still while the authority waits for the applicant (a request for information), and runs
//! again when the applicant answers. A deadline of D days is due D days of running clock
//! after the start; while the clock stands still the due date moves with today.

const DAY: i64 = 86_400;

/// A part's clock, in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clock {
    /// When the part went to its authority; `None` while it waits for a prerequisite.
    pub opened_at: Option<i64>,
    /// Seconds the clock stood still in requests for information already answered.
    pub paused_secs: i64,
    /// Since when it stands still, while a request for information is open.
    pub paused_since: Option<i64>,
}

impl Clock {
    /// Starts the clock at `now` (the part goes to its authority, or goes again after a
    /// rejection: a resubmission is a new case there).
    pub fn open(now: i64) -> Self {
        Self {
            opened_at: Some(now),
            paused_secs: 0,
            paused_since: None,
        }
    }

    /// Stops the clock (a request for information). Stopping a stopped clock changes nothing.
    pub fn pause(&mut self, now: i64) {
        if self.opened_at.is_some() && self.paused_since.is_none() {
            self.paused_since = Some(now);
        }
    }

    /// Runs the clock again (the applicant answered), adding the time it stood still.
    pub fn resume(&mut self, now: i64) {
        if let Some(since) = self.paused_since.take() {
            self.paused_secs += (now - since).max(0);
        }
    }

    /// Seconds the clock stands or stood still up to `now`.
    pub fn stopped(&self, now: i64) -> i64 {
        self.paused_secs + self.paused_since.map_or(0, |s| (now - s).max(0))
    }

    /// Seconds of running clock up to `now`: the authority's time with the part.
    pub fn running(&self, now: i64) -> i64 {
        self.opened_at
            .map_or(0, |o| ((now - o) - self.stopped(now)).max(0))
    }

    /// When `days` of running clock are reached, as the clock stands at `now`.
    pub fn due(&self, days: u32, now: i64) -> Option<i64> {
        self.opened_at
            .map(|o| o + i64::from(days) * DAY + self.stopped(now))
    }

    /// Whole days of running clock up to `now`.
    pub fn running_days(&self, now: i64) -> i64 {
        self.running(now) / DAY
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T0: i64 = 1_800_000_000;

    #[test]
    fn a_request_for_information_stops_the_clock_and_moves_the_due_date() {
        let mut c = Clock::open(T0);
        assert_eq!(c.due(42, T0), Some(T0 + 42 * DAY));
        // Ten days in review, then the authority asks; the applicant answers 7 days later.
        c.pause(T0 + 10 * DAY);
        assert_eq!(c.running_days(T0 + 12 * DAY), 10);
        assert_eq!(c.due(42, T0 + 12 * DAY), Some(T0 + 44 * DAY));
        c.pause(T0 + 15 * DAY); // asking twice does not restart the pause
        c.resume(T0 + 17 * DAY);
        assert_eq!(c.paused_secs, 7 * DAY);
        assert_eq!(c.due(42, T0 + 30 * DAY), Some(T0 + 49 * DAY));
        assert_eq!(c.running_days(T0 + 30 * DAY), 23);
        // A second request of 3 days adds up.
        c.pause(T0 + 31 * DAY);
        c.resume(T0 + 34 * DAY);
        assert_eq!(c.due(42, T0 + 40 * DAY), Some(T0 + 52 * DAY));
        assert_eq!(c.running_days(T0 + 40 * DAY), 30);
        c.resume(T0 + 50 * DAY); // answering without a request changes nothing
        assert_eq!(c.paused_secs, 10 * DAY);
    }

    #[test]
    fn a_waiting_part_has_no_clock() {
        let c = Clock::default();
        assert_eq!(c.due(30, T0), None);
        assert_eq!(c.running(T0), 0);
    }

    proptest! {
        /// However often the clock stops and runs, running + stopped time is the time since
        /// the start, and the due date is the start + the deadline + the stopped time.
        #[test]
        fn running_and_stopped_time_add_up(gaps in proptest::collection::vec(0i64..40 * DAY, 0..12), days in 0u32..400) {
            let mut c = Clock::open(T0);
            let mut now = T0;
            for (i, g) in gaps.iter().enumerate() {
                now += g;
                if i % 2 == 0 { c.pause(now) } else { c.resume(now) }
            }
            prop_assert_eq!(c.running(now) + c.stopped(now), now - T0);
            prop_assert_eq!(c.due(days, now), Some(T0 + i64::from(days) * DAY + c.stopped(now)));
        }
    }
}

//! Track and trace as a picture: one row a part, day 0 the day it went to its authority.
//! The bar is the authority's running clock (elapsed, or the days it took when decided),
//! shown striped while the clock stands still for the applicant; a dashed mark is the
//! expected decision (the roadmap's estimate) and a solid one the statutory deadline. The
//! roadmap's Gantt chart is the style; the same numbers stand in the table beside it.

use crate::roadmap::view::Tick;
use ork_store::Part;

const DAY: i64 = 86_400;
const WIDTH: u32 = 960;
const ROW_H: u32 = 44;
const PAD: u32 = 8;

/// One part's row.
pub struct TimelineRow {
    pub label: String,
    pub y_text: u32,
    pub y_bar: u32,
    /// The running-clock bar from day 0 (`w` 0: not yet open).
    pub x: u32,
    pub w: u32,
    /// The clock stands still now (a request for information waits on the applicant).
    pub paused: bool,
    /// Decided: the bar is the time the decision took.
    pub decided: bool,
    pub x_expected: Option<u32>,
    pub x_due: Option<u32>,
    /// Beyond the statutory deadline.
    pub late: bool,
    /// Day counts for the row's tooltip and text: (elapsed, expected, statutory).
    pub elapsed: i64,
    pub expected: u32,
    pub statutory: Option<u32>,
    /// Why the row has no bar: waiting for a prerequisite, carried over, not required.
    pub note: Option<&'static str>,
}

pub struct PartTimeline {
    pub width: u32,
    pub height: u32,
    pub axis_y: u32,
    pub rows: Vec<TimelineRow>,
    pub ticks: Vec<Tick>,
}

/// Days of running clock the part has had (open) or took (decided), as of `now`.
pub fn elapsed_days(p: &Part, now: i64) -> i64 {
    let at = p.decided_at.unwrap_or(now);
    p.clock.running(at) / DAY
}

/// The timeline of `parts`, each with its label, as of `now`.
pub fn timeline(parts: &[(String, &Part)], now: i64) -> PartTimeline {
    use ork_cases::PartState;
    let note = |p: &Part| {
        if p.carried_from.is_some() {
            Some("carried")
        } else if p.state == PartState::NotRequired {
            Some("not_required")
        } else if p.clock.opened_at.is_none() {
            Some("waiting")
        } else {
            None
        }
    };
    let max_day = parts
        .iter()
        .filter(|(_, p)| note(p).is_none())
        .map(|(_, p)| {
            let e = u32::try_from(elapsed_days(p, now)).unwrap_or(0);
            e.max(p.expected_days).max(p.deadline_days.unwrap_or(0))
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let span = f64::from(WIDTH - 2 * PAD);
    let x_of =
        |d: u32| PAD + ((f64::from(d.min(max_day)) / f64::from(max_day)) * span).round() as u32;
    let rows = parts
        .iter()
        .enumerate()
        .map(|(i, (label, p))| {
            let top = i as u32 * ROW_H;
            let why = note(p);
            let elapsed = elapsed_days(p, now);
            let e = u32::try_from(elapsed).unwrap_or(0);
            let shown = why.is_none();
            TimelineRow {
                label: label.clone(),
                y_text: top + 14,
                y_bar: top + 20,
                x: PAD,
                w: if shown {
                    x_of(e).saturating_sub(PAD).max(2)
                } else {
                    0
                },
                paused: p.clock.paused_since.is_some() && p.decided_at.is_none(),
                decided: p.decided_at.is_some(),
                x_expected: shown.then(|| x_of(p.expected_days)),
                x_due: p.deadline_days.filter(|_| shown).map(x_of),
                late: shown && p.deadline_days.is_some_and(|d| e > d),
                elapsed,
                expected: p.expected_days,
                statutory: p.deadline_days,
                note: why,
            }
        })
        .collect::<Vec<_>>();
    let axis_y = rows.len() as u32 * ROW_H + 4;
    let ticks = crate::roadmap::view::ticks(max_day, x_of);
    PartTimeline {
        width: WIDTH,
        height: axis_y + 28,
        axis_y,
        rows,
        ticks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ork_cases::{Clock, PartState};

    const T0: i64 = 1_800_000_000;

    fn part(state: PartState, clock: Clock, expected: u32, deadline: Option<u32>) -> Part {
        Part {
            id: "p".into(),
            application_id: "a".into(),
            step: "s".into(),
            rule: "s".into(),
            authority: ork_domain::OrgId::parse("org").unwrap(),
            state,
            fields: "{}".into(),
            depends_on: Vec::new(),
            deadline_days: deadline,
            expected_days: expected,
            clock,
            assigned_to: None,
            round: 1,
            revision: 0,
            decided_at: None,
            carried_from: None,
        }
    }

    #[test]
    fn bars_scale_to_the_longest_of_elapsed_expected_and_statutory() {
        // 20 days in review, then a request for information open for 10 days: the clock
        // stands at 20 and the bar is striped.
        let mut clock = Clock::open(T0);
        clock.pause(T0 + 20 * DAY);
        let asked = part(PartState::InformationRequested, clock, 30, Some(60));
        // Decided after 45 running days, past a 40-day deadline.
        let mut decided = part(PartState::Approved, Clock::open(T0), 30, Some(40));
        decided.decided_at = Some(T0 + 45 * DAY);
        let waiting = part(PartState::Waiting, Clock::default(), 90, None);
        let now = T0 + 30 * DAY;
        let t = timeline(
            &[
                ("asked".into(), &asked),
                ("decided".into(), &decided),
                ("waiting".into(), &waiting),
            ],
            now,
        );
        let span = f64::from(WIDTH - 2 * PAD);
        let x = |d: f64| PAD + (d / 60.0 * span).round() as u32;
        let r = &t.rows[0];
        assert_eq!((r.elapsed, r.paused, r.late), (20, true, false));
        assert_eq!(r.x + r.w, x(20.0));
        assert_eq!((r.x_expected, r.x_due), (Some(x(30.0)), Some(x(60.0))));
        let r = &t.rows[1];
        assert_eq!(
            (r.elapsed, r.decided, r.late, r.paused),
            (45, true, true, false)
        );
        assert_eq!(r.x + r.w, x(45.0));
        // A waiting part has no bar and does not stretch the scale (its 90 days).
        let r = &t.rows[2];
        assert_eq!((r.w, r.note, r.x_expected), (0, Some("waiting"), None));
        // Weekly ticks up to the 60-day scale.
        assert_eq!(t.ticks.last().map(|k| k.day), Some(56));
        assert_eq!(t.axis_y, 3 * ROW_H + 4);
    }

    #[test]
    fn an_empty_or_unopened_timeline_still_has_a_scale() {
        let t = timeline(&[], T0);
        assert!(t.rows.is_empty());
        assert_eq!(t.ticks.first().map(|k| k.day), Some(0));
    }
}

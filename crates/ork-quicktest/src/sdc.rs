//! Statistical disclosure control of a count and its cells (`docs/disclosure-control.md`):
//! the threshold is the strictest minimum cell size of the controllers whose data the
//! definition reads; counts from 1 to threshold − 1 are suppressed (primary), and more cells
//! (smallest first) or the total are suppressed until no suppressed cell can be narrowed
//! below the threshold from the total and the shown cells (secondary).

use crate::cohort::{Cohort, Criterion, EventKind};
use crate::engine::Counts;

/// Minimum cell sizes per controller (`disclosure.toml`, with sources).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub sds: u64,
    pub dst: u64,
    pub ssi: u64,
    pub regions: u64,
}

impl Default for Thresholds {
    /// The shipped `disclosure.toml`.
    fn default() -> Self {
        toml::from_str(include_str!("../disclosure.toml"))
            .expect("the shipped disclosure.toml is checked by its test")
    }
}

fn kind_threshold(t: &Thresholds, k: EventKind) -> u64 {
    match k {
        EventKind::Diagnosis
        | EventKind::Procedure
        | EventKind::Prescription
        | EventKind::Cancer
        | EventKind::Death => t.sds,
        EventKind::Biobank => t.ssi,
        EventKind::Lab => t.regions,
    }
}

fn criterion_threshold(t: &Thresholds, c: &Criterion) -> u64 {
    match c {
        Criterion::All(p) | Criterion::Any(p) => p
            .iter()
            .map(|x| criterion_threshold(t, x))
            .max()
            .unwrap_or(0),
        Criterion::Not(x) => criterion_threshold(t, x),
        Criterion::Event(e) => kind_threshold(t, e.kind),
        Criterion::Sequence { first, then, .. } => {
            kind_threshold(t, first.kind).max(kind_threshold(t, then.kind))
        }
        Criterion::Education { .. } | Criterion::Income { .. } => t.dst,
    }
}

/// The threshold of a definition: the population (DST) and every register it reads.
pub fn threshold(t: &Thresholds, c: &Cohort) -> u64 {
    c.criteria
        .as_ref()
        .map_or(0, |cr| criterion_threshold(t, cr))
        .max(t.dst)
        .max(1)
}

/// A count as shown: `None` when suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    pub count: Option<u64>,
    pub cells: Vec<Option<u64>>,
    pub threshold: u64,
}

/// Whether the suppressed cells (values `hidden`) are safe when the total is shown: not
/// exactly one, and each one's largest possible value reaches the threshold.
pub fn safe_group(hidden: &[u64], t: u64) -> bool {
    let k = hidden.len() as u64;
    let s: u64 = hidden.iter().sum();
    k == 0 || (k >= 2 && s + 1 >= t + k)
}

/// Applies primary and secondary suppression to exact counts.
pub fn protect(c: &Counts, t: u64) -> Protected {
    let small = |n: u64| n >= 1 && n < t;
    if small(c.count) {
        // Every non-zero cell is at most the total, so below the threshold too.
        return Protected {
            count: None,
            cells: c
                .cells
                .iter()
                .map(|x| (x.count == 0).then_some(0))
                .collect(),
            threshold: t,
        };
    }
    let mut hidden: Vec<bool> = c.cells.iter().map(|x| small(x.count)).collect();
    let values = |hidden: &[bool]| -> Vec<u64> {
        c.cells
            .iter()
            .zip(hidden)
            .filter(|(_, h)| **h)
            .map(|(x, _)| x.count)
            .collect()
    };
    let mut count = Some(c.count);
    while !safe_group(&values(&hidden), t) {
        // The smallest non-zero shown cell joins the suppressed ones.
        let next = c
            .cells
            .iter()
            .enumerate()
            .filter(|(i, x)| !hidden[*i] && x.count > 0)
            .min_by_key(|(i, x)| (x.count, *i))
            .map(|(i, _)| i);
        match next {
            Some(i) => hidden[i] = true,
            None => {
                count = None;
                break;
            }
        }
    }
    Protected {
        count,
        cells: c
            .cells
            .iter()
            .zip(&hidden)
            .map(|(x, h)| (!h).then_some(x.count))
            .collect(),
        threshold: t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cohort::Breakdown;
    use crate::engine::Cell;
    use proptest::prelude::*;

    fn counts(cells: &[u64]) -> Counts {
        Counts {
            count: cells.iter().sum(),
            cells: cells
                .iter()
                .enumerate()
                .map(|(i, n)| Cell {
                    keys: vec![(Breakdown::Region, i.to_string())],
                    count: *n,
                })
                .collect(),
        }
    }

    #[test]
    fn small_cells_go_and_take_a_partner() {
        let p = protect(&counts(&[40, 2, 30, 0]), 5);
        assert_eq!(p.count, Some(72));
        // 2 alone would be total − 70; the next smallest (30) hides with it.
        assert_eq!(p.cells, [Some(40), None, None, Some(0)]);
        let p = protect(&counts(&[40, 1, 1, 30]), 5);
        // 1 + 1 = 2 would pin both at 1; 30 joins: 32 − 2 = 30 ≥ 5.
        assert_eq!(p.cells, [Some(40), None, None, None]);
        let p = protect(&counts(&[2, 2]), 5);
        assert_eq!(p.count, None, "a total of 4 is itself below 5");
        assert_eq!(p.cells, [None, None]);
        let p = protect(&counts(&[3, 9]), 5);
        // Both hidden: each lies in 1..=11 for all anyone can tell.
        assert_eq!((p.count, p.cells), (Some(12), vec![None, None]));
        let p = protect(&counts(&[3, 0]), 5);
        assert_eq!((p.count, p.cells), (None, vec![None, Some(0)]));
        let p = protect(&counts(&[7, 9, 0]), 5);
        assert_eq!(p.cells, [Some(7), Some(9), Some(0)], "nothing to hide");
    }

    #[test]
    fn the_threshold_is_the_strictest_source() {
        let t = Thresholds::default();
        assert_eq!((t.sds, t.dst, t.ssi, t.regions), (5, 3, 5, 5));
        let pop = crate::parse(r#"{"population": {"alive_on": "2020-01-01"}}"#).unwrap();
        assert_eq!(threshold(&t, &pop), 3);
        let edu = crate::parse(r#"{"population": {"alive_on": "2020-01-01"}, "criteria": {"education": {"levels": [7]}}}"#).unwrap();
        assert_eq!(threshold(&t, &edu), 3);
        let dx = crate::parse(r#"{"population": {"alive_on": "2020-01-01"}, "criteria": {"not": {"diagnosis": {"codes": ["E11"]}}}}"#).unwrap();
        assert_eq!(threshold(&t, &dx), 5);
    }

    proptest! {
        #[test]
        fn nothing_small_is_shown_and_nothing_hidden_is_recoverable(
            cells in proptest::collection::vec(prop_oneof![0u64..3, 0u64..8, 0u64..200], 0..12),
            t in 3u64..=10,
        ) {
            let c = counts(&cells);
            let p = protect(&c, t);
            for v in p.cells.iter().flatten().chain(p.count.iter()) {
                prop_assert!(*v == 0 || *v >= t, "{v} shown with threshold {t}");
            }
            if p.count.is_some() {
                let hidden: Vec<u64> = cells
                    .iter()
                    .zip(&p.cells)
                    .filter(|(_, s)| s.is_none())
                    .map(|(v, _)| *v)
                    .collect();
                prop_assert!(safe_group(&hidden, t), "{cells:?} → {:?}", p.cells);
            }
            // Shown values are the true ones.
            for (v, s) in cells.iter().zip(&p.cells) {
                if let Some(s) = s {
                    prop_assert_eq!(s, v);
                }
            }
        }
    }
}

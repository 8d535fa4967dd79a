//! Statistical disclosure control of a count and its cells (`docs/disclosure-control.md`):
//! the threshold is the strictest minimum cell size of the controllers whose data the
//! definition reads; counts from 1 to threshold − 1 are suppressed (primary), and more cells
//! (smallest first) or the total are suppressed until no suppressed cell can be narrowed
//! below the threshold from the total and the shown cells (secondary).

use crate::cohort::{Cohort, Criterion, EventKind};
use crate::engine::Counts;

/// One number per controller: a minimum cell size, or a rounding base.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub sds: u64,
    pub dst: u64,
    pub ssi: u64,
    pub regions: u64,
}

/// The controllers' disclosure regimes (`disclosure.toml`, with sources): minimum cell
/// sizes and, optionally, rounding of shown counts to a multiple.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(flatten)]
    pub minimum: Thresholds,
    /// Shown counts are rounded to the nearest multiple of this (1: not rounded).
    #[serde(default = "no_rounding")]
    pub rounding: Thresholds,
}

fn no_rounding() -> Thresholds {
    Thresholds {
        sds: 1,
        dst: 1,
        ssi: 1,
        regions: 1,
    }
}

impl Default for Policy {
    /// The shipped `disclosure.toml`.
    fn default() -> Self {
        Self::from_toml(include_str!("../disclosure.toml"))
            .expect("the shipped disclosure.toml is checked by its test")
    }
}

impl Policy {
    /// Reads a disclosure file (the operator's replacement of the shipped one); every number
    /// must be at least 1.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let p: Policy = toml::from_str(text).map_err(|e| e.to_string())?;
        for (what, t) in [("", &p.minimum), ("rounding.", &p.rounding)] {
            for (k, v) in [
                ("sds", t.sds),
                ("dst", t.dst),
                ("ssi", t.ssi),
                ("regions", t.regions),
            ] {
                if v == 0 {
                    return Err(format!("{what}{k} must be at least 1"));
                }
            }
        }
        Ok(p)
    }

    /// The threshold of a definition: the strictest minimum of the controllers it reads.
    pub fn threshold(&self, c: &Cohort) -> u64 {
        threshold(&self.minimum, c)
    }

    /// The rounding base of a definition: the coarsest of the controllers it reads.
    pub fn rounding(&self, c: &Cohort) -> u64 {
        threshold(&self.rounding, c)
    }

    /// The controllers a definition reads, each with its minimum (for the answer's rules).
    pub fn controllers(&self, c: &Cohort) -> Vec<(&'static str, u64)> {
        let mut kinds = Vec::new();
        if let Some(cr) = &c.criteria {
            collect_controllers(cr, &mut kinds);
        }
        let t = &self.minimum;
        let mut out = vec![("dst", t.dst)];
        for k in kinds {
            let x = match k {
                "sds" => ("sds", t.sds),
                "ssi" => ("ssi", t.ssi),
                "regions" => ("regions", t.regions),
                _ => ("dst", t.dst),
            };
            if !out.contains(&x) {
                out.push(x);
            }
        }
        out
    }
}

fn kind_controller(k: EventKind) -> &'static str {
    match k {
        EventKind::Diagnosis
        | EventKind::Procedure
        | EventKind::Prescription
        | EventKind::Cancer
        | EventKind::Death => "sds",
        EventKind::Biobank => "ssi",
        EventKind::Lab => "regions",
    }
}

fn collect_controllers(c: &Criterion, out: &mut Vec<&'static str>) {
    match c {
        Criterion::All(p) | Criterion::Any(p) => p.iter().for_each(|x| collect_controllers(x, out)),
        Criterion::Not(x) => collect_controllers(x, out),
        Criterion::Event(e) => out.push(kind_controller(e.kind)),
        Criterion::Sequence { first, then, .. } => {
            out.push(kind_controller(first.kind));
            out.push(kind_controller(then.kind));
        }
        Criterion::Education { .. } | Criterion::Income { .. } => out.push("dst"),
    }
}

/// A shown count rounded to the nearest multiple of `base` (halves up), never to zero: a
/// count that was shown stays a positive number.
pub fn round_shown(n: u64, base: u64) -> u64 {
    if base <= 1 || n == 0 {
        return n;
    }
    ((n + base / 2) / base * base).max(base)
}

fn kind_threshold(t: &Thresholds, k: EventKind) -> u64 {
    match kind_controller(k) {
        "sds" => t.sds,
        "ssi" => t.ssi,
        _ => t.regions,
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
    protect_with(c, t, false, &vec![false; c.cells.len()])
}

/// [`protect`], with numbers that must be suppressed for another reason (differencing):
/// `total` the total, `cells[i]` cell `i`. A total suppressed so takes every non-zero cell
/// with it, since shown cells would add up to it.
pub fn protect_with(c: &Counts, t: u64, total: bool, cells: &[bool]) -> Protected {
    let small = |n: u64| n >= 1 && n < t;
    if small(c.count) || (total && c.count > 0) {
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
    let mut hidden: Vec<bool> = c
        .cells
        .iter()
        .zip(cells)
        .map(|(x, forced)| small(x.count) || (*forced && x.count > 0))
        .collect();
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
        let t = Policy::default().minimum;
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

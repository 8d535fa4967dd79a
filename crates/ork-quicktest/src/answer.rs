//! A protected answer (`docs/disclosure-control.md`): exact counts, then primary and
//! secondary suppression, then the differencing check against the same user's earlier
//! answers, then rounding. What is kept of an answer for later checks is its shown numbers'
//! sizes and fingerprints ([`Shown`]) and its definition: the persons behind an earlier
//! number are found again by evaluating the definition anew (the index is deterministic),
//! and only when its size is close enough to a new number's to matter.

use crate::cohort::{Breakdown, Cohort};
use crate::engine::{Evaluation, Set, evaluate};
use crate::index::Index;
use crate::sdc::{Policy, Protected, protect, protect_with, round_shown};
use ork_domain::Lang;

/// How many of a user's earlier answers the differencing check compares with.
pub const HISTORY: usize = 200;

/// One shown number of an answer: the total (`cell` None) or a cell, with the size and a
/// fingerprint of its person set (equal sets have equal fingerprints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shown {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cell: Option<u32>,
    pub size: u64,
    pub hash: u64,
}

/// An earlier answer of the same user on the same index.
#[derive(Debug, Clone)]
pub struct Earlier {
    /// The definition; `None` when the logged text no longer parses (the cohort language or
    /// a code list changed). Its persons cannot be found again, so each of its numbers is
    /// taken to overlap any new number of a close size: the check gets stricter, never
    /// weaker.
    pub cohort: Option<Cohort>,
    pub shown: Vec<Shown>,
}

/// An answer before it is written out.
#[derive(Debug, Clone)]
pub struct Answer {
    pub counts: crate::engine::Counts,
    pub protected: Protected,
    /// Shown values after rounding (the total, then the cells).
    pub count: Option<u64>,
    pub cells: Vec<Option<u64>>,
    pub rounding: u64,
    /// How many numbers were hidden because they differed from an earlier answer's by
    /// fewer than the threshold.
    pub differencing: usize,
    /// The numbers shown, for later answers' checks.
    pub shown: Vec<Shown>,
}

fn mix(mut z: u64) -> u64 {
    // splitmix64's finaliser.
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The fingerprint of a set given as its non-zero 64-bit words (index, bits), in any order.
fn fingerprint(words: impl Iterator<Item = (usize, u64)>) -> u64 {
    words.fold(0u64, |h, (i, w)| h.wrapping_add(mix(mix(i as u64) ^ w)))
}

fn set_fingerprint(s: &Set) -> u64 {
    fingerprint(
        s.words()
            .iter()
            .enumerate()
            .filter(|(_, w)| **w != 0)
            .map(|(i, w)| (i, *w)),
    )
}

/// The same fingerprint from sorted person ids.
fn list_fingerprint(ids: &[u32]) -> u64 {
    let mut words = Vec::new();
    for &p in ids {
        let (i, bit) = (p as usize / 64, 1u64 << (p % 64));
        match words.last_mut() {
            Some((j, w)) if *j == i => *w |= bit,
            _ => words.push((i, bit)),
        }
    }
    fingerprint(words.into_iter())
}

/// The persons behind one number.
#[derive(Clone, Copy)]
enum Members<'a> {
    Bits(&'a Set),
    List(&'a [u32]),
}

impl Members<'_> {
    fn len(self) -> u64 {
        match self {
            Self::Bits(s) => s.len(),
            Self::List(l) => l.len() as u64,
        }
    }
}

fn members(e: &Evaluation, cell: Option<u32>) -> Option<Members<'_>> {
    match cell {
        None => Some(Members::Bits(&e.set)),
        Some(i) => e.members.get(i as usize).map(|m| Members::List(m)),
    }
}

/// |A Δ B| = |A| + |B| − 2 |A ∩ B|.
fn symmetric_difference(a: Members, b: Members) -> u64 {
    let both = match (a, b) {
        (Members::Bits(x), Members::Bits(y)) => x
            .words()
            .iter()
            .zip(y.words())
            .map(|(p, q)| u64::from((p & q).count_ones()))
            .sum(),
        (Members::Bits(s), Members::List(l)) | (Members::List(l), Members::Bits(s)) => {
            l.iter().filter(|p| s.contains(**p)).count() as u64
        }
        (Members::List(x), Members::List(y)) => {
            let (mut i, mut j, mut n) = (0, 0, 0u64);
            while i < x.len() && j < y.len() {
                match x[i].cmp(&y[j]) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        n += 1;
                        i += 1;
                        j += 1;
                    }
                }
            }
            n
        }
    };
    a.len() + b.len() - 2 * both
}

/// Answers a definition for a user whose earlier answers (newest last, on this index) are
/// `earlier`.
pub fn answer(ix: &Index, policy: &Policy, c: &Cohort, earlier: &[Earlier]) -> Answer {
    let e = evaluate(ix, c);
    let t = policy.threshold(c);
    let first = protect(&e.counts, t);
    // The numbers the first pass would show, each checked against every earlier shown number
    // whose size is close enough for the two sets to differ by fewer than t persons.
    let candidates: Vec<(Option<u32>, Members)> = first
        .count
        .iter()
        .filter(|n| **n > 0)
        .map(|_| (None, Members::Bits(&e.set)))
        .chain(
            first
                .cells
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_some_and(|n| n > 0))
                .map(|(i, _)| (Some(i as u32), Members::List(&e.members[i]))),
        )
        .collect();
    let fp = |m: Members| match m {
        Members::Bits(s) => set_fingerprint(s),
        Members::List(l) => list_fingerprint(l),
    };
    let mine: Vec<(Option<u32>, Members, u64)> =
        candidates.into_iter().map(|(c, m)| (c, m, fp(m))).collect();
    let recent = &earlier[earlier.len().saturating_sub(HISTORY)..];
    let mut again: Vec<Option<Evaluation>> = vec![None; recent.len()];
    let mut hide_total = false;
    let mut hide = vec![false; e.counts.cells.len()];
    for (cell, m, hash) in &mine {
        let size = m.len();
        'earlier: for (k, old) in recent.iter().enumerate() {
            for s in &old.shown {
                if s.size == size && s.hash == *hash {
                    continue; // the same persons: nothing new is learnt
                }
                if s.size.abs_diff(size) >= t {
                    continue; // the sets differ by at least t persons
                }
                let Some(cohort) = &old.cohort else {
                    // Unknown persons of a close size: assume they differ by fewer than t.
                    match cell {
                        None => hide_total = true,
                        Some(i) => hide[*i as usize] = true,
                    }
                    break 'earlier;
                };
                let ev = again[k].get_or_insert_with(|| evaluate(ix, cohort));
                let Some(theirs) = members(ev, s.cell) else {
                    continue;
                };
                let d = symmetric_difference(*m, theirs);
                if d >= 1 && d < t {
                    match cell {
                        None => hide_total = true,
                        Some(i) => hide[*i as usize] = true,
                    }
                    break 'earlier;
                }
            }
        }
    }
    let differencing = usize::from(hide_total) + hide.iter().filter(|h| **h).count();
    // The second pass hides what the first hid as well: only numbers the check has seen
    // may be shown.
    let protected = if differencing == 0 {
        first
    } else {
        let cells: Vec<bool> = hide
            .iter()
            .zip(&first.cells)
            .map(|(h, shown)| *h || shown.is_none())
            .collect();
        protect_with(&e.counts, t, hide_total || first.count.is_none(), &cells)
    };
    let shown: Vec<Shown> = mine
        .iter()
        .filter(|(cell, _, _)| match cell {
            None => protected.count.is_some(),
            Some(i) => protected.cells[*i as usize].is_some(),
        })
        .map(|(cell, m, hash)| Shown {
            cell: *cell,
            size: m.len(),
            hash: *hash,
        })
        .collect();
    let base = policy.rounding(c);
    Answer {
        count: protected.count.map(|n| round_shown(n, base)),
        cells: protected
            .cells
            .iter()
            .map(|v| v.map(|n| round_shown(n, base)))
            .collect(),
        counts: e.counts,
        protected,
        rounding: base,
        differencing,
        shown,
    }
}

fn text(lang: Lang, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let (da, en) = ork_domain::messages::message(crate::messages::MESSAGES, key, args);
    lang.pick(da, en)
}

/// The answer's `rules`: what was applied, in the user's language (`messages.rs`).
pub fn rules(policy: &Policy, c: &Cohort, a: &Answer, lang: Lang) -> Vec<String> {
    let t = a.protected.threshold;
    let regimes = policy
        .controllers(c)
        .iter()
        .map(|(k, v)| {
            let who = match *k {
                "sds" | "dst" | "ssi" => format!("controller.{k}"),
                _ => "controller.regions".to_owned(),
            };
            format!("{} {v}", text(lang, &who, &[]))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let hidden = match a.differencing {
        0 => String::new(),
        1 => text(lang, "rule.differencing.hidden_one", &[]),
        n => text(lang, "rule.differencing.hidden_many", &[("n", &n)]),
    };
    let mut out = vec![
        text(
            lang,
            "rule.threshold",
            &[("t", &t), ("below", &(t - 1)), ("regimes", &regimes)],
        ),
        text(lang, "rule.secondary", &[]),
        text(
            lang,
            "rule.differencing",
            &[("history", &HISTORY), ("t", &t), ("hidden", &hidden)],
        ),
    ];
    if a.rounding > 1 {
        out.push(text(lang, "rule.rounding", &[("base", &a.rounding)]));
    }
    out.push(text(lang, "rule.limits", &[]));
    out
}

/// One cell of a shown breakdown: the values of its keys (only the breakdown's keys are
/// present) and its protected count.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShownCell {
    /// `F` or `M`, when the breakdown is by sex.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sex: Option<String>,
    /// `0-9`, `10-19`, … `90+`, when the breakdown is by age band.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub age_band: Option<String>,
    /// The region code (1081–1085), or empty when not stated, when the breakdown is by
    /// region.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<String>,
    /// The year of the first matching event, or empty when none, when the breakdown is by
    /// year.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub year: Option<String>,
    /// The count after disclosure control and rounding; `null` when hidden.
    pub count: Option<u64>,
    /// Whether the count is hidden.
    pub suppressed: bool,
}

impl ShownCell {
    /// The cell's value for a breakdown key (empty when the cell has none).
    #[must_use]
    pub fn value(&self, b: Breakdown) -> &str {
        match b {
            Breakdown::Sex => &self.sex,
            Breakdown::AgeBand => &self.age_band,
            Breakdown::Region => &self.region,
            Breakdown::Year => &self.year,
        }
        .as_deref()
        .unwrap_or("")
    }

    fn set(&mut self, b: Breakdown, v: String) {
        *match b {
            Breakdown::Sex => &mut self.sex,
            Breakdown::AgeBand => &mut self.age_band,
            Breakdown::Region => &mut self.region,
            Breakdown::Year => &mut self.year,
        } = Some(v);
    }
}

/// A protected answer as it is shown (`docs/disclosure-control.md`): the total and the
/// cells after suppression and rounding, the threshold and rounding base applied, and the
/// rules in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// The number of persons after disclosure control and rounding; `null` when hidden.
    pub count: Option<u64>,
    /// Whether the total is hidden.
    pub suppressed: bool,
    /// One per combination of the breakdown's values that has persons (none without a
    /// breakdown).
    pub cells: Vec<ShownCell>,
    /// Counts from 1 to `threshold` − 1 are not shown.
    pub threshold: u64,
    /// Shown counts are multiples of this (1: not rounded).
    pub rounding: u64,
    /// The rules applied, in the user's language.
    pub rules: Vec<String>,
}

/// A protected answer as it is shown, with its rules in `lang`.
#[must_use]
pub fn report(policy: &Policy, c: &Cohort, a: &Answer, lang: Lang) -> Report {
    Report {
        count: a.count,
        suppressed: a.count.is_none(),
        cells: a
            .counts
            .cells
            .iter()
            .zip(&a.cells)
            .map(|(cell, shown)| {
                let mut out = ShownCell {
                    count: *shown,
                    suppressed: shown.is_none(),
                    ..ShownCell::default()
                };
                for (b, v) in &cell.keys {
                    out.set(*b, v.clone());
                }
                out
            })
            .collect(),
        threshold: a.protected.threshold,
        rounding: a.rounding,
        rules: rules(policy, c, a, lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_agree_between_bits_and_lists() {
        let ids = [0u32, 5, 63, 64, 200, 4095];
        let mut s = Set::empty(5000);
        for i in ids {
            s.insert(i);
        }
        assert_eq!(set_fingerprint(&s), list_fingerprint(&ids));
        assert_ne!(list_fingerprint(&ids), list_fingerprint(&ids[1..]));
        assert_eq!(list_fingerprint(&[]), set_fingerprint(&Set::empty(10)));
    }

    #[test]
    fn symmetric_differences_of_every_pairing() {
        let mut a = Set::empty(300);
        for i in [1, 2, 3, 100, 250] {
            a.insert(i);
        }
        let mut b = a.clone();
        b.insert(7);
        let l1 = [1u32, 2, 3, 100, 250];
        let l2 = [2u32, 3, 100, 299];
        assert_eq!(
            symmetric_difference(Members::Bits(&a), Members::Bits(&b)),
            1
        );
        assert_eq!(
            symmetric_difference(Members::Bits(&a), Members::List(&l1)),
            0
        );
        assert_eq!(
            symmetric_difference(Members::List(&l2), Members::Bits(&b)),
            4
        );
        assert_eq!(
            symmetric_difference(Members::List(&l1), Members::List(&l2)),
            3
        );
    }

    #[test]
    fn shown_counts_round_but_never_to_zero() {
        assert_eq!(round_shown(7, 1), 7);
        assert_eq!(round_shown(7, 5), 5);
        assert_eq!(round_shown(8, 5), 10);
        assert_eq!(round_shown(3, 10), 10);
        assert_eq!(round_shown(0, 10), 0);
    }
}

//! Protected answers on the generated Denmark: a differencing pair is caught, and for random
//! pairs of related definitions no number shown in the second answer has a person set that
//! differs from a number shown in the first by 1 to threshold − 1 persons.

use ork_quicktest::answer::{Earlier, answer};
use ork_quicktest::cohort::{EventKind, parse};
use ork_quicktest::engine::{Evaluation, Set, evaluate};
use ork_quicktest::sdc::Policy;
use proptest::prelude::*;

fn ix() -> &'static ork_quicktest::index::Index {
    &crate::fixture().index
}

fn earlier(json: &str, a: &ork_quicktest::answer::Answer) -> Earlier {
    Earlier {
        cohort: Some(parse(json).unwrap()),
        shown: a.shown.clone(),
    }
}

fn date(day: i32) -> String {
    let d = time::Date::from_julian_day(day + 2_440_588).unwrap();
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// A day on which exactly one person of `set` has an E11 diagnosis, if any.
fn lonely_e11_day(set: &Set) -> Option<i32> {
    let dx = ix().events(EventKind::Diagnosis);
    let r = dx.prefix_range("E11");
    let mut by_day: std::collections::BTreeMap<i32, std::collections::BTreeSet<u32>> =
        Default::default();
    for p in dx.postings(r) {
        if set.contains(p.person) {
            by_day.entry(p.day).or_default().insert(p.person);
        }
    }
    by_day
        .into_iter()
        .find(|(_, persons)| persons.len() == 1)
        .map(|(d, _)| d)
}

#[test]
fn a_differencing_pair_is_caught() {
    let policy = Policy::default();
    let a_json = r#"{"population": {"alive_on": "2024-06-01"}, "criteria": {"diagnosis": {"codes": ["E11"]}}}"#;
    let a_def = parse(a_json).unwrap();
    let a_eval = evaluate(ix(), &a_def);
    let day = lonely_e11_day(&a_eval.set).expect("a day with one diabetic's diagnosis");
    let b_json = format!(
        r#"{{"population": {{"alive_on": "2024-06-01"}}, "criteria": {{"all": [{{"diagnosis": {{"codes": ["E11"]}}}}, {{"not": {{"diagnosis": {{"codes": ["E11"], "from": "{0}", "to": "{0}"}}}}}}]}}}}"#,
        date(day)
    );
    let b_def = parse(&b_json).unwrap();
    assert_eq!(
        evaluate(ix(), &b_def).counts.count + 1,
        a_eval.counts.count,
        "the second definition leaves out exactly one person"
    );
    let first = answer(ix(), &policy, &a_def, &[]);
    assert_eq!(first.count, Some(a_eval.counts.count), "alone it is shown");
    assert_eq!(first.differencing, 0);
    let second = answer(ix(), &policy, &b_def, &[earlier(a_json, &first)]);
    assert_eq!(second.count, None, "the pair would isolate one person");
    assert_eq!(second.differencing, 1);
    let r = ork_quicktest::answer::report(&policy, &b_def, &second, ork_domain::Lang::En);
    assert!(r.suppressed);
    assert!(
        r.rules
            .iter()
            .any(|r| r.contains("1 number in this answer is hidden")),
        "{r:?}"
    );
    // Asked alone, by another user, the same definition is answered.
    assert!(answer(ix(), &policy, &b_def, &[]).count.is_some());
    // Asking the same again is harmless: the same persons, nothing new.
    let again = answer(ix(), &policy, &a_def, &[earlier(a_json, &first)]);
    assert_eq!(again.count, first.count);
    // With a breakdown, the cell holding the person is hidden instead, with a partner.
    let by_sex = |j: &str| j.replace(r#""criteria""#, r#""breakdown": ["sex"], "criteria""#);
    let (a2, b2) = (by_sex(a_json), by_sex(&b_json));
    let first = answer(ix(), &policy, &parse(&a2).unwrap(), &[]);
    let second = answer(ix(), &policy, &parse(&b2).unwrap(), &[earlier(&a2, &first)]);
    assert!(second.differencing >= 1, "{:?}", second.cells);
    assert!(second.count.is_none() || second.cells.iter().filter(|c| c.is_none()).count() >= 2);
}

/// Every shown number of an answer with its persons.
fn shown_sets(e: &Evaluation, a: &ork_quicktest::answer::Answer) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    if a.count.is_some_and(|n| n > 0) {
        out.push(e.set.iter().collect());
    }
    for (i, c) in a.cells.iter().enumerate() {
        if c.is_some_and(|n| n > 0) {
            out.push(e.members[i].clone());
        }
    }
    out
}

fn sym_diff(a: &[u32], b: &[u32]) -> usize {
    let (a, b): (std::collections::BTreeSet<_>, std::collections::BTreeSet<_>) =
        (a.iter().collect(), b.iter().collect());
    a.symmetric_difference(&b).count()
}

fn narrow() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("E11"),
            Just("I10"),
            Just("J44"),
            Just("M17"),
            Just("C")
        ],
        2015i32..=2024,
        1u8..=12,
        0u8..=20,
    )
        .prop_map(|(code, y, m, span)| {
            let from = format!("{y}-{m:02}-01");
            let to = format!("{y}-{m:02}-{:02}", 1 + span.min(27));
            format!(r#"{{"diagnosis": {{"codes": ["{code}"], "from": "{from}", "to": "{to}"}}}}"#)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn no_two_shown_numbers_of_one_user_differ_by_fewer_than_the_threshold(
        code in prop_oneof![Just("E11"), Just("I10"), Just("J44"), Just("M17"), Just("C"), Just("F3")],
        remove in narrow(),
        breakdown in proptest::sample::subsequence(&["sex", "age_band", "region"][..], 0..=2),
        on in prop_oneof![Just("2020-01-01"), Just("2023-06-01")],
    ) {
        let policy = Policy::default();
        let b = format!("{breakdown:?}");
        let a_json = format!(r#"{{"population": {{"alive_on": "{on}"}}, "criteria": {{"diagnosis": {{"codes": ["{code}"]}}}}, "breakdown": {b}}}"#);
        let b_json = format!(r#"{{"population": {{"alive_on": "{on}"}}, "criteria": {{"all": [{{"diagnosis": {{"codes": ["{code}"]}}}}, {{"not": {remove}}}]}}, "breakdown": {b}}}"#);
        let (a_def, b_def) = (parse(&a_json).unwrap(), parse(&b_json).unwrap());
        let first = answer(ix(), &policy, &a_def, &[]);
        let second = answer(ix(), &policy, &b_def, &[earlier(&a_json, &first)]);
        let t = first.protected.threshold as usize;
        let (ea, eb) = (evaluate(ix(), &a_def), evaluate(ix(), &b_def));
        for p in shown_sets(&ea, &first) {
            for q in shown_sets(&eb, &second) {
                let d = sym_diff(&p, &q);
                prop_assert!(d == 0 || d >= t, "shown sets differ by {d} < {t}: {a_json} then {b_json}");
            }
        }
        // Earlier answers only ever hide more: whatever is shown would be shown alone.
        let alone = answer(ix(), &policy, &b_def, &[]);
        prop_assert!(second.count.is_none() || alone.count.is_some());
        for (with, without) in second.cells.iter().zip(&alone.cells) {
            prop_assert!(with.is_none() || without.is_some(), "{b_json}");
        }
        // Nothing below the threshold is ever shown, and shown values are true.
        for (v, exact) in second.cells.iter().zip(&second.counts.cells) {
            if let Some(v) = v {
                prop_assert!(*v == 0 || *v >= t as u64);
                prop_assert_eq!(*v, exact.count);
            }
        }
    }
}

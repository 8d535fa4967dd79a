//! The engine on a small generated Denmark: the documented example runs, and counts obey
//! the laws the language promises (complement, union, breakdown sums, min_count and period
//! monotonicity).

use ork_quicktest::cohort::parse;
use ork_quicktest::engine::count;
use ork_quicktest::index::Index;

fn index() -> &'static Index {
    &crate::fixture().index
}

fn n(json: &str) -> u64 {
    count(index(), &parse(json).unwrap()).count
}

fn pop(criteria: &str) -> String {
    format!(r#"{{"population": {{"alive_on": "2020-01-01"}}, "criteria": {criteria}}}"#)
}

#[test]
fn the_index_holds_every_register() {
    let ix = index();
    assert!(ix.persons.len() >= 4000);
    assert!(ix.bef.contains_key(&2020));
    for kind in ork_quicktest::cohort::EventKind::ALL {
        assert!(!ix.events(kind).is_empty(), "{kind:?} has events");
    }
    let dx = ix.events(ork_quicktest::cohort::EventKind::Diagnosis);
    assert!(
        dx.codes.iter().all(|c| !c.starts_with('D')),
        "the SKS D is dropped"
    );
    assert!(!dx.prefix_range("E11").is_empty(), "diabetes is there");
}

#[test]
fn the_documented_example_counts_and_its_cells_sum_up() {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/cohort-language.md"
    ))
    .unwrap();
    let json = example
        .split("```json")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let c = parse(json).unwrap();
    let r = count(index(), &c);
    assert_eq!(r.cells.iter().map(|c| c.count).sum::<u64>(), r.count);
    // The same cohort by region only: women 40-60 in the region, a broad population.
    let base = n(
        r#"{"population": {"alive_on": "2020-01-01", "age": [40, 60], "sex": "F", "regions": ["1084"]}}"#,
    );
    assert!(base > 100 && r.count <= base, "{} of {base}", r.count);
}

#[test]
fn counts_obey_the_laws_of_the_language() {
    let everyone = n(r#"{"population": {"alive_on": "2020-01-01"}}"#);
    assert!(everyone > 3000);
    let dm = pop(r#"{"diagnosis": {"codes": ["E11"]}}"#);
    let htn = pop(r#"{"prescription": {"atc": ["C09"]}}"#);
    let (a, b) = (n(&dm), n(&htn));
    assert!(a > 0 && b > 0, "{a} {b}");
    // not is the complement within the population.
    assert_eq!(
        n(&pop(r#"{"not": {"diagnosis": {"codes": ["E11"]}}}"#)) + a,
        everyone
    );
    // any = a + b - (a and b).
    let both = n(&pop(
        r#"{"all": [{"diagnosis": {"codes": ["E11"]}}, {"prescription": {"atc": ["C09"]}}]}"#,
    ));
    let either = n(&pop(
        r#"{"any": [{"diagnosis": {"codes": ["E11"]}}, {"prescription": {"atc": ["C09"]}}]}"#,
    ));
    assert_eq!(either, a + b - both);
    // A longer prefix, a shorter period or a higher min_count never finds more.
    assert!(n(&pop(r#"{"diagnosis": {"codes": ["E"]}}"#)) >= a);
    assert!(
        n(&pop(
            r#"{"diagnosis": {"codes": ["E11"], "from": "2018-01-01", "to": "2019-12-31"}}"#
        )) <= a
    );
    let twice = n(&pop(
        r#"{"prescription": {"atc": ["C09"], "min_count": 2}}"#,
    ));
    assert!(twice <= b && twice > 0, "{twice} {b}");
    // Main diagnoses are a subset of all.
    assert!(n(&pop(r#"{"diagnosis": {"codes": ["E11"], "types": ["A"]}}"#)) <= a);
    // A sequence implies both of its events.
    let seq = n(&pop(
        r#"{"sequence": {"first": {"diagnosis": {"codes": ["E11"]}}, "then": {"prescription": {"atc": ["A10"]}}, "max_days": 365}}"#,
    ));
    assert!(seq <= a && seq > 0, "{seq}");
    // The breakdown by sex adds up, and every age band lies in the age range.
    let r = count(
        index(),
        &parse(r#"{"population": {"alive_on": "2020-01-01", "age": [40, 59]}, "breakdown": ["sex", "age_band", "region", "year"], "criteria": {"prescription": {"atc": ["C"]}}}"#).unwrap(),
    );
    assert_eq!(r.cells.iter().map(|c| c.count).sum::<u64>(), r.count);
    for cell in &r.cells {
        let band = &cell.keys[1].1;
        assert!(band == "40-49" || band == "50-59", "{band}");
        let year: i32 = cell.keys[3].1.parse().unwrap();
        assert!((2015..=2024).contains(&year), "{year}");
    }
    // Education and income read the year of alive_on.
    let educated = n(&pop(r#"{"education": {"levels": [1, 2, 3, 4, 5, 6, 7]}}"#));
    assert!(educated > 0 && educated <= everyone);
    let rich = n(&pop(r#"{"income": {"min": 1000000}}"#));
    let any_income = n(&pop(r#"{"income": {"min": 0}}"#));
    assert!(rich < any_income);
}

//! The shipped rulebook on the scenarios of the issue (seed 002's cases 1, 2 and 5): the
//! exact steps, their order constraints, and that every explanation names its rule.

use ork_catalog::{Catalog, Files as CatalogFiles};
use ork_rules::planner::{Need, Priors, Roadmap, plan};
use ork_rules::rulebook::{Files, Rulebook, STEP_KINDS};
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| ork_catalog::load(&CatalogFiles::embedded(), None).unwrap())
}

fn book() -> &'static Rulebook {
    static B: OnceLock<Rulebook> = OnceLock::new();
    B.get_or_init(|| {
        ork_rules::load(&Files::embedded(), catalog()).expect("the shipped rulebook loads")
    })
}

fn traits(on: &[&str]) -> serde_json::Value {
    ork_rules::rulebook::TRAITS
        .iter()
        .map(|t| ((*t).to_owned(), serde_json::Value::Bool(on.contains(t))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn roadmap(json: serde_json::Value) -> Roadmap {
    let need: Need = serde_json::from_value(json).unwrap();
    plan(catalog(), book(), &need, &Priors).unwrap()
}

fn ids(r: &Roadmap) -> Vec<&str> {
    let mut v: Vec<&str> = r.steps.iter().map(|s| s.id.as_str()).collect();
    v.sort();
    v
}

/// Every step comes after the steps it depends on, and starts no earlier than they finish;
/// every explanation names its rule; every authority is an organisation of the catalog.
fn sound(r: &Roadmap) {
    for (i, s) in r.steps.iter().enumerate() {
        for d in &s.depends_on {
            let j = r
                .steps
                .iter()
                .position(|x| &x.id == d)
                .expect("dependency present");
            assert!(j < i, "{d} before {}", s.id);
            assert!(r.steps[j].earliest_finish_day <= s.earliest_start_day);
        }
        assert!(
            s.why.da.starts_with(&format!("Regel {}:", s.rule)),
            "{}",
            s.why.da
        );
        assert!(
            s.why.en.starts_with(&format!("Rule {}:", s.rule)),
            "{}",
            s.why.en
        );
        assert!(STEP_KINDS.contains(&s.kind.as_str()));
        assert!(
            s.authority == "own_institution" || catalog().organisation(&s.authority).is_some(),
            "{}",
            s.authority
        );
        assert!(s.expected.p90 >= s.expected.median);
    }
    let last = r
        .critical_path
        .last()
        .map(|id| r.steps.iter().find(|s| &s.id == id).unwrap());
    assert_eq!(last.map(|s| s.earliest_finish_day), Some(r.total_median));
}

fn before(r: &Roadmap, a: &str, b: &str) {
    let f = r
        .steps
        .iter()
        .find(|s| s.id == a)
        .unwrap()
        .earliest_finish_day;
    let s = r
        .steps
        .iter()
        .find(|s| s.id == b)
        .unwrap()
        .earliest_start_day;
    assert!(f <= s, "{a} finishes before {b} starts");
}

#[test]
fn the_shipped_rulebook_is_sound() {
    let b = book();
    assert!(b.steps.len() >= 14, "{}", b.steps.len());
    assert!(!b.version.is_empty());
    for kind in STEP_KINDS {
        assert!(
            b.steps.iter().any(|s| s.kind == kind),
            "a step of kind {kind}"
        );
    }
}

#[test]
fn register_research_by_a_danish_university() {
    let r = roadmap(serde_json::json!({
        "applicant": {"kind": "danish_university", "region": "midtjylland"},
        "datasets": ["lpr", "lmdb", "ind"],
        "traits": traits(&[]),
    }));
    sound(&r);
    assert_eq!(
        ids(&r),
        [
            "dst_data_access",
            "dst_user_certification",
            "record_of_processing",
            "sds_data_access:sds"
        ]
    );
    before(&r, "record_of_processing", "sds_data_access:sds");
    before(&r, "record_of_processing", "dst_data_access");
    assert!(r.blockers.is_empty());
}

#[test]
fn case_2_a_healthtech_company_with_chest_x_rays_diagnoses_and_dlcr() {
    let r = roadmap(serde_json::json!({
        "applicant": {"kind": "danish_company", "region": "hovedstaden"},
        "datasets": ["pacs-hovedstaden", "lpr", "dlcr"],
        "traits": traits(&["image_data_reuse", "commercial_purpose"]),
    }));
    sound(&r);
    assert_eq!(
        ids(&r),
        [
            "ethics_approval",
            "record_of_processing",
            "region_data_extraction:hovedstaden",
            "rkkp_data_access",
            "sds_data_access:sds",
            "sds_environment_authorisation",
        ]
    );
    // Image reuse needs an ethics approval, which then covers the record data: no § 46.
    assert_eq!(
        r.steps
            .iter()
            .find(|s| s.id == "ethics_approval")
            .unwrap()
            .authority,
        "vek-hovedstaden"
    );
    assert!(
        r.replaced
            .iter()
            .any(|x| x.step == "patient_record_approval:hovedstaden" && x.by == "ethics_approval")
    );
    before(&r, "ethics_approval", "region_data_extraction:hovedstaden");
    before(&r, "sds_environment_authorisation", "sds_data_access:sds");
}

#[test]
fn case_1_a_pharma_company_with_register_data_and_biobank_samples() {
    let r = roadmap(serde_json::json!({
        "applicant": {"kind": "danish_company", "region": "hovedstaden"},
        "datasets": ["lpr", "lmdb", "dodsaarsager", "cpr", "biobank"],
        "traits": traits(&["biological_material", "commercial_purpose"]),
    }));
    sound(&r);
    assert_eq!(
        ids(&r),
        [
            "biobank_approval",
            "cpr_data_access",
            "dpa_permission",
            "ethics_approval",
            "record_of_processing",
            "sds_data_access:sds",
            "sds_environment_authorisation",
            "tissue_register_check",
        ]
    );
    before(&r, "ethics_approval", "biobank_approval");
    before(&r, "biobank_approval", "tissue_register_check");
}

#[test]
fn a_foreign_company_without_a_danish_partner_is_told_what_blocks_it() {
    let r = roadmap(serde_json::json!({
        "applicant": {"kind": "foreign_company"},
        "datasets": ["lpr", "lmdb", "bef"],
        "traits": traits(&["commercial_purpose"]),
    }));
    sound(&r);
    let blocked: Vec<&str> = r.blockers.iter().map(|b| b.step.as_str()).collect();
    assert!(
        blocked.contains(&"sds_environment_authorisation") && blocked.contains(&"dst_data_access"),
        "{blocked:?}"
    );
    for b in &r.blockers {
        assert!(
            b.unblock.en.contains("Danish institution"),
            "{:?}",
            b.unblock
        );
    }
}

#[test]
fn case_5_an_amendment_adds_a_second_regions_patient_records() {
    let t = traits(&[]);
    let r = roadmap(serde_json::json!({
        "applicant": {"kind": "danish_university", "region": "midtjylland"},
        "datasets": ["lpr", "epj-midtjylland", "epj-nordjylland"],
        "traits": t,
        "previous": {
            "applicant": {"kind": "danish_university", "region": "midtjylland"},
            "datasets": ["lpr", "epj-midtjylland"],
            "traits": t,
        }
    }));
    sound(&r);
    assert_eq!(
        ids(&r),
        [
            "patient_record_approval:nordjylland",
            "region_data_extraction:nordjylland"
        ]
    );
    let mut carried = r.carried_over.clone();
    carried.sort();
    assert_eq!(
        carried,
        [
            "patient_record_approval:midtjylland",
            "record_of_processing",
            "region_data_extraction:midtjylland",
            "sds_data_access:sds"
        ]
    );
    before(
        &r,
        "patient_record_approval:nordjylland",
        "region_data_extraction:nordjylland",
    );
    // With written consent the § 46 step disappears.
    let with_consent = roadmap(serde_json::json!({
        "applicant": {"kind": "danish_university", "region": "midtjylland"},
        "datasets": ["epj-nordjylland"],
        "traits": traits(&["consent"]),
    }));
    assert!(
        !with_consent
            .steps
            .iter()
            .any(|s| s.rule == "patient_record_approval")
    );
}

#[test]
fn what_changes_if_a_trait_changes() {
    let need: Need = serde_json::from_value(serde_json::json!({
        "applicant": {"kind": "danish_university", "region": "nordjylland"},
        "datasets": ["epj-nordjylland", "lpr"],
        "traits": traits(&[]),
    }))
    .unwrap();
    let w = ork_rules::planner::what_if(catalog(), book(), &need, &Priors).unwrap();
    let consent = w
        .iter()
        .find(|x| x.trait_name == "consent")
        .expect("consent changes the roadmap");
    assert!(consent.value);
    assert_eq!(consent.removed, ["patient_record_approval:nordjylland"]);
    assert!(consent.added.is_empty());
    let base = roadmap(serde_json::json!({
        "applicant": {"kind": "danish_university", "region": "nordjylland"},
        "datasets": ["epj-nordjylland", "lpr"],
        "traits": traits(&[]),
    }));
    let with = roadmap(serde_json::json!({
        "applicant": {"kind": "danish_university", "region": "nordjylland"},
        "datasets": ["epj-nordjylland", "lpr"],
        "traits": traits(&["consent"]),
    }));
    assert_eq!(
        consent.delta_days,
        with.total_median as i64 - base.total_median as i64
    );
    assert!(consent.delta_days < 0, "consent shortens the roadmap");
    // Reusing images adds an ethics approval (which then replaces § 46).
    let images = w
        .iter()
        .find(|x| x.trait_name == "image_data_reuse")
        .unwrap();
    assert!(images.added.contains(&"ethics_approval".to_owned()));
    assert!(
        images
            .removed
            .contains(&"patient_record_approval:nordjylland".to_owned())
    );
}

#[test]
fn the_precedent_register_is_shipped_and_linked_from_roadmap_steps() {
    let b = book();
    assert!(b.precedents.len() >= 30, "{}", b.precedents.len());
    assert!(
        b.precedents.iter().all(|p| p.example),
        "shipped precedents are labelled examples"
    );
    for rule in [
        "ethics_approval",
        "patient_record_approval",
        "sds_data_access",
        "biobank_approval",
        "genome_access",
    ] {
        assert!(
            !b.precedents_for(rule, &[]).is_empty(),
            "a precedent under {rule}"
        );
    }
    let need: Need = serde_json::from_value(serde_json::json!({
        "applicant": {"kind": "danish_company", "region": "hovedstaden"},
        "datasets": ["pacs-hovedstaden", "lpr", "dlcr"],
        "traits": traits(&["image_data_reuse", "commercial_purpose"]),
    }))
    .unwrap();
    let r = plan(catalog(), b, &need, &Priors).unwrap();
    let report = ork_rules::report::RoadmapReport::new(&r, b, &[]);
    let ethics = report
        .steps
        .iter()
        .find(|s| s.id == "ethics_approval")
        .unwrap();
    assert!(!ethics.precedents.is_empty());
    assert!(ethics.precedents.len() <= 3);
    assert!(!b.search_precedents("§ 46").is_empty());
}

//! The planner on a small rulebook written here, so each rule of planning is tested on its
//! own; the shipped rulebook's scenarios are in `scenarios.rs`.

use ork_catalog::{Catalog, Files as CatalogFiles};
use ork_rules::planner::{Need, Priors, plan};
use ork_rules::rulebook::Files;
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| ork_catalog::load(&CatalogFiles::embedded(), None).unwrap())
}

fn step(id: &str, authority: &str, head: &str, applies: &str, median: u32, p90: u32) -> String {
    format!(
        r#"id = "{id}"
kind = "data_access"
authority = "{authority}"
{head}
name = {{ da = "Trin {id}", en = "Step {id}" }}
legal_basis = {{ da = "Lov", en = "Act" }}
prior = {{ median_days = {median}, p90_days = {p90}, source = {{ da = "Antagelse", en = "Assumption" }} }}

[applies]
{applies}

[why]
da = "fordi {{datasets}}"
en = "because {{datasets}}"
"#
    )
}

fn book() -> ork_rules::Rulebook {
    let mut f = Files::default();
    // The shipped agreement templates: every rulebook has one for each kind.
    f.0.extend(
        Files::embedded()
            .0
            .into_iter()
            .filter(|(k, _)| k.starts_with("agreements/")),
    );
    f.0.insert(
        "rulebook.toml".into(),
        "version = \"t.1\"\npublished = \"2026-11-23\"\n".into(),
    );
    let steps = [
        (
            "fortegnelse",
            step("fortegnelse", "own_institution", "", "always = true", 5, 10),
        ),
        (
            "ethics",
            step(
                "ethics",
                "{applicant_vek}",
                "depends_on = [\"fortegnelse\"]\nreplaces = [\"s46\"]",
                "traits_true = [\"biological_material\", \"image_data_reuse\"]",
                60,
                60,
            ),
        ),
        (
            "s46",
            step(
                "s46",
                "{region}",
                "per = \"region\"\ndepends_on = [\"fortegnelse\"]",
                "datasets = { data_types = [\"operational\"] }\ntraits_false = [\"consent\"]",
                30,
                45,
            ),
        ),
        (
            "extract",
            step(
                "extract",
                "{region}",
                "per = \"region\"\ndepends_on = [\"s46\", \"ethics\"]",
                "datasets = { data_types = [\"operational\"] }",
                20,
                40,
            ),
        ),
        (
            "sds",
            step(
                "sds",
                "sds",
                "depends_on = [\"fortegnelse\"]",
                "datasets = { controllers = [\"sds\"] }",
                62,
                90,
            ) + "\n[[blocked]]\napplicant_kinds = [\"foreign_company\"]\ntext = { da = \"nej\", en = \"no\" }\nunblock = { da = \"partner\", en = \"partner\" }\n",
        ),
    ];
    for (id, text) in steps {
        f.0.insert(format!("steps/{id}.toml"), text);
    }
    ork_rules::load(&f, catalog()).unwrap()
}

fn need(json: serde_json::Value) -> Need {
    serde_json::from_value(json).unwrap()
}

fn traits(overrides: &[(&str, bool)]) -> serde_json::Value {
    let mut t = serde_json::Map::new();
    for k in ork_rules::rulebook::TRAITS {
        t.insert(k.into(), false.into());
    }
    for (k, v) in overrides {
        t.insert((*k).into(), (*v).into());
    }
    t.into()
}

#[test]
fn steps_follow_conditions_regions_and_dependencies_with_timing() {
    let b = book();
    let n = need(serde_json::json!({
        "applicant": {"kind": "danish_company", "region": "midtjylland"},
        "datasets": ["lpr", "epj-hovedstaden", "pacs-syddanmark"],
        "traits": traits(&[]),
    }));
    let r = plan(catalog(), &b, &n, &Priors).unwrap();
    let ids: Vec<&str> = r.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "fortegnelse",
            "s46:hovedstaden",
            "s46:syddanmark",
            "extract:hovedstaden",
            "extract:syddanmark",
            "sds"
        ]
    );
    let get = |id: &str| r.steps.iter().find(|s| s.id == id).unwrap();
    assert_eq!(get("s46:hovedstaden").authority, "hovedstaden");
    assert_eq!(
        get("extract:syddanmark").depends_on,
        ["s46:syddanmark"],
        "same region only"
    );
    assert_eq!(get("extract:syddanmark").datasets, ["pacs-syddanmark"]);
    assert_eq!(get("sds").datasets, ["lpr"]);
    assert_eq!(get("extract:hovedstaden").earliest_start_day, 35);
    assert_eq!(get("extract:hovedstaden").earliest_finish_day, 55);
    assert_eq!(r.total_median, 67, "fortegnelse 5 + SDS 62");
    assert_eq!(r.critical_path, ["fortegnelse", "sds"]);
    assert_eq!(r.total_p90, 100, "10 + 90");
    assert!(
        get("sds").why.en.starts_with("Rule sds: because lpr"),
        "{:?}",
        get("sds").why
    );
    assert!(r.blockers.is_empty());
}

#[test]
fn replacements_consent_and_blockers() {
    let b = book();
    // Images reused: the ethics approval replaces § 46.
    let n = need(serde_json::json!({
        "applicant": {"kind": "danish_university", "region": "hovedstaden"},
        "datasets": ["pacs-hovedstaden"],
        "traits": traits(&[("image_data_reuse", true)]),
    }));
    let r = plan(catalog(), &b, &n, &Priors).unwrap();
    let ids: Vec<&str> = r.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["fortegnelse", "ethics", "extract:hovedstaden"]);
    assert_eq!(r.steps[1].authority, "vek-hovedstaden");
    assert_eq!(r.replaced.len(), 1);
    assert_eq!(r.replaced[0].step, "s46:hovedstaden");
    // With consent, no § 46 step either.
    let n = need(serde_json::json!({
        "applicant": {"kind": "danish_university"},
        "datasets": ["epj-nordjylland"],
        "traits": traits(&[("consent", true)]),
    }));
    let r = plan(catalog(), &b, &n, &Priors).unwrap();
    assert!(!r.steps.iter().any(|s| s.rule == "s46"));
    // A foreign company cannot take the SDS step itself.
    let n = need(serde_json::json!({
        "applicant": {"kind": "foreign_company"},
        "datasets": ["lmdb"],
        "traits": traits(&[]),
    }));
    let r = plan(catalog(), &b, &n, &Priors).unwrap();
    assert_eq!(r.blockers.len(), 1);
    assert_eq!(r.blockers[0].step, "sds");
}

#[test]
fn an_amendment_runs_only_what_the_difference_needs() {
    let b = book();
    let n = need(serde_json::json!({
        "applicant": {"kind": "danish_university", "region": "midtjylland"},
        "datasets": ["lpr", "epj-midtjylland", "epj-nordjylland"],
        "traits": traits(&[]),
        "previous": {
            "applicant": {"kind": "danish_university", "region": "midtjylland"},
            "datasets": ["lpr", "epj-midtjylland"],
            "traits": traits(&[]),
        }
    }));
    let r = plan(catalog(), &b, &n, &Priors).unwrap();
    let ids: Vec<&str> = r.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["s46:nordjylland", "extract:nordjylland"]);
    let mut carried = r.carried_over.clone();
    carried.sort();
    assert_eq!(
        carried,
        [
            "extract:midtjylland",
            "fortegnelse",
            "s46:midtjylland",
            "sds"
        ]
    );
}

#[test]
fn bad_needs_are_refused_with_what_is_wrong() {
    let b = book();
    let err = |j: serde_json::Value| plan(catalog(), &b, &need(j), &Priors).unwrap_err();
    let e = err(
        serde_json::json!({"applicant": {"kind": "danish_university"}, "datasets": ["lpr", "nosuch", "zzz"], "traits": traits(&[])}),
    );
    assert_eq!(e.code, "unknown_datasets");
    assert!(e.en.contains("nosuch, zzz"), "{}", e.en);
    let mut t = traits(&[]);
    t.as_object_mut().unwrap().remove("consent");
    t.as_object_mut().unwrap().remove("intervention");
    let e = err(
        serde_json::json!({"applicant": {"kind": "danish_university"}, "datasets": ["lpr"], "traits": t}),
    );
    assert_eq!(e.code, "missing_traits");
    assert!(
        e.en.contains("consent") && e.en.contains("intervention"),
        "{}",
        e.en
    );
    let e = err(
        serde_json::json!({"applicant": {"kind": "danish_university"}, "datasets": ["biobank"], "traits": traits(&[])}),
    );
    assert_eq!(e.code, "contradictory_traits");
    assert!(e.da.contains("biobank"), "{}", e.da);
    let e = err(
        serde_json::json!({"applicant": {"kind": "pirate"}, "datasets": ["lpr"], "traits": traits(&[])}),
    );
    assert_eq!(e.code, "unknown_applicant_kind");
}

#[test]
fn estimates_move_from_the_prior_towards_decided_cases_and_count_them() {
    use ork_rules::planner::{Durations, History, PRIOR_WEIGHT};
    let b = book();
    let sds = b.step("sds").unwrap();
    let mut h = History::default();
    let e0 = h.expected(sds);
    assert_eq!(
        (e0.median, e0.p90, e0.cases),
        (62, 90, 0),
        "the prior alone"
    );
    for _ in 0..PRIOR_WEIGHT {
        h.record("sds", 30);
    }
    let e1 = h.expected(sds);
    assert_eq!(e1.cases, PRIOR_WEIGHT);
    assert_eq!(
        e1.median, 46,
        "halfway between the prior's 62 and the cases' 30"
    );
    for _ in 0..400 {
        h.record("sds", 30);
    }
    let e2 = h.expected(sds);
    assert_eq!(e2.cases, 420);
    assert!(e2.median <= 32 && e2.median >= 30, "{e2:?}");
    // The roadmap uses the estimate and says how many cases it rests on.
    let n = need(
        serde_json::json!({"applicant": {"kind": "danish_university"}, "datasets": ["lpr"], "traits": traits(&[])}),
    );
    let r = plan(catalog(), &b, &n, &h).unwrap();
    let s = r.steps.iter().find(|s| s.id == "sds").unwrap();
    assert_eq!(s.expected.cases, 420);
    assert_eq!(s.expected.median, e2.median);
}

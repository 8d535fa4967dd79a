//! The application form (`rulebook/form.toml`): it loads with the rulebook and covers every
//! field type; each kind of mistake in it is refused with its line; its visibility,
//! validation, rules between fields and per-step delivery hold on the case-2 application.

use ork_catalog::{Catalog, Files as CatalogFiles};
use ork_rules::form::{Answer, CohortProblem, CohortRef, Context, FieldType, Form, References};
use ork_rules::rulebook::{Files, Rulebook};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| ork_catalog::load(&CatalogFiles::embedded(), None).unwrap())
}

fn book() -> &'static Rulebook {
    static B: OnceLock<Rulebook> = OnceLock::new();
    B.get_or_init(|| ork_rules::load(&Files::embedded(), catalog()).expect("loads"))
}

struct Refs;

impl References for Refs {
    fn cohort(&self, c: &CohortRef) -> Result<(), CohortProblem> {
        match c {
            CohortRef::Saved(id) if id == "c-1" => Ok(()),
            CohortRef::Saved(_) => Err(CohortProblem::Unknown),
            CohortRef::Definition(v) if v.get("population").is_some() => Ok(()),
            CohortRef::Definition(_) => Err(CohortProblem::Invalid {
                da: "mangler population".into(),
                en: "population is missing".into(),
            }),
        }
    }
    fn upload(&self, id: &str) -> bool {
        id.starts_with("u-")
    }
}

/// The case-2 company: PACS images from a region, diagnoses and DLCR.
const CASE_2_STEPS: [&str; 6] = [
    "ethics_approval",
    "record_of_processing",
    "region_data_extraction",
    "rkkp_data_access",
    "sds_data_access",
    "sds_environment_authorisation",
];

fn traits(on: &[&str]) -> BTreeMap<String, bool> {
    ork_rules::rulebook::TRAITS
        .iter()
        .map(|t| ((*t).to_owned(), on.contains(t)))
        .collect()
}

fn check(answers: &Value, steps: &[&str], on: &[&str]) -> ork_rules::form::Checked {
    let t = traits(on);
    let ctx = Context {
        steps: steps.iter().copied().collect(),
        traits: &t,
        catalog: catalog(),
        refs: &Refs,
    };
    book().form.check(answers.as_object().unwrap(), &ctx)
}

fn case_2() -> Value {
    json!({
        "project_title": "Deep learning on chest X-rays",
        "purpose": "To train and validate a model that finds lung cancer on chest X-rays earlier than today.",
        "project_period": {"from": "2027-01-01", "to": "2029-12-31"},
        "processing_basis": ["art6_1f", "art9_2j"],
        "protocol": ["u-protocol"],
        "funding": [{"source": "Own funds", "amount_dkk": 2500000}],
        "sponsor": {"name": "Demofarma A/S", "cvr": "29979812", "country": "DK"},
        "institution": {"name": "Demofarma A/S", "cvr": "29979812", "country": "DK"},
        "project_lead": [{"name": "Bo Berg", "email": "bo@demofarma.example", "role": "Lead"}],
        "contact_email": "case@demofarma.example",
        "users": [{"name": "Bo Berg", "email": "bo@demofarma.example", "role": "Analyst"}],
        "responsible_manager": [{"name": "Mia Madsen", "email": "mia@demofarma.example", "role": "CTO"}],
        "third_parties": false,
        "population": "c-1",
        "data_description": [{"id": "lpr", "variables": []}, {"id": "dlcr"}],
        "data_period": {"from": "2015-01-01", "to": "2024-12-31"},
        "extraction_description": "Everyone with a chest X-ray 2015-2024, linked to LPR and DLCR.",
        "image_description": "Chest X-rays (PACS) from the Capital Region's radiology departments.",
        "deletion_date": "2030-12-31",
    })
}

#[test]
fn the_shipped_form_loads_with_the_rulebook_and_uses_every_field_type() {
    let form = &book().form;
    let used: BTreeSet<&str> = form.fields().map(|f| f.kind.code()).collect();
    let all: BTreeSet<&str> = FieldType::ALL.iter().map(|t| t.code()).collect();
    assert_eq!(used, all);
    for s in &book().steps {
        for f in &s.form_fields {
            assert!(form.field(f).is_some(), "{}: {f}", s.id);
        }
    }
}

#[test]
fn the_case_2_application_is_complete_and_shows_only_what_applies() {
    let c = check(
        &case_2(),
        &CASE_2_STEPS,
        &["image_data_reuse", "commercial_purpose"],
    );
    assert!(c.errors.is_empty(), "{:#?}", c.errors);
    for shown in [
        "protocol",
        "funding",
        "sponsor",
        "responsible_manager",
        "image_description",
        "data_period",
    ] {
        assert!(c.visible.contains(shown), "{shown}");
    }
    for hidden in [
        "analysis_plan",
        "sample_description",
        "data_processors",
        "transfer_safeguards",
        "consent_form",
        "participant_count",
    ] {
        assert!(!c.visible.contains(hidden), "{hidden}");
    }
    assert_eq!(c.answers.len(), c.kept.len());
    assert_eq!(c.answers["deletion_date"].to_json(), json!("2030-12-31"));
    assert_eq!(c.answers["sponsor"].to_json(), case_2()["sponsor"]);
}

#[test]
fn a_condition_on_an_earlier_answer_shows_and_hides_a_field_and_a_hidden_answer_is_not_kept() {
    let mut a = case_2();
    a["data_processors"] = json!([{"name": "Example CRO", "country": "DE", "role": "processor", "signatory": "dpo@cro.example"}]);
    let steps = &CASE_2_STEPS;
    let on = ["image_data_reuse", "commercial_purpose"];
    let hidden = check(&a, steps, &on);
    assert!(!hidden.visible.contains("data_processors"));
    assert!(!hidden.kept.contains_key("data_processors"));
    a["third_parties"] = json!(true);
    let shown = check(&a, steps, &on);
    assert!(shown.visible.contains("data_processors"));
    assert!(
        shown.kept.contains_key("data_processors"),
        "{:?}",
        shown.errors
    );
    assert!(shown.errors.is_empty(), "{:?}", shown.errors);
    // Shown and required: without it, the error names it.
    a.as_object_mut().unwrap().remove("data_processors");
    let missing = check(&a, steps, &on);
    assert_eq!(missing.errors.len(), 1);
    assert_eq!(
        (
            missing.errors[0].field.as_str(),
            missing.errors[0].code.as_str()
        ),
        ("data_processors", "required")
    );
    assert_eq!(
        missing.errors[0].message(ork_domain::Lang::Da),
        "Skal udfyldes."
    );
}

#[test]
fn the_roadmap_and_the_traits_decide_what_is_shown() {
    let none = check(&json!({}), &["record_of_processing"], &[]);
    assert!(!none.visible.contains("protocol"));
    assert!(!none.visible.contains("responsible_manager"));
    let genome = check(&json!({}), &["genome_access"], &["genome_data_reuse"]);
    for f in ["protocol", "analysis_plan", "secondary_findings_plan"] {
        assert!(genome.visible.contains(f), "{f}");
    }
    let consent = check(&json!({}), &[], &["consent", "contact_with_participants"]);
    assert!(consent.visible.contains("consent_form"));
    let no_contact = check(&json!({}), &[], &["consent"]);
    assert!(!no_contact.visible.contains("consent_form"));
}

fn errors_of(patch: Value) -> Vec<(String, Option<String>, String, String)> {
    let mut a = case_2();
    for (k, v) in patch.as_object().unwrap() {
        a[k] = v.clone();
    }
    check(
        &a,
        &CASE_2_STEPS,
        &["image_data_reuse", "commercial_purpose"],
    )
    .errors
    .into_iter()
    .map(|e| (e.field, e.at, e.code, e.en))
    .collect()
}

#[test]
fn each_answer_is_checked_by_its_type_with_a_message_in_both_languages() {
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"project_title": "Abc"}),
            "project_title",
            "too_short",
        ),
        (json!({"project_title": 7}), "project_title", "wrong_type"),
        (
            json!({"project_period": {"from": "2029-01-01", "to": "2027-01-01"}}),
            "project_period",
            "period_order",
        ),
        (
            json!({"project_period": {"from": "2027-01-01", "to": "2040-01-01"}}),
            "project_period",
            "period_too_long",
        ),
        (
            json!({"deletion_date": "31-12-2030"}),
            "deletion_date",
            "invalid_date",
        ),
        (
            json!({"deletion_date": "2030-02-30"}),
            "deletion_date",
            "invalid_date",
        ),
        (
            json!({"processing_basis": ["art6_1f", "art6_1f"]}),
            "processing_basis",
            "repeated",
        ),
        (
            json!({"processing_basis": ["whim"]}),
            "processing_basis",
            "not_an_option",
        ),
        (
            json!({"contact_email": "not an address"}),
            "contact_email",
            "invalid_email",
        ),
        (
            json!({"sponsor": {"name": "X", "cvr": "12345678", "country": "DK"}}),
            "sponsor",
            "invalid_cvr",
        ),
        (
            json!({"sponsor": {"name": "X", "country": "Denmark"}}),
            "sponsor",
            "part_length",
        ),
        (
            json!({"sponsor": {"name": "X", "country": "dk"}}),
            "sponsor",
            "invalid_country",
        ),
        (json!({"project_lead": []}), "project_lead", "required"),
        (
            json!({"project_lead": [{"name": "A", "email": "a@b.dk", "role": "x"}, {"name": "B", "email": "b@b.dk", "role": "y"}]}),
            "project_lead",
            "too_many",
        ),
        (
            json!({"project_lead": [{"name": "A", "email": "nope", "role": "x"}]}),
            "project_lead",
            "invalid_email",
        ),
        (
            json!({"population": "c-404"}),
            "population",
            "unknown_cohort",
        ),
        (
            json!({"population": {"criteria": []}}),
            "population",
            "invalid_cohort",
        ),
        (
            json!({"data_description": [{"id": "nosuch"}]}),
            "data_description",
            "unknown_dataset",
        ),
        (
            json!({"data_description": [{"id": "lpr", "variables": ["nosuch.column"]}]}),
            "data_description",
            "unknown_variable",
        ),
        (
            json!({"protocol": ["someone-elses"]}),
            "protocol",
            "unknown_upload",
        ),
        (
            json!({"internal_reference": "<script>"}),
            "internal_reference",
            "pattern",
        ),
        (
            json!({"funding": [{"source": "X", "amount_dkk": -1}]}),
            "funding",
            "below_min",
        ),
        (json!({"funding": [{"source": "X"}]}), "funding", "required"),
        (
            json!({"funding": [{"source": "X", "amount_dkk": 1, "colour": "red"}]}),
            "funding",
            "unknown_column",
        ),
        (
            json!({"deletion_date": "2029-06-30"}),
            "deletion_date",
            "deletion_after_project",
        ),
        (
            json!({"data_period": {"from": "2015-01-01", "to": "2031-01-01"}}),
            "data_period.to",
            "data_period_within_project",
        ),
    ];
    for (patch, field, code) in cases {
        let errors = errors_of(patch.clone());
        let field = field.split('.').next().unwrap();
        assert!(
            errors.iter().any(|e| e.0 == field && e.2 == code),
            "{patch} gave {errors:?}, not {field}/{code}"
        );
        assert_eq!(errors.len(), 1, "{patch}: {errors:?}");
    }
    let row = errors_of(
        json!({"funding": [{"source": "X", "amount_dkk": 1}, {"source": "Y", "amount_dkk": -5}]}),
    );
    assert_eq!(row[0].1.as_deref(), Some("2.amount_dkk"));
    assert_eq!(row[0].3, "Row 2, Amount (DKK): At least 0.");
    let pattern = errors_of(json!({"internal_reference": "<b>"}));
    assert_eq!(pattern[0].3, "Only letters, digits, spaces and . / _ -.");
    let cohort = errors_of(json!({"population": {"criteria": []}}));
    assert_eq!(
        cohort[0].3,
        "The cohort definition is not valid: population is missing"
    );
}

#[test]
fn a_cvr_number_has_a_valid_check_digit() {
    use ork_rules::form::valid_cvr;
    assert!(valid_cvr("29979812")); // Københavns Universitet
    assert!(!valid_cvr("29979813"));
    assert!(!valid_cvr("2997981"));
    assert!(!valid_cvr("2997981a"));
}

#[test]
fn answers_to_fields_the_form_does_not_have_are_named() {
    let a = json!({"project_title": "x", "favourite_colour": "red", "zz": 1});
    let unknown = book().form.unknown(a.as_object().unwrap()).unwrap();
    assert_eq!(unknown.0, ["favourite_colour", "zz"]);
    assert!(book().form.unknown(case_2().as_object().unwrap()).is_none());
}

proptest! {
    /// Data minimisation: for every step of the rulebook and any subset of a complete
    /// application's answers, what the step's authority receives is exactly the answers its
    /// rule names.
    #[test]
    fn each_authority_receives_exactly_the_fields_its_rule_names(keep in proptest::collection::vec(any::<bool>(), 32)) {
        let full = check(&case_2(), &CASE_2_STEPS, &["image_data_reuse", "commercial_purpose"]).answers;
        let answers: BTreeMap<String, Answer> = full
            .into_iter()
            .zip(keep.iter().cycle())
            .filter(|(_, k)| **k)
            .map(|(a, _)| a)
            .collect();
        for step in &book().steps {
            let got = Form::deliver(step, &answers);
            let want: BTreeSet<&String> = answers.keys().filter(|k| step.form_fields.contains(k)).collect();
            prop_assert_eq!(got.keys().collect::<BTreeSet<_>>(), want);
            for (k, v) in &got {
                prop_assert_eq!(v, &answers[k]);
            }
        }
    }
}

fn form_error(text: &str) -> String {
    let steps = ["ethics_approval".to_owned()].into_iter().collect();
    ork_rules::form::load(text, &steps).unwrap_err().join("\n")
}

const FIELD: &str = r#"
[[section]]
id = "s"
title = { da = "S", en = "S" }

[[section.field]]
id = "a"
type = "yes_no"
label = { da = "A", en = "A" }
help = { da = "A", en = "A" }
"#;

#[test]
fn mistakes_in_the_form_are_named_with_their_line() {
    let field = |extra: &str| {
        format!(
            "{FIELD}\n[[section.field]]\nid = \"b\"\n{extra}\nlabel = {{ da = \"B\", en = \"B\" }}\nhelp = {{ da = \"B\", en = \"B\" }}\n"
        )
    };
    let cases = [
        (
            field("type = \"colour\""),
            "form.toml:14: type \"colour\" is not one of text",
        ),
        (
            field("type = \"text\"\nvisible = { field = \"c\", answered = true }"),
            "form.toml:15: a condition can only name an earlier field; \"c\"",
        ),
        (
            field("type = \"text\"\nvisible = { step = \"astrology\" }"),
            "form.toml:15: step \"astrology\" is not a step",
        ),
        (
            field("type = \"text\"\nvisible = { trait = \"left_handed\" }"),
            "trait \"left_handed\" is not one of",
        ),
        (
            field("type = \"text\"\nvisible = { field = \"a\", equals = \"yes\" }"),
            "equals \"yes\" does not fit the yes_no field \"a\"",
        ),
        (
            field("type = \"text\"\npattern = \"[a-z\"\npattern_hint = { da = \"x\", en = \"x\" }"),
            "form.toml:15: the pattern does not compile",
        ),
        (
            field("type = \"text\"\npattern = \"^a$\""),
            "a pattern needs a pattern_hint",
        ),
        (
            field("type = \"number\"\nmin = 5\nmax = 1"),
            "min 5 is above max 1",
        ),
        (
            field("type = \"date\"\nmax = 1"),
            "a date takes no min or max",
        ),
        (field("type = \"choice\""), "a choice needs options"),
        (
            field("type = \"text\"\noptions = [{ value = \"x\", da = \"X\", en = \"X\" }]"),
            "a text has no options",
        ),
        (field("type = \"table\""), "a table needs columns"),
        (
            field(
                "type = \"table\"\ncolumns = [{ id = \"p\", type = \"persons\", da = \"P\", en = \"P\" }]",
            ),
            "a table's column cannot be a persons",
        ),
        (field("type = \"yes_no\"\nid2 = 1"), "unknown field `id2`"),
        (
            FIELD.replace("id = \"a\"", "id = \"A\""),
            "form.toml:7: field id \"A\" is not a new snake_case id",
        ),
        (
            format!(
                "{FIELD}\n[[rule]]\nid = \"r\"\nfield = \"a\"\ncheck = \"not_before\"\nthan = \"a\"\nda = \"x\"\nen = \"x\"\n"
            ),
            "\"a\" is neither a date field nor a period's .from/.to",
        ),
    ];
    for (text, want) in cases {
        let err = form_error(&text);
        assert!(err.contains(want), "{want}\n---\n{err}");
    }
}

#[test]
fn a_step_naming_a_field_the_form_lacks_is_refused_with_its_file_and_line() {
    let mut files = Files::embedded();
    let step = files.0.get_mut("steps/dpa_permission.toml").unwrap();
    *step = step.replace("\"publication_plan\"", "\"horoscope\"");
    let err = ork_rules::load(&files, catalog()).unwrap_err().to_string();
    assert!(
        err.contains("steps/dpa_permission.toml:6: form field \"horoscope\" is not in form.toml"),
        "{err}"
    );
}

#[test]
fn an_answer_of_the_wrong_shape_is_named_and_one_of_the_right_shape_fits() {
    let form = &book().form;
    assert!(form.misshapen(case_2().as_object().unwrap()).is_empty());
    let bad = json!({
        "project_title": 5,
        "purpose": "the right shape, if short",
        "funding": [{"source": "x", "colour": "red"}],
        "institution": {"name": "x", "country": "DK", "cvr": 7},
        "project_period": {"from": "2027-01-01"},
        "project_lead": [{"name": "A", "email": "a@b.dk"}],
        "population": 3,
        "data_description": [{"id": "lpr", "variables": [1]}],
        "deletion_date": null,
    });
    assert_eq!(
        form.misshapen(bad.as_object().unwrap()),
        [
            "data_description",
            "funding",
            "institution",
            "population",
            "project_lead",
            "project_period",
            "project_title"
        ]
    );
    // What fits is read without a shape error, and the schema says the same of each field.
    for f in form.fields() {
        let schema = ork_rules::form::schema(f);
        assert_eq!(schema["anyOf"][0], json!({"type": "null"}), "{}", f.id);
        if let Some(v) = case_2().get(&f.id) {
            assert!(ork_rules::form::fits(f, v), "{}", f.id);
        }
    }
    let answers = form.answers_schema();
    assert_eq!(answers["additionalProperties"], json!(false));
    assert_eq!(
        answers["properties"]["funding"]["anyOf"][1]["items"]["properties"]["amount_dkk"],
        json!({"type": "number"})
    );
}

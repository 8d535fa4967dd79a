use ork_catalog::{Catalog, Files as CatalogFiles};
use ork_rules::rulebook::Files;
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| ork_catalog::load(&CatalogFiles::embedded(), None).unwrap())
}

const BOOK: &str = r#"version = "test.1"
published = "2026-11-23"

[[assessment]]
id = "societal_importance"
decided_by = "ethics_approval"
da = "Væsentlig samfundsmæssig betydning"
en = "Significant societal importance"
"#;

/// A minimal step file; `extra` is inserted before `[applies]`, `applies` replaces its body.
fn step(id: &str, extra: &str, applies: &str) -> String {
    format!(
        r#"id = "{id}"
kind = "data_access"
authority = "sds"
name = {{ da = "Trin", en = "Step" }}
legal_basis = {{ da = "Lov", en = "Act", law = "sundhedsloven" }}
prior = {{ median_days = 30, p90_days = 60, source = {{ da = "Antagelse", en = "Assumption" }} }}
{extra}
[applies]
{applies}

[why]
da = "Fordi"
en = "Because"
"#
    )
}

fn files(steps: &[(&str, String)]) -> Files {
    let mut f = Files::default();
    // The shipped agreement templates: every rulebook has one for each kind.
    f.0.extend(
        Files::embedded()
            .0
            .into_iter()
            .filter(|(k, _)| k.starts_with("agreements/")),
    );
    f.0.insert("rulebook.toml".into(), BOOK.into());
    for (id, text) in steps {
        f.0.insert(format!("steps/{id}.toml"), text.clone());
    }
    f
}

fn error_of(steps: &[(&str, String)]) -> String {
    ork_rules::load(&files(steps), catalog())
        .unwrap_err()
        .to_string()
}

#[test]
fn a_sound_rulebook_loads_in_dependency_order() {
    let f = files(&[
        (
            "b",
            step(
                "b",
                "depends_on = [\"a\"]",
                "datasets = { controllers = [\"sds\"] }",
            ),
        ),
        ("a", step("a", "", "always = true")),
        (
            "c",
            step(
                "c",
                "depends_on = [\"b\", \"a\"]",
                "traits_true = [\"biological_material\"]",
            ),
        ),
    ]);
    let book = ork_rules::load(&f, catalog()).unwrap();
    let ids: Vec<&str> = book.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(book.version, "test.1");
}

#[test]
fn unknown_authorities_datasets_and_ids_are_named_with_file_and_line() {
    let bad_authority =
        step("x", "", "always = true").replace("authority = \"sds\"", "authority = \"nobody\"");
    let err = error_of(&[("x", bad_authority)]);
    assert!(
        err.contains("steps/x.toml:3: authority \"nobody\""),
        "{err}"
    );

    let err = error_of(&[(
        "x",
        step("x", "", "datasets = { ids = [\"lpr\", \"nosuch\"] }"),
    )]);
    assert!(
        err.contains("steps/x.toml:9: dataset \"nosuch\" is not in the catalog"),
        "{err}"
    );

    let err = error_of(&[("x", step("x", "depends_on = [\"ghost\"]", "always = true"))]);
    assert!(
        err.contains("steps/x.toml:7: depends_on \"ghost\" is not a step"),
        "{err}"
    );

    let err = error_of(&[(
        "x",
        step("x", "assessments = [\"astrology\"]", "always = true"),
    )]);
    assert!(err.contains("assessment \"astrology\""), "{err}");

    let err = error_of(&[("x", step("x", "", "traits_true = [\"left_handed\"]"))]);
    assert!(err.contains("trait \"left_handed\""), "{err}");

    let err = error_of(&[("x", step("x", "", "applicant_kinds = [\"pirate\"]"))]);
    assert!(err.contains("applicant kind \"pirate\""), "{err}");

    let err = error_of(&[("y", step("x", "", "always = true"))]);
    assert!(
        err.contains("steps/y.toml:1: id \"x\" differs from the file name"),
        "{err}"
    );

    let bad_kind =
        step("x", "", "always = true").replace("kind = \"data_access\"", "kind = \"coffee\"");
    assert!(error_of(&[("x", bad_kind)]).contains("steps/x.toml:2: kind \"coffee\""));
}

#[test]
fn cycles_are_refused() {
    let err = error_of(&[
        ("a", step("a", "depends_on = [\"c\"]", "always = true")),
        ("b", step("b", "depends_on = [\"a\"]", "always = true")),
        ("c", step("c", "depends_on = [\"b\"]", "always = true")),
    ]);
    assert!(
        err.contains("depends_on forms a cycle: a → c → b → a"),
        "{err}"
    );
    let err = error_of(&[("a", step("a", "depends_on = [\"a\"]", "always = true"))]);
    assert!(err.contains("names the step itself"), "{err}");
}

#[test]
fn steps_that_can_never_apply_and_conflicting_conditions_are_refused() {
    let err = error_of(&[("x", step("x", "", ""))]);
    assert!(
        err.contains("no condition: the step can never apply"),
        "{err}"
    );
    let err = error_of(&[(
        "x",
        step(
            "x",
            "",
            "datasets = { controllers = [\"sds\"], data_types = [\"wet\"] }",
        ),
    )]);
    assert!(err.contains("no dataset in the catalog matches"), "{err}");
    let err = error_of(&[(
        "x",
        step(
            "x",
            "",
            "traits_true = [\"consent\"]\ntraits_false = [\"consent\"]",
        ),
    )]);
    assert!(
        err.contains("steps/x.toml:10: conflicting conditions: trait \"consent\""),
        "{err}"
    );
    let err = error_of(&[(
        "x",
        step("x", "", "always = true\ntraits_true = [\"consent\"]"),
    )]);
    assert!(
        err.contains("`always = true` with other conditions"),
        "{err}"
    );
    let per = step("x", "per = \"region\"", "always = true")
        .replace("authority = \"sds\"", "authority = \"{region}\"");
    assert!(error_of(&[("x", per)]).contains("needs `applies.datasets`"));
}

#[test]
fn broken_toml_names_file_and_line() {
    let err = error_of(&[("x", "id = \"x\"\nkind = \n".into())]);
    assert!(
        err.contains("steps/x.toml:") && err.contains("line 2"),
        "{err}"
    );
    let err = error_of(&[("x", step("x", "colour = \"red\"", "always = true"))]);
    assert!(err.contains("unknown field `colour`"), "{err}");
}

#[test]
fn precedents_are_checked_and_searchable() {
    let precedent = |id: &str, rule: &str, authority: &str, outcome: &str, datasets: &str| {
        format!(
            r#"id = "{id}"
rule = "{rule}"
authority = "{authority}"
decided = "2025-03-14"
outcome = "{outcome}"
example = true
applicant_kind = "danish_university"
datasets = [{datasets}]
summary = {{ da = "Et registerstudie af hjertesvigt", en = "A register study of heart failure" }}
reasons = {{ da = "Inden for formålet", en = "Within the purpose" }}
"#
        )
    };
    let mut f = files(&[("a", step("a", "", "always = true"))]);
    f.0.insert(
        "precedents/p-1.toml".into(),
        precedent("p-1", "a", "sds", "approved", "\"lpr\""),
    );
    f.0.insert(
        "precedents/p-2.toml".into(),
        precedent("p-2", "a", "dst", "rejected", "\"lmdb\", \"lpr\""),
    );
    let book = ork_rules::load(&f, catalog()).unwrap();
    assert_eq!(book.precedents.len(), 2);
    let linked = book.precedents_for("a", &["lmdb".to_owned()]);
    assert_eq!(linked[0].id, "p-2", "the one sharing datasets first");
    assert_eq!(book.search_precedents("HJERTESVIGT within").len(), 2);
    assert!(book.search_precedents("cancer").is_empty());
    f.0.insert(
        "precedents/p-3.toml".into(),
        precedent("p-3", "ghost", "nobody", "maybe", "\"nosuch\""),
    );
    let err = ork_rules::load(&f, catalog()).unwrap_err().to_string();
    for needle in [
        "precedents/p-3.toml:2: rule \"ghost\"",
        "precedents/p-3.toml:3: authority \"nobody\"",
        "outcome \"maybe\"",
        "dataset \"nosuch\"",
    ] {
        assert!(err.contains(needle), "{needle} in {err}");
    }
}

#[test]
fn agreement_templates_are_checked_at_load() {
    let mut f = files(&[]);
    f.0.insert(
        "agreements/dpa.md".into(),
        "# DPA\n\nBetween {{controller}} and {{horoscope}}.\n".into(),
    );
    f.0.remove("agreements/transfer.md");
    let e = ork_rules::load(&f, catalog()).unwrap_err().to_string();
    assert!(
        e.contains("agreements/dpa.md:3: unknown placeholder horoscope"),
        "{e}"
    );
    assert!(e.contains("agreements/transfer.md: missing"), "{e}");
}

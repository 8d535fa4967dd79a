use crate::{catalog, manifest};
use ork_catalog::load::REGIONS;
use ork_catalog::{DataType, Files, load};

#[test]
fn the_shipped_catalog_maps_the_whole_landscape() {
    let c = catalog();
    assert!(c.sources.len() >= 40, "{} sources", c.sources.len());
    for id in [
        "cpr",
        "bef",
        "ind",
        "udda",
        "lpr",
        "lmdb",
        "dodsaarsager",
        "cancer",
        "dlcr",
        "biobank",
        "genom",
        "var",
    ] {
        let s = c.source(id).unwrap_or_else(|| panic!("source {id}"));
        assert!(s.is_synthetic(), "{id} is generated here");
        assert!(s.coverage.records.unwrap_or(0) > 0, "{id} has rows");
    }
    for region in REGIONS {
        for kind in ["epj", "pacs", "lab"] {
            let id = format!("{kind}-{region}");
            let s = c.source(&id).unwrap_or_else(|| panic!("source {id}"));
            assert_eq!(s.controller, region, "{id} is the region's");
            assert_eq!(s.data_type, DataType::Operational, "{id}");
        }
    }
    // Every data type and every controller is on the map; every source is documented in
    // both languages and names who approves access.
    for t in DataType::ALL {
        assert!(c.sources.iter().any(|s| s.data_type == t), "{t:?}");
    }
    for ctl in &c.controllers {
        assert!(
            c.sources.iter().any(|s| s.controller == ctl.id),
            "{} has sources",
            ctl.id
        );
    }
    for s in &c.sources {
        assert!(
            !s.summary.da.is_empty() && !s.summary.en.is_empty(),
            "{}",
            s.id
        );
        assert!(
            !s.access.approvers.is_empty(),
            "{} names its approvers",
            s.id
        );
        assert!(!s.tables.is_empty(), "{} describes its tables", s.id);
        for t in &s.tables {
            for v in &t.variables {
                assert!(
                    !v.label.da.is_empty()
                        && !v.label.en.is_empty()
                        && !v.description.da.is_empty()
                        && !v.description.en.is_empty(),
                    "{}.{}.{} is documented in both languages",
                    s.id,
                    t.name,
                    v.name
                );
            }
        }
    }
}

#[test]
fn synthetic_sources_carry_the_generators_row_counts() {
    let c = catalog();
    let m = manifest();
    let rows = |t: &str| m.tables.iter().find(|x| x.name == t).unwrap().rows;
    assert_eq!(
        c.source("lmdb").unwrap().coverage.records,
        Some(rows("lmdb"))
    );
    assert_eq!(c.source("cpr").unwrap().coverage.records, Some(rows("cpr")));
    // LPR's records are its contacts, LPR2 and LPR3 together.
    let lpr = c.source("lpr").unwrap();
    assert_eq!(
        lpr.coverage.records,
        Some(rows("lpr_adm") + rows("lpr_a_kontakt"))
    );
    assert_eq!(lpr.tables.iter().filter(|t| t.rows.is_some()).count(), 6);
    let by_year: u64 = lpr.coverage.records_by_year.values().sum();
    assert_eq!(Some(by_year), lpr.coverage.records, "the chart adds up");
    assert_eq!(
        lpr.coverage.records_by_year.len(),
        10,
        "one bar per year 2015-2024"
    );
    // Unique persons: fewer than records, and no more than ever lived in the run.
    let persons = rows("cpr");
    for id in ["lpr", "lmdb", "bef", "cancer"] {
        let u = c.source(id).unwrap().coverage.unique_persons.unwrap();
        assert!(u > 0 && u <= persons, "{id}: {u} of {persons}");
    }
    assert_eq!(
        c.source("cpr").unwrap().coverage.unique_persons,
        Some(persons)
    );
    // The regions' lab and image sources split the regional tables between them.
    for (kind, table) in [("lab", "lab"), ("pacs", "pacs")] {
        let sum: u64 = REGIONS
            .iter()
            .map(|r| {
                c.source(&format!("{kind}-{r}"))
                    .unwrap()
                    .coverage
                    .records
                    .unwrap()
            })
            .sum();
        assert_eq!(sum, rows(table), "{kind}");
        let hovedstaden = c.source(&format!("{kind}-hovedstaden")).unwrap();
        assert!(hovedstaden.coverage.records.unwrap() > 0);
        assert!(!hovedstaden.coverage.records_by_year.is_empty());
    }
    // Variables come from the manifest, in both languages.
    let adiag = lpr
        .tables
        .iter()
        .flat_map(|t| &t.variables)
        .find(|v| v.name == "c_adiag")
        .expect("c_adiag");
    assert!(
        adiag
            .description
            .da
            .to_lowercase()
            .contains("aktionsdiagnose"),
        "{:?}",
        adiag.description
    );
}

#[test]
fn without_the_manifest_synthetic_sources_have_no_counts() {
    let c = load(&Files::embedded(), None).unwrap();
    assert!(!c.manifest_loaded);
    let lmdb = c.source("lmdb").unwrap();
    assert_eq!(lmdb.coverage.records, None);
    // The variables are known from the generator's schema all the same.
    assert!(lmdb.tables[0].variables.iter().any(|v| v.name == "eksd"));
    assert_eq!(lmdb.tables[0].rows, None);
}

#[test]
fn broken_content_is_refused_naming_every_problem() {
    let mut files = Files::embedded();
    let lpr = files.0["sources/lpr.toml"].clone();
    files.0.insert(
        "sources/lpr.toml".into(),
        lpr.replace("controller = \"sds\"", "controller = \"nobody\"")
            .replace("data_type = \"register\"", "data_type = \"spreadsheet\""),
    );
    files
        .0
        .insert("sources/Bad Name.toml".into(), "id = 1".into());
    files.0.insert("docs/nothing.da.md".into(), "# x".into());
    let dlcr = files.0["sources/dlcr.toml"].clone();
    files.0.insert(
        "sources/dlcr.toml".into(),
        dlcr.replacen("id = \"dlcr\"", "id = \"lungecancer\"", 1),
    );
    let err = load(&files, None).unwrap_err().to_string();
    for needle in [
        "sources/lpr.toml: controller \"nobody\"",
        "sources/lpr.toml: data_type \"spreadsheet\"",
        "sources/Bad Name.toml",
        "docs/nothing.da.md: no source",
        "sources/dlcr.toml: id \"lungecancer\" differs from the file name",
    ] {
        assert!(err.contains(needle), "{needle} in:\n{err}");
    }
}

#[test]
fn a_missing_language_is_refused() {
    let mut files = Files::embedded();
    let s = files.0["sources/bef.toml"].clone();
    let start = s.find("[summary]").unwrap();
    let da_line = s[start..].find("\nda = ").unwrap() + start + 1;
    let end = s[da_line..].find('\n').unwrap() + da_line;
    let broken = format!("{}da = \"\"{}", &s[..da_line], &s[end..]);
    files.0.insert("sources/bef.toml".into(), broken);
    let err = load(&files, None).unwrap_err().to_string();
    assert!(
        err.contains("sources/bef.toml: summary needs both Danish and English"),
        "{err}"
    );
}

#[test]
fn unknown_ids_get_suggestions() {
    let c = catalog();
    assert_eq!(c.suggest("lrp").first(), Some(&"lpr"));
    assert!(c.suggest("dclr").contains(&"dlcr"));
    assert!(c.suggest("epj-hovedstad").contains(&"epj-hovedstaden"));
    assert!(c.suggest("zzzzzzzzzzzz").is_empty());
}

#[test]
fn shipped_documentation_is_safe_markdown() {
    let c = catalog();
    let mut pages = 0;
    for s in &c.sources {
        for text in [&s.docs.da, &s.docs.en] {
            if !text.is_empty() {
                ork_catalog::markdown::check(text).unwrap_or_else(|e| panic!("{}: {e}", s.id));
                pages += 1;
            }
        }
    }
    assert!(pages >= 12, "{pages} pages");
}

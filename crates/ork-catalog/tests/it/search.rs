use crate::catalog;
use ork_catalog::load::REGIONS;
use ork_catalog::search::{MAX_QUERY_CHARS, Query, SearchError, SearchIndex};
use ork_catalog::{Catalog, DataType, Files, load};
use ork_domain::Lang;
use std::collections::HashMap;
use std::sync::OnceLock;

fn index() -> &'static SearchIndex {
    static IX: OnceLock<SearchIndex> = OnceLock::new();
    IX.get_or_init(|| SearchIndex::build(catalog(), &HashMap::new()).expect("the index builds"))
}

fn q(text: &str) -> Query {
    Query {
        q: text.into(),
        limit: 20,
        ..Default::default()
    }
}

/// The ids of the matching sources, best first.
fn sources(c: &Catalog, ix: &SearchIndex, query: &Query, lang: Lang) -> Vec<String> {
    ix.search(c, query, lang)
        .expect("the search runs")
        .sources
        .iter()
        .map(|&i| c.sources[i].id.clone())
        .collect()
}

fn top(text: &str, lang: Lang, n: usize) -> Vec<String> {
    let mut v = sources(catalog(), index(), &q(text), lang);
    v.truncate(n);
    v
}

#[test]
fn english_and_danish_queries_find_the_right_registers() {
    assert!(
        top("lung cancer", Lang::En, 3).contains(&"dlcr".to_owned()),
        "{:?}",
        top("lung cancer", Lang::En, 5)
    );
    assert!(
        top("lungekræft", Lang::Da, 3).contains(&"dlcr".to_owned()),
        "{:?}",
        top("lungekræft", Lang::Da, 5)
    );
    assert_eq!(top("landspatientregisteret", Lang::Da, 1), ["lpr"]);
    assert!(
        top("prescriptions pharmacy", Lang::En, 3).contains(&"lmdb".to_owned()),
        "{:?}",
        top("prescriptions pharmacy", Lang::En, 5)
    );
    assert!(
        top("dødsårsager", Lang::Da, 2).contains(&"dodsaarsager".to_owned()),
        "{:?}",
        top("dødsårsager", Lang::Da, 5)
    );
    assert!(
        top("genome sequencing", Lang::En, 3).contains(&"genom".to_owned()),
        "{:?}",
        top("genome sequencing", Lang::En, 5)
    );
    // Danish letters typed as ASCII still match.
    assert!(
        top("lungekraeft", Lang::Da, 3).contains(&"dlcr".to_owned()),
        "{:?}",
        top("lungekraeft", Lang::Da, 5)
    );
}

#[test]
fn one_typo_is_tolerated() {
    for (typo, want) in [
        ("diabtes", "dansk-voksen-diabetes-database"),
        ("landspatientregistret", "lpr"),
        ("lægemiddelstatistik", "lmdb"),
        ("lægemidelstatistik", "lmdb"),
        ("biobnk", "biobank"),
    ] {
        let found = top(typo, Lang::Da, 5);
        assert!(found.contains(&want.to_owned()), "{typo} → {found:?}");
    }
}

#[test]
fn variables_are_found_by_name_label_and_code() {
    let c = catalog();
    let var_hits = |text: &str, lang: Lang| -> Vec<(String, String)> {
        index()
            .search(c, &q(text), lang)
            .unwrap()
            .hits
            .iter()
            .filter_map(|h| {
                let s = &c.sources[h.source];
                let v = &s.tables[h.table?].variables[h.variable?];
                Some((s.id.clone(), v.name.clone()))
            })
            .collect()
    };
    let hits = var_hits("aktionsdiagnose", Lang::Da);
    assert!(
        hits.iter().any(|(s, v)| s == "lpr" && v == "c_adiag"),
        "{hits:?}"
    );
    let hits = var_hits("dispensing date", Lang::En);
    assert!(
        hits.iter().any(|(s, v)| s == "lmdb" && v == "eksd"),
        "{hits:?}"
    );
    let hits = var_hits("HbA1c", Lang::En);
    assert!(!hits.is_empty(), "HbA1c is a variable somewhere");
    let hits = var_hits("c_adiag", Lang::En);
    assert_eq!(
        hits.first().map(|h| h.1.as_str()),
        Some("c_adiag"),
        "{hits:?}"
    );
}

/// Danish compounds: a word finds longer words that begin with it, on a catalog where
/// the longer word is the only match.
#[test]
fn danish_compounds_are_found_by_their_first_part() {
    let mut files = Files::embedded();
    let mut s = files.0["sources/tvillingregisteret.toml"].clone();
    s = s.replacen("id = \"tvillingregisteret\"", "id = \"kohorte-x\"", 1);
    let start = s.find("[summary]").unwrap();
    let end = s[start..].find("\n[").unwrap() + start;
    s = format!(
        "{}[summary]\nda = \"En kohorte af lungekræftpatienter fulgt over tid.\"\nen = \"A cohort followed over time.\"\n{}",
        &s[..start],
        &s[end..]
    );
    files.0.insert("sources/kohorte-x.toml".into(), s);
    let c = load(&files, None).unwrap();
    let ix = SearchIndex::build(&c, &HashMap::new()).unwrap();
    let found = sources(&c, &ix, &q("lungekræft"), Lang::Da);
    assert!(found.contains(&"kohorte-x".to_owned()), "{found:?}");
}

#[test]
fn facets_filter_and_count() {
    let c = catalog();
    let ix = index();
    let all = ix.search(c, &q(""), Lang::Da).unwrap();
    assert_eq!(
        all.sources.len(),
        c.sources.len(),
        "an empty query browses everything"
    );
    let names: Vec<&str> = all
        .sources
        .iter()
        .map(|&i| c.sources[i].name.da.as_str())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "browsing is by name");
    let total: u64 = all.facets.data_types.iter().map(|(_, n)| n).sum();
    assert_eq!(total as usize, c.sources.len());

    let rkkp = Query {
        controllers: vec!["rkkp".into()],
        ..q("")
    };
    let found = sources(c, ix, &rkkp, Lang::Da);
    assert!(
        found.len() >= 5 && found.contains(&"dlcr".to_owned()),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .all(|id| c.source(id).unwrap().controller == "rkkp")
    );

    let operational = Query {
        data_types: vec![DataType::Operational],
        ..q("")
    };
    let found = sources(c, ix, &operational, Lang::Da);
    for region in REGIONS {
        for kind in ["epj", "pacs", "lab"] {
            assert!(
                found.contains(&format!("{kind}-{region}")),
                "{kind}-{region} in {found:?}"
            );
        }
    }
    assert!(
        found
            .iter()
            .all(|id| c.source(id).unwrap().data_type == DataType::Operational)
    );

    let cancer_topic = Query {
        topics: vec!["cancer".into()],
        ..q("")
    };
    let found = sources(c, ix, &cancer_topic, Lang::Da);
    assert!(
        found.contains(&"cancer".to_owned()) && found.contains(&"dlcr".to_owned()),
        "{found:?}"
    );

    // Coverage reaching back to 1990: LPR (1977) yes, the genome center (2019) no.
    let old = Query {
        from_year: Some(1990),
        ..q("")
    };
    let found = sources(c, ix, &old, Lang::Da);
    assert!(
        found.contains(&"lpr".to_owned()) && !found.contains(&"genom".to_owned()),
        "{found:?}"
    );

    // Facets combine with text: "diagnose" among the region's operational sources.
    let combined = Query {
        controllers: vec!["hovedstaden".into()],
        ..q("diagnoser")
    };
    let found = sources(c, ix, &combined, Lang::Da);
    assert!(
        !found.is_empty() && found.iter().all(|id| id.ends_with("-hovedstaden")),
        "{found:?}"
    );
    let r = ix.search(c, &combined, Lang::Da).unwrap();
    assert_eq!(
        r.facets.controllers,
        vec![("hovedstaden".to_owned(), found.len() as u64)]
    );
}

#[test]
fn bad_queries_are_refused_with_a_reason() {
    let c = catalog();
    let ix = index();
    let long = "a".repeat(10_000);
    assert_eq!(
        ix.search(c, &q(&long), Lang::Da).unwrap_err(),
        SearchError::TooLong {
            chars: 10_000,
            max: MAX_QUERY_CHARS
        }
    );
    let bad = Query {
        controllers: vec!["nobody".into()],
        ..q("")
    };
    assert!(matches!(
        ix.search(c, &bad, Lang::Da),
        Err(SearchError::UnknownFacet {
            facet: "controller",
            ..
        })
    ));
    let bad = Query {
        topics: vec!["astrology".into()],
        ..q("")
    };
    assert!(matches!(
        ix.search(c, &bad, Lang::Da),
        Err(SearchError::UnknownFacet { facet: "topic", .. })
    ));
    let bad = Query {
        from_year: Some(2020),
        to_year: Some(2010),
        ..q("")
    };
    assert!(matches!(
        ix.search(c, &bad, Lang::Da),
        Err(SearchError::EmptyYears { .. })
    ));
    // Punctuation and stop words alone browse rather than fail.
    assert_eq!(
        ix.search(c, &q("?! og"), Lang::Da).unwrap().sources.len(),
        c.sources.len()
    );
    // Query syntax is not interpreted: quotes, colons and parentheses are just text.
    assert!(ix.search(c, &q("title:\"lpr\" AND (x"), Lang::Da).is_ok());
}

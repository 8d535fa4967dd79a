//! The shipped knowledge base loads against the shipped rulebook and catalog, holds at least
//! 30 articles, and a broken article is refused naming its file and line.

use ork_advice::kb::{About, embedded, load};

fn book_and_catalog() -> (ork_rules::Rulebook, ork_catalog::Catalog) {
    let catalog = ork_catalog::load(&ork_catalog::load::Files::embedded(), None).unwrap();
    let book = ork_rules::load(&ork_rules::rulebook::Files::embedded(), &catalog).unwrap();
    (book, catalog)
}

#[test]
fn the_shipped_articles_load_and_explain_steps_datasets_and_fields() {
    let (book, catalog) = book_and_catalog();
    let kb = load(&embedded(), &book, &catalog).unwrap();
    assert!(kb.articles.len() >= 30, "{}", kb.articles.len());
    let a = kb.article("significant-societal-importance").unwrap();
    assert_eq!(
        a.title.en,
        "What counts as research of significant societal importance?"
    );
    assert!(!a.body.da.is_empty() && !a.body.en.is_empty());
    assert!(kb.about(About::Step, "ethics_approval").count() >= 1);
    assert!(kb.about(About::Dataset, "lpr").count() >= 1);
    assert!(kb.about(About::Field, "purpose").count() >= 1);
    // Every step of the rulebook is explained by at least one article.
    for s in &book.steps {
        assert!(
            kb.about(About::Step, &s.id).count() >= 1,
            "no article explains {}",
            s.id
        );
    }
}

#[test]
fn a_broken_article_is_named_with_its_file_and_line() {
    let (book, catalog) = book_and_catalog();
    let mut files = embedded();
    let good = files["significant-societal-importance.md"].clone();
    files.insert(
        "broken.md".into(),
        good.replace(
            "id = \"significant-societal-importance\"",
            "id = \"broken\"",
        )
        .replace("steps = [", "steps = [\"astrology\", ")
        .replace("owner = \"platform\"", "owner = \"nobody\"")
        .replace("\n---\n", "\n<script>alert(1)</script>\n---\n"),
    );
    files.insert("no-front.md".into(), "Just text.\n".into());
    let e = load(&files, &book, &catalog).unwrap_err().to_string();
    assert!(
        e.contains("broken.md:2: step \"astrology\" is not in the rulebook"),
        "{e}"
    );
    assert!(e.contains("broken.md:3: owner \"nobody\""), "{e}");
    assert!(e.contains("the Danish text holds HTML"), "{e}");
    assert!(e.contains("no-front.md:1: no front matter"), "{e}");
}

#[test]
fn the_articles_are_found_with_the_catalogs_search_in_both_languages() {
    use ork_catalog::search::Match;
    let (book, catalog) = book_and_catalog();
    let kb = load(&embedded(), &book, &catalog).unwrap();
    let index = kb.index().unwrap();
    assert_eq!(index.len(), kb.articles.len());
    // Danish, stemmed ("samfundsmæssig" in the title), and English.
    let da = index
        .search("væsentlig samfundsmæssig betydning", Match::All, 5)
        .unwrap();
    assert_eq!(
        da.first().map(String::as_str),
        Some("significant-societal-importance")
    );
    let en = index.search("societal importance", Match::All, 5).unwrap();
    assert_eq!(
        en.first().map(String::as_str),
        Some("significant-societal-importance")
    );
    // A step's id is matched as written.
    let ids = index.search("ethics_approval", Match::All, 50).unwrap();
    assert!(
        ids.iter().any(|i| i == "ethics-committee-or-not"),
        "{ids:?}"
    );
    // Every word must match for a search; a question's words may match one at a time.
    assert!(
        index
            .search("samfundsmæssig xyzzyqq", Match::All, 5)
            .unwrap()
            .is_empty()
    );
    let s = index
        .suggest(
            "Can a pharmaceutical company get access to Danish health registers?",
            3,
        )
        .unwrap();
    assert!(s.iter().any(|i| i == "can-a-company-get-access"), "{s:?}");
    // Stop words alone match nothing.
    assert!(
        index
            .search("og and the", Match::All, 5)
            .unwrap()
            .is_empty()
    );
}

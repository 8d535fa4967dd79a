//! The shipped routes load, propose the authority a question's step, datasets or topic point
//! to, and a broken route is refused with what is wrong.

use ork_advice::routing::{Subject, embedded, load};

fn book_and_catalog() -> (ork_rules::Rulebook, ork_catalog::Catalog) {
    let catalog = ork_catalog::load(&ork_catalog::load::Files::embedded(), None).unwrap();
    let book = ork_rules::load(&ork_rules::rulebook::Files::embedded(), &catalog).unwrap();
    (book, catalog)
}

#[test]
fn questions_are_routed_by_step_dataset_and_topic() {
    let (book, catalog) = book_and_catalog();
    let r = load(embedded(), &book, &catalog).unwrap();
    // A dataset of SDS's (through the controller) and the topic "data".
    let p = r.propose(
        &catalog,
        &Subject {
            topic: "data",
            steps: vec![],
            datasets: vec!["lpr"],
        },
    );
    assert_eq!(p.first(), Some(&("sds".to_owned(), 3)));
    // A step outweighs a topic: the ethics step goes to NVK even when the topic is data.
    let p = r.propose(
        &catalog,
        &Subject {
            topic: "data",
            steps: vec!["ethics_approval"],
            datasets: vec![],
        },
    );
    assert_eq!(p.first().map(|x| x.0.as_str()), Some("nvk"));
    // Nothing to go on: no proposal.
    let p = r.propose(
        &catalog,
        &Subject {
            topic: "costs",
            ..Default::default()
        },
    );
    assert!(p.is_empty(), "{p:?}");
}

#[test]
fn a_broken_route_is_refused() {
    let (book, catalog) = book_and_catalog();
    let text = "[[route]]\nauthority = \"nobody\"\nsteps = [\"astrology\"]\n\n[[route]]\nauthority = \"sds\"\n";
    let e = load(text, &book, &catalog).unwrap_err().to_string();
    assert!(
        e.contains("route 1 (nobody): the authority is not a catalog organisation"),
        "{e}"
    );
    assert!(
        e.contains("step \"astrology\" is not in the rulebook"),
        "{e}"
    );
    assert!(e.contains("route 2 (sds): matches nothing"), "{e}");
    let e = load("[[route]]\nauthorty = 1\n", &book, &catalog)
        .unwrap_err()
        .to_string();
    assert!(e.contains("routing.toml:2:"), "{e}");
}

//! The roadmap in the portal (form from the basket, roadmap page, what-if), the precedent
//! register and rulebook pages, and rulebook versions with what changed between them.

use crate::helpers::{Browser, TestApp};
use ork_domain::Role;
use ork_server::AppState;
use ork_server::catalog::CatalogState;
use ork_server::roadmap::RulesState;
use ork_testkit::{TestDb, both_backends};
use reqwest::StatusCode;

const PW: &str = "Korrekt-Hest-Batteri-43";

/// Case 2 of the seeds: a healthtech company, chest X-rays from a region's PACS, diagnoses
/// and the lung cancer quality database.
const CASE2: &str = "kind=danish_company&region=hovedstaden&datasets=pacs-hovedstaden&datasets=lpr&datasets=dlcr&biological_material=no&genome_data_reuse=no&image_data_reuse=yes&consent=no&contact_with_participants=no&intervention=no&disclosure_outside_eu=no&identifiable_publication=no&commercial_purpose=yes";

async fn page(app: &TestApp, path: &str, lang: &str) -> (StatusCode, String) {
    let res = app
        .client
        .get(app.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

fn rulebook_with(edits: &[(&str, &str, &str)]) -> ork_rules::Rulebook {
    let catalog = CatalogState::embedded();
    let mut files = ork_rules::rulebook::Files::embedded();
    for (file, from, to) in edits {
        let text = files.0.get_mut(*file).unwrap();
        assert!(text.contains(from), "{file} holds {from}");
        *text = text.replacen(from, to, 1);
    }
    ork_rules::load(&files, &catalog.catalog).unwrap()
}

both_backends!(
    the_roadmap_is_planned_from_the_basket_in_the_portal,
    portal_body
);
async fn portal_body(db: TestDb) {
    let app = TestApp::spawn_state(db, |store| {
        let state = AppState::new(store, Default::default());
        for days in [20, 25, 30, 35, 40] {
            state.rules.record("sds_environment_authorisation", days);
        }
        state
    })
    .await;
    // Anyone may plan: the form needs no sign-in.
    let (s, html) = page(&app, "/roadmap", "en").await;
    assert_eq!(s, StatusCode::OK);
    for t in ork_rules::rulebook::TRAITS {
        assert!(html.contains(&format!("id=\"trait-{t}-yes\"")), "{t}");
        assert!(
            html.contains(&format!("trait-{t}-hint")),
            "{t} has help text"
        );
    }

    // Signed in, the basket's sources are ticked.
    app.user("ida@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut ida = Browser::signed_in(&app, "ida@ku.dk", PW).await;
    for id in ["pacs-hovedstaden", "dlcr"] {
        let res = ida
            .post_form(
                "/catalog/basket",
                &[
                    ("source", id),
                    ("action", "add"),
                    ("next", "/catalog/basket"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let html = ida.get("/catalog/basket").await.text().await.unwrap();
    assert!(
        html.contains("href=\"/roadmap\""),
        "the basket leads to the roadmap"
    );
    let html = ida.get("/roadmap").await.text().await.unwrap();
    for id in ["pacs-hovedstaden", "dlcr"] {
        assert!(
            html.contains(&format!(
                "id=\"ds-{id}\" name=\"datasets\" value=\"{id}\" checked"
            )),
            "{id} ticked"
        );
    }

    // The roadmap of case 2, in both languages.
    for (lang, title, rule_word) in [
        ("da", "Din køreplan", "Regel"),
        ("en", "Your roadmap", "Rule"),
    ] {
        let (s, html) = page(&app, &format!("/roadmap/plan?{CASE2}"), lang).await;
        assert_eq!(s, StatusCode::OK, "{lang}");
        assert!(html.contains(title));
        for step in [
            "record_of_processing",
            "ethics_approval",
            "region_data_extraction:hovedstaden",
            "rkkp_data_access",
            "sds_environment_authorisation",
            "sds_data_access:sds",
        ] {
            assert!(
                html.contains(&format!("data-testid=\"step-{step}\"")),
                "{lang} {step}"
            );
            let rule = step.split(':').next().unwrap();
            assert!(
                html.contains(&format!("data-testid=\"why-{step}\">{rule_word} {rule}:")),
                "{lang}: the explanation of {step} names its rule"
            );
        }
        assert!(
            !html.contains("step-patient_record_approval"),
            "covered by the ethics approval"
        );
        assert!(
            html.contains("<svg viewBox=") && html.contains("ork-gantt-crit"),
            "timeline"
        );
        assert!(html.contains("data-testid=\"roadmap-what-if\""));
        assert!(
            html.contains("/precedents?rule=region_data_extraction#"),
            "precedents linked"
        );
        assert!(html.contains("data-testid=\"rulebook-version\">2026.1<"));
    }
    let (_, html) = page(&app, &format!("/roadmap/plan?{CASE2}"), "en").await;
    assert!(
        html.contains("data-testid=\"cases-sds_environment_authorisation\">5<"),
        "the estimate names the decided cases it rests on"
    );
    assert!(html.contains("from the documented prior alone"));
    // Each what-if links to a roadmap that renders.
    let hrefs: Vec<String> = html
        .split("href=\"/roadmap/plan?")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().replace("&#38;", "&"))
        .collect();
    assert!(!hrefs.is_empty());
    for h in &hrefs {
        let (s, _) = page(&app, &format!("/roadmap/plan?{h}"), "en").await;
        assert_eq!(s, StatusCode::OK, "{h}");
    }
    // The language switch returns to the same roadmap, answers and all.
    assert!(html.contains(&format!(
        "name=\"next\" value=\"/roadmap/plan?{}\"",
        CASE2.replace('&', "&#38;")
    )));

    // Bad answers: the form again, 400, saying what to fix; nothing is lost.
    let (s, html) = page(
        &app,
        "/roadmap/plan?kind=danish_university&datasets=lpr",
        "en",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    for t in ork_rules::rulebook::TRAITS {
        let key = format!("trait.{t}");
        let q = ork_server::i18n::text(ork_domain::Lang::En, &key);
        assert!(
            html.contains(&format!(
                "href=\"#trait-{t}-yes\">Answer: {}",
                html_escape(q)
            )),
            "missing {t} is listed"
        );
    }
    assert!(html.contains(
        "id=\"kind-danish_university\" name=\"kind\" value=\"danish_university\" checked"
    ));
    let all_no: String = ork_rules::rulebook::TRAITS
        .iter()
        .map(|t| format!("&{t}=no"))
        .collect();
    let (s, html) = page(
        &app,
        &format!("/roadmap/plan?kind=danish_university&more=lpr%2C+lpx{all_no}"),
        "da",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("lpx") && html.contains("Mente du lpr"),
        "unknown id named, with a suggestion"
    );
    assert!(
        html.contains("value=\"lpr, lpx\""),
        "the typed ids are kept"
    );
    // Several problems at once are listed together.
    let (s, html) = page(&app, "/roadmap/plan?more=lpx", "en").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("Choose who applies.") && html.contains("lpx") && html.contains("Answer: "),
        "kind, unknown id and missing traits together"
    );
    let (s, html) = page(
        &app,
        &format!("/roadmap/plan?kind=danish_university&datasets=biobank{all_no}"),
        "en",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("biological_material"),
        "the contradiction is named"
    );
    let (s, html) = page(
        &app,
        "/roadmap/plan?kind=danish_university&datasets=lpr",
        "en",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("Choose yes or no."));
    for bad in [
        "/roadmap/plan?consent=maybe",
        "/roadmap?colour=red",
        "/roadmap/plan?%zz",
    ] {
        let (s, _) = page(&app, bad, "en").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

both_backends!(the_precedent_register_and_rulebook_have_pages, pages_body);
async fn pages_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (s, html) = page(&app, "/precedents", "da").await;
    assert_eq!(s, StatusCode::OK);
    let all = html.matches("data-testid=\"precedent-").count();
    assert!(all >= 30, "{all}");
    let (_, html) = page(&app, "/precedents?rule=patient_record_approval&q=", "en").await;
    let some = html.matches("data-testid=\"precedent-").count();
    assert!(some > 0 && some < all, "{some}");
    assert!(html.contains("illustrative example"));
    let (_, html) = page(&app, "/precedents?q=kr%C3%A6ft", "da").await;
    assert!(
        html.matches("data-testid=\"precedent-").count() > 0,
        "Danish words find"
    );
    let (s, _) = page(&app, "/precedents?rule=astrology", "en").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, html) = page(&app, "/rulebook", "en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"rule-patient_record_approval\""));
    assert!(html.contains("2026.1"));
    let (s, html) = page(&app, "/rulebook/changes", "en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("rulebook-only-one"), "one version so far");
    let (s, _) = page(&app, "/rulebook/changes?from=1999.1", "en").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both_backends!(rulebook_versions_are_recorded_and_compared, versions_body);
async fn versions_body(db: TestDb) {
    let store = ork_store::Store::connect(&db.url).await.unwrap();
    let shipped = RulesState::new(rulebook_with(&[]));
    assert!(
        shipped.record_version(&store).await.unwrap(),
        "first run records it"
    );
    assert!(
        !shipped.record_version(&store).await.unwrap(),
        "then it is known"
    );
    let next = || {
        rulebook_with(&[
            (
                "rulebook.toml",
                "version = \"2026.1\"",
                "version = \"2026.2\"",
            ),
            (
                "steps/dpa_permission.toml",
                "median_days = 45",
                "median_days = 30",
            ),
        ])
    };
    assert!(
        RulesState::new(next())
            .record_version(&store)
            .await
            .unwrap()
    );
    // The same version number with other content is refused, naming what to do.
    let tampered = RulesState::new(rulebook_with(&[
        (
            "rulebook.toml",
            "version = \"2026.1\"",
            "version = \"2026.2\"",
        ),
        (
            "steps/dpa_permission.toml",
            "median_days = 45",
            "median_days = 25",
        ),
    ]));
    let err = tampered
        .record_version(&store)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("2026.2") && err.contains("new version"),
        "{err}"
    );
    let versions = store.rulebook_versions().await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| v.version.as_str())
            .collect::<Vec<_>>(),
        ["2026.1", "2026.2"]
    );
    let events = store.audit_page(0, 100).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "rules.version.record")
            .count(),
        2
    );

    let app = TestApp::spawn_state(db, |store| {
        let catalog = CatalogState::embedded();
        let book = next();
        let advice = ork_server::advice::AdviceState::load(&catalog.catalog, &book).unwrap();
        AppState::with_parts(
            store,
            Default::default(),
            catalog,
            RulesState::new(book),
            advice,
        )
    })
    .await;
    for lang in ["da", "en"] {
        let (s, html) = page(&app, "/rulebook/changes", lang).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("data-testid=\"change-dpa_permission\""),
            "{lang}"
        );
        assert!(html.contains("<code>prior.median_days</code>"));
        assert!(html.contains(">45<") && html.contains(">30<"));
        assert_eq!(
            html.matches("data-testid=\"change-").count(),
            1,
            "only what changed"
        );
    }
    let (s, html) = page(&app, "/rulebook/changes?from=2026.2&to=2026.1", "en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("data-testid=\"change-dpa_permission\""));
    let (_, html) = page(&app, "/rulebook", "en").await;
    assert!(html.contains("2026.1") && html.contains("2026.2 (in force)"));
    // A roadmap names the version it was computed under.
    let (_, html) = page(&app, &format!("/roadmap/plan?{CASE2}"), "en").await;
    assert!(html.contains("data-testid=\"rulebook-version\">2026.2<"));
}

//! Data-security certification: the operator records the last valid day on the operator
//! page (or withdraws it), the user sees it on their account page, and both are audited.

use crate::helpers::{Browser, TestApp};
use ork_domain::Role;
use ork_testkit::{TestDb, both_backends};
use reqwest::StatusCode;

const PW: &str = "Sikker-Certificering-2026";

both_backends!(
    the_operator_certifies_and_the_user_sees_it,
    certification_body
);
async fn certification_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("op@platform.example", PW, &[("platform", Role::Operator)])
        .await;
    app.user("forsker@ku.example", PW, &[("ku", Role::Applicant)])
        .await;
    let mut op = Browser::signed_in(&app, "op@platform.example", PW).await;
    let mut me = Browser::signed_in(&app, "forsker@ku.example", PW).await;
    let account = |html: &str| {
        let at = html.find("account-certification").unwrap();
        html[at..at + 300].to_owned()
    };
    let html = me.get("/account").await.text().await.unwrap();
    assert!(account(&html).contains("Ikke certificeret"), "{html}");

    // A bad day is refused with the reason; nothing is recorded.
    let res = op
        .post_form(
            "/operator/users/certification",
            &[
                ("email", "forsker@ku.example"),
                ("action", "certify"),
                ("until", "2027-13-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("ÅÅÅÅ-MM-DD"));
    let res = op
        .post_form(
            "/operator/users/certification",
            &[
                ("email", "forsker@ku.example"),
                ("action", "certify"),
                ("until", "2099-12-31"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = op.get("/operator").await.text().await.unwrap();
    assert!(html.contains("Gyldig til og med 2099-12-31"), "{html}");
    let html = me.get("/account").await.text().await.unwrap();
    assert!(account(&html).contains("2099-12-31"), "{html}");
    // An expired one says so.
    let res = op
        .post_form(
            "/operator/users/certification",
            &[
                ("email", "forsker@ku.example"),
                ("action", "certify"),
                ("until", "2020-01-31"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = me.get("/account").await.text().await.unwrap();
    assert!(account(&html).contains("Udløb 2020-01-31"), "{html}");
    // Withdrawn.
    let res = op
        .post_form(
            "/operator/users/certification",
            &[("email", "forsker@ku.example"), ("action", "withdraw")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.certifications().await.unwrap(), vec![]);
    // Only an operator may; every change is audited.
    let res = me
        .post_form(
            "/operator/users/certification",
            &[
                ("email", "forsker@ku.example"),
                ("action", "certify"),
                ("until", "2099-12-31"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let events = app.store.audit_page(0, 10_000).await.unwrap();
    let certs: Vec<&str> = events
        .iter()
        .filter(|e| e.action.starts_with("user.") && e.action.contains("certify"))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(certs, ["user.certify", "user.certify", "user.uncertify"]);
}

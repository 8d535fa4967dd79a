use super::{Chrome, render};
use askama::Template;
use axum::response::Response;

#[derive(Template)]
#[template(path = "index.html")]
struct Index {
    c: Chrome,
    /// (title, text, the part's page when it is there)
    parts: Vec<(&'static str, &'static str, Option<&'static str>)>,
}

pub async fn index(c: Chrome) -> Response {
    let parts = vec![
        ("part.catalog", "part.catalog.text", Some("/catalog")),
        ("part.roadmap", "part.roadmap.text", Some("/roadmap")),
        ("part.application", "part.application.text", None),
        ("part.quicktest", "part.quicktest.text", None),
        ("part.workspace", "part.workspace.text", None),
        ("part.trust", "part.trust.text", None),
    ];
    render(c.t.lang, &Index { c, parts })
}

use super::{Chrome, render};
use askama::Template;
use axum::response::Response;

#[derive(Template)]
#[template(path = "index.html")]
struct Index {
    c: Chrome,
    parts: Vec<(&'static str, &'static str)>,
}

pub async fn index(c: Chrome) -> Response {
    let parts = vec![
        ("part.catalog", "part.catalog.text"),
        ("part.roadmap", "part.roadmap.text"),
        ("part.application", "part.application.text"),
        ("part.quicktest", "part.quicktest.text"),
        ("part.workspace", "part.workspace.text"),
        ("part.trust", "part.trust.text"),
    ];
    render(c.t.lang, &Index { c, parts })
}

#[derive(Template)]
#[template(path = "catalog_edit.html")]
struct EditPage<'a> {
    c: Chrome,
    s: &'a Source,
    name: String,
    base_version: i64,
    body_da: String,
    body_en: String,
    note: String,
    error: Option<String>,
}

use super::service::find;
use super::state::CurrentDoc;
use super::web::steward_of;
use crate::auth::{Auth, ClientAddr};
use crate::web::{Chrome, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ork_catalog::Source;
use ork_domain::Lang;

fn require_steward(auth: &Auth, s: &Source) -> Result<(), ApiError> {
    match auth.principal() {
        None => Err(ApiError::unauthenticated()),
        Some(_) if steward_of(auth, s) => Ok(()),
        Some(_) => Err(ApiError::of(StatusCode::FORBIDDEN, "not_steward", &[])),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    c: Chrome,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let cat = &state.catalog.catalog;
    let s = find(cat, &id)?;
    require_steward(&auth, s)?;
    let doc = state.catalog.doc(&s.id);
    let lang = c.t.lang;
    Ok(render(
        lang,
        &EditPage {
            name: s.name.get(lang).to_owned(),
            base_version: doc.version,
            body_da: doc.text.da,
            body_en: doc.text.en,
            note: String::new(),
            error: None,
            s,
            c,
        },
    ))
}

#[derive(serde::Deserialize)]
pub struct EditForm {
    base_version: i64,
    body_da: String,
    body_en: String,
    note: String,
}

pub async fn edit_save(
    State(state): State<AppState>,
    c: Chrome,
    auth: Auth,
    client: ClientAddr,
    Path(id): Path<String>,
    Form(f): Form<EditForm>,
) -> Result<Response, ApiError> {
    let cat = &state.catalog.catalog;
    let s = find(cat, &id)?;
    require_steward(&auth, s)?;
    let p = auth.principal().expect("a steward is signed in");
    let lang = c.t.lang;
    // Browsers send CRLF; keep what the steward typed, with plain line ends.
    let body_da = f.body_da.replace("\r\n", "\n");
    let body_en = f.body_en.replace("\r\n", "\n");
    let note = f.note.trim().to_owned();
    let problem = edit_problem(&body_da, &body_en, &note);
    let again = |error: String, status: StatusCode, base: i64| {
        let mut res = render(
            lang,
            &EditPage {
                name: s.name.get(lang).to_owned(),
                base_version: base,
                body_da: body_da.clone(),
                body_en: body_en.clone(),
                note: note.clone(),
                error: Some(error),
                s,
                c: c.clone(),
            },
        );
        *res.status_mut() = status;
        res
    };
    if let Some((da, en)) = problem {
        let msg = if lang == Lang::Da { da } else { en };
        return Ok(again(msg, StatusCode::UNPROCESSABLE_ENTITY, f.base_version));
    }
    let mut tx = state.store.write().await?;
    let saved = tx
        .save_doc_version(
            &p.audit_source(&client, Some(s.controller.clone())),
            &ork_store::DocEdit {
                source_id: &s.id,
                base_version: f.base_version,
                body_da: &body_da,
                body_en: &body_en,
                note: &note,
                author_user_id: p.user.id,
                author: p.user.email.as_str(),
                org_id: &s.controller,
            },
        )
        .await?;
    match saved {
        ork_store::DocSave::Saved { version } => {
            tx.commit().await?;
            state
                .catalog
                .set_doc(
                    &s.id,
                    CurrentDoc {
                        text: ork_catalog::Text::new(body_da.clone(), body_en.clone()),
                        version,
                        author: Some(p.user.email.to_string()),
                        saved_at: Some(ork_store::now_unix()),
                    },
                )
                .await?;
            Ok(Redirect::to(&format!("/catalog/sources/{}/history", s.id)).into_response())
        }
        ork_store::DocSave::Conflict { current } => {
            drop(tx);
            let msg = crate::i18n::say(lang, "doc_conflict", &[("version", &current)]);
            Ok(again(msg, StatusCode::CONFLICT, current))
        }
    }
}

/// What is wrong with an edit, in Danish and English: a text that is not safe Markdown or
/// too long, or a missing or too long note.
fn edit_problem(body_da: &str, body_en: &str, note: &str) -> Option<(String, String)> {
    use crate::i18n::message;
    use ork_catalog::markdown::{MarkdownError, check};
    [(Lang::Da, body_da), (Lang::En, body_en)]
        .iter()
        .find_map(|(which, body)| {
            let e = check(body).err()?;
            let side =
                |da: &'static str, en: &'static str| if *which == Lang::Da { da } else { en };
            Some(match &e {
                MarkdownError::TooLong { bytes, max } => message(
                    side("doc_invalid.too_long_da", "doc_invalid.too_long_en"),
                    &[("bytes", bytes), ("max", max)],
                ),
                MarkdownError::Html { line } => message(
                    side("doc_invalid.html_da", "doc_invalid.html_en"),
                    &[("line", line)],
                ),
                MarkdownError::Link { line, url } => message(
                    side("doc_invalid.link_da", "doc_invalid.link_en"),
                    &[("line", line), ("url", url)],
                ),
                MarkdownError::Nul => {
                    message(side("doc_invalid.nul_da", "doc_invalid.nul_en"), &[])
                }
            })
        })
        .or_else(|| {
            (note.is_empty() || note.chars().count() > 200)
                .then(|| message("doc_invalid.note", &[]))
        })
}

pub struct DiffLine {
    /// "+", "-" or " ".
    pub sign: &'static str,
    pub text: String,
}

pub struct VersionView {
    pub version: i64,
    pub author: String,
    pub org: String,
    pub at: String,
    pub note: String,
    pub diff: Vec<DiffLine>,
}

#[derive(Template)]
#[template(path = "catalog_history.html")]
struct HistoryPage<'a> {
    c: Chrome,
    s: &'a Source,
    name: String,
    versions: Vec<VersionView>,
}

fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .filter(|ch| ch.tag() != similar::ChangeTag::Equal)
        .map(|ch| DiffLine {
            sign: match ch.tag() {
                similar::ChangeTag::Insert => "+",
                similar::ChangeTag::Delete => "-",
                similar::ChangeTag::Equal => " ",
            },
            text: ch.value().trim_end_matches('\n').to_owned(),
        })
        .collect()
}

/// Every saved version of a source's documentation with what changed (both languages).
pub async fn history(
    State(state): State<AppState>,
    c: Chrome,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let cat = &state.catalog.catalog;
    let s = find(cat, &id)?;
    let lang = c.t.lang;
    let l = lang;
    let mut versions = state.store.doc_versions(&s.id).await?;
    versions.reverse();
    let mut prev = (s.docs.da.clone(), s.docs.en.clone());
    let mut views = Vec::new();
    for v in versions {
        let mut d = diff(&prev.0, &v.body_da);
        d.extend(diff(&prev.1, &v.body_en));
        views.push(VersionView {
            version: v.version,
            // Stewards' addresses are shown to signed-in users only.
            author: if auth.principal().is_some() {
                v.author.clone()
            } else {
                String::new()
            },
            org: cat
                .organisation(&v.org_id)
                .map(|o| o.name.get(l).to_owned())
                .unwrap_or(v.org_id.clone()),
            at: crate::dates::date(v.created_at),
            note: v.note.clone(),
            diff: d,
        });
        prev = (v.body_da, v.body_en);
    }
    views.reverse();
    Ok(render(
        lang,
        &HistoryPage {
            name: s.name.get(l).to_owned(),
            versions: views,
            s,
            c,
        },
    ))
}

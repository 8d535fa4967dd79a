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
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_steward",
            "Kun dataforvaltere hos kildens dataansvarlige kan redigere dens dokumentation.",
            "Only data stewards of the source's controller can edit its documentation.",
        )),
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
            name: s.name.get(lang.code()).to_owned(),
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
                name: s.name.get(lang.code()).to_owned(),
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
            let msg = if lang == Lang::Da {
                format!(
                    "En anden har gemt version {current}, mens du redigerede. Din tekst er bevaret herunder; se historikken, og gem igen."
                )
            } else {
                format!(
                    "Someone else saved version {current} while you were editing. Your text is kept below; check the history and save again."
                )
            };
            Ok(again(msg, StatusCode::CONFLICT, current))
        }
    }
}

/// What is wrong with an edit, in Danish and English: a text that is not safe Markdown or
/// too long, or a missing or too long note.
fn edit_problem(body_da: &str, body_en: &str, note: &str) -> Option<(String, String)> {
    [("da", body_da), ("en", body_en)]
        .iter()
        .find_map(|(which, body)| {
            ork_catalog::markdown::check(body).err().map(|e| {
                let (da_lang, en_lang) = if *which == "da" { ("dansk", "Danish") } else { ("engelsk", "English") };
                match e {
                    ork_catalog::markdown::MarkdownError::TooLong { bytes, max } => (
                        format!("Den {da_lang}e tekst er på {bytes} byte; højst {max} er tilladt."),
                        format!("The {en_lang} text is {bytes} bytes; at most {max} are allowed."),
                    ),
                    ork_catalog::markdown::MarkdownError::Html { line } => (
                        format!("Den {da_lang}e tekst, linje {line}: HTML er ikke tilladt; brug Markdown."),
                        format!("The {en_lang} text, line {line}: HTML is not allowed; use Markdown."),
                    ),
                    ork_catalog::markdown::MarkdownError::Link { line, url } => (
                        format!("Den {da_lang}e tekst, linje {line}: linket '{url}' er ikke en http(s)-, mailto- eller intern adresse."),
                        format!("The {en_lang} text, line {line}: the link '{url}' is not an http(s), mailto or site address."),
                    ),
                    ork_catalog::markdown::MarkdownError::Nul => (
                        format!("Den {da_lang}e tekst indeholder et ugyldigt tegn (NUL)."),
                        format!("The {en_lang} text contains an invalid character (NUL)."),
                    ),
                }
            })
        })
        .or_else(|| {
            (note.is_empty() || note.chars().count() > 200).then(|| {
                (
                    "Skriv kort (højst 200 tegn), hvad du har ændret.".to_owned(),
                    "Say briefly (at most 200 characters) what you changed.".to_owned(),
                )
            })
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
    let l = lang.code();
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

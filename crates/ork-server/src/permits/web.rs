//! The permit as a readable, printable page: what it allows (datasets and variables, the
//! population, the data period, the named users and their roles), its conditions, the
//! approvals it rests on with their references, its status and expiry, and the signed JWT
//! to download. The page reads the same scope the token carries.

use super::service::{find, status};
use crate::auth::WebUser;
use crate::dates::date;
use crate::roadmap::view::step_label;
use crate::web::{Chrome, org_name, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use ork_cases::permit::Scope;

#[derive(Template)]
#[template(path = "permit.html")]
struct PermitPage {
    c: Chrome,
    id: String,
    status: String,
    superseded_by: Option<String>,
    revoked_reason: Option<String>,
    issued: String,
    expires: String,
    kid: String,
    holder: String,
    scope: Scope,
    /// (dataset name, its variables or "all").
    datasets: Vec<(String, String)>,
    /// (step name, authority name, reference, outcome code, decided).
    approvals: Vec<(String, String, String, String, String)>,
    population: String,
    /// The user may change the permit (an amendment): it is active and theirs to edit.
    may_amend: bool,
}

/// GET /permits/{id}: the permit, readable and printable.
pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let permit = find(&state, &p, &id).await?;
    let (_, standing) =
        crate::applications::service::find(&state, &p, &permit.application_id).await?;
    let now = ork_store::now_unix();
    let may_amend = standing.may_edit() && status(&permit, now) == "active";
    let scope: Scope = serde_json::from_str(&permit.scope)
        .map_err(|e| ApiError::from(anyhow::anyhow!("permit scope: {e}")))?;
    let orgs = state.store.list_orgs().await?;
    let cat = &state.catalog.catalog;
    let all = crate::i18n::text(lang, "permit.all_variables");
    let datasets = scope
        .datasets
        .iter()
        .map(|d| {
            let name = cat
                .source(&d.id)
                .map_or(d.id.clone(), |s| s.name.get(lang).to_owned());
            let vars = if d.variables.is_empty() {
                all.to_owned()
            } else {
                d.variables.join(", ")
            };
            (name, vars)
        })
        .collect();
    let book = &state.rules.book;
    let approvals = scope
        .approvals
        .iter()
        .map(|a| {
            (
                step_label(cat, book, &a.step, lang),
                org_name(&orgs, &a.authority, lang),
                a.reference.clone(),
                a.outcome.clone(),
                a.decided.clone(),
            )
        })
        .collect();
    let population = serde_json::to_string_pretty(&scope.population).unwrap_or_default();
    let page = PermitPage {
        id: permit.id.clone(),
        status: status(&permit, now).to_owned(),
        may_amend,
        superseded_by: permit.superseded_by.clone(),
        revoked_reason: permit.revoked_reason.clone(),
        issued: date(permit.issued_at),
        expires: date(permit.expires_at),
        kid: permit.kid.clone(),
        holder: org_name(&orgs, &permit.org_id, lang),
        datasets,
        approvals,
        population,
        scope,
        c,
    };
    Ok(render(lang, &page))
}

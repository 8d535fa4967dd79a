//! The permit as a readable, printable page: what it allows (datasets and variables, the
//! population, the data period, the named users and their roles), its conditions, the
//! approvals it rests on with their references, its status and expiry, and the signed JWT
//! to download. The page reads the same scope the token carries.

use super::service::{find, status};
use crate::auth::WebUser;
use crate::dates::date;
use crate::web::{Chrome, render};
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
    let scope: Scope = serde_json::from_str(&permit.scope)
        .map_err(|e| ApiError::from(anyhow::anyhow!("permit scope: {e}")))?;
    let orgs = state.store.list_orgs().await?;
    let org_name = |id: &str| {
        orgs.iter()
            .find(|o| o.id.as_str() == id)
            .map_or(id.to_owned(), |o| {
                lang.pick(&o.name_da, &o.name_en).to_owned()
            })
    };
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
            let rule = crate::applications::service::rule_of(&a.step);
            let name = book
                .step(rule)
                .map_or(a.step.clone(), |s| s.name.get(lang).to_owned());
            let region = a
                .step
                .split_once(':')
                .map(|(_, r)| format!(" ({r})"))
                .unwrap_or_default();
            (
                format!("{name}{region}"),
                org_name(&a.authority),
                a.reference.clone(),
                a.outcome.clone(),
                a.decided.clone(),
            )
        })
        .collect();
    let population = serde_json::to_string_pretty(&scope.population).unwrap_or_default();
    let page = PermitPage {
        id: permit.id.clone(),
        status: status(&permit, ork_store::now_unix()).to_owned(),
        superseded_by: permit.superseded_by.clone(),
        revoked_reason: permit.revoked_reason.clone(),
        issued: date(permit.issued_at),
        expires: date(permit.expires_at),
        kid: permit.kid.clone(),
        holder: org_name(&permit.org_id),
        datasets,
        approvals,
        population,
        scope,
        c,
    };
    Ok(render(lang, &page))
}

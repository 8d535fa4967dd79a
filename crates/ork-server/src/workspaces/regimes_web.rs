//! The stewards' pages for their datasets' security regimes: the list of their controllers'
//! datasets, and one dataset's regime as a form (read-only for anyone else signed in).

use super::regimes::{self, RegimeFields};
use crate::auth::{ClientAddr, WebUser};
use crate::web::{Chrome, form_value, org_name, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ork_domain::Role;

/// A dataset in the stewards' list.
struct Row {
    id: String,
    name: String,
    controller: String,
    set_by_stewards: bool,
}

#[derive(Template)]
#[template(path = "regimes.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
}

/// GET /regimes: the security regimes of the datasets of the user's controllers.
pub async fn list_page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
) -> Result<Response, ApiError> {
    p.require_role(Role::DataSteward)?;
    let lang = c.t.lang;
    let orgs = state.store.list_orgs().await?;
    let mut rows = Vec::new();
    for s in state
        .catalog
        .catalog
        .sources
        .iter()
        .filter(|s| p.steward_of(&s.controller))
    {
        rows.push(Row {
            id: s.id.clone(),
            name: s.name.get(lang).to_owned(),
            controller: org_name(&orgs, &s.controller, lang),
            set_by_stewards: state.store.dataset_regime(&s.id).await?.is_some(),
        });
    }
    Ok(render(lang, &ListPage { c, rows }))
}

#[derive(Template)]
#[template(path = "dataset_regime.html")]
struct RegimePage {
    c: Chrome,
    id: String,
    name: String,
    controller: String,
    set_by_stewards: bool,
    editable: bool,
    r: RegimeFields,
    saved: bool,
    error: Option<String>,
    /// The form as the steward sent it, when it did not save: its numbers are shown again as
    /// typed, so a slip in one field costs none of the others.
    entered: Option<Vec<(String, String)>>,
}

impl RegimePage {
    /// A number field's value: as typed when the form comes back, else the regime's.
    fn value(&self, k: &str) -> String {
        if let Some(form) = &self.entered {
            return form_value(form, k).to_owned();
        }
        let r = &self.r;
        match k {
            "min_cell_count" => r.min_cell_count.to_string(),
            "p_ratio" => r.p_ratio.to_string(),
            "nk_n" => r.nk_n.to_string(),
            "nk_k" => r.nk_k.to_string(),
            "min_dof" => r.min_dof.to_string(),
            "retention_days" => r.retention_days.to_string(),
            k if k.starts_with("max_job_") => r.job_limit(k).to_string(),
            _ => String::new(),
        }
    }
}

async fn page_of(
    state: &AppState,
    c: Chrome,
    p: &crate::auth::Principal,
    id: &str,
) -> Result<RegimePage, ApiError> {
    let lang = c.t.lang;
    let s = regimes::source(state, id)?;
    let body = regimes::current(state, s).await?;
    let orgs = state.store.list_orgs().await?;
    Ok(RegimePage {
        id: s.id.clone(),
        name: s.name.get(lang).to_owned(),
        controller: org_name(&orgs, &s.controller, lang),
        set_by_stewards: body.set_by_stewards,
        editable: p.steward_of(&s.controller),
        r: body.regime,
        saved: false,
        error: None,
        entered: None,
        c,
    })
}

/// GET /datasets/{id}/regime.
pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let mut page = page_of(&state, c, &p, &id).await?;
    page.saved = raw.as_deref() == Some("saved=1");
    Ok(render(lang, &page))
}

/// The form's choices (its checkboxes and the end of retention) over `r`: these always read.
fn choices_of(form: &[(String, String)], r: &mut RegimeFields) {
    let on = |k: &str| form_value(form, k) == "yes";
    r.own_data = on("own_data");
    r.manual_review = on("manual_review");
    r.automatic_delivery = on("automatic_delivery");
    r.exclude_tissue_opt_outs = on("exclude_tissue_opt_outs");
    r.at_end = form_value(form, "at_end").to_owned();
}

/// The form's fields as the API's body; a number that does not read is out of its range.
fn fields_of(form: &[(String, String)]) -> Result<RegimeFields, ApiError> {
    fn num<T: std::str::FromStr>(
        form: &[(String, String)],
        k: &str,
        range: &str,
    ) -> Result<T, ApiError> {
        form_value(form, k)
            .trim()
            .replace(',', ".")
            .parse()
            .map_err(|_| ApiError::invalid("regime_range", &[("field", &k), ("range", &range)]))
    }
    let mut r = RegimeFields {
        min_cell_count: num(form, "min_cell_count", "1–1000")?,
        p_ratio: num(form, "p_ratio", "0–1")?,
        nk_n: num(form, "nk_n", "1–10")?,
        nk_k: num(form, "nk_k", "0–1")?,
        min_dof: num(form, "min_dof", "0–10000")?,
        own_data: false,
        retention_days: num(form, "retention_days", "1–36500")?,
        manual_review: false,
        automatic_delivery: false,
        exclude_tissue_opt_outs: false,
        at_end: String::new(),
        max_job_cpu_seconds: 0,
        max_job_wall_seconds: 0,
        max_job_memory_mb: 0,
        max_job_processes: 0,
        max_job_disk_mb: 0,
    };
    for (field, min, max) in regimes::JOB_LIMITS {
        let v = num(form, field, &format!("{min}–{max}"))?;
        match field {
            "max_job_cpu_seconds" => r.max_job_cpu_seconds = v,
            "max_job_wall_seconds" => r.max_job_wall_seconds = v,
            "max_job_memory_mb" => r.max_job_memory_mb = v,
            "max_job_processes" => r.max_job_processes = v,
            _ => r.max_job_disk_mb = v,
        }
    }
    choices_of(form, &mut r);
    Ok(r)
}

/// POST /datasets/{id}/regime: the stewards' form.
pub async fn post(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let s = regimes::source(&state, &id)?;
    let fields = fields_of(&form);
    let result = match &fields {
        Ok(f) => regimes::set(&state, &p, &client, s, f).await.map(|_| ()),
        Err(_) => Ok(()),
    };
    let error = match (fields, result) {
        (Ok(_), Ok(())) => {
            return Ok(Redirect::to(&format!("/datasets/{}/regime?saved=1", s.id)).into_response());
        }
        (Err(e), _) | (Ok(_), Err(e)) => e,
    };
    if error.status == StatusCode::FORBIDDEN || !error.status.is_client_error() {
        return Err(error);
    }
    let mut page = page_of(&state, c, &p, &id).await?;
    // The form as the steward filled it, numbers as typed.
    choices_of(&form, &mut page.r);
    page.entered = Some(form);
    // The page names a parameter by its label, not its name in the API.
    let mut message = error.message(lang).to_owned();
    for field in [
        "min_cell_count",
        "p_ratio",
        "nk_n",
        "nk_k",
        "min_dof",
        "retention_days",
        "at_end",
        "max_job_cpu_seconds",
        "max_job_wall_seconds",
        "max_job_memory_mb",
        "max_job_processes",
        "max_job_disk_mb",
    ] {
        let label = crate::i18n::text(lang, &format!("regimes.{field}")).to_owned();
        message = message.replace(&format!("'{field}'"), &format!("'{label}'"));
    }
    page.error = Some(message);
    let mut res = render(lang, &page);
    *res.status_mut() = error.status;
    Ok(res)
}

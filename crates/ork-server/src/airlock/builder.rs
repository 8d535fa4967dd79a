//! The table builder in the portal: a query, then its columns to lay the table out by, the
//! value and the statistic, totals and suppression; and the form for a file to review.

use super::make::{self, NewFileOutput, NewSpecOutput};
use super::web::safe_id;
use crate::auth::{ClientAddr, Principal, WebUser};
use crate::web::{Chrome, form_value, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

const STATISTICS: &[&str] = &[
    "count", "sum", "mean", "median", "std", "min", "max", "mode",
];

#[derive(Template)]
#[template(path = "output_new.html")]
struct NewPage {
    c: Chrome,
    id: String,
    title: String,
    sql: String,
    snapshot: String,
    /// The query's columns, once it was read.
    columns: Vec<ColumnChoice>,
    rows: Vec<String>,
    cols: Vec<String>,
    value: String,
    statistic: String,
    margins: bool,
    suppress: bool,
    out_title: String,
    description: String,
    statistics: &'static [&'static str],
    error: Option<String>,
    file_error: Option<String>,
}

/// A column of the query's result, as the builder offers it.
struct ColumnChoice {
    name: String,
    kind: String,
    /// Chosen as a row variable, as a column variable.
    row: bool,
    col: bool,
}

async fn new_page_of(
    state: &AppState,
    c: Chrome,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    form: &[(String, String)],
) -> Result<NewPage, ApiError> {
    let e = crate::workspaces::service::find(state, p, client, id).await?;
    let all = |k: &str| -> Vec<String> {
        form.iter()
            .filter(|(n, v)| n == k && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    };
    Ok(NewPage {
        id: e.ws.id.clone(),
        title: e.ws.title.clone(),
        sql: form_value(form, "sql").replace("\r\n", "\n"),
        snapshot: form_value(form, "snapshot").to_owned(),
        columns: Vec::new(),
        rows: all("rows"),
        cols: all("columns"),
        value: form_value(form, "values").to_owned(),
        statistic: match form_value(form, "aggfunc") {
            "" => "count".to_owned(),
            s => s.to_owned(),
        },
        margins: form_value(form, "margins") == "on",
        suppress: form_value(form, "suppress") == "on",
        out_title: form_value(form, "title").to_owned(),
        description: form_value(form, "description").to_owned(),
        statistics: STATISTICS,
        error: None,
        file_error: None,
        c,
    })
}

/// GET /workspaces/{id}/outputs: the table builder and the file form.
pub async fn new_page(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let page = new_page_of(&state, c, &p, &client, &id, &[]).await?;
    Ok(render(lang, &page))
}

/// The columns a query gives (read from its plan: no row is read).
async fn columns_of(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    sql: &str,
    snapshot: Option<i64>,
) -> Result<Vec<(String, String)>, ApiError> {
    let sql = crate::workspaces::service::sql_text(sql)?;
    if state.workspaces.storage().is_none() {
        return Err(crate::workspaces::service::unavailable());
    }
    let e = crate::workspaces::service::enter_to_write(state, p, client, id).await?;
    let (_, tables) = crate::workspaces::service::query_tables(state, &e, snapshot).await?;
    let prepared = ork_workspace::query::prepare(&tables, sql, &state.workspaces.limits)
        .await
        .map_err(|err| crate::workspaces::service::query_error(&err, &tables))?;
    Ok(prepared
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().to_string()))
        .collect())
}

/// The builder's choices as a spec.
fn spec_of(page: &NewPage) -> Value {
    let mut spec = serde_json::json!({
        "kind": "table",
        "rows": page.rows,
        "columns": page.cols,
        "margins": page.margins,
        "suppress": page.suppress,
    });
    if !page.value.is_empty() {
        spec["values"] = Value::from(page.value.clone());
        spec["aggfunc"] = Value::from(page.statistic.clone());
    } else if page.statistic != "count" {
        spec["aggfunc"] = Value::from(page.statistic.clone());
    }
    spec
}

/// POST /workspaces/{id}/outputs: `action=columns` reads the query's columns to choose
/// from; `action=check` computes the table and shows its checks on the output's page.
pub async fn create(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let mut page = new_page_of(&state, c, &p, &client, &id, &form).await?;
    let snapshot = page.snapshot.parse::<i64>().ok();
    let done = match columns_of(&state, &p, &client, &id, &page.sql, snapshot).await {
        Ok(cols) => {
            page.columns = cols
                .into_iter()
                .map(|(name, kind)| ColumnChoice {
                    row: page.rows.contains(&name),
                    col: page.cols.contains(&name),
                    name,
                    kind,
                })
                .collect();
            if form_value(&form, "action") == "check" {
                let spec = spec_of(&page).to_string();
                make::create_spec(
                    &state,
                    &p,
                    &client,
                    &id,
                    &NewSpecOutput {
                        title: &page.out_title,
                        description: &page.description,
                        sql: &page.sql,
                        snapshot,
                        spec: &spec,
                    },
                )
                .await
                .map(Some)
            } else {
                Ok(None)
            }
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(Some(o)) => Ok(Redirect::to(&format!("/outputs/{}", safe_id(&o.id)?)).into_response()),
        Ok(None) => Ok(render(lang, &page)),
        Err(e) if e.status == StatusCode::NOT_FOUND && e.code == "workspace_not_found" => Err(e),
        Err(e) if e.status.is_client_error() || e.status == StatusCode::SERVICE_UNAVAILABLE => {
            let status = e.status;
            page.error = Some(e.message(lang).to_owned());
            let mut res = render(lang, &page);
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// POST /workspaces/{id}/outputs/file: a file for manual review.
pub async fn create_file(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let made = async {
        let bytes =
            crate::body::read_limited(body, crate::applications::uploads::MAX_REQUEST).await?;
        let f = super::api::form(&ct, bytes).await?;
        make::create_file(
            &state,
            &p,
            &client,
            &id,
            &NewFileOutput {
                title: &f.title,
                description: &f.description,
                filename: &f.filename,
                bytes: &f.file,
            },
        )
        .await
    }
    .await;
    match made {
        Ok(o) => Ok(Redirect::to(&format!("/outputs/{}", safe_id(&o.id)?)).into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND && e.code == "workspace_not_found" => Err(e),
        Err(e) if e.status.is_client_error() || e.status == StatusCode::SERVICE_UNAVAILABLE => {
            let status = e.status;
            let mut page = new_page_of(&state, c, &p, &client, &id, &[]).await?;
            page.file_error = Some(e.message(lang).to_owned());
            let mut res = render(lang, &page);
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

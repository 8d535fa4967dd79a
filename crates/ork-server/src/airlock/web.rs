//! The airlock in the portal: the table builder (a query, then its columns to lay out the
//! table, the value and the statistic) and the form for a file to review; an output's page
//! with its checks cell by cell, suppression, the description and the request, the
//! checker's decision and the project's earlier releases; the list of outputs (a checker's
//! queue).

use super::api::{self, OutputBody, OutputDetail};
use super::service::{self, NewFileOutput, NewSpecOutput, STATES};
use crate::auth::{ClientAddr, Principal, WebUser};
use crate::web::{Chrome, form_value, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

const STATISTICS: &[&str] = &[
    "count", "sum", "mean", "median", "std", "min", "max", "mode",
];

/// Ids go into a Location only when they are letters, digits and dashes.
fn safe_id(id: &str) -> Result<&str, ApiError> {
    if id.is_empty() || id.len() > 100 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(service::not_found());
    }
    Ok(id)
}

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
                service::create_spec(
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
        let f = api::form(&ct, bytes).await?;
        service::create_file(
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

/// One cell as the page shows it.
struct CellView {
    text: String,
    /// `pass`, `review` or `fail`.
    verdict: String,
    /// The rules that did not pass here, named in the user's language.
    notes: String,
    count: u64,
}

/// A table's checks as a grid.
struct GridView {
    /// The row variables' names, then one heading per column.
    row_vars: Vec<String>,
    headings: Vec<String>,
    rows: Vec<(Vec<String>, Vec<CellView>)>,
}

/// A rule that did not pass: its name, verdict, cells and explanation.
struct FindingView {
    check: String,
    verdict: String,
    cells: u64,
    text: String,
}

#[derive(Template)]
#[template(path = "output.html")]
struct OutputPage {
    c: Chrome,
    o: OutputBody,
    earlier: Vec<api::ReleaseBody>,
    grid: Option<GridView>,
    findings: Vec<FindingView>,
    /// A model's figures: (label, value).
    model: Vec<(String, String)>,
    rules: Vec<(String, String)>,
    /// Whether a checker sees the file inline (an image) or as text.
    image: bool,
    text: Option<String>,
    error: Option<String>,
    decisions: &'static [&'static str],
}

fn number(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(x) => format!("{x:.4}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned(),
        None => "–".to_owned(),
    }
}

fn grid(o: &OutputBody, t: &crate::i18n::Tr) -> Option<GridView> {
    let cells = o.checks.get("cells")?.as_array()?;
    let labels = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|l| l.as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut rows: Vec<(Vec<String>, Vec<CellView>)> = Vec::new();
    let mut headings: Vec<Vec<String>> = Vec::new();
    for c in cells {
        let (row, col) = (labels(&c["row"]), labels(&c["column"]));
        if !headings.contains(&col) {
            headings.push(col);
        }
        let checks = c["checks"].as_object().cloned().unwrap_or_default();
        let verdict = ["fail", "review"]
            .into_iter()
            .find(|v| checks.values().any(|x| x == v))
            .unwrap_or("pass");
        let notes: Vec<String> = checks
            .iter()
            .filter(|(_, v)| *v != "pass")
            .map(|(k, v)| {
                format!(
                    "{} ({})",
                    t.label("airlock.check", k),
                    t.label("airlock.verdict", v.as_str().unwrap_or(""))
                )
            })
            .collect();
        let suppressed = c["suppressed"].as_bool().unwrap_or(false);
        let view = CellView {
            text: if suppressed {
                t.t("airlock.suppressed").to_owned()
            } else {
                number(&c["value"])
            },
            verdict: verdict.to_owned(),
            notes: notes.join(", "),
            count: c["count"].as_u64().unwrap_or(0),
        };
        match rows.iter_mut().find(|(r, _)| *r == row) {
            Some((_, v)) => v.push(view),
            None => rows.push((row, vec![view])),
        }
    }
    let row_vars = o
        .spec
        .as_ref()
        .and_then(|s| s.get("rows"))
        .map(labels)
        .unwrap_or_default();
    Some(GridView {
        row_vars,
        headings: headings
            .into_iter()
            .map(|h| {
                if h.is_empty() {
                    t.t("airlock.value").to_owned()
                } else {
                    h.join(" / ")
                }
            })
            .collect(),
        rows,
    })
}

async fn page_of(
    state: &AppState,
    c: Chrome,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<OutputPage, ApiError> {
    let (o, _, a) = service::load(state, p, client, id).await?;
    let OutputDetail {
        output: o,
        earlier_releases,
    } = api::detail(state, p, o, a).await?;
    let t = &c.t;
    let lang = t.lang;
    let findings = o.checks["summary"]["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| FindingView {
                    check: t.label("airlock.check", f["check"].as_str().unwrap_or("")),
                    verdict: f["verdict"].as_str().unwrap_or("").to_owned(),
                    cells: f["cells"].as_u64().unwrap_or(0),
                    text: f[if lang == ork_domain::Lang::Da {
                        "da"
                    } else {
                        "en"
                    }]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut model = Vec::new();
    if o.kind == "model" {
        for k in ["nobs", "parameters", "dof"] {
            model.push((
                t.t(&format!("airlock.model.{k}")).to_owned(),
                number(&o.checks[k]),
            ));
        }
        let s = &o.checks["summary"][if lang == ork_domain::Lang::Da {
            "da"
        } else {
            "en"
        }];
        model.push((
            t.t("airlock.model.summary").to_owned(),
            s.as_str().unwrap_or("").to_owned(),
        ));
    }
    let rules = ["threshold", "p", "n", "k", "safe_dof"]
        .into_iter()
        .filter_map(|k| {
            o.rules
                .get(k)
                .map(|v| (t.t(&format!("airlock.rule.{k}")).to_owned(), number(v)))
        })
        .collect();
    let may_view = a.checker && o.kind == "file";
    let image = may_view && o.file.media_type.starts_with("image/");
    let text = if may_view && o.file.media_type.starts_with("text/") {
        let (_, bytes) = service::review_copy(state, p, client, &o.id).await?;
        Some(String::from_utf8_lossy(&bytes[..bytes.len().min(100_000)]).into_owned())
    } else {
        None
    };
    Ok(OutputPage {
        grid: grid(&o, t),
        findings,
        model,
        rules,
        image,
        text,
        error: None,
        decisions: &["approve", "reject", "ask"],
        earlier: earlier_releases,
        o,
        c,
    })
}

/// GET /outputs/{id}: an output with its checks; the request form for the project, the
/// decision form for a checker.
pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let page = page_of(&state, c, &p, &client, &id).await?;
    Ok(render(lang, &page))
}

/// POST /outputs/{id}: `action=request` (with the description), `action=review` (decision
/// and reason) or `action=suppress` (the same table again with its failing cells
/// suppressed, a new draft).
pub async fn act(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let done = match form_value(&form, "action") {
        "request" => {
            service::request(&state, &p, &client, &id, form_value(&form, "description")).await
        }
        "review" => {
            service::review(
                &state,
                &p,
                &client,
                &id,
                form_value(&form, "decision"),
                form_value(&form, "reason"),
            )
            .await
        }
        "suppress" => suppressed_again(&state, &p, &client, &id).await,
        _ => Err(ApiError::invalid("bad_request", &[])),
    };
    match done {
        Ok(o) => Ok(Redirect::to(&format!("/outputs/{}", safe_id(&o.id)?)).into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let status = e.status;
            let mut page = page_of(&state, c, &p, &client, &id).await?;
            page.error = Some(e.message(lang).to_owned());
            let mut res = render(lang, &page);
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// A table draft computed again with suppression, as a new draft.
async fn suppressed_again(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<ork_store::Output, ApiError> {
    let (o, _, _) = service::load(state, p, client, id).await?;
    let (Some(spec), Some(sql)) = (o.spec.as_deref(), o.sql.as_deref()) else {
        return Err(ApiError::invalid("bad_request", &[]));
    };
    let mut spec: Value =
        serde_json::from_str(spec).map_err(|e| ApiError::from(anyhow::anyhow!("spec: {e}")))?;
    if o.kind != "table" {
        return Err(ApiError::invalid("bad_request", &[]));
    }
    spec["suppress"] = Value::Bool(true);
    service::create_spec(
        state,
        p,
        client,
        &o.workspace_id,
        &NewSpecOutput {
            title: &o.title,
            description: &o.description,
            sql,
            snapshot: o.snapshot,
            spec: &spec.to_string(),
        },
    )
    .await
}

/// GET /outputs/{id}/file: a checker's look at the file (inline).
pub async fn file(
    State(state): State<AppState>,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (o, bytes) = service::review_copy(&state, &p, &client, &id).await?;
    Ok(api::file_response(&o, bytes, "inline"))
}

/// GET /outputs/{id}/download: an approved output for a project member.
pub async fn download(
    State(state): State<AppState>,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (o, bytes) = service::download(&state, &p, &client, &id).await?;
    Ok(api::file_response(&o, bytes, "attachment"))
}

#[derive(Template)]
#[template(path = "outputs.html")]
struct ListPage {
    c: Chrome,
    outputs: Vec<OutputBody>,
    states: &'static [&'static str],
    filter: String,
}

/// GET /outputs: your projects' outputs and, as a checker, the outputs of your controllers'
/// data (`?state=requested`: the queue).
pub async fn list_page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let pairs = crate::api::query_pairs(raw.as_deref())?;
    let filter = form_value(&pairs, "state");
    let in_state = STATES.iter().find(|s| **s == filter).copied();
    let mut outputs = Vec::new();
    for (o, a) in service::list(&state, &p, in_state).await? {
        let mut b = api::body(&state, &p, o, a).await?;
        b.requested_at = b
            .requested_at
            .map(|t| t.get(..16).unwrap_or(&t).replace('T', " "));
        b.created_at = b
            .created_at
            .get(..16)
            .unwrap_or(&b.created_at)
            .replace('T', " ");
        outputs.push(b);
    }
    Ok(render(
        lang,
        &ListPage {
            c,
            outputs,
            states: STATES,
            filter: in_state.unwrap_or_default().to_owned(),
        },
    ))
}

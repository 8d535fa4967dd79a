//! The airlock in the portal (`builder.rs`: the table builder and the form for a file to
//! review): an output's page
//! with its checks cell by cell, suppression, the description and the request, the
//! checker's decision and the project's earlier releases; the list of outputs (a checker's
//! queue).

use super::api::{self, OutputBody, OutputDetail};
use super::make::{self, NewSpecOutput};
use super::service::{self, STATES};
use crate::auth::{ClientAddr, Principal, WebUser};
use crate::web::{Chrome, form_value, render};
use crate::workspaces::web::minute;
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

/// Ids go into a Location only when they are letters, digits and dashes.
pub(super) fn safe_id(id: &str) -> Result<&str, ApiError> {
    if id.is_empty() || id.len() > 100 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(service::not_found());
    }
    Ok(id)
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
    earlier: Vec<api::OutputReleaseBody>,
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
    /// What suppression withheld, when it did.
    suppressed: Option<String>,
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
        output: mut o,
        mut earlier_releases,
    } = api::detail(state, p, o, a).await?;
    // The page shows times to the minute.
    for h in &mut o.history {
        h.at = minute(&h.at);
    }
    for r in &mut earlier_releases {
        r.released_at = r.released_at.as_deref().map(minute);
    }
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
        // A model file from a job says what it is and what it keeps.
        if let Some(kind) = o.checks["model_type"].as_str() {
            model.push((t.t("airlock.model.model_type").to_owned(), kind.to_owned()));
        }
        for k in ["nobs", "parameters", "dof"] {
            model.push((
                t.t(&format!("airlock.model.{k}")).to_owned(),
                number(&o.checks[k]),
            ));
        }
        if let Some(keeps) = o.checks["keeps"].as_array() {
            let what: Vec<&str> = keeps.iter().filter_map(|k| k.as_str()).collect();
            model.push((
                t.t("airlock.model.keeps").to_owned(),
                if what.is_empty() {
                    t.t("airlock.model.keeps_nothing").to_owned()
                } else {
                    what.join("; ")
                },
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
        suppressed: o.checks["summary"]["suppressed"]
            .as_u64()
            .filter(|n| *n > 0)
            .map(|n| crate::i18n::say(lang, "airlock.suppressed_note", &[("count", &n)])),
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
    make::create_spec(
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
        b.requested_at = b.requested_at.as_deref().map(minute);
        b.created_at = minute(&b.created_at);
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

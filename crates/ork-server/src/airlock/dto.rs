//! The airlock's typed bodies in the API: an output with its checks, history and file, the
//! project's earlier releases, and what making, requesting and reviewing one takes.

use serde_json::Value;

/// What would leave: the file as a checker sees it and a member downloads it.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OutputFile {
    pub name: String,
    /// `text/csv` (a safe table), `application/json` (a model's report), or the type found
    /// from a reviewed file's bytes (`image/png`, `image/jpeg`, `application/pdf`,
    /// `text/csv`, `text/plain`).
    pub media_type: String,
    pub size: i64,
    /// SHA-256 of the bytes, hex: the release record names it.
    pub sha256: String,
}

/// A request or a decision.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OutputEventBody {
    /// Who (e-mail).
    pub user: String,
    #[schema(pattern = "^(request|approve|reject|ask)$")]
    pub action: String,
    /// The description asked with, or the decision's reason.
    pub text: String,
    /// RFC 3339, UTC.
    pub at: String,
}

/// An output of a workspace.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OutputBody {
    /// `out-` and 12 letters and digits.
    pub id: String,
    pub workspace: String,
    /// The project's title.
    pub project: String,
    /// `table` and `model`: computed by the platform from a query and checked
    /// automatically; `file`: a person's review only.
    #[schema(pattern = "^(table|model|file)$")]
    pub kind: String,
    pub title: String,
    /// The researcher's description: what it shows and why it is safe.
    pub description: String,
    /// `draft` (the project's own), `requested` (in the checkers' queue), `asked` (a checker
    /// asked something: describe and request again), `approved` (downloadable by the
    /// project's members), `rejected` (the reason says why).
    #[schema(pattern = "^(draft|requested|asked|approved|rejected)$")]
    pub state: String,
    /// The automatic checks' verdict: `fail` when a cell or the model fails a rule,
    /// `review` when something needs a person's eye (a file always), else `pass`.
    #[schema(pattern = "^(pass|review|fail)$")]
    pub status: String,
    /// The query a table or model was computed from, and its snapshot.
    pub sql: Option<String>,
    pub snapshot: Option<i64>,
    /// The spec, as given.
    #[schema(value_type = Option<Object>)]
    pub spec: Option<Value>,
    /// The rules checked by (the workspace's strictest regime): `threshold`, `p`, `n`, `k`,
    /// `safe_dof`, `zeros_are_disclosive`, `checks`.
    #[schema(value_type = Object)]
    pub rules: Value,
    /// The automatic checks as `orkestrator airlock check` prints them: for a table
    /// `status`, `cells` (each with `row`, `column`, `value`, `count`, `checks` — every
    /// rule's verdict — and `suppressed`) and `summary` (with each failing rule's
    /// explanation in Danish and English); for a model `status`, `dof`, `nobs`, `checks`;
    /// empty for a file.
    #[schema(value_type = Object)]
    pub checks: Value,
    pub file: OutputFile,
    /// Who made it (e-mail).
    pub created_by: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub requested_by: Option<String>,
    pub requested_at: Option<String>,
    /// The last decision: by whom, when, why.
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
    /// Every request and decision, oldest first.
    pub history: Vec<OutputEventBody>,
    /// Whether you may ask for its release now (a member; a draft or asked about).
    pub may_request: bool,
    /// Whether you may decide it now (an output checker at a controller of the data, not
    /// the one who made or asked for it; requested).
    pub may_review: bool,
    /// Whether you may download it (a member; approved).
    pub may_download: bool,
}

/// An earlier released output of the same project (for differencing).
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OutputReleaseBody {
    pub id: String,
    pub title: String,
    #[schema(pattern = "^(table|model|file)$")]
    pub kind: String,
    /// Who approved it (e-mail) and when (RFC 3339, UTC).
    pub released_by: Option<String>,
    pub released_at: Option<String>,
    pub sha256: String,
}

/// An output with the project's earlier released outputs.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OutputDetail {
    #[serde(flatten)]
    pub output: OutputBody,
    /// The project's other approved outputs, newest first.
    pub earlier_releases: Vec<OutputReleaseBody>,
}

/// Outputs, newest first.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OutputList {
    pub outputs: Vec<OutputBody>,
}

/// One of a job's outputs to send to the airlock.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputFromJobBody {
    /// The output's file name, as the job lists it.
    #[schema(min_length = 1, max_length = 100)]
    pub file: String,
    /// 1–200 characters, not only white space.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// What it shows and why it is safe (at most 10,000 characters; needed to request).
    #[schema(max_length = 10000)]
    #[serde(default)]
    pub description: String,
}

/// A safe table or model to compute from a query over the workspace.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOutputBody {
    /// 1–200 characters, not only white space.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// What it shows and why it is safe (at most 10,000 characters; needed to request).
    #[schema(max_length = 10000)]
    #[serde(default)]
    pub description: String,
    /// One SELECT query over the workspace's tables (1–20,000 characters); the spec's
    /// columns are read from its result.
    #[schema(min_length = 1, max_length = 20000, pattern = "\\S")]
    pub sql: String,
    /// The snapshot to query (default: the newest).
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "crate::api::optional_whole_number")]
    pub snapshot: Option<i64>,
    /// A table: `{"kind": "table", "rows": [col, …] (at least one), "columns": [col, …],
    /// "values": col, "aggfunc": "count"|"sum"|"mean"|"median"|"std"|"min"|"max"|"mode",
    /// "margins": bool, "suppress": bool}` (rows and columns at most 8 in all; `values`
    /// numeric and with an `aggfunc`, or neither for a frequency table); a model:
    /// `{"kind": "ols"|"logit"|"probit", "y": col, "x": [col, …]}` (numeric columns).
    /// `docs/airlock.md` has the details.
    #[schema(value_type = OutputSpecBody)]
    pub spec: Value,
}

/// A file for manual review (`multipart/form-data`).
#[derive(utoipa::ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct OutputFileForm {
    /// 1–200 characters, not only white space.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    title: String,
    /// At most 10,000 characters.
    #[schema(max_length = 10000)]
    description: Option<String>,
    /// PNG, JPEG, PDF, CSV or text (`.png`, `.jpg`, `.jpeg`, `.pdf`, `.csv`, `.tsv`,
    /// `.txt`, `.md`, `.log`), 1 byte to 10 MiB; the bytes must be what the name says.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Asking for release.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputRequestBody {
    /// What it shows and why it is safe: 1–10,000 characters, not only white space.
    #[schema(min_length = 1, max_length = 10000, pattern = "\\S")]
    pub description: String,
}

/// A checker's decision as the OpenAPI document states it: the reason is required to reject
/// or ask. The body reads as [`OutputReviewBody`], which names a missing reason in the user's
/// language.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum OutputReviewDecision {
    Approve(OutputApproval),
    Reasoned(OutputReasonedDecision),
}

/// Approve the release (the reason is optional).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct OutputApproval {
    #[schema(pattern = "^approve$")]
    decision: String,
    /// At most 2,000 characters.
    #[schema(max_length = 2000)]
    #[serde(default)]
    reason: String,
}

/// Reject it, or ask the researcher something: with the reason they see.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct OutputReasonedDecision {
    #[schema(pattern = "^(reject|ask)$")]
    decision: String,
    /// 1–2,000 characters, not only white space.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    reason: String,
}

/// A safe table or a model, as the OpenAPI document states it (the body keeps it as JSON and
/// `ork-airlock` reads it, naming every problem).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
#[allow(dead_code)]
pub enum OutputSpecBody {
    /// A safe table: rows and columns together at most 8 variables, each named once.
    Table {
        /// The variables whose values label the rows.
        #[schema(min_items = 1, max_items = 8)]
        rows: Vec<String>,
        /// The variables whose values label the columns.
        #[serde(default)]
        #[schema(max_items = 7)]
        columns: Vec<String>,
        /// The numeric variable the statistic is of (with `aggfunc`; neither for a count of
        /// rows).
        #[serde(default)]
        values: Option<String>,
        #[serde(default)]
        #[schema(pattern = "^(count|sum|mean|median|std|min|max|mode)$")]
        aggfunc: Option<String>,
        /// A total row and column, labelled `All`.
        #[serde(default)]
        margins: bool,
        /// Withhold failing cells; totals are computed without them.
        #[serde(default)]
        suppress: bool,
    },
    /// Ordinary least squares with an intercept (numeric columns).
    Ols {
        y: String,
        #[schema(min_items = 1)]
        x: Vec<String>,
    },
    /// Logistic regression (y 0 or 1).
    Logit {
        y: String,
        #[schema(min_items = 1)]
        x: Vec<String>,
    },
    /// Probit regression (y 0 or 1).
    Probit {
        y: String,
        #[schema(min_items = 1)]
        x: Vec<String>,
    },
}

/// A checker's decision.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputReviewBody {
    #[schema(pattern = "^(approve|reject|ask)$")]
    pub decision: String,
    /// Why (at most 2,000 characters; required, not only white space, to reject or ask).
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub reason: String,
}

//! The applications API's bodies: the application with its parts, the form as evaluated
//! for the current answers, field errors, the authority's view of a part and decisions.

use crate::dates::iso;
use ork_rules::report::RoadmapReport;
use serde_json::Value;
use utoipa::ToSchema;

/// A new application.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplicationBody {
    /// 1–200 characters, no control characters; also the form's project title to start.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub title: String,
    /// The data need the application is for (as for `POST /api/v1/roadmap`).
    pub need: ork_rules::Need,
    /// The organisation that applies (you must be an applicant there; default: your first).
    #[serde(default)]
    pub org: Option<String>,
    /// A client organisation to apply for, as its authorised consultancy: the client owns
    /// the application and its permit (403 without the client's authorisation).
    #[serde(default)]
    pub on_behalf_of: Option<String>,
}

/// Answers to save in a draft (or, after a rejection or a request for information, in the
/// submitted application).
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersPatch {
    /// Field id → answer; `null` removes an answer. Fields not named keep their answers.
    #[schema(value_type = Object)]
    pub answers: serde_json::Map<String, Value>,
}

/// A change to a granted permit.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentRequest {
    /// The changed need (as for `POST /api/v1/roadmap`); its `previous` is set to the
    /// permit's need.
    pub need: ork_rules::Need,
    /// Field id → changed answer; `null` removes one. Fields not named keep the permit's.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: serde_json::Map<String, Value>,
}

/// An invitation to an application.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    /// The e-mail of a user with an account.
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    /// co_applicant (may edit and submit) or reader (may only read).
    #[schema(pattern = "^(co_applicant|reader)$")]
    pub access: String,
}

/// A member of an application.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct MemberBody {
    pub email: String,
    pub name: String,
    #[schema(pattern = "^(co_applicant|reader)$")]
    pub access: String,
}

/// The members of an application (besides its creator).
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct MemberList {
    pub members: Vec<MemberBody>,
}

/// One problem with one answer.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct FieldErrorBody {
    /// The field's id.
    pub field: String,
    /// In a table: `ROW.COLUMN` (rows from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// `required`, `too_long`, `invalid_date`… or the id of a rule between fields.
    pub code: String,
    /// In your language.
    pub message: String,
}

/// One part: what one authority decides.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct PartSummary {
    pub id: String,
    /// The roadmap step id (`RULE` or `RULE:REGION`).
    pub step: String,
    /// The deciding organisation's id.
    pub authority: String,
    #[schema(
        pattern = "^(waiting|submitted|in_review|information_requested|approved|approved_with_conditions|rejected|withdrawn|not_required)$"
    )]
    pub state: String,
    /// The statutory deadline as the clock stands (it moves while information is
    /// requested), YYYY-MM-DD; none while the part waits or where the rule has no deadline.
    pub due: Option<String>,
    /// The roadmap's expected decision date (median), YYYY-MM-DD; none while it waits.
    pub expected: Option<String>,
    /// For an approval carried over by an amendment: the earlier part it rests on.
    pub carried_from: Option<String>,
}

/// A step's fee.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct FeeBody {
    /// The roadmap step id.
    pub step: String,
    /// The authority's published fee, in words; empty where the rulebook states none.
    pub fee: String,
}

/// An application.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct ApplicationBody {
    /// `app-` and 12 letters and digits.
    pub id: String,
    pub title: String,
    #[schema(pattern = "^(draft|submitted|granted|withdrawn)$")]
    pub state: String,
    /// The applying organisation (it owns the application and the permit).
    pub org: String,
    /// The e-mail of the user who created it.
    pub created_by: String,
    /// Your access: owner (also every applicant of a client whose consultancy prepared
    /// it), co_applicant, reader, or agent (the client's authorised consultancy).
    #[schema(pattern = "^(owner|co_applicant|reader|agent)$")]
    pub access: String,
    /// The consultancy that prepared it on the organisation's behalf.
    pub on_behalf_by: Option<String>,
    pub need: ork_rules::Need,
    /// The answers kept (a hidden field's answer is not kept).
    #[schema(value_type = Object)]
    pub answers: serde_json::Map<String, Value>,
    /// What is missing or wrong before it can be submitted (empty: it can be).
    pub errors: Vec<FieldErrorBody>,
    /// The roadmap: as it would be now for a draft, frozen at submission after.
    pub roadmap: RoadmapReport,
    /// One per roadmap step once submitted; empty for a draft.
    pub parts: Vec<PartSummary>,
    /// What each step costs, as its authority publishes it (in your language), so the fee
    /// is known while writing.
    pub fees: Vec<FeeBody>,
    /// Counts changes; the portal shows when someone else saved in between.
    pub revision: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
    /// RFC 3339, UTC.
    pub submitted_at: Option<String>,
    /// The permit this application amends.
    pub amends: Option<String>,
    /// The approvals an amendment carries over, each with the part it rests on.
    pub carried_over: Vec<super::amend::CarriedOver>,
}

/// Your applications and those you are co-applicant or reader on, newest first.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct ApplicationList {
    pub applications: Vec<ApplicationListItem>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct ApplicationListItem {
    pub id: String,
    pub title: String,
    #[schema(pattern = "^(draft|submitted|granted|withdrawn)$")]
    pub state: String,
    pub org: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

/// An option of a choice.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct OptionBody {
    pub value: String,
    pub label: String,
}

/// A column of a table field.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct ColumnBody {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub label: String,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionBody>>,
}

/// A field as shown for the current answers.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct FieldBody {
    pub id: String,
    /// text, long_text, email, number, yes_no, date, period, choice, multi_choice, persons,
    /// organisation, cohort, datasets, attachment or table.
    #[serde(rename = "type")]
    pub kind: String,
    pub label: String,
    pub help: String,
    /// Must be answered when visible (a hidden field never is).
    pub required: bool,
    /// Shown for the current answers, traits and roadmap.
    pub visible: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionBody>>,
    /// The lower bound: characters of a text, a number's value, a period's days or a list's
    /// items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The upper bound, counted as `min`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// A regular expression a text must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// What the pattern allows, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern_hint: Option<String>,
    /// A table's columns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<ColumnBody>>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct SectionBody {
    pub id: String,
    pub title: String,
    pub fields: Vec<FieldBody>,
}

/// The form evaluated against the application's answers, traits and roadmap.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct FormBody {
    /// The rulebook version the form belongs to.
    pub rulebook_version: String,
    pub sections: Vec<SectionBody>,
}

/// Why a submission was refused: every field error; nothing was submitted.
#[derive(serde::Serialize, ToSchema)]
pub struct SubmitRefusedBody {
    pub error: crate::api::ErrorDetail,
    pub errors: Vec<FieldErrorBody>,
}

pub(crate) fn opt_iso(t: Option<i64>) -> Option<String> {
    t.map(iso)
}

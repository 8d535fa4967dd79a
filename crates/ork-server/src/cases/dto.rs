//! The case-handling API's bodies: an authority's queue, a part with exactly its rule's
//! fields, decisions and messages.

use utoipa::ToSchema;

/// A part in an authority's queue.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct QueueItem {
    pub id: String,
    pub application: String,
    pub title: String,
    /// The applying organisation.
    pub applicant: String,
    pub step: String,
    pub authority: String,
    #[schema(
        pattern = "^(waiting|submitted|in_review|information_requested|approved|approved_with_conditions|rejected|withdrawn|not_required)$"
    )]
    pub state: String,
    /// YYYY-MM-DD, as the clock stands.
    pub due: Option<String>,
    /// YYYY-MM-DD.
    pub expected: Option<String>,
    /// The handler's e-mail.
    pub assigned_to: Option<String>,
}

/// An authority's queue.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct Queue {
    pub parts: Vec<QueueItem>,
}

/// A decision as recorded.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct DecisionView {
    pub round: i64,
    #[schema(
        pattern = "^(approved|approved_with_conditions|rejected|information_requested|not_required)$"
    )]
    pub outcome: String,
    pub reason_codes: Vec<String>,
    pub text: String,
    pub conditions: Vec<String>,
    /// RFC 3339, UTC.
    pub decided_at: String,
}

/// A message on a part.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub author: String,
    /// Written by the authority (else by the applicant).
    pub from_authority: bool,
    /// RFC 3339, UTC.
    pub at: String,
    pub body: String,
}

/// A part: what one authority decides, with exactly the answers its rule names.
#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct PartBody {
    pub id: String,
    pub application: String,
    pub title: String,
    pub applicant: String,
    pub step: String,
    /// The rulebook step it is decided under.
    pub rule: String,
    pub authority: String,
    #[schema(
        pattern = "^(waiting|submitted|in_review|information_requested|approved|approved_with_conditions|rejected|withdrawn|not_required)$"
    )]
    pub state: String,
    /// Exactly the answers the rule's `form_fields` name.
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The steps that must be approved before this part opens.
    pub depends_on: Vec<String>,
    pub deadline_days: Option<u32>,
    pub due: Option<String>,
    pub expected: Option<String>,
    /// Days of running clock so far (stopped while information is requested).
    pub running_days: i64,
    /// Days the clock has stood still.
    pub stopped_days: i64,
    pub assigned_to: Option<String>,
    /// 1, and one more for each resubmission after a rejection.
    pub round: i64,
    pub decisions: Vec<DecisionView>,
    pub messages: Vec<MessageView>,
    /// Counts changes.
    pub revision: i64,
}

/// A decision on a part.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    #[schema(
        pattern = "^(approved|approved_with_conditions|rejected|information_requested|not_required)$"
    )]
    pub outcome: String,
    /// Stable codes of the reasons, each 1–40 of a–z, 0–9 and _ (at most 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub reason_codes: Vec<String>,
    /// The reasons in words: required for anything but an approval (at most 10,000
    /// characters).
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub text: String,
    /// Conditions of an approval with conditions (then at least one; each 1–2,000
    /// characters, at most 20); none otherwise.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub conditions: Vec<String>,
}

/// A message to the other side of a part.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    /// 1–10,000 characters.
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
}

/// Whom to assign a part to.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// A case handler of the part's authority (default: you).
    #[serde(default)]
    #[schema(format = "email", max_length = 254)]
    pub handler: Option<String>,
}

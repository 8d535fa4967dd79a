//! The application form as data (`rulebook/form.toml`): sections of typed fields with
//! labels and help in both languages, validation, visibility conditions over earlier
//! answers, the need's traits and the frozen roadmap, and rules between fields. The same
//! form drives the portal's page, the server's validation and the API: `check.rs` is the
//! one implementation of its rules; `answer.rs` reads an answer's JSON by its field's type.
//! A step's `form_fields` name what its authority receives (checked here at load).

mod answer;
mod check;
mod load;
mod shape;

pub use answer::{Answer, CohortRef, DatasetRequest, Organisation, Person, valid_cvr};
pub use check::{Checked, CohortProblem, Context, FormError, References, UnknownFields};
pub use load::load;
pub use shape::{fits, schema};

use ork_catalog::Text;

/// The types a field can have; each takes one JSON shape in the API (`docs/applications.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    Text,
    LongText,
    Email,
    Number,
    YesNo,
    Date,
    Period,
    Choice,
    MultiChoice,
    Persons,
    Organisation,
    Cohort,
    Datasets,
    Attachment,
    Table,
}

impl FieldType {
    pub const ALL: [Self; 15] = [
        Self::Text,
        Self::LongText,
        Self::Email,
        Self::Number,
        Self::YesNo,
        Self::Date,
        Self::Period,
        Self::Choice,
        Self::MultiChoice,
        Self::Persons,
        Self::Organisation,
        Self::Cohort,
        Self::Datasets,
        Self::Attachment,
        Self::Table,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::LongText => "long_text",
            Self::Email => "email",
            Self::Number => "number",
            Self::YesNo => "yes_no",
            Self::Date => "date",
            Self::Period => "period",
            Self::Choice => "choice",
            Self::MultiChoice => "multi_choice",
            Self::Persons => "persons",
            Self::Organisation => "organisation",
            Self::Cohort => "cohort",
            Self::Datasets => "datasets",
            Self::Attachment => "attachment",
            Self::Table => "table",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == s)
    }

    /// What `min` and `max` bound for this type, if anything: the length of a text in
    /// characters, a number's value, a period's length in days, or a list's items.
    pub fn bounds(self) -> Option<Bound> {
        match self {
            Self::Text | Self::LongText | Self::Email => Some(Bound::Length),
            Self::Number => Some(Bound::Value),
            Self::Period => Some(Bound::Days),
            Self::MultiChoice | Self::Persons | Self::Datasets | Self::Attachment | Self::Table => {
                Some(Bound::Items)
            }
            Self::YesNo | Self::Date | Self::Choice | Self::Organisation | Self::Cohort => None,
        }
    }

    /// The types a table's column may have.
    pub fn in_table(self) -> bool {
        matches!(
            self,
            Self::Text
                | Self::LongText
                | Self::Email
                | Self::Number
                | Self::YesNo
                | Self::Date
                | Self::Choice
        )
    }
}

/// What a field's `min`/`max` bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Length,
    Value,
    Days,
    Items,
}

/// One option of a choice.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub value: String,
    pub label: Text,
}

/// A column of a table field: a field of its own, without help, conditions or nesting.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub id: String,
    pub kind: FieldType,
    pub required: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub options: Vec<Choice>,
    pub label: Text,
}

/// A field of the form.
#[derive(Debug, Clone)]
pub struct Field {
    pub id: String,
    pub kind: FieldType,
    pub required: bool,
    pub label: Text,
    pub help: Text,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pattern: Option<regex::Regex>,
    /// What the pattern allows, in words (shown with the pattern's error).
    pub pattern_hint: Option<Text>,
    pub options: Vec<Choice>,
    pub columns: Vec<Column>,
    /// Shown (and so required and kept) only when this holds; always when absent.
    pub visible: Option<Condition>,
}

impl Field {
    /// As a column, for the checks fields and columns share.
    fn as_column(&self) -> Column {
        Column {
            id: self.id.clone(),
            kind: self.kind,
            required: self.required,
            min: self.min,
            max: self.max,
            options: self.options.clone(),
            label: self.label.clone(),
        }
    }
}

/// When a field is shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// The frozen roadmap holds a step of this rule.
    Step(String),
    /// The need states this trait true.
    Trait(String),
    /// An earlier, visible field's answer is exactly this JSON value.
    Equals(String, serde_json::Value),
    /// An earlier, visible multiple choice includes this option.
    Includes(String, String),
    /// An earlier, visible field has an answer.
    Answered(String),
}

/// A date, or one end of a period, that a rule between fields compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateRef {
    pub field: String,
    /// `None` for a date field; `Some(false)` for a period's start, `Some(true)` its end.
    pub end: Option<bool>,
}

/// A rule between two fields: `field` is not before (or not after) `than`. Checked when
/// both are answered and visible.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossRule {
    pub id: String,
    pub field: DateRef,
    pub not_after: bool,
    pub than: DateRef,
    pub text: Text,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub title: Text,
    pub fields: Vec<Field>,
}

/// The loaded, checked form.
#[derive(Debug, Clone, Default)]
pub struct Form {
    pub sections: Vec<Section>,
    pub rules: Vec<CrossRule>,
}

impl Form {
    /// Every field in order, with its section.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.sections.iter().flat_map(|s| &s.fields)
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields().find(|f| f.id == id)
    }
}

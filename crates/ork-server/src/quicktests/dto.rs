//! The quick-test API's bodies that are not the engine's own types: the cohort definition's
//! schema (the language is checked by `ork_quicktest::cohort`, which names the element at
//! fault; the schema states its shape for clients) and saved cohorts.

use super::service::iso;
use serde_json::Value;

crate::api::hand_schema!(
    /// A cohort definition as the API takes it: JSON in the cohort language (its schema is
    /// `cohort-definition.json`, kept to `docs/cohort-language.md`).
    CohortDefinition,
    "cohort-definition.json"
);

/// A saved cohort.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SavedCohortBody {
    /// The stable id (`coh-` and 12 letters and digits).
    pub id: String,
    pub name: String,
    #[schema(value_type = CohortDefinition)]
    pub definition: Value,
    /// The e-mail of the user who saved it.
    pub owner: String,
    /// The organisation it belongs to.
    pub org: String,
    /// Visible to everyone in the organisation, not only the owner.
    pub shared: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

impl From<&ork_store::SavedCohort> for SavedCohortBody {
    fn from(c: &ork_store::SavedCohort) -> Self {
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            definition: serde_json::from_str(&c.definition).unwrap_or(Value::Null),
            owner: c.owner_email.clone(),
            org: c.org_id.to_string(),
            shared: c.shared,
            created_at: iso(c.created_at),
            updated_at: iso(c.updated_at),
        }
    }
}

/// Your cohorts and those shared in your organisations, newest first.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CohortList {
    pub cohorts: Vec<SavedCohortBody>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::ToSchema;

    #[test]
    fn the_definition_schema_reads_with_every_part_it_refers_to() {
        let mut parts = Vec::new();
        CohortDefinition::schemas(&mut parts);
        let names: Vec<&str> = parts.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["CohortCriterion", "CohortEvent", "CohortPopulation"]
        );
        crate::api::tests::reads_unchanged(CohortDefinition::FILE);
    }
}

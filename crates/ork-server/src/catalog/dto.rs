//! The catalog's API bodies (typed, with their OpenAPI schemas) and how a source, a search
//! result and its facets become them.

use super::CatalogState;
use ork_catalog::search::Results;
use ork_catalog::{Catalog, Source, Text};
use ork_domain::Lang;
use utoipa::ToSchema;

crate::api::hand_schema!(
    /// The catalog as JSON-LD, as `GET /api/v1/catalog/dcat` writes it (`dcat-jsonld.json`).
    DcatJsonLd,
    "dcat-jsonld.json"
);

#[derive(serde::Serialize, ToSchema)]
pub struct OrgRef {
    pub id: String,
    pub name: Text,
}

#[derive(serde::Serialize, ToSchema)]
pub struct YearCount {
    pub year: i32,
    pub records: u64,
}

#[derive(serde::Serialize, ToSchema)]
pub struct CoverageDto {
    pub from_year: i32,
    /// Absent while the source is still updated.
    pub to_year: Option<i32>,
    pub population: Text,
    /// Rows of the synthetic register here, or the real-world figure where given.
    pub records: Option<u64>,
    pub unique_persons: Option<u64>,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    /// Records per year (the coverage chart).
    pub records_by_year: Vec<YearCount>,
}

/// A source as listed and found.
#[derive(serde::Serialize, ToSchema)]
pub struct SourceSummary {
    /// The stable id roadmaps, applications, quick tests and permits use.
    pub id: String,
    pub name: Text,
    pub summary: Text,
    pub controller: OrgRef,
    /// register, operational, wet or genomic.
    pub data_type: String,
    pub topics: Vec<String>,
    pub coverage: CoverageDto,
    /// Generated here as synthetic Parquet registers.
    pub synthetic: bool,
    /// The source's page in the portal.
    pub href: String,
}

#[derive(serde::Serialize, ToSchema)]
pub struct VariableDto {
    pub name: String,
    /// string, integer, decimal, date, timestamp or boolean.
    #[serde(rename = "type")]
    pub kind: String,
    pub label: Text,
    pub description: Text,
    pub code_list: Option<String>,
    pub unit: Option<String>,
    pub valid_from: Option<i32>,
    pub valid_to: Option<i32>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct TableDto {
    pub name: String,
    pub label: Text,
    pub description: Text,
    /// Rows in the synthetic register, when generated here.
    pub rows: Option<u64>,
    pub variables: Vec<VariableDto>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct LawDto {
    pub id: String,
    pub iri: String,
    pub label: Text,
}

#[derive(serde::Serialize, ToSchema)]
pub struct AccessDto {
    /// Organisations that must approve.
    pub approvers: Vec<OrgRef>,
    pub delivery: Text,
    pub fees: Text,
    /// Typical working days from a complete application to data.
    pub lead_time_days: Option<u32>,
    pub lead_time: Text,
    pub legislation: Vec<LawDto>,
    pub retention: Text,
}

#[derive(serde::Serialize, ToSchema)]
pub struct NoteDto {
    pub table: Option<String>,
    pub column: Option<String>,
    pub text: Text,
}

#[derive(serde::Serialize, ToSchema)]
pub struct HistoryDto {
    pub date: String,
    pub text: Text,
}

#[derive(serde::Serialize, ToSchema)]
pub struct DocDto {
    /// Markdown, as the steward wrote it.
    pub markdown: Text,
    /// 0 is the page shipped with the catalog; stewards' saves count up.
    pub version: i64,
    pub author: Option<String>,
    pub saved_at: Option<i64>,
}

/// A source with everything the catalog knows of it.
#[derive(serde::Serialize, ToSchema)]
pub struct SourceDetail {
    #[serde(flatten)]
    pub summary: SourceSummary,
    pub keywords: KeywordsDto,
    /// daily, weekly, monthly, quarterly, yearly, continuous or irregular.
    pub update_cadence: String,
    pub personal_data: bool,
    pub landing_page: Option<String>,
    pub access: AccessDto,
    pub quality_issues: Vec<NoteDto>,
    pub history: Vec<HistoryDto>,
    pub documentation: DocDto,
    pub tables: Vec<TableDto>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct KeywordsDto {
    pub da: Vec<String>,
    pub en: Vec<String>,
}

fn org_ref(c: &Catalog, id: &str) -> OrgRef {
    OrgRef {
        id: id.to_owned(),
        name: c
            .organisation(id)
            .map_or_else(|| Text::new(id, id), |x| x.name.clone()),
    }
}

pub fn summary(c: &Catalog, s: &Source) -> SourceSummary {
    SourceSummary {
        id: s.id.clone(),
        name: s.name.clone(),
        summary: s.summary.clone(),
        controller: org_ref(c, &s.controller),
        data_type: s.data_type.id().into(),
        topics: s.topics.clone(),
        coverage: CoverageDto {
            from_year: s.coverage.from_year,
            to_year: s.coverage.to_year,
            population: s.coverage.population.clone(),
            records: s.coverage.records,
            unique_persons: s.coverage.unique_persons,
            min_age: s.coverage.min_age,
            max_age: s.coverage.max_age,
            records_by_year: s
                .coverage
                .records_by_year
                .iter()
                .map(|(&year, &records)| YearCount { year, records })
                .collect(),
        },
        synthetic: s.is_synthetic(),
        href: format!("/catalog/sources/{}", s.id),
    }
}

pub fn detail(cs: &CatalogState, s: &Source) -> SourceDetail {
    let c = &cs.catalog;
    let doc = cs.doc(&s.id);
    SourceDetail {
        summary: summary(c, s),
        keywords: KeywordsDto {
            da: s.keywords.da.clone(),
            en: s.keywords.en.clone(),
        },
        update_cadence: s.cadence.id().into(),
        personal_data: s.personal_data,
        landing_page: s.landing_page.clone(),
        access: AccessDto {
            approvers: s.access.approvers.iter().map(|a| org_ref(c, a)).collect(),
            delivery: s.access.delivery.clone(),
            fees: s.access.fees.clone(),
            lead_time_days: s.access.lead_time_days,
            lead_time: s.access.lead_time.clone(),
            legislation: s
                .access
                .legislation
                .iter()
                .filter_map(|l| c.law(l))
                .map(|l| LawDto {
                    id: l.id.clone(),
                    iri: l.iri.clone(),
                    label: l.label.clone(),
                })
                .collect(),
            retention: s.access.retention.clone(),
        },
        quality_issues: s
            .quality_issues
            .iter()
            .map(|q| NoteDto {
                table: q.table.clone(),
                column: q.column.clone(),
                text: q.text.clone(),
            })
            .collect(),
        history: s
            .history
            .iter()
            .map(|h| HistoryDto {
                date: h.date.clone(),
                text: h.text.clone(),
            })
            .collect(),
        documentation: DocDto {
            markdown: doc.text.clone(),
            version: doc.version,
            author: doc.author,
            saved_at: doc.saved_at,
        },
        tables: s
            .tables
            .iter()
            .map(|t| TableDto {
                name: t.name.clone(),
                label: t.label.clone(),
                description: t.description.clone(),
                rows: t.rows,
                variables: t
                    .variables
                    .iter()
                    .map(|v| VariableDto {
                        name: v.name.clone(),
                        kind: v.kind.clone(),
                        label: v.label.clone(),
                        description: v.description.clone(),
                        code_list: v.code_list.clone(),
                        unit: v.unit.clone(),
                        valid_from: v.valid_from,
                        valid_to: v.valid_to,
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[derive(serde::Serialize, ToSchema)]
pub struct HitDto {
    /// source, table or variable.
    pub kind: &'static str,
    pub source_id: String,
    pub table: Option<String>,
    pub variable: Option<String>,
    /// The hit's label in the requested language.
    pub label: String,
    pub score: f32,
}

#[derive(serde::Serialize, ToSchema)]
pub struct FacetValue {
    pub id: String,
    pub label: String,
    /// Matching sources with this value.
    pub count: u64,
}

#[derive(serde::Serialize, ToSchema)]
pub struct FacetsDto {
    pub controllers: Vec<FacetValue>,
    pub data_types: Vec<FacetValue>,
    pub topics: Vec<FacetValue>,
    /// Decades in which the matching sources' coverage starts ("1970", "1980", …).
    pub decades: Vec<FacetValue>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct SearchResponse {
    pub query: String,
    pub lang: String,
    pub total_sources: usize,
    /// Every matching source, best first (by name when the query is empty).
    pub sources: Vec<SourceSummary>,
    /// The best hits on sources, tables and variables.
    pub hits: Vec<HitDto>,
    pub facets: FacetsDto,
}

pub fn facets_dto(c: &Catalog, r: &Results, lang: Lang) -> FacetsDto {
    FacetsDto {
        controllers: r
            .facets
            .controllers
            .iter()
            .map(|(id, n)| FacetValue {
                id: id.clone(),
                label: c
                    .controller(id)
                    .map(|x| x.name.get(lang).to_owned())
                    .unwrap_or_else(|| id.clone()),
                count: *n,
            })
            .collect(),
        data_types: r
            .facets
            .data_types
            .iter()
            .map(|(t, n)| FacetValue {
                id: t.id().into(),
                label: t.label().get(lang).to_owned(),
                count: *n,
            })
            .collect(),
        topics: r
            .facets
            .topics
            .iter()
            .map(|(id, n)| FacetValue {
                id: id.clone(),
                label: c
                    .topic(id)
                    .map(|x| x.label.get(lang).to_owned())
                    .unwrap_or_else(|| id.clone()),
                count: *n,
            })
            .collect(),
        decades: r
            .facets
            .decades
            .iter()
            .map(|(d, n)| FacetValue {
                id: d.to_string(),
                label: format!("{d}–{}", d + 9),
                count: *n,
            })
            .collect(),
    }
}

pub fn hits_dto(c: &Catalog, r: &Results, lang: Lang) -> Vec<HitDto> {
    r.hits
        .iter()
        .map(|h| {
            let s = &c.sources[h.source];
            let t = h.table.map(|i| &s.tables[i]);
            let v = t.and_then(|t| h.variable.map(|i| &t.variables[i]));
            HitDto {
                kind: match (t, v) {
                    (_, Some(_)) => "variable",
                    (Some(_), None) => "table",
                    _ => "source",
                },
                source_id: s.id.clone(),
                table: t.map(|t| t.name.clone()),
                variable: v.map(|v| v.name.clone()),
                label: match (t, v) {
                    (_, Some(v)) => v.label.get(lang).to_owned(),
                    (Some(t), None) => t.label.get(lang).to_owned(),
                    _ => s.name.get(lang).to_owned(),
                },
                score: h.score,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_json_ld_schema_reads_unchanged() {
        crate::api::tests::reads_unchanged(super::DcatJsonLd::FILE);
    }
}

//! The catalog API: sources with their variables, search with facets, the HealthDCAT-AP
//! export, and the signed-in user's basket (the data need the roadmap and the application
//! take over). Reading the catalog needs no sign-in; the basket does.

use super::CatalogState;
use crate::auth::{ApiUser, ClientAddr};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ork_catalog::search::{Query, Results, SearchError};
use ork_catalog::{Catalog, DataType, Source, Text};
use utoipa::ToSchema;

#[derive(serde::Serialize, ToSchema, Clone)]
pub struct TextDto {
    pub da: String,
    pub en: String,
}

impl From<&Text> for TextDto {
    fn from(t: &Text) -> Self {
        Self {
            da: t.da.clone(),
            en: t.en.clone(),
        }
    }
}

#[derive(serde::Serialize, ToSchema)]
pub struct OrgRef {
    pub id: String,
    pub name: TextDto,
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
    pub population: TextDto,
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
    pub name: TextDto,
    pub summary: TextDto,
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
    pub label: TextDto,
    pub description: TextDto,
    pub code_list: Option<String>,
    pub unit: Option<String>,
    pub valid_from: Option<i32>,
    pub valid_to: Option<i32>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct TableDto {
    pub name: String,
    pub label: TextDto,
    pub description: TextDto,
    /// Rows in the synthetic register, when generated here.
    pub rows: Option<u64>,
    pub variables: Vec<VariableDto>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct LawDto {
    pub id: String,
    pub iri: String,
    pub label: TextDto,
}

#[derive(serde::Serialize, ToSchema)]
pub struct AccessDto {
    /// Organisations that must approve.
    pub approvers: Vec<OrgRef>,
    pub delivery: TextDto,
    pub fees: TextDto,
    /// Typical working days from a complete application to data.
    pub lead_time_days: Option<u32>,
    pub lead_time: TextDto,
    pub legislation: Vec<LawDto>,
    pub retention: TextDto,
}

#[derive(serde::Serialize, ToSchema)]
pub struct NoteDto {
    pub table: Option<String>,
    pub column: Option<String>,
    pub text: TextDto,
}

#[derive(serde::Serialize, ToSchema)]
pub struct HistoryDto {
    pub date: String,
    pub text: TextDto,
}

#[derive(serde::Serialize, ToSchema)]
pub struct DocDto {
    /// Markdown, as the steward wrote it.
    pub markdown: TextDto,
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
            .map(|x| TextDto::from(&x.name))
            .unwrap_or_else(|| TextDto {
                da: id.to_owned(),
                en: id.to_owned(),
            }),
    }
}

pub fn summary(c: &Catalog, s: &Source) -> SourceSummary {
    SourceSummary {
        id: s.id.clone(),
        name: (&s.name).into(),
        summary: (&s.summary).into(),
        controller: org_ref(c, &s.controller),
        data_type: s.data_type.id().into(),
        topics: s.topics.clone(),
        coverage: CoverageDto {
            from_year: s.coverage.from_year,
            to_year: s.coverage.to_year,
            population: (&s.coverage.population).into(),
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
            delivery: (&s.access.delivery).into(),
            fees: (&s.access.fees).into(),
            lead_time_days: s.access.lead_time_days,
            lead_time: (&s.access.lead_time).into(),
            legislation: s
                .access
                .legislation
                .iter()
                .filter_map(|l| c.law(l))
                .map(|l| LawDto {
                    id: l.id.clone(),
                    iri: l.iri.clone(),
                    label: (&l.label).into(),
                })
                .collect(),
            retention: (&s.access.retention).into(),
        },
        quality_issues: s
            .quality_issues
            .iter()
            .map(|q| NoteDto {
                table: q.table.clone(),
                column: q.column.clone(),
                text: (&q.text).into(),
            })
            .collect(),
        history: s
            .history
            .iter()
            .map(|h| HistoryDto {
                date: h.date.clone(),
                text: (&h.text).into(),
            })
            .collect(),
        documentation: DocDto {
            markdown: (&doc.text).into(),
            version: doc.version,
            author: doc.author,
            saved_at: doc.saved_at,
        },
        tables: s
            .tables
            .iter()
            .map(|t| TableDto {
                name: t.name.clone(),
                label: (&t.label).into(),
                description: (&t.description).into(),
                rows: t.rows,
                variables: t
                    .variables
                    .iter()
                    .map(|v| VariableDto {
                        name: v.name.clone(),
                        kind: v.kind.clone(),
                        label: (&v.label).into(),
                        description: (&v.description).into(),
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

/// The source, or a 404 that suggests the ids closest to the one asked for.
pub fn find<'a>(c: &'a Catalog, id: &str) -> Result<&'a Source, ApiError> {
    c.source(id).ok_or_else(|| {
        let shown: String = id.chars().take(60).collect();
        let near = c.suggest(&shown);
        let (da, en) = if near.is_empty() {
            (
                format!("Datakilden '{shown}' findes ikke i kataloget."),
                format!("There is no data source '{shown}' in the catalog."),
            )
        } else {
            let list = near.join(", ");
            (
                format!("Datakilden '{shown}' findes ikke i kataloget. Mente du: {list}?"),
                format!("There is no data source '{shown}' in the catalog. Did you mean: {list}?"),
            )
        };
        ApiError::new(StatusCode::NOT_FOUND, "source_not_found", da, en)
    })
}

/// Every source, by id.
#[utoipa::path(get, path = "/api/v1/catalog/sources", tag = "catalog",
    responses((status = 200, body = [SourceSummary])))]
pub async fn sources(State(state): State<AppState>) -> Json<Vec<SourceSummary>> {
    let c = &state.catalog.catalog;
    Json(c.sources.iter().map(|s| summary(c, s)).collect())
}

/// One source with its tables and variables, access route, documentation and history.
#[utoipa::path(get, path = "/api/v1/catalog/sources/{id}", tag = "catalog",
    params(("id" = String, Path, description = "The source's stable id, e.g. lpr, lmdb, epj-hovedstaden")),
    responses((status = 200, body = SourceDetail), (status = 404, body = crate::api::ErrorBody)))]
pub async fn source(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SourceDetail>, ApiError> {
    let s = find(&state.catalog.catalog, &id)?;
    Ok(Json(detail(&state.catalog, s)))
}

/// A parsed search request.
pub struct SearchParams {
    pub query: Query,
    pub lang: Option<String>,
}

fn bad(code: &'static str, da: String, en: String) -> ApiError {
    ApiError::bad_request(code, da, en)
}

/// Reads `q`, `lang`, `controller`, `data_type`, `topic` (each repeatable or
/// comma-separated), `from_year`, `to_year` and `limit`, refusing anything else.
pub fn parse_search(raw: Option<&str>) -> Result<SearchParams, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|_| {
            bad(
                "invalid_query_string",
                "Søgeparametrene kunne ikke læses.".into(),
                "The search parameters could not be read.".into(),
            )
        })?;
    let mut query = Query {
        limit: 50,
        ..Default::default()
    };
    let mut lang = None;
    let year = |k: &str, v: &str| -> Result<i32, ApiError> {
        v.trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (1800..=2100).contains(y))
            .ok_or_else(|| {
                bad(
                    "invalid_year",
                    format!(
                        "{k} skal være et årstal, fx 2015 (fik '{}').",
                        v.chars().take(20).collect::<String>()
                    ),
                    format!(
                        "{k} must be a year, e.g. 2015 (got '{}').",
                        v.chars().take(20).collect::<String>()
                    ),
                )
            })
    };
    for (k, v) in pairs {
        // An empty field of a form means "not given".
        if v.trim().is_empty() && k != "q" {
            continue;
        }
        let many = || {
            v.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        match k.as_str() {
            "q" => query.q = v,
            "lang" => match v.as_str() {
                "da" | "en" => lang = Some(v),
                _ => {
                    return Err(bad(
                        "invalid_lang",
                        "lang skal være da eller en.".into(),
                        "lang must be da or en.".into(),
                    ));
                }
            },
            "controller" => query.controllers.extend(many()),
            "topic" => query.topics.extend(many()),
            "data_type" => {
                for t in many() {
                    query.data_types.push(DataType::parse(&t).ok_or_else(|| {
                        bad(
                            "unknown_facet",
                            format!("Ukendt datatype '{}'. Mulige: register, operational, wet, genomic.", t.chars().take(40).collect::<String>()),
                            format!("Unknown data type '{}'. Possible: register, operational, wet, genomic.", t.chars().take(40).collect::<String>()),
                        )
                    })?);
                }
            }
            "from_year" => query.from_year = Some(year("from_year", &v)?),
            "to_year" => query.to_year = Some(year("to_year", &v)?),
            "limit" => {
                query.limit = v
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=500).contains(n))
                    .ok_or_else(|| {
                        bad(
                            "invalid_limit",
                            "limit skal være et tal fra 1 til 500.".into(),
                            "limit must be a number from 1 to 500.".into(),
                        )
                    })?;
            }
            // The portal's form fields that are not search parameters.
            "_csrf" => {}
            other => {
                let other: String = other.chars().take(40).collect();
                return Err(bad(
                    "unknown_parameter",
                    format!(
                        "Ukendt søgeparameter '{other}'. Brug q, lang, controller, data_type, topic, from_year, to_year eller limit."
                    ),
                    format!(
                        "Unknown search parameter '{other}'. Use q, lang, controller, data_type, topic, from_year, to_year or limit."
                    ),
                ));
            }
        }
    }
    Ok(SearchParams { query, lang })
}

/// Runs a search, wording refusals for people.
pub fn run_search(cs: &CatalogState, q: &Query, lang: &str) -> Result<Results, ApiError> {
    cs.index()
        .search(&cs.catalog, q, lang)
        .map_err(|e| match e {
            SearchError::TooLong { chars, max } => bad(
                "query_too_long",
                format!(
                    "Søgningen er på {chars} tegn; der søges på højst {max} tegn. Forkort den."
                ),
                format!(
                    "The query is {chars} characters long; at most {max} are searched. Shorten it."
                ),
            ),
            SearchError::UnknownFacet { facet, value } => {
                let value: String = value.chars().take(40).collect();
                let (da, en) = match facet {
                    "controller" => ("dataansvarlig", "controller"),
                    _ => ("emne", "topic"),
                };
                let known: Vec<&str> = if facet == "controller" {
                    cs.catalog
                        .controllers
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect()
                } else {
                    cs.catalog.topics.iter().map(|t| t.id.as_str()).collect()
                };
                bad(
                    "unknown_facet",
                    format!("Ukendt {da} '{value}'. Mulige: {}.", known.join(", ")),
                    format!("Unknown {en} '{value}'. Possible: {}.", known.join(", ")),
                )
            }
            SearchError::EmptyYears { from, to } => bad(
                "invalid_year",
                format!("Fra-året {from} ligger efter til-året {to}."),
                format!("The from year {from} is after the to year {to}."),
            ),
            SearchError::Engine(m) => {
                tracing::error!(error = %m, "catalog search failed");
                ApiError::internal()
            }
        })
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

pub fn facets_dto(c: &Catalog, r: &Results, lang: &str) -> FacetsDto {
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

pub fn hits_dto(c: &Catalog, r: &Results, lang: &str) -> Vec<HitDto> {
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

/// Full-text search over sources, tables, variables and documentation, Danish and
/// English, with facets. An empty `q` lists every source that passes the facets.
#[utoipa::path(get, path = "/api/v1/catalog/search", tag = "catalog",
    params(
        ("q" = Option<String>, Query, description = "Words to find (at most 500 characters). Danish stemming, compound prefixes, one typo tolerated."),
        ("lang" = Option<String>, Query, description = "da or en: the language of labels in the answer (default: the user's)"),
        ("controller" = Option<String>, Query, description = "Controller id; repeat or separate with commas"),
        ("data_type" = Option<String>, Query, description = "register, operational, wet or genomic; repeatable"),
        ("topic" = Option<String>, Query, description = "Topic id; repeatable"),
        ("from_year" = Option<i32>, Query, description = "Coverage reaching back to this year or earlier"),
        ("to_year" = Option<i32>, Query, description = "Coverage reaching this year or later"),
        ("limit" = Option<usize>, Query, description = "Most hits (1-500, default 50)"),
    ),
    responses((status = 200, body = SearchResponse), (status = 400, body = crate::api::ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    UserLang(lang): UserLang,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let p = parse_search(raw.as_deref())?;
    let lang = p.lang.unwrap_or_else(|| lang.code().to_owned());
    let cs = &state.catalog;
    let r = run_search(cs, &p.query, &lang)?;
    let c = &cs.catalog;
    Ok(Json(SearchResponse {
        query: p.query.q.clone(),
        lang: lang.clone(),
        total_sources: r.sources.len(),
        sources: r
            .sources
            .iter()
            .map(|&i| summary(c, &c.sources[i]))
            .collect(),
        hits: hits_dto(c, &r, &lang),
        facets: facets_dto(c, &r, &lang),
    }))
}

/// The whole catalog as DCAT-AP 3 with the HealthDCAT-AP health properties. Turtle by
/// default; JSON-LD with `?format=jsonld` or `Accept: application/ld+json`.
#[utoipa::path(get, path = "/api/v1/catalog/dcat", tag = "catalog",
    params(("format" = Option<String>, Query, description = "turtle (default) or jsonld")),
    responses(
        (status = 200, description = "The catalog as RDF", content_type = "text/turtle"),
        (status = 400, body = crate::api::ErrorBody)))]
pub async fn dcat(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let asked = pairs
        .iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.as_str());
    let accept_jsonld = headers
        .get(header::ACCEPT)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|a| a.contains("application/ld+json"));
    let format = match asked {
        Some(f) => ork_catalog::dcat::Format::parse(f).ok_or_else(|| {
            bad(
                "invalid_format",
                "format skal være turtle eller jsonld.".into(),
                "format must be turtle or jsonld.".into(),
            )
        })?,
        None if accept_jsonld => ork_catalog::dcat::Format::JsonLd,
        None => ork_catalog::dcat::Format::Turtle,
    };
    let base = state.config.public_base();
    let cs = state.catalog.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        ork_catalog::dcat::export(&cs.catalog, &base, &cs.saved_docs(), format)
    })
    .await
    .map_err(|e| anyhow::anyhow!(e))?
    .map_err(|e| anyhow::anyhow!(e))?;
    Ok(([(header::CONTENT_TYPE, format.media_type())], bytes).into_response())
}

/// The sources in your basket, in the order you added them.
#[utoipa::path(get, path = "/api/v1/catalog/basket", tag = "catalog", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [SourceSummary]), (status = 401, body = crate::api::ErrorBody)))]
pub async fn basket(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<Vec<SourceSummary>>, ApiError> {
    let c = &state.catalog.catalog;
    let ids = state.store.basket(p.user.id).await?;
    Ok(Json(
        ids.iter()
            .filter_map(|id| c.source(id))
            .map(|s| summary(c, s))
            .collect(),
    ))
}

/// Adds a source to your basket (201; 200 when it was already there).
#[utoipa::path(put, path = "/api/v1/catalog/basket/{id}", tag = "catalog", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Source id")),
    responses((status = 201), (status = 200), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn basket_add(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let s = find(&state.catalog.catalog, &id)?;
    let mut tx = state.store.write().await?;
    let added = tx
        .basket_add(&p.audit_source(&client, None), p.user.id, &s.id)
        .await?;
    tx.commit().await?;
    Ok(if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    })
}

/// Removes a source from your basket.
#[utoipa::path(delete, path = "/api/v1/catalog/basket/{id}", tag = "catalog", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Source id")),
    responses((status = 204), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn basket_remove(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.write().await?;
    let removed = tx
        .basket_remove(&p.audit_source(&client, None), p.user.id, &id)
        .await?;
    tx.commit().await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_in_basket",
            "Datakilden er ikke i din kurv.",
            "The data source is not in your basket.",
        ))
    }
}

/// The request's language as the context middleware settled it.
pub struct UserLang(pub ork_domain::Lang);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for UserLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ork_domain::Lang>()
                .copied()
                .unwrap_or_default(),
        ))
    }
}

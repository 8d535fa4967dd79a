//! Quick tests and saved cohorts in the API: a cohort definition in (`docs/cohort-language.md`),
//! protected counts out (`docs/disclosure-control.md`), priced and logged per organisation;
//! the monthly statement; cohorts saved under stable ids.

use super::ApiJson;
use super::catalog::UserLang;
use crate::auth::{ApiUser, ClientAddr, Principal};
use crate::quicktest::IndexStatus;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ork_domain::{Lang, Role};
use ork_quicktest::answer::Earlier;
use serde_json::{Value, json};

/// The roles that may run quick tests, save cohorts and read statements for their
/// organisation. A citizen never does: a citizen's membership pays for nothing.
pub const QUICKTEST_ROLES: [Role; 5] = [
    Role::Applicant,
    Role::Advisor,
    Role::CaseHandler,
    Role::DataSteward,
    Role::Operator,
];

/// The organisation a user acts for in quick tests: the one named (they must hold a role
/// there that may run quick tests), else the first where they are an applicant, else the
/// first where they hold such a role.
pub fn acting_org(p: &Principal, named: Option<&str>) -> Result<String, ApiError> {
    let may = |m: &&ork_store::Membership| QUICKTEST_ROLES.contains(&m.role);
    if let Some(id) = named {
        let mut there = p.memberships.iter().filter(|m| m.org_id.as_str() == id);
        let first = there.clone().next().ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "not_a_member",
                format!("Du er ikke medlem af organisationen {id:?}."),
                format!("You are not a member of the organisation {id:?}."),
            )
        })?;
        return there
            .find(may)
            .map(|m| m.org_id.to_string())
            .ok_or_else(|| no_quicktest_role(&first.org_id.to_string()));
    }
    if p.memberships.is_empty() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "no_organisation",
            "Hurtige tests betales af en organisation, og du er ikke medlem af nogen. Bed din organisations administrator om at tilføje dig.",
            "Quick tests are paid for by an organisation, and you are not a member of one. Ask your organisation's administrator to add you.",
        ));
    }
    p.org_for(Role::Applicant)
        .or_else(|| p.memberships.iter().find(may).map(|m| m.org_id.to_string()))
        .ok_or_else(|| no_quicktest_role(&p.memberships[0].org_id.to_string()))
}

fn no_quicktest_role(org: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "quicktest_role_required",
        format!(
            "Din rolle i {org:?} giver ikke adgang til hurtige tests. Det kræver rollen ansøger, rådgiver, sagsbehandler, dataansvarlig eller driftsansvarlig."
        ),
        format!(
            "Your role in {org:?} does not give access to quick tests. That takes the role applicant, advisor, case handler, data steward or operator."
        ),
    )
}

/// A definition checked in full, or a 400 naming the element in the user's language.
pub fn parse_definition(text: &str) -> Result<ork_quicktest::Cohort, ApiError> {
    ork_quicktest::parse(text)
        .map_err(|e| ApiError::bad_request("invalid_cohort", e.message("da"), e.message("en")))
}

/// Answers a checked definition for a user acting for `org`: protected counts, priced,
/// logged with its audit event, and remembered for the user's next differencing check.
/// Nothing is logged or charged unless the answer is given.
/// One question: the definition as logged, checked, charged to `org`, maybe a saved cohort.
pub struct Ask<'a> {
    pub org: &'a str,
    pub definition: &'a str,
    pub cohort: ork_quicktest::Cohort,
    pub cohort_id: Option<&'a str>,
}

pub async fn run(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ask: Ask<'_>,
    lang: Lang,
) -> Result<Value, ApiError> {
    let Ask {
        org,
        definition,
        cohort,
        cohort_id,
    } = ask;
    let qt = state.quicktests.clone();
    let Some(ix) = qt.index() else {
        let (da, en) = match qt.status() {
            IndexStatus::Building => (
                "Hurtige tests starter: registrene indlæses. Prøv igen om lidt.".to_owned(),
                "Quick tests are starting: the registers are being loaded. Try again shortly."
                    .to_owned(),
            ),
            IndexStatus::Failed(m) => (
                format!("Hurtige tests er ikke tilgængelige: {m}"),
                format!("Quick tests are not available: {m}"),
            ),
            _ => (
                "Hurtige tests er ikke sat op på denne server (ingen registre).".to_owned(),
                "Quick tests are not set up on this server (no registers).".to_owned(),
            ),
        };
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "quicktests_unavailable",
            da,
            en,
        ));
    };
    // An organisation that is not found is never charged (nor given the dearest tariff).
    let organisation = match ork_domain::OrgId::parse(org) {
        Ok(id) => state.store.get_org(&id).await?,
        Err(_) => None,
    };
    let Some(organisation) = organisation else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "organisation_not_found",
            format!("Organisationen {org:?} findes ikke."),
            format!("The organisation {org:?} does not exist."),
        ));
    };
    let kind = organisation.kind.code();
    let user = qt.user(p.user.id);
    let mut history = user.lock().await;
    history.load(&state.store, p.user.id, &ix.id).await?;
    let earlier = history.earlier.clone();
    let policy = qt.policy.clone();
    let (c, ix2) = (cohort.clone(), ix.clone());
    let a = tokio::task::spawn_blocking(move || {
        ork_quicktest::answer::answer(&ix2.index, &policy, &c, &earlier)
    })
    .await
    .map_err(|e| anyhow::anyhow!(e))?;
    let tariff = qt.prices.tariff_for(kind).to_owned();
    let price = qt.prices.price(&cohort, &tariff);
    let mut out = ork_quicktest::answer::to_json(&qt.policy, &cohort, &a, lang.code());
    out["price"] = qt.prices.json(&price);
    let shown = serde_json::to_string(&a.shown).map_err(|e| anyhow::anyhow!(e))?;
    let mut stored = out.clone();
    stored.as_object_mut().map(|o| o.remove("rules"));
    let mut tx = state.store.write().await?;
    let id = tx
        .log_quicktest(
            &p.audit_source(client, Some(org.to_owned())),
            &ork_store::NewQuickTest {
                user_id: p.user.id,
                org_id: org,
                cohort_id,
                definition,
                index_id: &ix.id,
                shown: &shown,
                result: &stored.to_string(),
                tariff: &tariff,
                price_list: &qt.prices.version,
                price_ore: i64::try_from(price.total).unwrap_or(i64::MAX),
            },
        )
        .await?;
    tx.commit().await?;
    history.push(Earlier {
        cohort: Some(cohort),
        shown: a.shown,
    });
    out["id"] = json!(id);
    if let Some(cid) = cohort_id {
        out["cohort_id"] = json!(cid);
    }
    Ok(out)
}

/// Counts a cohort definition with disclosure control: counts and cells from 1 to the
/// threshold − 1 are hidden (`null`, `suppressed: true`), more cells are hidden so that none
/// can be worked out, and numbers that would single out persons together with one of your
/// earlier answers are hidden too. Every quick test is priced by your organisation's tariff
/// and logged; a definition that is refused costs nothing and is not logged.
#[utoipa::path(post, path = "/api/v1/quicktests", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    params(("org" = Option<String>, Query, description = "The organisation to charge (default: your first as applicant)")),
    request_body(content = Object, description = "A cohort definition (docs/cohort-language.md)"),
    responses((status = 200, description = "{count, suppressed, cells, threshold, rounding, rules, price, id}", body = Object),
        (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 413, body = super::ErrorBody),
        (status = 503, body = super::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    RawQuery(raw): RawQuery,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    // Kept as compact JSON: the text as sent may be mostly whitespace.
    let definition = body.to_string();
    let cohort = parse_definition(&definition)?;
    let org = charged_org(&p, raw.as_deref())?;
    Ok(Json(
        run(
            &state,
            &p,
            &client,
            Ask {
                org: &org,
                definition: &definition,
                cohort,
                cohort_id: None,
            },
            lang,
        )
        .await?,
    ))
}

/// Reads `org` (and only the names in `allowed`) from a query string.
fn query(raw: Option<&str>, allowed: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
    let pairs = super::query_pairs(raw)?;
    for (k, _) in &pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::bad_request(
                "unknown_parameter",
                format!("Ukendt parameter {k:?}; mulige er: {}.", allowed.join(", ")),
                format!(
                    "Unknown parameter {k:?}; the possible ones are: {}.",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(pairs)
}

/// The organisation a question is charged to: `?org=` (the only parameter a question
/// takes), else the user's default (see [`acting_org`]).
fn charged_org(p: &Principal, raw: Option<&str>) -> Result<String, ApiError> {
    let named = query(raw, &["org"])?
        .into_iter()
        .find(|(k, _)| k == "org")
        .map(|(_, v)| v);
    acting_org(p, named.as_deref())
}

/// One month's statement of an organisation's quick tests.
pub struct Statement {
    pub org: String,
    pub month: String,
    pub lines: Vec<ork_store::QuickTest>,
    pub currency: String,
    pub vat_percent: u64,
}

impl Statement {
    pub fn total_ore(&self) -> i64 {
        self.lines.iter().map(|l| l.price_ore).sum()
    }

    pub fn vat_ore(&self) -> i64 {
        self.total_ore() * self.vat_percent as i64 / 100
    }

    pub fn json(&self) -> Value {
        let kr = |o: i64| o as f64 / 100.0;
        json!({
            "org": self.org,
            "month": self.month,
            "currency": self.currency,
            "quicktests": self.lines.iter().map(|l| json!({
                "id": l.id,
                "asked_at": iso(l.asked_at),
                "user": l.user_email,
                "cohort_id": l.cohort_id,
                "tariff": l.tariff,
                "price_list": l.price_list,
                "amount": kr(l.price_ore),
            })).collect::<Vec<_>>(),
            "count": self.lines.len(),
            "amount": kr(self.total_ore()),
            "vat": kr(self.vat_ore()),
            "amount_with_vat": kr(self.total_ore() + self.vat_ore()),
        })
    }

    /// The statement as CSV: one row per quick test, then the totals.
    pub fn csv(&self) -> String {
        let kr = |o: i64| format!("{}.{:02}", o / 100, o % 100);
        let mut w = csv_writer();
        let _ = w.write_record([
            "id",
            "asked_at",
            "user",
            "cohort_id",
            "tariff",
            "price_list",
            "currency",
            "amount_excl_vat",
        ]);
        for l in &self.lines {
            let _ = w.write_record([
                l.id.to_string(),
                iso(l.asked_at),
                l.user_email.clone(),
                l.cohort_id.clone().unwrap_or_default(),
                l.tariff.clone(),
                l.price_list.clone(),
                self.currency.clone(),
                kr(l.price_ore),
            ]);
        }
        let total = self.total_ore();
        let vat = self.vat_ore();
        for (label, v) in [
            ("total_excl_vat", total),
            ("vat", vat),
            ("total_incl_vat", total + vat),
        ] {
            let _ = w.write_record(["", "", "", "", "", label, &self.currency, &kr(v)]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

pub fn iso(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A month as `YYYY-MM`, or a 400.
pub fn parse_month(s: &str) -> Result<String, ApiError> {
    let ok = s.len() == 7
        && s.as_bytes()[4] == b'-'
        && s[..4]
            .parse::<u16>()
            .is_ok_and(|y| (2000..=2999).contains(&y))
        && s[5..].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(ApiError::bad_request(
            "invalid_month",
            format!("Måneden {s:?} skal skrives ÅÅÅÅ-MM, f.eks. 2026-12."),
            format!("The month {s:?} must be written YYYY-MM, e.g. 2026-12."),
        ))
    }
}

/// An organisation's statement for a month: members who may run quick tests read their
/// organisation's, auditors and operators any. A citizen never reads one.
pub async fn statement(
    state: &AppState,
    p: &Principal,
    org: Option<&str>,
    month: Option<&str>,
) -> Result<Statement, ApiError> {
    let org = match org {
        Some(o) if p.has_role(Role::Operator) || p.has_role(Role::Auditor) => o.to_owned(),
        None if !p
            .memberships
            .iter()
            .any(|m| QUICKTEST_ROLES.contains(&m.role)) =>
        {
            p.org_for(Role::Auditor)
                .map_or_else(|| acting_org(p, None), Ok)?
        }
        named => acting_org(p, named)?,
    };
    let month = match month {
        Some(m) => parse_month(m)?,
        None => ork_store::month_of(ork_store::now_unix()),
    };
    let lines = state.store.org_quicktests(&org, &month).await?;
    Ok(Statement {
        org,
        month,
        lines,
        currency: state.quicktests.prices.currency.clone(),
        vat_percent: state.quicktests.prices.vat_percent,
    })
}

/// An organisation's quick tests in a month with their prices and the totals, as JSON or
/// (`format=csv`) as CSV.
#[utoipa::path(get, path = "/api/v1/quicktests/statement", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    params(
        ("org" = Option<String>, Query, description = "Organisation id (default: your first as applicant)"),
        ("month" = Option<String>, Query, description = "YYYY-MM (default: this month)"),
        ("format" = Option<String>, Query, description = "json (default) or csv"),
    ),
    responses((status = 200, description = "The statement", body = Object), (status = 400, body = super::ErrorBody),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn statement_get(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query(raw.as_deref(), &["org", "month", "format"])?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let s = statement(&state, &p, get("org"), get("month")).await?;
    match get("format").unwrap_or("json") {
        "json" => Ok(Json(s.json()).into_response()),
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"quicktests-{}-{}.csv\"",
                        s.org, s.month
                    ),
                ),
            ],
            s.csv(),
        )
            .into_response()),
        other => Err(ApiError::bad_request(
            "invalid_format",
            format!("Formatet {other:?} findes ikke; mulige er json og csv."),
            format!("There is no format {other:?}; the possible ones are json and csv."),
        )),
    }
}

/// A cohort to save.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCohort {
    pub name: String,
    /// The definition (docs/cohort-language.md).
    #[schema(value_type = Object)]
    pub definition: Value,
    /// Visible to everyone in the organisation (default: only you).
    #[serde(default)]
    pub shared: bool,
    /// The organisation it belongs to (default: your first as applicant).
    #[serde(default)]
    pub org: Option<String>,
}

/// A change to a saved cohort: its name or its sharing (never its definition).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CohortChange {
    pub name: Option<String>,
    pub shared: Option<bool>,
}

pub const MAX_NAME: usize = 200;

/// A cohort's name, trimmed, or a 400.
pub fn check_name(name: &str) -> Result<String, ApiError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(ApiError::bad_request(
            "name_missing",
            "Giv kohorten et navn.",
            "Give the cohort a name.",
        ));
    }
    if n.chars().count() > MAX_NAME || n.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "name_invalid",
            format!("Navnet må højst have {MAX_NAME} tegn og ingen kontroltegn."),
            format!("The name may have at most {MAX_NAME} characters and no control characters."),
        ));
    }
    Ok(n.to_owned())
}

/// A new stable cohort id: `coh-` and 12 random lowercase letters and digits.
pub fn new_cohort_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let s: String = (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("coh-{s}")
}

pub fn cohort_json(c: &ork_store::SavedCohort) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "definition": serde_json::from_str::<Value>(&c.definition).unwrap_or(Value::Null),
        "owner": c.owner_email,
        "org": c.org_id,
        "shared": c.shared,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    })
}

fn org_ids(p: &Principal) -> Vec<String> {
    p.memberships.iter().map(|m| m.org_id.to_string()).collect()
}

/// Saves a cohort under a new stable id (201), after checking its definition in full.
pub async fn save(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    name: &str,
    definition: &str,
    shared: bool,
    org: Option<&str>,
) -> Result<ork_store::SavedCohort, ApiError> {
    let name = check_name(name)?;
    parse_definition(definition)?;
    let org = acting_org(p, org)?;
    let id = new_cohort_id();
    let mut tx = state.store.write().await?;
    tx.save_cohort(
        &p.audit_source(client, Some(org.clone())),
        &ork_store::NewCohort {
            id: &id,
            name: &name,
            definition,
            owner_user_id: p.user.id,
            org_id: &org,
            shared,
        },
    )
    .await?;
    tx.commit().await?;
    state
        .store
        .cohort_for(&id, p.user.id, &org_ids(p))
        .await?
        .ok_or_else(|| anyhow::anyhow!("a saved cohort is gone").into())
}

/// Saves a cohort definition under a name, with a stable id another part of the platform
/// (the application's study population) can refer to.
#[utoipa::path(post, path = "/api/v1/cohorts", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    request_body = NewCohort,
    responses((status = 201, description = "The saved cohort", body = Object), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody)))]
pub async fn cohort_create(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    ApiJson(c): ApiJson<NewCohort>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let saved = save(
        &state,
        &p,
        &client,
        &c.name,
        &c.definition.to_string(),
        c.shared,
        c.org.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(cohort_json(&saved))))
}

/// Your cohorts and those shared in your organisations, newest first.
#[utoipa::path(get, path = "/api/v1/cohorts", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Object), (status = 401, body = super::ErrorBody)))]
pub async fn cohort_list(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<Value>, ApiError> {
    let list = state.store.cohorts_for(p.user.id, &org_ids(&p)).await?;
    Ok(Json(
        json!({"cohorts": list.iter().map(cohort_json).collect::<Vec<_>>()}),
    ))
}

fn cohort_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "cohort_not_found",
        "Kohorten findes ikke, eller den er ikke delt med dig.",
        "The cohort does not exist, or it is not shared with you.",
    )
}

/// A saved cohort you may see.
pub async fn find_cohort(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<ork_store::SavedCohort, ApiError> {
    state
        .store
        .cohort_for(id, p.user.id, &org_ids(p))
        .await?
        .ok_or_else(cohort_not_found)
}

/// One saved cohort (yours, or shared in your organisation).
#[utoipa::path(get, path = "/api/v1/cohorts/{id}", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Cohort id")),
    responses((status = 200, body = Object), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn cohort_get(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(cohort_json(&find_cohort(&state, &p, &id).await?)))
}

/// Renames your cohort or changes whether it is shared in the organisation.
#[utoipa::path(patch, path = "/api/v1/cohorts/{id}", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Cohort id")),
    request_body = CohortChange,
    responses((status = 200, body = Object), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn cohort_update(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<CohortChange>,
) -> Result<Json<Value>, ApiError> {
    let c = find_cohort(&state, &p, &id).await?;
    if c.owner_user_id != p.user.id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_owner",
            "Kun den, der gemte kohorten, kan ændre den.",
            "Only the person who saved the cohort can change it.",
        ));
    }
    let name = match &change.name {
        Some(n) => check_name(n)?,
        None => c.name.clone(),
    };
    let shared = change.shared.unwrap_or(c.shared);
    let mut tx = state.store.write().await?;
    tx.update_cohort(
        &p.audit_source(&client, Some(c.org_id.clone())),
        &id,
        p.user.id,
        &name,
        shared,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(cohort_json(&find_cohort(&state, &p, &id).await?)))
}

/// Runs a saved cohort as a quick test (priced and logged like any other, with the cohort's id).
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/quicktest", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Cohort id"), ("org" = Option<String>, Query, description = "The organisation to charge")),
    responses((status = 200, body = Object), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
pub async fn cohort_run(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let c = find_cohort(&state, &p, &id).await?;
    let cohort = parse_definition(&c.definition)?;
    let org = charged_org(&p, raw.as_deref())?;
    Ok(Json(
        run(
            &state,
            &p,
            &client,
            Ask {
                org: &org,
                definition: &c.definition,
                cohort,
                cohort_id: Some(&c.id),
            },
            lang,
        )
        .await?,
    ))
}

/// A code of a classification with its labels, from the code search.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CodeEntry {
    /// The code as a cohort definition writes it (ICD-10 without the SKS `D`, ATC without
    /// the SKS `M`).
    pub code: String,
    /// The Danish label (SKS 2018; æ, ø, å written ae, oe, aa in codes outside the common
    /// lists); empty when no source gives one.
    pub label_da: String,
    /// The English label (WHO ICD-10 2019, or the common lists); empty when none is known.
    pub label_en: String,
}

/// Searches a classification's full code list by code or by label in Danish or English:
/// codes that start with the query first. Every code found may be used in a cohort
/// definition; one that never occurs in the registers counts 0.
#[utoipa::path(get, path = "/api/v1/quicktests/codes", tag = "quicktests",
    params(
        ("system" = String, Query, description = "icd10, atc, sks (procedures) or npu", pattern = "^(icd10|atc|sks|npu)$"),
        ("q" = String, Query, description = "Words that must all occur in the code or a label (1–100 characters)", min_length = 1, max_length = 100),
        ("limit" = Option<u32>, Query, description = "At most this many codes, 1–100 (default 20)", minimum = 1, maximum = 100),
    ),
    responses((status = 200, body = [CodeEntry]), (status = 400, body = super::ErrorBody)))]
pub async fn codes(RawQuery(raw): RawQuery) -> Result<Json<Vec<CodeEntry>>, ApiError> {
    use ork_quicktest::codes::{CodeList, System};
    let pairs = query(raw.as_deref(), &["system", "q", "limit"])?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let system = match get("system") {
        Some("icd10") => System::Icd10,
        Some("atc") => System::Atc,
        Some("sks") => System::Sks,
        Some("npu") => System::Npu,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_system",
                "system skal være icd10, atc, sks eller npu.",
                "system must be icd10, atc, sks or npu.",
            ));
        }
    };
    let q = get("q").unwrap_or("");
    if q.trim().is_empty() || q.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "invalid_query",
            "q skal være 1–100 tegn.",
            "q must be 1–100 characters.",
        ));
    }
    let limit = match get("limit") {
        None => 20,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_limit",
                    "limit skal være et heltal fra 1 til 100.",
                    "limit must be a whole number from 1 to 100.",
                )
            })?,
    };
    Ok(Json(
        CodeList::of(system)
            .search(q, limit)
            .into_iter()
            .map(|c| CodeEntry {
                code: c.code.clone(),
                label_da: c.label_da.clone(),
                label_en: c.label_en.clone(),
            })
            .collect(),
    ))
}

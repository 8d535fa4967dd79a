//! Quick tests as operations: who may ask and for which organisation, answering a checked
//! definition (protected, priced, logged, remembered for the differencing check), the
//! monthly statement, and saved cohorts. The API and the pages both call these.

use super::IndexStatus;
use crate::auth::{ClientAddr, Principal};
pub use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_domain::{Lang, Ore, OrgId, Role};
use ork_quicktest::answer::Earlier;

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
pub fn acting_org(p: &Principal, named: Option<&str>) -> Result<OrgId, ApiError> {
    let may = |m: &&ork_store::Membership| QUICKTEST_ROLES.contains(&m.role);
    if let Some(id) = named {
        let mut there = p.memberships.iter().filter(|m| m.org_id.as_str() == id);
        let first = there
            .clone()
            .next()
            .ok_or_else(|| ApiError::of(StatusCode::FORBIDDEN, "not_a_member", &[("org", &id)]))?;
        return there
            .find(may)
            .map(|m| m.org_id.clone())
            .ok_or_else(|| no_quicktest_role(&first.org_id));
    }
    if p.memberships.is_empty() {
        return Err(ApiError::of(StatusCode::FORBIDDEN, "no_organisation", &[]));
    }
    p.memberships
        .iter()
        .find(|m| m.role == Role::Applicant)
        .or_else(|| p.memberships.iter().find(may))
        .map(|m| m.org_id.clone())
        .ok_or_else(|| no_quicktest_role(&p.memberships[0].org_id))
}

fn no_quicktest_role(org: &OrgId) -> ApiError {
    let org = org.as_str();
    ApiError::of(
        StatusCode::FORBIDDEN,
        "quicktest_role_required",
        &[("org", &org)],
    )
}

fn invalid_cohort(e: &ork_quicktest::CohortError) -> ApiError {
    ApiError::bad_request("invalid_cohort", e.message(Lang::Da), e.message(Lang::En))
}

/// A definition read as JSON, checked in full, or a 400 naming the element in the user's
/// language.
pub fn parse_definition(v: &serde_json::Value) -> Result<ork_quicktest::Cohort, ApiError> {
    ork_quicktest::cohort::from_value(v).map_err(|e| invalid_cohort(&e))
}

/// A definition given as text (a saved cohort, the builder's JSON box), checked in full.
pub fn parse_text(text: &str) -> Result<ork_quicktest::Cohort, ApiError> {
    ork_quicktest::parse(text).map_err(|e| invalid_cohort(&e))
}

/// One question: the definition as logged, checked, charged to `org`, maybe a saved cohort.
pub struct Ask<'a> {
    pub org: &'a OrgId,
    pub definition: &'a str,
    pub cohort: ork_quicktest::Cohort,
    pub cohort_id: Option<&'a str>,
}

/// Answers a checked definition for a user acting for `org`: protected counts, priced,
/// logged with its audit event, and remembered for the user's next differencing check.
/// Nothing is logged or charged unless the answer is given.
pub async fn run(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ask: Ask<'_>,
    lang: Lang,
) -> Result<QuickTestAnswer, ApiError> {
    let Ask {
        org,
        definition,
        cohort,
        cohort_id,
    } = ask;
    let qt = state.quicktests.clone();
    let Some(ix) = qt.index() else {
        return Err(unavailable(&qt.status()));
    };
    let organisation = charged_organisation(state, org).await?;
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
    let mut out = QuickTestAnswer {
        report: ork_quicktest::answer::report(&qt.policy, &cohort, &a, lang),
        price: qt.prices.charge(&price),
        id: 0,
        cohort_id: cohort_id.map(str::to_owned),
    };
    let shown = serde_json::to_string(&a.shown).map_err(|e| anyhow::anyhow!(e))?;
    let logged = serde_json::to_string(&Logged::of(&out)).map_err(|e| anyhow::anyhow!(e))?;
    let mut tx = state.store.write().await?;
    out.id = tx
        .log_quicktest(
            &p.audit_source(client, Some(org.to_string())),
            &ork_store::NewQuickTest {
                user_id: p.user.id,
                org_id: org,
                cohort_id,
                definition,
                index_id: &ix.id,
                shown: &shown,
                result: &logged,
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
    Ok(out)
}

/// A quick test's answer: the protected counts with their rules, the price, and the id it
/// is logged under.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QuickTestAnswer {
    #[serde(flatten)]
    pub report: ork_quicktest::answer::Report,
    pub price: ork_quicktest::prices::Charge,
    /// The quick test's id in the organisation's statement.
    pub id: i64,
    /// The saved cohort run, when it was one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cohort_id: Option<String>,
}

/// What the quick-test log keeps of an answer: its shown numbers and price (not the rules'
/// wording, which follows the reader's language).
#[derive(serde::Serialize)]
struct Logged<'a> {
    count: Option<u64>,
    suppressed: bool,
    cells: &'a [ork_quicktest::answer::ShownCell],
    threshold: u64,
    rounding: u64,
    price: &'a ork_quicktest::prices::Charge,
}

impl<'a> Logged<'a> {
    fn of(a: &'a QuickTestAnswer) -> Self {
        let r = &a.report;
        Self {
            count: r.count,
            suppressed: r.suppressed,
            cells: &r.cells,
            threshold: r.threshold,
            rounding: r.rounding,
            price: &a.price,
        }
    }
}

/// Why quick tests cannot be answered now (503).
fn unavailable(status: &IndexStatus) -> ApiError {
    let s = StatusCode::SERVICE_UNAVAILABLE;
    match status {
        IndexStatus::Building => ApiError::of(s, "quicktests_unavailable.building", &[]),
        IndexStatus::Failed(m) => {
            ApiError::of(s, "quicktests_unavailable.failed", &[("reason", m)])
        }
        _ => ApiError::of(s, "quicktests_unavailable.off", &[]),
    }
}

/// The organisation a quick test is charged to. One that is not found is a 404, never
/// charged (nor given the dearest tariff).
async fn charged_organisation(
    state: &AppState,
    org: &OrgId,
) -> Result<ork_store::Organisation, ApiError> {
    state
        .store
        .get_org(org)
        .await?
        .ok_or_else(|| organisation_not_found(org.as_str()))
}

fn organisation_not_found(org: &str) -> ApiError {
    ApiError::of(
        StatusCode::NOT_FOUND,
        "organisation_not_found",
        &[("org", &org)],
    )
}

/// One month's statement of an organisation's quick tests, and of the compute its projects'
/// jobs and notebooks used in their workspaces (issue 20).
pub struct Statement {
    pub org: OrgId,
    pub month: String,
    pub lines: Vec<ork_store::QuickTest>,
    pub compute: Vec<ComputeUse>,
    pub currency: String,
    pub vat_percent: u64,
}

/// One project's compute in the month: its workspace's jobs that ended then, priced.
#[derive(Debug, Clone)]
pub struct ComputeUse {
    pub workspace: String,
    pub project: String,
    pub usage: ork_store::JobUsage,
    pub tariff: String,
    pub price_list: String,
    pub ore: i64,
}

impl Statement {
    pub fn total_ore(&self) -> Ore {
        self.lines.iter().map(|l| Ore(l.price_ore)).sum::<Ore>()
            + self.compute.iter().map(|c| Ore(c.ore)).sum::<Ore>()
    }

    pub fn vat_ore(&self) -> Ore {
        self.total_ore().percent(self.vat_percent)
    }

    /// The statement as the API gives it (amounts in kroner, excluding VAT per line).
    pub fn body(&self) -> StatementBody {
        let kr = |o: Ore| o.kroner_number();
        StatementBody {
            org: self.org.to_string(),
            month: self.month.clone(),
            currency: self.currency.clone(),
            quicktests: self
                .lines
                .iter()
                .map(|l| StatementLine {
                    id: l.id,
                    asked_at: iso(l.asked_at),
                    user: l.user_email.clone(),
                    cohort_id: l.cohort_id.clone(),
                    tariff: l.tariff.clone(),
                    price_list: l.price_list.clone(),
                    amount: kr(Ore(l.price_ore)),
                })
                .collect(),
            count: self.lines.len(),
            compute: self
                .compute
                .iter()
                .map(|c| ComputeLine {
                    workspace: c.workspace.clone(),
                    project: c.project.clone(),
                    jobs: c.usage.jobs,
                    cpu_seconds: c.usage.cpu_ms as f64 / 1000.0,
                    gib_hours: gib_hours(c.usage.memory_kib_ms),
                    tariff: c.tariff.clone(),
                    price_list: c.price_list.clone(),
                    amount: kr(Ore(c.ore)),
                })
                .collect(),
            amount: kr(self.total_ore()),
            vat: kr(self.vat_ore()),
            amount_with_vat: kr(self.total_ore() + self.vat_ore()),
        }
    }

    /// The statement as CSV: one row per quick test, then the totals.
    pub fn csv(&self) -> String {
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
                Ore(l.price_ore).kroner(),
            ]);
        }
        // Each project's compute: the workspace as the id, its CPU-hours and GiB-hours.
        for c in &self.compute {
            let _ = w.write_record([
                format!("compute:{}", c.workspace),
                self.month.clone(),
                format!(
                    "{} jobs, {:.3} CPU-hours, {:.3} GiB-hours",
                    c.usage.jobs,
                    c.usage.cpu_ms as f64 / 3_600_000.0,
                    gib_hours(c.usage.memory_kib_ms)
                ),
                String::new(),
                c.tariff.clone(),
                c.price_list.clone(),
                self.currency.clone(),
                Ore(c.ore).kroner(),
            ]);
        }
        let total = self.total_ore();
        let vat = self.vat_ore();
        for (label, v) in [
            ("total_excl_vat", total),
            ("vat", vat),
            ("total_incl_vat", total + vat),
        ] {
            let _ = w.write_record(["", "", "", "", "", label, &self.currency, &v.kroner()]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

/// One quick test on a statement.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StatementLine {
    pub id: i64,
    /// When it was asked (RFC 3339, UTC).
    pub asked_at: String,
    /// The e-mail of the user who asked.
    pub user: String,
    /// The saved cohort run, if it was one.
    pub cohort_id: Option<String>,
    pub tariff: String,
    pub price_list: String,
    /// In kroner, excluding VAT.
    pub amount: f64,
}

/// Memory held, in GiB-hours, from KiB × milliseconds.
pub fn gib_hours(kib_ms: i64) -> f64 {
    kib_ms.max(0) as f64 / (1024.0 * 1024.0) / 3_600_000.0
}

/// One project's compute on a statement: the jobs of its workspace that ended in the month.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ComputeLine {
    pub workspace: String,
    /// The project's title.
    pub project: String,
    pub jobs: i64,
    /// CPU time of all the jobs, seconds.
    pub cpu_seconds: f64,
    /// Each job's peak memory held for its duration, in GiB-hours.
    pub gib_hours: f64,
    pub tariff: String,
    pub price_list: String,
    /// In kroner, excluding VAT.
    pub amount: f64,
}

/// An organisation's quick tests in a month with their prices and the totals.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StatementBody {
    pub org: String,
    /// `YYYY-MM`.
    pub month: String,
    pub currency: String,
    pub quicktests: Vec<StatementLine>,
    /// How many quick tests.
    pub count: usize,
    /// The compute each project's jobs used in its workspace, priced.
    pub compute: Vec<ComputeLine>,
    /// The total (quick tests and compute) in kroner, excluding VAT.
    pub amount: f64,
    /// The VAT in kroner.
    pub vat: f64,
    /// The total in kroner, including VAT.
    pub amount_with_vat: f64,
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

/// A month as `YYYY-MM`, or a 400.
pub fn parse_month(s: &str) -> Result<String, ApiError> {
    let b = s.as_bytes();
    let ok = b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && s[..4]
            .parse::<u16>()
            .is_ok_and(|y| (2000..=2999).contains(&y))
        && s[5..].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(ApiError::invalid("invalid_month", &[("month", &s)]))
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
        Some(o) if p.has_role(Role::Operator) || p.has_role(Role::Auditor) => {
            // Any organisation's, but one that exists: a mistyped id is a 404, not an
            // empty statement.
            match OrgId::parse(o) {
                Ok(id) if state.store.get_org(&id).await?.is_some() => id,
                _ => return Err(organisation_not_found(o)),
            }
        }
        None if !p
            .memberships
            .iter()
            .any(|m| QUICKTEST_ROLES.contains(&m.role)) =>
        {
            match p.memberships.iter().find(|m| m.role == Role::Auditor) {
                Some(m) => m.org_id.clone(),
                None => acting_org(p, None)?,
            }
        }
        named => acting_org(p, named)?,
    };
    let month = match month {
        Some(m) => parse_month(m)?,
        None => ork_store::month_of(ork_store::now_unix()),
    };
    let lines = state.store.org_quicktests(&org, &month).await?;
    let compute = compute_of(state, &org, &month).await?;
    Ok(Statement {
        org,
        month,
        lines,
        compute,
        currency: state.quicktests.prices.currency.clone(),
        vat_percent: state.quicktests.prices.vat_percent,
    })
}

/// The compute of the organisation's workspaces in a month, one line for each that used any,
/// priced by the organisation's tariff of the current price list.
async fn compute_of(
    state: &AppState,
    org: &OrgId,
    month: &str,
) -> Result<Vec<ComputeUse>, ApiError> {
    let (from, until) = month_bounds(month)?;
    let prices = &state.quicktests.prices;
    let organisation = charged_organisation(state, org).await?;
    let tariff = prices.tariff_for(organisation.kind.code()).to_owned();
    let mut out = Vec::new();
    for ws in state.store.workspaces().await? {
        if ws.org_id != org.as_str() {
            continue;
        }
        let usage = state.store.job_usage(&ws.id, from, until).await?;
        if usage.jobs == 0 {
            continue;
        }
        let ore = prices.compute(&tariff, usage.cpu_ms, usage.memory_kib_ms);
        out.push(ComputeUse {
            workspace: ws.id.clone(),
            project: ws.title.clone(),
            usage,
            tariff: tariff.clone(),
            price_list: prices.version.clone(),
            ore: i64::try_from(ore).unwrap_or(i64::MAX),
        });
    }
    Ok(out)
}

/// The first second of a `YYYY-MM` month and of the next, UTC.
fn month_bounds(month: &str) -> Result<(i64, i64), ApiError> {
    let year: i32 = month[..4]
        .parse()
        .map_err(|_| ApiError::invalid("invalid_month", &[("month", &month)]))?;
    let m: u8 = month[5..]
        .parse()
        .map_err(|_| ApiError::invalid("invalid_month", &[("month", &month)]))?;
    let start = |y: i32, m: u8| -> Result<i64, ApiError> {
        let month = time::Month::try_from(m).map_err(|e| anyhow::anyhow!(e))?;
        let d = time::Date::from_calendar_date(y, month, 1).map_err(|e| anyhow::anyhow!(e))?;
        Ok(d.midnight().assume_utc().unix_timestamp())
    };
    let (ny, nm) = if m == 12 {
        (year + 1, 1)
    } else {
        (year, m + 1)
    };
    Ok((start(year, m)?, start(ny, nm)?))
}

pub const MAX_NAME: usize = 200;

/// A cohort's name, trimmed, or a 400.
pub fn check_name(name: &str) -> Result<String, ApiError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(ApiError::invalid("name_missing", &[]));
    }
    if n.chars().count() > MAX_NAME || n.chars().any(char::is_control) {
        return Err(ApiError::invalid("name_invalid", &[("max", &MAX_NAME)]));
    }
    Ok(n.to_owned())
}

/// A new stable cohort id: `coh-` and 12 random lowercase letters and digits.
pub fn new_cohort_id() -> String {
    crate::ids::new_id("coh")
}

pub(crate) fn org_ids(p: &Principal) -> Vec<OrgId> {
    p.memberships.iter().map(|m| m.org_id.clone()).collect()
}

/// Saves a cohort under a new stable id (201), after checking its definition in full.
pub async fn save(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    name: &str,
    definition: &serde_json::Value,
    shared: bool,
    org: Option<&str>,
) -> Result<ork_store::SavedCohort, ApiError> {
    let name = check_name(name)?;
    parse_definition(definition)?;
    let definition = &definition.to_string();
    let org = acting_org(p, org)?;
    let id = new_cohort_id();
    let mut tx = state.store.write().await?;
    tx.save_cohort(
        &p.audit_source(client, Some(org.to_string())),
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

fn cohort_not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "cohort_not_found", &[])
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

//! Quick tests as operations: who may ask and for which organisation, answering a checked
//! definition (protected, priced, logged, remembered for the differencing check), the
//! monthly statement, and saved cohorts. The API and the pages both call these.

use super::IndexStatus;
use crate::auth::{ClientAddr, Principal};
pub use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_domain::{Lang, Ore, Role};
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

/// One question: the definition as logged, checked, charged to `org`, maybe a saved cohort.
pub struct Ask<'a> {
    pub org: &'a str,
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
) -> Result<Value, ApiError> {
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

/// Why quick tests cannot be answered now (503).
fn unavailable(status: &IndexStatus) -> ApiError {
    let (da, en) = match status {
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
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "quicktests_unavailable",
        da,
        en,
    )
}

/// The organisation a quick test is charged to. One that is not found is a 404, never
/// charged (nor given the dearest tariff).
async fn charged_organisation(
    state: &AppState,
    org: &str,
) -> Result<ork_store::Organisation, ApiError> {
    let organisation = match ork_domain::OrgId::parse(org) {
        Ok(id) => state.store.get_org(&id).await?,
        Err(_) => None,
    };
    organisation.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "organisation_not_found",
            format!("Organisationen {org:?} findes ikke."),
            format!("The organisation {org:?} does not exist."),
        )
    })
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
    pub fn total_ore(&self) -> Ore {
        self.lines.iter().map(|l| Ore(l.price_ore)).sum()
    }

    pub fn vat_ore(&self) -> Ore {
        self.total_ore().percent(self.vat_percent)
    }

    pub fn json(&self) -> Value {
        let kr = |o: Ore| o.kroner_number();
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
                "amount": kr(Ore(l.price_ore)),
            })).collect::<Vec<_>>(),
            "count": self.lines.len(),
            "amount": kr(self.total_ore()),
            "vat": kr(self.vat_ore()),
            "amount_with_vat": kr(self.total_ore() + self.vat_ore()),
        })
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

pub(crate) fn org_ids(p: &Principal) -> Vec<String> {
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

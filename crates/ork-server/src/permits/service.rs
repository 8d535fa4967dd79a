//! Permits as operations: the platform's signing key (created on first use, rotated by the
//! operator, every key kept in the published set), issuing a permit when an application's
//! every part approves — its scope from the answers and the decisions, signed as a JWT —
//! and finding the permits a user may see.

use crate::applications::service as apps;
use crate::dates::date;
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_cases::permit::{
    Approval, Claims, GrantedDataset, Jwks, NamedUser, Scope, SigningKey, Visa,
};
use ork_store::{Application, AuditSource, Part, Permit, WriteTx};
use serde_json::Value;

/// The issuer named in every permit, and the prefix of its URNs.
pub const ISSUER: &str = "urn:dataorkestrator";

/// The key that signs now (the newest not retired), created in `tx` when there is none.
pub async fn signing_key(
    state: &AppState,
    tx: &mut WriteTx,
    src: &AuditSource,
) -> Result<SigningKey, ApiError> {
    let keys = state.store.signing_keys().await?;
    if let Some(k) = keys.iter().find(|k| k.retired_at.is_none())
        && let Some(key) = SigningKey::from_secret(&k.kid, &k.secret)
    {
        return Ok(key);
    }
    let key = SigningKey::generate(crate::ids::new_id("key"));
    tx.create_signing_key(src, &key.kid, &key.secret()).await?;
    Ok(key)
}

/// Every key's public half, as served at `/.well-known/jwks.json`.
pub async fn jwks(state: &AppState) -> Result<Jwks, ApiError> {
    let keys = state.store.signing_keys().await?;
    Ok(Jwks {
        keys: keys
            .iter()
            .filter_map(|k| SigningKey::from_secret(&k.kid, &k.secret))
            .map(|k| k.public())
            .collect(),
    })
}

fn persons(v: Option<&Value>) -> Vec<NamedUser> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|p| NamedUser {
                    name: p["name"].as_str().unwrap_or_default().to_owned(),
                    email: p["email"].as_str().unwrap_or_default().to_owned(),
                    role: p["role"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The end of the project period (the permit's expiry): the day after its last day.
fn expiry(answers: &serde_json::Map<String, Value>, now: i64) -> i64 {
    let to = answers
        .get("project_period")
        .and_then(|p| p["to"].as_str())
        .and_then(|s| {
            time::Date::parse(
                s,
                &time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok()
        });
    to.map_or(now + 5 * 365 * 86_400, |d| {
        d.midnight().assume_utc().unix_timestamp() + 86_400
    })
}

/// The named users of a permit: the applicant, the project lead and the users the form names.
fn named_users(
    answers: &serde_json::Map<String, Value>,
    creator: Option<ork_store::User>,
) -> Vec<NamedUser> {
    let mut users = persons(answers.get("project_lead"));
    users.extend(persons(answers.get("users")));
    if let Some(c) = creator
        && !users.iter().any(|u| u.email == c.email.as_str())
    {
        users.insert(
            0,
            NamedUser {
                name: c.name.clone(),
                email: c.email.to_string(),
                role: "applicant".into(),
            },
        );
    }
    users.dedup_by(|a, b| a.email == b.email && a.role == b.role);
    users
}

fn datasets(answers: &serde_json::Map<String, Value>) -> Vec<GrantedDataset> {
    answers
        .get("data_description")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|d| GrantedDataset {
                    id: d["id"].as_str().unwrap_or_default().to_owned(),
                    variables: d["variables"]
                        .as_array()
                        .map(|v| {
                            v.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a granted application's permit allows: from its answers, the decisions' conditions
/// and its parts (each part's reference is the approval it rests on).
fn scope_of(
    app: &Application,
    answers: &serde_json::Map<String, Value>,
    users: Vec<NamedUser>,
    conditions: Vec<String>,
    parts: &[Part],
) -> Scope {
    let period = answers.get("data_period");
    let text = |k: &str| {
        answers
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Scope {
        application: app.id.clone(),
        organisation: app.org_id.to_string(),
        title: app.title.clone(),
        purpose: text("purpose"),
        datasets: datasets(answers),
        population: answers.get("population").cloned().unwrap_or(Value::Null),
        data_from: period.and_then(|p| p["from"].as_str()).map(str::to_owned),
        data_to: period.and_then(|p| p["to"].as_str()).map(str::to_owned),
        users,
        conditions,
        approvals: parts
            .iter()
            .map(|p| Approval {
                step: p.step.clone(),
                authority: p.authority.to_string(),
                // A carried-over approval is the earlier part's.
                reference: p.carried_from.clone().unwrap_or_else(|| p.id.clone()),
                outcome: p.state.code().to_owned(),
                decided: p.decided_at.map(date).unwrap_or_default(),
            })
            .collect(),
    }
}

/// Issues the permit of a granted application in `tx`: its scope from the answers, the
/// approvals (each part's reference) and every condition of the decisions; signed.
pub async fn issue(
    state: &AppState,
    tx: &mut WriteTx,
    src: &AuditSource,
    app: &Application,
    parts: &[Part],
) -> Result<String, ApiError> {
    let now = ork_store::now_unix();
    let answers = apps::answers(app);
    let creator = state.store.user_by_id(app.created_by).await?;
    let id = crate::ids::new_id("prm");
    let conditions = tx.conditions_of(&app.id).await?;
    let scope = scope_of(
        app,
        &answers,
        named_users(&answers, creator),
        conditions,
        parts,
    );
    let claims = Claims {
        iss: ISSUER.into(),
        sub: app.org_id.to_string(),
        jti: id.clone(),
        iat: now,
        nbf: now,
        exp: expiry(&answers, now),
        ga4gh_visa_v1: Visa {
            kind: "ControlledAccessGrants".into(),
            asserted: now,
            value: format!("{ISSUER}:permit:{id}"),
            source: ISSUER.into(),
            by: "dac".into(),
        },
        permit: scope,
    };
    let key = signing_key(state, tx, src).await?;
    let jwt = key.sign(&claims);
    let scope_json =
        serde_json::to_string(&claims.permit).map_err(|e| ApiError::from(anyhow::anyhow!(e)))?;
    tx.create_permit(
        src,
        &ork_store::NewPermit {
            id: &id,
            application_id: &app.id,
            org_id: app.org_id.as_str(),
            kid: &key.kid,
            jwt: &jwt,
            scope: &scope_json,
            expires_at: claims.exp,
        },
    )
    .await?;
    if let Some(old) = &app.amends {
        tx.supersede_permit(src, old, &id).await?;
    }
    // The project's workspace and one data order per controller of the permit.
    crate::workspaces::provision::on_permit(state, tx, src, app, &id, &claims.permit).await?;
    crate::notifications::events::emit(state, tx, app, None, "permit.issued").await?;
    Ok(id)
}

pub fn permit_not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "permit_not_found", &[])
}

/// A permit of an application the user may see; 404 for anyone else.
pub async fn find(
    state: &AppState,
    p: &crate::auth::Principal,
    id: &str,
) -> Result<Permit, ApiError> {
    let permit = state.store.permit(id).await?.ok_or_else(permit_not_found)?;
    if may_see(state, p, &permit).await? {
        Ok(permit)
    } else {
        Err(permit_not_found())
    }
}

/// Whether the user may see a permit: they see its application, and (a consultancy) the
/// client lets them see everything.
pub async fn may_see(
    state: &AppState,
    p: &crate::auth::Principal,
    permit: &Permit,
) -> Result<bool, ApiError> {
    let Some(app) = state.store.application(&permit.application_id).await? else {
        return Ok(false);
    };
    Ok(apps::standing_of(state, p, &app)
        .await?
        .is_some_and(|s| s.sees_everything()))
}

/// active, revoked, superseded (by its amendment's permit) or expired.
pub fn status(p: &Permit, now: i64) -> &'static str {
    if p.revoked_at.is_some() {
        "revoked"
    } else if p.superseded_by.is_some() {
        "superseded"
    } else if p.expires_at <= now {
        "expired"
    } else {
        "active"
    }
}

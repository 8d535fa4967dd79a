//! The agreements of a case: made at submission from the parties the applicant names (each
//! with its data-protection role and signatory), kept in step when the parties change
//! before a resubmission, carried over to an amendment when their text is unchanged, and
//! signed — once for the applicant, once for the party — by signed-in people, each
//! signature naming the SHA-256 of the exact text. The permit waits for the last signature.

use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_rules::agreement::{self, Kind, Party, Role, sha256_hex};
use ork_store::{Agreement, Application, AuditSource, NewAgreement, WriteTx};
use serde_json::{Map, Value};

/// The parties named in the answers (`data_processors`, when third parties take part).
pub fn parties(answers: &Map<String, Value>) -> Vec<Party> {
    if answers.get("third_parties") != Some(&Value::Bool(true)) {
        return Vec::new();
    }
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    answers
        .get("data_processors")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .filter_map(|r| {
                    Some(Party {
                        name: s(r, "name"),
                        country: s(r, "country").to_ascii_uppercase(),
                        role: Role::parse(&s(r, "role"))?,
                        signatory: s(r, "signatory").to_ascii_lowercase(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The text of an agreement of `kind` with `party` for `app`, dated `date` and naming the
/// application `application` (the original's when an amendment's text is compared).
fn document(
    state: &AppState,
    app: &Application,
    controller: &str,
    answers: &Map<String, Value>,
    kind: Kind,
    party: &Party,
    (application, date): (&str, &str),
) -> Result<String, ApiError> {
    let book = &state.rules.book;
    let template = book.agreements.get(kind.code()).ok_or_else(|| {
        ApiError::from(anyhow::anyhow!("no template for agreement {}", kind.code()))
    })?;
    let cat = &state.catalog.catalog;
    let need = crate::applications::service::need(app)?;
    let datasets = need
        .datasets
        .iter()
        .map(|d| cat.source(d).map_or(d.clone(), |s| s.name.da.clone()))
        .collect::<Vec<_>>()
        .join(", ");
    let text = |k: &str| {
        answers
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let period = answers
        .get("project_period")
        .map(|p| {
            format!(
                "{} – {}",
                p.get("from").and_then(Value::as_str).unwrap_or_default(),
                p.get("to").and_then(Value::as_str).unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let safeguard = book
        .form
        .field("transfer_safeguards")
        .and_then(|f| {
            let v = text("transfer_safeguards");
            f.options
                .iter()
                .find(|o| o.value == v)
                .map(|o| format!("{} / {}", o.label.da, o.label.en))
        })
        .unwrap_or_else(|| "–".into());
    Ok(agreement::render(
        template,
        &[
            ("controller", controller),
            ("party", &party.name),
            ("party_country", &party.country),
            ("project", &app.title),
            ("purpose", &text("purpose")),
            ("datasets", &datasets),
            ("period", &period),
            ("safeguard", &safeguard),
            ("application", application),
            ("date", date),
        ],
    ))
}

/// Brings an application's agreements in step with its answers, in its transaction: each
/// agreement the parties need is kept when this application has it with the same text,
/// carried over (signed) when the application it amends has it, and made otherwise; one no
/// longer needed is marked replaced.
pub async fn sync(
    state: &AppState,
    tx: &mut WriteTx,
    src: &AuditSource,
    app: &Application,
    answers: &Map<String, Value>,
) -> Result<(), ApiError> {
    let org = state.store.get_org(&app.org_id).await?;
    let controller = org.map_or(app.org_id.to_string(), |o| o.name_da);
    let current: Vec<Agreement> = tx
        .agreements_of_tx(&app.id)
        .await?
        .into_iter()
        .filter(|a| a.replaced_at.is_none())
        .collect();
    let base: Vec<Agreement> = match &app.amends {
        Some(permit) => match state.store.permit(permit).await? {
            Some(p) => state
                .store
                .agreements_of(&p.application_id)
                .await?
                .into_iter()
                .filter(|a| a.replaced_at.is_none() && a.signed_at.is_some())
                .collect(),
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let today = crate::dates::date(ork_store::now_unix());
    let parties = parties(answers);
    let mut kept: Vec<String> = Vec::new();
    for (i, (kind, party)) in agreement::needed(&parties).into_iter().enumerate() {
        // The same text as an agreement already made (dated and numbered as it was).
        let same = |a: &Agreement| -> Result<bool, ApiError> {
            Ok(a.kind == kind.code()
                && a.party_signatory == party.signatory
                && document(
                    state,
                    app,
                    &controller,
                    answers,
                    kind,
                    party,
                    (&a.application_id, &crate::dates::date(a.created_at)),
                )? == a.document)
        };
        if let Some(a) = current.iter().find(|a| same(a).unwrap_or(false)) {
            kept.push(a.id.clone());
            continue;
        }
        let carried = base.iter().find(|a| same(a).unwrap_or(false));
        let text = match carried {
            Some(a) => a.document.clone(),
            None => document(
                state,
                app,
                &controller,
                answers,
                kind,
                party,
                (&app.id, &today),
            )?,
        };
        let id = format!("{}-a{:02}-{}", app.id, i + 1, &sha256_hex(&text)[..6]);
        tx.create_agreement(
            src,
            &NewAgreement {
                id: &id,
                application_id: &app.id,
                kind: kind.code(),
                party: &party.name,
                party_country: &party.country,
                party_signatory: &party.signatory,
                document: &text,
                sha256: &sha256_hex(&text),
                carried_from: carried.map(|a| a.id.as_str()),
            },
        )
        .await?;
        if carried.is_none() {
            notify_signatory(state, tx, app, &party.signatory).await?;
        }
        kept.push(id);
    }
    for a in current.iter().filter(|a| !kept.contains(&a.id)) {
        tx.replace_agreement(src, &a.id).await?;
    }
    Ok(())
}

/// Tells the party's signatory, when they have an account, that an agreement waits for
/// them (in the portal, and by e-mail when SMTP is configured).
async fn notify_signatory(
    state: &AppState,
    tx: &mut WriteTx,
    app: &Application,
    email: &str,
) -> Result<(), ApiError> {
    let Ok(email) = ork_domain::Email::parse(email) else {
        return Ok(());
    };
    if let Some(u) = state.store.user_by_email(&email).await? {
        tx.notify(&ork_store::NewNotification {
            user_id: u.id,
            kind: "agreement.to_sign",
            application_id: Some(&app.id),
            part_id: None,
            question_id: None,
            email: state.config.smtp_url.is_some(),
        })
        .await?;
    }
    Ok(())
}

/// Which side the user may sign an agreement for: the applicant's (its owner or a
/// co-applicant) and/or the party's (theirs is the signatory's e-mail).
pub async fn sides(
    state: &AppState,
    p: &Principal,
    a: &Agreement,
) -> Result<Vec<&'static str>, ApiError> {
    let mut out = Vec::new();
    // The applicant's own people sign for it; a consultancy preparing it does not.
    if let Ok((_, standing)) = crate::applications::service::find(state, p, &a.application_id).await
        && matches!(
            standing,
            crate::applications::service::Standing::Owner
                | crate::applications::service::Standing::Member(ork_store::Access::CoApplicant)
        )
    {
        out.push("controller");
    }
    if p.user
        .email
        .as_str()
        .eq_ignore_ascii_case(&a.party_signatory)
    {
        out.push("party");
    }
    Ok(out)
}

pub fn agreement_not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "agreement_not_found", &[])
}

/// An agreement the user may read: on an application they see, one they sign for a party,
/// or (an authority) one on an application with a part of theirs; 404 for anyone else.
pub async fn find(state: &AppState, p: &Principal, id: &str) -> Result<Agreement, ApiError> {
    let a = state
        .store
        .agreement(id)
        .await?
        .ok_or_else(agreement_not_found)?;
    if crate::applications::service::find(state, p, &a.application_id)
        .await
        .is_ok()
        || p.user
            .email
            .as_str()
            .eq_ignore_ascii_case(&a.party_signatory)
    {
        return Ok(a);
    }
    let handler_of = state
        .store
        .parts_of(&a.application_id)
        .await?
        .iter()
        .any(|part| {
            part.clock.opened_at.is_some()
                && p.memberships
                    .iter()
                    .any(|m| m.role == ork_domain::Role::CaseHandler && m.org_id == part.authority)
        });
    if handler_of {
        Ok(a)
    } else {
        Err(agreement_not_found())
    }
}

/// Signs an agreement for `side` (or the one side the user may sign for), naming the text's
/// SHA-256 as the user was shown it. The last signature on a case whose parts all approve
/// grants it and issues the permit.
pub async fn sign(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    sha256: &str,
    side: Option<&str>,
) -> Result<Agreement, ApiError> {
    let a = find(state, p, id).await?;
    if a.replaced_at.is_some() {
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            "agreement_replaced",
            &[],
        ));
    }
    let may = sides(state, p, &a).await?;
    let not_signatory = || ApiError::of(StatusCode::FORBIDDEN, "not_a_signatory", &[]);
    let side: &'static str = match side {
        Some(s) => may
            .iter()
            .copied()
            .find(|x| *x == s)
            .ok_or_else(not_signatory)?,
        None => match may.as_slice() {
            [] => return Err(not_signatory()),
            [one] => one,
            _ => return Err(ApiError::invalid("choose_side", &[])),
        },
    };
    if !sha256.eq_ignore_ascii_case(&a.sha256) {
        return Err(ApiError::of(StatusCode::CONFLICT, "agreement_changed", &[]));
    }
    let app = state
        .store
        .application(&a.application_id)
        .await?
        .ok_or_else(agreement_not_found)?;
    let org = if side == "controller" {
        Some(app.org_id.to_string())
    } else {
        None
    };
    let src = p.audit_source(client, org);
    let mut tx = state.store.write().await?;
    tx.lock_application(&app.id).await?;
    if !tx
        .sign_agreement(&src, id, side, p.user.id, &a.sha256)
        .await?
    {
        return Err(ApiError::of(StatusCode::CONFLICT, "signed_already", &[]));
    }
    crate::cases::service::grant_if_ready(state, &mut tx, &src, &app).await?;
    tx.commit().await?;
    state
        .store
        .agreement(id)
        .await?
        .ok_or_else(agreement_not_found)
}

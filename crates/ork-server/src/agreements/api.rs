//! Agreements in the API: the ones a person signs for a party, an application's, one with
//! its exact text and signatures, and signing it.

use super::service::{self, find, sides};
use crate::api::ApiJson;
use crate::auth::{ApiUser, ClientAddr, Principal};
use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use ork_store::Agreement;

/// A signature.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SignatureBody {
    /// `controller` (for the applicant) or `party`.
    #[schema(pattern = "^(controller|party)$")]
    pub side: String,
    pub name: String,
    pub email: String,
    /// The SHA-256 of the text signed (lower-case hex).
    pub sha256: String,
    pub signed_at: String,
}

/// An agreement: its exact text, the hash a signature binds to, and the signatures.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AgreementBody {
    pub id: String,
    pub application: String,
    /// `dpa` (data processing agreement), `joint_controller` or `transfer`.
    #[schema(pattern = "^(dpa|joint_controller|transfer)$")]
    pub kind: String,
    pub party: String,
    /// ISO 3166-1 alpha-2.
    pub party_country: String,
    /// The e-mail of who signs for the party.
    pub party_signatory: String,
    /// `unsigned` (a signature is missing: the permit waits), `signed`, or `replaced` (the
    /// case no longer needs it).
    #[schema(pattern = "^(unsigned|signed|replaced)$")]
    pub state: String,
    /// The SHA-256 of `document` (lower-case hex): give it when you sign.
    pub sha256: String,
    pub document: String,
    pub created_at: String,
    pub signed_at: Option<String>,
    /// The signed agreement of the amended permit this one carries over.
    pub carried_from: Option<String>,
    pub signatures: Vec<SignatureBody>,
    /// The sides you may still sign for.
    pub you_may_sign: Vec<String>,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AgreementList {
    pub agreements: Vec<AgreementBody>,
}

/// A signature: the hash of the text as you read it, and (when you may sign for both) the
/// side.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignBody {
    /// The agreement's `sha256` as you were shown it; a signature for another text is
    /// refused.
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub sha256: String,
    #[schema(pattern = "^(controller|party)$")]
    pub side: Option<String>,
}

pub(crate) fn state_of(a: &Agreement) -> &'static str {
    if a.replaced_at.is_some() {
        "replaced"
    } else if a.signed_at.is_some() {
        "signed"
    } else {
        "unsigned"
    }
}

pub(crate) async fn body(
    state: &AppState,
    p: &Principal,
    a: &Agreement,
) -> Result<AgreementBody, ApiError> {
    let signatures: Vec<SignatureBody> = state
        .store
        .signatures_of(&a.id)
        .await?
        .into_iter()
        .map(|s| SignatureBody {
            side: s.side,
            name: s.name,
            email: s.email,
            sha256: s.sha256,
            signed_at: iso(s.signed_at),
        })
        .collect();
    let open = a.replaced_at.is_none();
    let you_may_sign = sides(state, p, a)
        .await?
        .into_iter()
        .filter(|s| open && !signatures.iter().any(|x| x.side == *s))
        .map(str::to_owned)
        .collect();
    Ok(AgreementBody {
        id: a.id.clone(),
        application: a.application_id.clone(),
        kind: a.kind.clone(),
        party: a.party.clone(),
        party_country: a.party_country.clone(),
        party_signatory: a.party_signatory.clone(),
        state: state_of(a).to_owned(),
        sha256: a.sha256.clone(),
        document: a.document.clone(),
        created_at: iso(a.created_at),
        signed_at: a.signed_at.map(iso),
        carried_from: a.carried_from.clone(),
        signatures,
        you_may_sign,
    })
}

/// The agreements you sign for a party (your e-mail is its signatory), newest first.
#[utoipa::path(get, path = "/api/v1/agreements", tag = "agreements", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AgreementList), (status = 401, body = crate::api::ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<AgreementList>, ApiError> {
    let mut out = Vec::new();
    for a in state
        .store
        .agreements_for_signatory(p.user.email.as_str())
        .await?
    {
        out.push(body(&state, &p, &a).await?);
    }
    Ok(Json(AgreementList { agreements: out }))
}

/// An application's agreements (made when it is submitted).
#[utoipa::path(get, path = "/api/v1/applications/{id}/agreements", tag = "agreements", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = AgreementList), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn of_application(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<AgreementList>, ApiError> {
    crate::applications::service::find(&state, &p, &id).await?;
    let mut out = Vec::new();
    for a in state.store.agreements_of(&id).await? {
        out.push(body(&state, &p, &a).await?);
    }
    Ok(Json(AgreementList { agreements: out }))
}

/// One agreement with its exact text and signatures: for the application's people, the
/// party's signatory and the authorities deciding its parts.
#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "agreements", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Agreement id")),
    responses((status = 200, body = AgreementBody), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<AgreementBody>, ApiError> {
    let a = find(&state, &p, &id).await?;
    Ok(Json(body(&state, &p, &a).await?))
}

/// Signs an agreement for the applicant (its owner or a co-applicant) or for the party (its
/// signatory), naming the SHA-256 of the text read. The last signature of a case whose
/// approvals are all given issues the permit.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/sign", tag = "agreements", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Agreement id")),
    request_body = SignBody,
    responses((status = 200, body = AgreementBody),
        (status = 400, description = "You may sign for both sides: say which", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not a signatory of this agreement", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "The text is not the one named by the hash, the side has signed already, or the agreement was replaced", body = crate::api::ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SignBody>,
) -> Result<Json<AgreementBody>, ApiError> {
    let a = service::sign(&state, &p, &client, &id, b.sha256.trim(), b.side.as_deref()).await?;
    Ok(Json(body(&state, &p, &a).await?))
}

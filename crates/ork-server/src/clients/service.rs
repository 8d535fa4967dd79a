//! Who may act for whom: a client's applicant authorises a consultancy (another
//! organisation) to apply on the client's behalf, choosing what it sees; the consultancy's
//! applicants then create applications the client owns; a revocation ends it at once.

use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_domain::{OrgId, Role};
use ork_store::ClientAuthorisation;

/// What an authorised consultancy sees: the application and where its parts stand, or
/// everything (decisions, messages, the permit) as the client does.
pub const SEES: [&str; 2] = ["application", "everything"];

fn applicant_orgs(p: &Principal) -> Vec<&OrgId> {
    p.memberships
        .iter()
        .filter(|m| m.role == Role::Applicant)
        .map(|m| &m.org_id)
        .collect()
}

/// The client and the consultancy a user acts for when applying on `client`'s behalf: one
/// of the user's organisations (as applicant) the client has authorised; 403 otherwise.
pub async fn acting_for(
    state: &AppState,
    p: &Principal,
    client: &str,
) -> Result<(OrgId, OrgId), ApiError> {
    let refused = || ApiError::of(StatusCode::FORBIDDEN, "not_authorised_by_client", &[]);
    let client = OrgId::parse(client).map_err(|_| refused())?;
    for agent in applicant_orgs(p) {
        if state
            .store
            .active_authorisation(client.as_str(), agent.as_str())
            .await?
            .is_some()
        {
            return Ok((client, agent.clone()));
        }
    }
    Err(refused())
}

/// The authorisations where one of the user's organisations is the client or the agent.
pub async fn visible(
    state: &AppState,
    p: &Principal,
) -> Result<Vec<ClientAuthorisation>, ApiError> {
    let orgs: Vec<String> = p.memberships.iter().map(|m| m.org_id.to_string()).collect();
    Ok(state.store.client_authorisations(&orgs).await?)
}

/// Authorises `agent` for the user's client organisation (`client`, else their first as
/// applicant), replacing an authorisation in force between the two.
pub async fn authorise(
    state: &AppState,
    p: &Principal,
    client_addr: &ClientAddr,
    client: Option<&str>,
    agent: &str,
    sees: &str,
) -> Result<ClientAuthorisation, ApiError> {
    if !SEES.contains(&sees) {
        return Err(ApiError::invalid("invalid_sees", &[]));
    }
    let client = crate::applications::service::applying_org(p, client)?;
    let unknown = || ApiError::of(StatusCode::NOT_FOUND, "unknown_agent", &[]);
    let agent = OrgId::parse(agent.trim()).map_err(|_| unknown())?;
    if state.store.get_org(&agent).await?.is_none() {
        return Err(unknown());
    }
    if agent == client {
        return Err(ApiError::of(StatusCode::CONFLICT, "own_organisation", &[]));
    }
    let a = ClientAuthorisation {
        id: crate::ids::new_id("auth"),
        client_org: client.to_string(),
        agent_org: agent.to_string(),
        sees: sees.to_owned(),
        granted_by: p.user.id,
        granted_at: ork_store::now_unix(),
        revoked_at: None,
    };
    let mut tx = state.store.write().await?;
    tx.authorise_agent(&p.audit_source(client_addr, Some(client.to_string())), &a)
        .await?;
    tx.commit().await?;
    state
        .store
        .client_authorisation(&a.id)
        .await?
        .ok_or_else(not_found)
}

pub fn not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "authorisation_not_found", &[])
}

/// Revokes an authorisation: the client's applicants may (the consultancy may give it up
/// too); the consultancy's access ends at once.
pub async fn revoke(
    state: &AppState,
    p: &Principal,
    client_addr: &ClientAddr,
    id: &str,
) -> Result<ClientAuthorisation, ApiError> {
    let a = visible(state, p)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(not_found)?;
    let mine = applicant_orgs(p);
    let party = mine
        .iter()
        .find(|o| o.as_str() == a.client_org || o.as_str() == a.agent_org)
        .ok_or_else(|| ApiError::of(StatusCode::FORBIDDEN, "applicant_role_required", &[]))?;
    let mut tx = state.store.write().await?;
    if !tx
        .revoke_authorisation(
            &p.audit_source(client_addr, Some(party.to_string())),
            id,
            p.user.id,
        )
        .await?
    {
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            "authorisation_revoked",
            &[],
        ));
    }
    tx.commit().await?;
    state
        .store
        .client_authorisation(id)
        .await?
        .ok_or_else(not_found)
}

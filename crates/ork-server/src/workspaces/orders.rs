//! Data orders as the controllers' data stewards handle them: their orders with the
//! extract's description, signed off (the worker then delivers) or suspended with a reason
//! (the workspace loses the order's tables at once).

use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_domain::Role;
use ork_store::DataOrder;

/// The states an order can be in.
pub const STATES: [&str; 4] = ["awaiting_sign_off", "delivering", "delivered", "suspended"];

/// The controllers the user is a data steward of.
pub fn controllers_of(p: &Principal) -> Vec<String> {
    p.memberships
        .iter()
        .filter(|m| m.role == Role::DataSteward)
        .map(|m| m.org_id.to_string())
        .collect()
}

pub fn not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "data_order_not_found", &[])
}

/// The orders to the user's controllers, in one state or all.
pub async fn list(
    state: &AppState,
    p: &Principal,
    in_state: Option<&str>,
) -> Result<Vec<DataOrder>, ApiError> {
    Ok(state
        .store
        .data_orders_to(&controllers_of(p), in_state)
        .await?)
}

/// An order to one of the user's controllers; 404 for anyone else.
pub async fn find(state: &AppState, p: &Principal, id: &str) -> Result<DataOrder, ApiError> {
    let order = state.store.data_order(id).await?.ok_or_else(not_found)?;
    if controllers_of(p).contains(&order.controller) {
        Ok(order)
    } else {
        Err(not_found())
    }
}

fn wrong_state(o: &DataOrder) -> ApiError {
    ApiError::of(
        StatusCode::CONFLICT,
        "data_order_state",
        &[("state", &o.state)],
    )
}

/// Signs an order off (or lifts its suspension); the worker delivers it.
pub async fn sign_off(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<DataOrder, ApiError> {
    let order = find(state, p, id).await?;
    // Only an order of the workspace's current, active permit is delivered.
    let current = match state.store.workspace(&order.workspace_id).await? {
        Some(ws) if ws.permit_id == order.permit_id => state
            .store
            .permit(&ws.permit_id)
            .await?
            .is_some_and(|p| super::provision::permit_active(&p)),
        _ => false,
    };
    if !current {
        return Err(wrong_state(&order));
    }
    let mut tx = state.store.write().await?;
    if !tx
        .sign_off_data_order(
            &p.audit_source(client, Some(order.controller.clone())),
            id,
            p.user.id,
        )
        .await?
    {
        return Err(wrong_state(&order));
    }
    tx.commit().await?;
    super::provision::kick(state, &order.workspace_id);
    state.store.data_order(id).await?.ok_or_else(not_found)
}

/// Suspends the workspace's access to an order's data, with the reason.
pub async fn suspend(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    reason: &str,
) -> Result<DataOrder, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ApiError::invalid("invalid_reason.suspend", &[]));
    }
    let order = find(state, p, id).await?;
    let mut tx = state.store.write().await?;
    if !tx
        .suspend_data_order(
            &p.audit_source(client, Some(order.controller.clone())),
            id,
            p.user.id,
            reason,
        )
        .await?
    {
        return Err(wrong_state(&order));
    }
    tx.commit().await?;
    state.store.data_order(id).await?.ok_or_else(not_found)
}

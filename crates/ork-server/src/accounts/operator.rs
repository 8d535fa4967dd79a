use crate::auth::{ClientAddr, Principal, WebUser, hash_password, validate_new_password};
use crate::web::{Chrome, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ork_domain::{AuthorityRole, Email, Lang, OrgId, OrgKind, PersonName, Role};
use ork_store::{NewOrganisation, NewUser, Organisation};

pub struct UserRow {
    pub email: String,
    pub name: String,
    pub disabled: bool,
    /// The last valid day of the data-security certification, if any.
    pub certified_until: Option<String>,
    /// Whether it is valid today.
    pub certified_now: bool,
    pub memberships: Vec<ork_store::Membership>,
}

#[derive(Template)]
#[template(path = "operator.html")]
struct OperatorPage {
    c: Chrome,
    orgs: Vec<Organisation>,
    users: Vec<UserRow>,
    roles: Vec<Role>,
    kinds: [&'static str; 5],
    authority_roles: Vec<&'static str>,
    saved: bool,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

fn operator(p: &Principal) -> Result<(), ApiError> {
    p.require_role(Role::Operator)
}

async fn page_with(
    state: &AppState,
    c: Chrome,
    saved: bool,
    error: Option<String>,
) -> Result<Response, ApiError> {
    let orgs = state.store.list_orgs().await?;
    let certified: std::collections::HashMap<i64, String> =
        state.store.certifications().await?.into_iter().collect();
    let today = crate::dates::date(ork_store::now_unix());
    let mut users = Vec::new();
    for u in state.store.list_users().await? {
        let memberships = state.store.memberships(u.id).await?;
        let certified_until = certified.get(&u.id).cloned();
        users.push(UserRow {
            certified_now: certified_until
                .as_deref()
                .is_some_and(|d| d >= today.as_str()),
            certified_until,
            email: u.email.to_string(),
            name: u.name,
            disabled: u.disabled,
            memberships,
        });
    }
    let lang = c.t.lang;
    Ok(render(
        lang,
        &OperatorPage {
            c,
            orgs,
            users,
            roles: Role::ALL.to_vec(),
            kinds: OrgKind::CODES,
            authority_roles: AuthorityRole::ALL.iter().map(|r| r.code()).collect(),
            saved,
            error,
        },
    ))
}

pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    Query(q): Query<Saved>,
) -> Result<Response, ApiError> {
    operator(&p)?;
    page_with(&state, c, q.saved.is_some(), None).await
}

fn saved() -> Response {
    Redirect::to("/operator?saved=1").into_response()
}

/// After a form: back to the page with "saved", or the page again with the error shown in
/// the user's language and the error's status. Server errors propagate.
async fn outcome(
    state: &AppState,
    c: Chrome,
    result: Result<(), ApiError>,
) -> Result<Response, ApiError> {
    match result {
        Ok(()) => Ok(saved()),
        Err(e) if e.status.is_client_error() => failed(state, c, e).await,
        Err(e) => Err(e),
    }
}

/// Re-renders the page with the error in the user's language and the error's status.
async fn failed(state: &AppState, c: Chrome, e: ApiError) -> Result<Response, ApiError> {
    let msg = e.message(c.t.lang).to_owned();
    let mut res = page_with(state, c, false, Some(msg)).await?;
    *res.status_mut() = e.status;
    Ok(res)
}

fn invalid(e: ork_domain::ParseError) -> ApiError {
    ApiError::invalid(
        "invalid_input",
        &[("what", &e.what), ("expected", &e.expected)],
    )
}

#[derive(serde::Deserialize)]
pub struct OrgForm {
    id: String,
    kind: String,
    authority_role: Option<String>,
    name_da: String,
    name_en: String,
}

pub async fn add_org(
    State(state): State<AppState>,
    client: ClientAddr,
    c: Chrome,
    WebUser(p): WebUser,
    Form(f): Form<OrgForm>,
) -> Result<Response, ApiError> {
    operator(&p)?;
    let result: Result<(), ApiError> = async {
        let id = OrgId::parse(f.id.trim()).map_err(invalid)?;
        let role = f.authority_role.as_deref().filter(|r| !r.is_empty());
        let kind = OrgKind::parse(&f.kind, role)
            .map_err(|m| ApiError::invalid("invalid_kind", &[("problem", &m)]))?;
        let mut tx = state.store.write().await?;
        let src = p.audit_source(&client, p.org_for(Role::Operator));
        tx.create_org(
            &src,
            &NewOrganisation {
                id,
                kind,
                name_da: f.name_da,
                name_en: f.name_en,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    outcome(&state, c, result).await
}

#[derive(serde::Deserialize)]
pub struct UserForm {
    email: String,
    name: String,
    password: Option<String>,
    org: Option<String>,
    role: Option<String>,
}

pub async fn add_user(
    State(state): State<AppState>,
    client: ClientAddr,
    c: Chrome,
    WebUser(p): WebUser,
    Form(f): Form<UserForm>,
) -> Result<Response, ApiError> {
    operator(&p)?;
    let result: Result<(), ApiError> = async {
        let email = Email::parse(&f.email).map_err(invalid)?;
        let name = PersonName::parse(&f.name).map_err(invalid)?;
        let grant = match (
            f.org.as_deref().filter(|s| !s.is_empty()),
            f.role.as_deref().filter(|s| !s.is_empty()),
        ) {
            (Some(o), Some(r)) => Some((OrgId::parse(o).map_err(invalid)?, parse_role(r)?)),
            (None, None) => None,
            _ => {
                return Err(ApiError::invalid("invalid_input.grant", &[]));
            }
        };
        let password_hash = match f.password.as_deref().filter(|s| !s.is_empty()) {
            Some(pw) => {
                validate_new_password(pw).map_err(|key| ApiError::invalid(key, &[]))?;
                let pw = pw.to_owned();
                Some(
                    tokio::task::spawn_blocking(move || hash_password(&pw))
                        .await
                        .map_err(anyhow::Error::from)?
                        .map_err(|e| anyhow::anyhow!("hash: {e}"))?,
                )
            }
            None => None,
        };
        let src = p.audit_source(&client, p.org_for(Role::Operator));
        let mut tx = state.store.write().await?;
        let new = NewUser {
            email,
            name,
            password_hash,
            lang: Lang::Da,
        };
        let grants: Vec<(OrgId, Role)> = grant.into_iter().collect();
        tx.create_user_with_roles(&src, &new, &grants).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    outcome(&state, c, result).await
}

fn parse_role(r: &str) -> Result<Role, ApiError> {
    Role::parse(r).ok_or_else(|| ApiError::invalid("invalid_role", &[("role", &r)]))
}

#[derive(serde::Deserialize)]
pub struct GrantForm {
    email: String,
    org: String,
    role: String,
}

pub async fn grant(
    State(state): State<AppState>,
    client: ClientAddr,
    c: Chrome,
    WebUser(p): WebUser,
    Form(f): Form<GrantForm>,
) -> Result<Response, ApiError> {
    change_role(&state, &client, c, &p, &f, true).await
}

/// Takes a role back from a user.
pub async fn revoke(
    State(state): State<AppState>,
    client: ClientAddr,
    c: Chrome,
    WebUser(p): WebUser,
    Form(f): Form<GrantForm>,
) -> Result<Response, ApiError> {
    change_role(&state, &client, c, &p, &f, false).await
}

async fn change_role(
    state: &AppState,
    client: &ClientAddr,
    c: Chrome,
    p: &Principal,
    f: &GrantForm,
    grant: bool,
) -> Result<Response, ApiError> {
    operator(p)?;
    let result: Result<(), ApiError> = async {
        let email = Email::parse(&f.email).map_err(invalid)?;
        let org = OrgId::parse(f.org.trim()).map_err(invalid)?;
        let role = parse_role(&f.role)?;
        if !grant && email == p.user.email && role == Role::Operator {
            return Err(ApiError::invalid("self_revoke", &[]));
        }
        let src = p.audit_source(client, p.org_for(Role::Operator));
        let mut tx = state.store.write().await?;
        let user = tx
            .user_by_email_tx(&email)
            .await?
            .ok_or_else(|| no_such_user(&email))?;
        if grant {
            tx.add_membership(&src, &user, &org, role).await?;
        } else {
            tx.remove_membership(&src, &user, &org, role).await?;
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    outcome(state, c, result).await
}

#[derive(serde::Deserialize)]
pub struct AccountStateForm {
    email: String,
    /// `disable` or `enable`.
    action: String,
}

/// Disables an account (ending its sessions) or enables it again.
pub async fn set_account_state(
    State(state): State<AppState>,
    client: ClientAddr,
    c: Chrome,
    WebUser(p): WebUser,
    Form(f): Form<AccountStateForm>,
) -> Result<Response, ApiError> {
    operator(&p)?;
    let result: Result<(), ApiError> = async {
        let email = Email::parse(&f.email).map_err(invalid)?;
        let disabled = match f.action.as_str() {
            "disable" => true,
            "enable" => false,
            _ => {
                return Err(ApiError::invalid("invalid_action.account", &[]));
            }
        };
        if disabled && email == p.user.email {
            return Err(ApiError::invalid("self_disable", &[]));
        }
        let src = p.audit_source(&client, p.org_for(Role::Operator));
        let mut tx = state.store.write().await?;
        let user = tx
            .user_by_email_tx(&email)
            .await?
            .ok_or_else(|| no_such_user(&email))?;
        tx.set_disabled(&src, &user, disabled).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    outcome(&state, c, result).await
}

fn no_such_user(email: &Email) -> ApiError {
    ApiError::of(
        StatusCode::NOT_FOUND,
        "not_found.user",
        &[("email", &email)],
    )
}

#[derive(serde::Deserialize)]
pub struct CertificationForm {
    email: String,
    /// The last valid day, `YYYY-MM-DD`; empty with `action=withdraw`.
    #[serde(default)]
    until: String,
    /// `certify` or `withdraw`.
    action: String,
}

/// Records a user's data-security certification (the last day it is valid) or withdraws it.
pub async fn set_certification(
    State(state): State<AppState>,
    client: ClientAddr,
    c: Chrome,
    WebUser(p): WebUser,
    Form(f): Form<CertificationForm>,
) -> Result<Response, ApiError> {
    operator(&p)?;
    let result: Result<(), ApiError> = async {
        let email = Email::parse(&f.email).map_err(invalid)?;
        let until = match f.action.as_str() {
            "certify" => {
                let d = f.until.trim();
                if crate::dates::parse_date(d).is_none() {
                    return Err(ApiError::invalid("invalid_certification_date", &[]));
                }
                Some(d.to_owned())
            }
            "withdraw" => None,
            _ => return Err(ApiError::invalid("invalid_action.certification", &[])),
        };
        let src = p.audit_source(&client, p.org_for(Role::Operator));
        let mut tx = state.store.write().await?;
        let user = tx
            .user_by_email_tx(&email)
            .await?
            .ok_or_else(|| no_such_user(&email))?;
        tx.set_certification(&src, &user, until.as_deref()).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    outcome(&state, c, result).await
}

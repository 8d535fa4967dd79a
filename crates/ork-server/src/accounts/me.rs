use crate::auth::{ApiUser, Via};
use axum::Json;
use utoipa::ToSchema;

#[derive(serde::Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// Preferred language: `da` or `en`.
    pub lang: &'static str,
    /// How this request was authenticated: `session` or `token`.
    pub authenticated_by: &'static str,
    pub organisations: Vec<MeOrganisation>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct MeOrganisation {
    pub id: String,
    pub name_da: String,
    pub name_en: String,
    /// Role ids in snake_case: applicant, advisor, case_handler, data_steward,
    /// output_checker, auditor, citizen, operator.
    pub roles: Vec<&'static str>,
}

/// Who the signed-in user is: organisations and roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::api::ErrorBody)))]
pub async fn me(ApiUser(p): ApiUser) -> Json<Me> {
    let mut organisations: Vec<MeOrganisation> = Vec::new();
    for m in &p.memberships {
        match organisations.last_mut() {
            Some(o) if o.id == m.org_id.as_str() => o.roles.push(m.role.code()),
            _ => organisations.push(MeOrganisation {
                id: m.org_id.to_string(),
                name_da: m.org_name_da.clone(),
                name_en: m.org_name_en.clone(),
                roles: vec![m.role.code()],
            }),
        }
    }
    Json(Me {
        id: p.user.id,
        email: p.user.email.to_string(),
        name: p.user.name.clone(),
        lang: p.user.lang.code(),
        authenticated_by: match p.via {
            Via::Session { .. } => "session",
            Via::Token { .. } => "token",
        },
        organisations,
    })
}

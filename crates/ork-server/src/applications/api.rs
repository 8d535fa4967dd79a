//! Applications in the API, the applicant's side: start from a need, save answers (a
//! draft keeps them even with errors), read the form as evaluated for them, submit (the
//! roadmap frozen, one part per step), withdraw.

use super::dto::{
    AmendmentRequest, AnswersPatch, ApplicationBody, ApplicationList, ApplicationListItem,
    ColumnBody, FieldBody, FormBody, InviteBody, MemberBody, MemberList, NewApplicationBody,
    OptionBody, SectionBody, SubmitRefusedBody,
};
use super::service::{self, UserRefs};
use super::submit::{self, SubmitError};
use crate::api::{ApiJson, ErrorDetail, UserLang};
use crate::auth::{ApiUser, ClientAddr};
use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ork_domain::Lang;
use ork_rules::form::{Choice, Field};

/// Starts a draft application for a data need. The title, the need's datasets and your
/// e-mail as contact are filled in; the roadmap is shown while you write.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", security(("bearer" = []), ("session" = [])),
    request_body = NewApplicationBody,
    responses((status = 201, description = "The draft", body = ApplicationBody),
        (status = 400, description = "A bad title or need", body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "You are not an applicant in the organisation", body = crate::api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    ApiJson(b): ApiJson<NewApplicationBody>,
) -> Result<(StatusCode, Json<ApplicationBody>), ApiError> {
    let app = service::create(
        &state,
        &p,
        &client,
        &b.title,
        &b.need,
        b.org.as_deref(),
        b.on_behalf_of.as_deref(),
    )
    .await?;
    let (app, standing) = service::find(&state, &p, &app.id).await?;
    let body = service::body(&state, &p, &app, standing, lang).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// Your applications and those you are co-applicant or reader on, newest first.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ApplicationList), (status = 401, body = crate::api::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<ApplicationList>, ApiError> {
    let apps = service::visible(&state, &p).await?;
    Ok(Json(ApplicationList {
        applications: apps
            .iter()
            .map(|(a, _)| ApplicationListItem {
                id: a.id.clone(),
                title: a.title.clone(),
                state: a.state.code().to_owned(),
                org: a.org_id.to_string(),
                updated_at: iso(a.updated_at),
            })
            .collect(),
    }))
}

/// One application: its state, answers, the errors left before it can be submitted, the
/// roadmap (frozen once submitted) and its parts with their states and dates.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = ApplicationBody), (status = 401, body = crate::api::ErrorBody),
        (status = 404, description = "No such application of yours", body = crate::api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
) -> Result<Json<ApplicationBody>, ApiError> {
    let (app, standing) = service::find(&state, &p, &id).await?;
    Ok(Json(service::body(&state, &p, &app, standing, lang).await?))
}

/// Saves answers. Unknown field ids and answers that do not have their field's shape are
/// refused (400, naming them); otherwise the answers are saved even with errors (a date
/// that does not exist, a text too long), which come back in `errors`. A hidden field's
/// answer is not kept.
#[utoipa::path(patch, path = "/api/v1/applications/{id}", tag = "applications", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Application id")),
    request_body = AnswersPatch,
    responses((status = 200, description = "The application with what is still missing or wrong", body = ApplicationBody),
        (status = 400, description = "Unknown field ids, or answers not of their field's shape", body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "You may only read it", body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "Not a draft any more, or saved by someone else in between (read it again)", body = crate::api::ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AnswersPatch>,
) -> Result<Json<ApplicationBody>, ApiError> {
    let (app, standing) = service::save(&state, &p, &client, &id, &b.answers).await?;
    Ok(Json(service::body(&state, &p, &app, standing, lang).await?))
}

/// Submits the application: every answer must pass (else 422 with every field error, and
/// nothing is submitted). The roadmap is frozen with it and one part per step is created,
/// each carrying exactly the answers its rule names; a part goes to its authority when the
/// steps it depends on are approved.
#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "applications", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, description = "Submitted, with its parts", body = ApplicationBody),
        (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "Not a draft, changed meanwhile, or a step the applicant cannot take (a blocker)", body = crate::api::ErrorBody),
        (status = 422, description = "Field errors; nothing submitted", body = SubmitRefusedBody)))]
pub async fn submit(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match submit::submit(&state, &p, &client, &id).await {
        Ok((app, standing)) => {
            Ok(Json(service::body(&state, &p, &app, standing, lang).await?).into_response())
        }
        Err(SubmitError::Api(e)) => Err(e),
        Err(SubmitError::Invalid(errors)) => Ok(refused(&errors, lang)),
    }
}

/// The 422 of a submission refused for its field errors: every error, nothing submitted.
fn refused(errors: &[ork_rules::form::FormError], lang: Lang) -> Response {
    let e = ApiError::of(
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_incomplete",
        &[("count", &errors.len())],
    );
    let body = SubmitRefusedBody {
        error: ErrorDetail {
            code: e.code.to_owned(),
            message: e.message(lang).to_owned(),
        },
        errors: service::error_bodies(errors, lang),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

fn options(o: &[Choice], lang: Lang) -> Option<Vec<OptionBody>> {
    (!o.is_empty()).then(|| {
        o.iter()
            .map(|c| OptionBody {
                value: c.value.clone(),
                label: c.label.get(lang).to_owned(),
            })
            .collect()
    })
}

fn field_body(f: &Field, visible: bool, lang: Lang) -> FieldBody {
    FieldBody {
        id: f.id.clone(),
        kind: f.kind.code().to_owned(),
        label: f.label.get(lang).to_owned(),
        help: f.help.get(lang).to_owned(),
        required: f.required,
        visible,
        options: options(&f.options, lang),
        min: f.min,
        max: f.max,
        pattern: f.pattern.as_ref().map(|r| r.as_str().to_owned()),
        pattern_hint: f.pattern_hint.as_ref().map(|h| h.get(lang).to_owned()),
        columns: (!f.columns.is_empty()).then(|| {
            f.columns
                .iter()
                .map(|c| ColumnBody {
                    id: c.id.clone(),
                    kind: c.kind.code().to_owned(),
                    label: c.label.get(lang).to_owned(),
                    required: c.required,
                    min: c.min,
                    max: c.max,
                    options: options(&c.options, lang),
                })
                .collect()
        }),
    }
}

/// The form evaluated against the application's answers, the need's traits and the
/// roadmap: every section and field with its label and help in the language asked for,
/// whether it is shown and required, its options and bounds.
#[utoipa::path(get, path = "/api/v1/applications/{id}/form", tag = "applications", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Application id"),
        ("lang" = Option<String>, Query, description = "da or en (default: your language)", pattern = "^(da|en)$")),
    responses((status = 200, body = FormBody), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody)))]
pub async fn form(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<FormBody>, ApiError> {
    let mut lang = lang;
    for (k, v) in crate::api::query_pairs(raw.as_deref())? {
        match (k.as_str(), Lang::parse(&v)) {
            ("lang", Some(l)) => lang = l,
            ("lang", None) => return Err(ApiError::invalid("invalid_lang", &[])),
            _ => {
                let k: String = k.chars().take(40).collect();
                return Err(ApiError::invalid(
                    "unknown_parameter.list",
                    &[("name", &k), ("allowed", &"lang")],
                ));
            }
        }
    }
    let (app, _) = service::find(&state, &p, &id).await?;
    let need = service::need(&app)?;
    let roadmap = service::roadmap(&state, &app)?;
    let refs = UserRefs::load(&state, &p).await?;
    let checked = service::check(&state, &need, &roadmap, &service::answers(&app), &refs);
    let form = &state.rules.book.form;
    Ok(Json(FormBody {
        rulebook_version: roadmap.rulebook_version.clone(),
        sections: form
            .sections
            .iter()
            .map(|s| SectionBody {
                id: s.id.clone(),
                title: s.title.get(lang).to_owned(),
                fields: s
                    .fields
                    .iter()
                    .map(|f| field_body(f, checked.visible.contains(&f.id), lang))
                    .collect(),
            })
            .collect(),
    }))
}

/// Withdraws the application: every part not yet decided is withdrawn with it.
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdraw", tag = "applications", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = ApplicationBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "You may only read it", body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "Already granted or withdrawn", body = crate::api::ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
) -> Result<Json<ApplicationBody>, ApiError> {
    let (app, standing) = submit::withdraw(&state, &p, &client, &id).await?;
    Ok(Json(service::body(&state, &p, &app, standing, lang).await?))
}

/// Invites a user as co-applicant (may edit and submit) or reader (may only read); a second
/// invitation changes their access.
#[utoipa::path(post, path = "/api/v1/applications/{id}/members", tag = "applications", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Application id")),
    request_body = InviteBody,
    responses((status = 200, description = "The members now", body = MemberList),
        (status = 400, description = "Bad access, or no user with that e-mail", body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "You may only read it", body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<InviteBody>,
) -> Result<Json<MemberList>, ApiError> {
    service::invite(&state, &p, &client, &id, &b.email, &b.access).await?;
    let members = state.store.members(&id).await?;
    Ok(Json(MemberList {
        members: members
            .into_iter()
            .map(|(_, email, name, access)| MemberBody {
                email,
                name,
                access: access.code().to_owned(),
            })
            .collect(),
    }))
}

/// A change to a granted permit: the changed need (its `previous` is the permit's, set
/// here) and changed answers (merged into the permit's; `null` removes one). The roadmap
/// decides which steps the change touches; a carried-over step is re-opened all the same
/// when what its authority receives changed other than by removal. Only those parts go to
/// their authorities; every other approval carries over by reference (`carried_over`). A
/// change that touches nothing (removing a user) is granted at once and its permit
/// replaces the old one (`superseded`).
#[utoipa::path(post, path = "/api/v1/permits/{id}/amendments", tag = "permits", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Permit id")),
    request_body = AmendmentRequest,
    responses((status = 201, description = "The amendment, submitted, with its parts and what carries over", body = ApplicationBody),
        (status = 400, description = "A need that cannot be planned, unknown field ids or answers not of their field's shape", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody), (status = 403, description = "You may only read it", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "The permit is not active (revoked, superseded or expired), an amendment to it is under way, or a step cannot be taken", body = crate::api::ErrorBody),
        (status = 422, description = "Field errors; nothing submitted", body = SubmitRefusedBody)))]
pub async fn amend(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AmendmentRequest>,
) -> Result<Response, ApiError> {
    match super::amend::amend(&state, &p, &client, &id, b.need, &b.answers).await {
        Ok(app) => {
            let (app, standing) = service::find(&state, &p, &app.id).await?;
            let body = service::body(&state, &p, &app, standing, lang).await?;
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        Err(SubmitError::Api(e)) => Err(e),
        Err(SubmitError::Invalid(errors)) => Ok(refused(&errors, lang)),
    }
}

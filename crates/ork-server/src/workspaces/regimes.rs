//! The controllers' security regimes (issue 18, item 6): per dataset, set by the data
//! stewards of its controller, read by anyone signed in (applicants plan by them). A change
//! takes effect at once: provisioning, own data, the end of workspaces and the airlock read
//! the regime when they act, and a workspace combining sources takes the strictest of each.

use super::plan::regime_of;
use crate::api::ApiJson;
use crate::auth::{ApiUser, ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ork_catalog::{DataType, Source};
use ork_workspace::regime::{AtEnd, Regime};
use std::collections::BTreeMap;

/// A dataset's security regime.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct RegimeBody {
    /// The catalog's id of the dataset.
    pub dataset: String,
    /// Its controller (an organisation id).
    pub controller: String,
    /// Whether its stewards set it (otherwise these are the platform's defaults).
    pub set_by_stewards: bool,
    pub regime: RegimeFields,
}

/// The parameters, each within the range shown.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct RegimeFields {
    /// The smallest count a released table cell may hold.
    #[schema(minimum = 1, maximum = 1000)]
    #[serde(deserialize_with = "crate::api::whole_number")]
    pub min_cell_count: i64,
    /// p-ratio rule: a cell is unsafe when the rest of its total, less the second largest
    /// contribution, is below p times the largest.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub p_ratio: f64,
    /// n-k dominance: the largest n contributions ...
    #[schema(minimum = 1, maximum = 10)]
    #[serde(deserialize_with = "crate::api::whole_number")]
    pub nk_n: i64,
    /// ... may hold at most k of the total (more than 0, at most 1).
    #[schema(exclusive_minimum = 0.0, maximum = 1.0)]
    pub nk_k: f64,
    /// The fewest residual degrees of freedom a released model may have.
    #[schema(minimum = 0, maximum = 10000)]
    #[serde(deserialize_with = "crate::api::whole_number")]
    pub min_dof: i64,
    /// Whether a project may link its own data with this dataset.
    pub own_data: bool,
    /// How long a workspace holding it is kept after its permit ends, in days.
    #[schema(minimum = 1, maximum = 36500)]
    #[serde(deserialize_with = "crate::api::whole_number")]
    pub retention_days: i64,
    /// Whether every output needs a person's review.
    pub manual_review: bool,
    /// Whether the controller delivers without a steward's sign-off.
    pub automatic_delivery: bool,
    /// Leave out everyone in the Tissue Use Register (required for biological and genetic
    /// data).
    pub exclude_tissue_opt_outs: bool,
    /// When the retention ends: `delete` (its key destroyed) or `archive` (a package for the
    /// national archives first).
    #[schema(pattern = "^(delete|archive)$")]
    pub at_end: String,
    /// The most CPU time one job may ask for, in seconds (all its processes together).
    #[schema(minimum = 60, maximum = 604800)]
    #[serde(default = "default_cpu", deserialize_with = "crate::api::whole_number")]
    pub max_job_cpu_seconds: i64,
    /// The longest one job may run, start to end, in seconds.
    #[schema(minimum = 60, maximum = 604800)]
    #[serde(
        default = "default_wall",
        deserialize_with = "crate::api::whole_number"
    )]
    pub max_job_wall_seconds: i64,
    /// The most resident memory one job may ask for, in MiB.
    #[schema(minimum = 256, maximum = 262144)]
    #[serde(
        default = "default_memory",
        deserialize_with = "crate::api::whole_number"
    )]
    pub max_job_memory_mb: i64,
    /// The most processes (and threads) one job may run at once.
    #[schema(minimum = 16, maximum = 4096)]
    #[serde(
        default = "default_processes",
        deserialize_with = "crate::api::whole_number"
    )]
    pub max_job_processes: i64,
    /// The most disk one job may write (outputs, scratch, log), in MiB.
    #[schema(minimum = 64, maximum = 1048576)]
    #[serde(
        default = "default_disk",
        deserialize_with = "crate::api::whole_number"
    )]
    pub max_job_disk_mb: i64,
}

// A body without the job limits (written before jobs) takes the platform's defaults.
fn default_cpu() -> i64 {
    Regime::default().max_job_cpu_seconds.into()
}
fn default_wall() -> i64 {
    Regime::default().max_job_wall_seconds.into()
}
fn default_memory() -> i64 {
    Regime::default().max_job_memory_mb.into()
}
fn default_processes() -> i64 {
    Regime::default().max_job_processes.into()
}
fn default_disk() -> i64 {
    Regime::default().max_job_disk_mb.into()
}

/// The job limits' fields with their ranges, as the API and the stewards' page check them.
pub(super) const JOB_LIMITS: [(&str, i64, i64); 5] = [
    ("max_job_cpu_seconds", 60, 604_800),
    ("max_job_wall_seconds", 60, 604_800),
    ("max_job_memory_mb", 256, 262_144),
    ("max_job_processes", 16, 4096),
    ("max_job_disk_mb", 64, 1_048_576),
];

impl From<&Regime> for RegimeFields {
    fn from(r: &Regime) -> Self {
        Self {
            min_cell_count: r.min_cell_count.into(),
            p_ratio: r.p_ratio,
            nk_n: r.nk_n.into(),
            nk_k: r.nk_k,
            min_dof: r.min_dof.into(),
            own_data: r.own_data,
            retention_days: r.retention_days.into(),
            manual_review: r.manual_review,
            automatic_delivery: r.automatic_delivery,
            exclude_tissue_opt_outs: r.exclude_tissue_opt_outs,
            at_end: match r.at_end {
                AtEnd::Delete => "delete",
                AtEnd::Archive => "archive",
            }
            .to_owned(),
            max_job_cpu_seconds: r.max_job_cpu_seconds.into(),
            max_job_wall_seconds: r.max_job_wall_seconds.into(),
            max_job_memory_mb: r.max_job_memory_mb.into(),
            max_job_processes: r.max_job_processes.into(),
            max_job_disk_mb: r.max_job_disk_mb.into(),
        }
    }
}

impl RegimeFields {
    /// A job limit's value by its field's name.
    pub(super) fn job_limit(&self, field: &str) -> i64 {
        match field {
            "max_job_cpu_seconds" => self.max_job_cpu_seconds,
            "max_job_wall_seconds" => self.max_job_wall_seconds,
            "max_job_memory_mb" => self.max_job_memory_mb,
            "max_job_processes" => self.max_job_processes,
            _ => self.max_job_disk_mb,
        }
    }
}

fn out_of_range(field: &str, range: &str) -> ApiError {
    ApiError::invalid("regime_range", &[("field", &field), ("range", &range)])
}

impl RegimeFields {
    /// The regime, when every parameter is in its range; biological and genetic data keep
    /// the Tissue Use Register's opt-outs out.
    pub fn check(&self, source: &Source) -> Result<Regime, ApiError> {
        let unit = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
        if !(1..=1000).contains(&self.min_cell_count) {
            return Err(out_of_range("min_cell_count", "1–1000"));
        }
        if !unit(self.p_ratio) {
            return Err(out_of_range("p_ratio", "0–1"));
        }
        if !(1..=10).contains(&self.nk_n) {
            return Err(out_of_range("nk_n", "1–10"));
        }
        if !unit(self.nk_k) || self.nk_k == 0.0 {
            return Err(out_of_range("nk_k", "0–1"));
        }
        if !(0..=10_000).contains(&self.min_dof) {
            return Err(out_of_range("min_dof", "0–10000"));
        }
        if !(1..=36_500).contains(&self.retention_days) {
            return Err(out_of_range("retention_days", "1–36500"));
        }
        for (field, min, max) in JOB_LIMITS {
            if !(min..=max).contains(&self.job_limit(field)) {
                return Err(out_of_range(field, &format!("{min}–{max}")));
            }
        }
        let at_end = match self.at_end.as_str() {
            "delete" => AtEnd::Delete,
            "archive" => AtEnd::Archive,
            _ => return Err(out_of_range("at_end", "delete, archive")),
        };
        if matches!(source.data_type, DataType::Wet | DataType::Genomic)
            && !self.exclude_tissue_opt_outs
        {
            return Err(ApiError::invalid("regime_opt_out_required", &[]));
        }
        // Each is in its range, so within u32.
        let small = |x: i64| u32::try_from(x).unwrap_or(u32::MAX);
        Ok(Regime {
            min_cell_count: small(self.min_cell_count),
            p_ratio: self.p_ratio,
            nk_n: small(self.nk_n),
            nk_k: self.nk_k,
            min_dof: small(self.min_dof),
            own_data: self.own_data,
            retention_days: small(self.retention_days),
            manual_review: self.manual_review,
            automatic_delivery: self.automatic_delivery,
            exclude_tissue_opt_outs: self.exclude_tissue_opt_outs,
            at_end,
            max_job_cpu_seconds: small(self.max_job_cpu_seconds),
            max_job_wall_seconds: small(self.max_job_wall_seconds),
            max_job_memory_mb: small(self.max_job_memory_mb),
            max_job_processes: small(self.max_job_processes),
            max_job_disk_mb: small(self.max_job_disk_mb),
        })
    }
}

/// The dataset `id` in the catalog; 404 otherwise.
pub(super) fn source<'a>(state: &'a AppState, id: &str) -> Result<&'a Source, ApiError> {
    state
        .catalog
        .catalog
        .source(id)
        .ok_or_else(|| ApiError::of(StatusCode::NOT_FOUND, "source_not_found", &[("id", &id)]))
}

/// The dataset's regime as it applies now.
pub(super) async fn current(state: &AppState, s: &Source) -> Result<RegimeBody, ApiError> {
    let mut set = BTreeMap::new();
    if let Some(text) = state.store.dataset_regime(&s.id).await?
        && let Ok(r) = serde_json::from_str::<Regime>(&text)
    {
        set.insert(s.id.clone(), r);
    }
    Ok(RegimeBody {
        dataset: s.id.clone(),
        controller: s.controller.clone(),
        set_by_stewards: !set.is_empty(),
        regime: RegimeFields::from(&regime_of(&state.catalog.catalog, &set, &s.id)),
    })
}

/// Sets the dataset's regime: its controller's stewards only; audited.
pub(super) async fn set(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    s: &Source,
    fields: &RegimeFields,
) -> Result<RegimeBody, ApiError> {
    if !p.steward_of(&s.controller) {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "not_steward.regime",
            &[],
        ));
    }
    let regime = fields.check(s)?;
    let text = serde_json::to_string(&regime).map_err(|e| ApiError::from(anyhow::anyhow!(e)))?;
    let mut tx = state.store.write().await?;
    tx.set_dataset_regime(
        &p.audit_source(client, Some(s.controller.clone())),
        &s.id,
        &text,
        Some(p.user.id),
    )
    .await?;
    tx.commit().await?;
    current(state, s).await
}

/// A dataset's security regime: minimum cell count, dominance rules, residual degrees of
/// freedom, own-data linkage, retention, manual review, automatic delivery, the Tissue Use
/// Register's opt-outs, what happens at the end and the most a job may ask for. The platform's defaults until its
/// stewards set one. For anyone signed in.
#[utoipa::path(get, path = "/api/v1/datasets/{id}/regime", tag = "workspaces", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "The dataset's id in the catalog")),
    responses((status = 200, body = RegimeBody), (status = 401, body = crate::api::ErrorBody),
        (status = 404, description = "No such dataset", body = crate::api::ErrorBody)))]
pub async fn get_regime(
    State(state): State<AppState>,
    ApiUser(_p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<RegimeBody>, ApiError> {
    let s = source(&state, &id)?;
    Ok(Json(current(&state, s).await?))
}

/// Sets a dataset's security regime (every parameter). For the data stewards of its
/// controller; it applies from now on to every workspace holding the dataset (the strictest
/// of a workspace's regimes counts) and is in the audit trail.
#[utoipa::path(put, path = "/api/v1/datasets/{id}/regime", tag = "workspaces", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "The dataset's id in the catalog")),
    request_body = RegimeFields,
    responses((status = 200, body = RegimeBody),
        (status = 400, description = "A parameter out of its range, or biological data without the Tissue Use Register's opt-outs", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not a data steward of the dataset's controller", body = crate::api::ErrorBody),
        (status = 404, description = "No such dataset", body = crate::api::ErrorBody),
        (status = 415, body = crate::api::ErrorBody)))]
pub async fn put_regime(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(fields): ApiJson<RegimeFields>,
) -> Result<Json<RegimeBody>, ApiError> {
    let s = source(&state, &id)?;
    Ok(Json(set(&state, &p, &client, s, &fields).await?))
}

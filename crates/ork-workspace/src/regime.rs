//! A controller's security regime for one of its datasets (issue 18, item 6): set by its
//! stewards, enforced by provisioning and the airlock. A workspace combining sources takes
//! the strictest of each parameter.

use serde::{Deserialize, Serialize};

/// The parameters of a regime. The disclosure defaults are ACRO's (threshold 10, p 0.1,
/// n 2, k 0.9, residual degrees of freedom 10), so the two can be compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Regime {
    /// The smallest count a released cell may hold.
    pub min_cell_count: u32,
    /// p-ratio rule: the cell is unsafe when the rest of its total, less the second
    /// largest contribution, is below `p` times the largest.
    pub p_ratio: f64,
    /// n-k dominance: the largest `nk_n` contributions may hold at most `nk_k` of the total.
    pub nk_n: u32,
    pub nk_k: f64,
    /// The fewest residual degrees of freedom a released model may have.
    pub min_dof: u32,
    /// Whether a project may link its own data with this dataset.
    pub own_data: bool,
    /// How long the data may be kept after the permit ends, in days.
    pub retention_days: u32,
    /// Whether every output needs a person's review (no release on the automatic checks).
    pub manual_review: bool,
    /// Whether the controller delivers without a steward's sign-off.
    pub automatic_delivery: bool,
    /// Leave out everyone in the Tissue Use Register (biological and genetic data).
    pub exclude_tissue_opt_outs: bool,
    /// What happens when the retention ends: the data deleted (its key destroyed), or
    /// handed over to the national archives as a package first.
    pub at_end: AtEnd,
    /// The most one job in the workspace may ask for (issue 20): CPU time of all its
    /// processes and time from start to end in seconds, resident memory and disk in MiB,
    /// processes at once.
    pub max_job_cpu_seconds: u32,
    pub max_job_wall_seconds: u32,
    pub max_job_memory_mb: u32,
    pub max_job_processes: u32,
    pub max_job_disk_mb: u32,
}

/// The end of a workspace's retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AtEnd {
    /// Deleted by destroying its data key (crypto-shredding).
    #[default]
    Delete,
    /// Exported as an archive package for the national archives, then deleted.
    Archive,
}

impl Default for Regime {
    fn default() -> Self {
        Self {
            min_cell_count: 10,
            p_ratio: 0.1,
            nk_n: 2,
            nk_k: 0.9,
            min_dof: 10,
            own_data: true,
            retention_days: 5 * 365,
            manual_review: false,
            automatic_delivery: false,
            exclude_tissue_opt_outs: false,
            at_end: AtEnd::Delete,
            max_job_cpu_seconds: 4 * 3600,
            max_job_wall_seconds: 6 * 3600,
            max_job_memory_mb: 8192,
            max_job_processes: 256,
            max_job_disk_mb: 10240,
        }
    }
}

impl Regime {
    /// The strictest of two regimes, parameter by parameter: the larger threshold, p and n,
    /// the smaller k, the larger degrees of freedom, linkage only if both allow it, the
    /// shorter retention, review if either asks, automatic delivery only if both allow it,
    /// opt-outs excluded if either requires it, archived if either must be (an archival
    /// duty outweighs deletion), the smaller of each job limit.
    pub fn strictest(&self, o: &Self) -> Self {
        Self {
            min_cell_count: self.min_cell_count.max(o.min_cell_count),
            p_ratio: self.p_ratio.max(o.p_ratio),
            nk_n: self.nk_n.max(o.nk_n),
            nk_k: self.nk_k.min(o.nk_k),
            min_dof: self.min_dof.max(o.min_dof),
            own_data: self.own_data && o.own_data,
            retention_days: self.retention_days.min(o.retention_days),
            manual_review: self.manual_review || o.manual_review,
            automatic_delivery: self.automatic_delivery && o.automatic_delivery,
            exclude_tissue_opt_outs: self.exclude_tissue_opt_outs || o.exclude_tissue_opt_outs,
            at_end: if self.at_end == AtEnd::Archive || o.at_end == AtEnd::Archive {
                AtEnd::Archive
            } else {
                AtEnd::Delete
            },
            max_job_cpu_seconds: self.max_job_cpu_seconds.min(o.max_job_cpu_seconds),
            max_job_wall_seconds: self.max_job_wall_seconds.min(o.max_job_wall_seconds),
            max_job_memory_mb: self.max_job_memory_mb.min(o.max_job_memory_mb),
            max_job_processes: self.max_job_processes.min(o.max_job_processes),
            max_job_disk_mb: self.max_job_disk_mb.min(o.max_job_disk_mb),
        }
    }

    /// Whether the parameters are within their ranges (p and k in (0, 1], counts and
    /// degrees of freedom at least 1, n at least 1).
    pub fn check(&self) -> Result<(), &'static str> {
        if !(self.p_ratio > 0.0 && self.p_ratio <= 1.0) {
            return Err("p_ratio");
        }
        if !(self.nk_k > 0.0 && self.nk_k <= 1.0) {
            return Err("nk_k");
        }
        if self.nk_n == 0 {
            return Err("nk_n");
        }
        if self.min_cell_count == 0 {
            return Err("min_cell_count");
        }
        if self.min_dof == 0 {
            return Err("min_dof");
        }
        for (name, v) in [
            ("max_job_cpu_seconds", self.max_job_cpu_seconds),
            ("max_job_wall_seconds", self.max_job_wall_seconds),
            ("max_job_memory_mb", self.max_job_memory_mb),
            ("max_job_processes", self.max_job_processes),
            ("max_job_disk_mb", self.max_job_disk_mb),
        ] {
            if v == 0 {
                return Err(name);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strictest_takes_each_parameter_from_the_stricter_side() {
        let a = Regime {
            min_cell_count: 5,
            p_ratio: 0.2,
            max_job_memory_mb: 1024,
            nk_k: 0.95,
            own_data: false,
            retention_days: 100,
            automatic_delivery: true,
            ..Regime::default()
        };
        let b = Regime {
            nk_n: 3,
            min_dof: 20,
            manual_review: true,
            automatic_delivery: true,
            exclude_tissue_opt_outs: true,
            at_end: AtEnd::Archive,
            max_job_cpu_seconds: 60,
            ..Regime::default()
        };
        let s = a.strictest(&b);
        assert_eq!((s.max_job_memory_mb, s.max_job_cpu_seconds), (1024, 60));
        assert_eq!(s.at_end, AtEnd::Archive);
        assert_eq!(a.strictest(&a).at_end, AtEnd::Delete);
        assert_eq!(s.min_cell_count, 10);
        assert_eq!(s.p_ratio, 0.2);
        assert_eq!((s.nk_n, s.nk_k), (3, 0.9));
        assert_eq!(s.min_dof, 20);
        assert!(!s.own_data);
        assert_eq!(s.retention_days, 100);
        assert!(s.manual_review && s.automatic_delivery && s.exclude_tissue_opt_outs);
        let c = Regime::default();
        assert!(!s.strictest(&c).automatic_delivery);
        assert_eq!(s.strictest(&c), c.strictest(&s));
    }

    #[test]
    fn a_regime_is_read_from_json_with_defaults_and_checked() {
        let r: Regime = serde_json::from_str(r#"{"min_cell_count": 5}"#).unwrap();
        assert_eq!((r.min_cell_count, r.p_ratio), (5, 0.1));
        let r: Regime = serde_json::from_str(r#"{"at_end": "archive"}"#).unwrap();
        assert_eq!(r.at_end, AtEnd::Archive);
        assert!(serde_json::from_str::<Regime>(r#"{"at_end": "burn"}"#).is_err());
        assert!(r.check().is_ok());
        assert!(serde_json::from_str::<Regime>(r#"{"mystery": 1}"#).is_err());
        let bad = Regime {
            p_ratio: 1.5,
            ..Regime::default()
        };
        assert_eq!(bad.check(), Err("p_ratio"));
    }
}

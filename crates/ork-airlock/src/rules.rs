//! The disclosure-control parameters (`RULES.toml`). The defaults are ACRO's
//! (`acro/default.yaml`): threshold 10, p 0.1, n 2, k 0.9, safe_dof 10, zeros disclosive,
//! missing values not checked.

use serde::{Deserialize, Serialize};

/// One rule a cell (or a model) is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// At least `threshold` contributing rows.
    Threshold,
    /// (total − x1 − x2) / x1 ≥ p, the largest contributions x1 ≥ x2.
    PRatio,
    /// The `n` largest contributions make less than `k` of the total.
    Nk,
    /// Not every contribution the same (a mode that reveals everyone's value).
    AllSame,
    /// No empty cell (a structural zero tells who is not there).
    Zeros,
    /// No negative contribution (dominance is not defined): review.
    Negative,
    /// No missing value: review.
    Missing,
    /// Residual degrees of freedom of a model (or a standard deviation) at least `safe_dof`.
    Dof,
}

impl Check {
    pub const ALL: [Check; 8] = [
        Check::Threshold,
        Check::PRatio,
        Check::Nk,
        Check::AllSame,
        Check::Zeros,
        Check::Negative,
        Check::Missing,
        Check::Dof,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Threshold => "threshold",
            Self::PRatio => "p_ratio",
            Self::Nk => "nk",
            Self::AllSame => "all_same",
            Self::Zeros => "zeros",
            Self::Negative => "negative",
            Self::Missing => "missing",
            Self::Dof => "dof",
        }
    }
}

fn default_checks() -> Vec<Check> {
    // ACRO checks missing values only when asked (`check_missing_values: False`).
    Check::ALL
        .into_iter()
        .filter(|c| *c != Check::Missing)
        .collect()
}

/// The parameters of the rules and which rules apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// A cell needs at least this many contributing rows (1–1000).
    pub threshold: u64,
    /// p of the p-ratio rule (0–1).
    pub p: f64,
    /// n of the n-k rule (1–10).
    pub n: usize,
    /// k of the n-k rule (0–1, exclusive of 0).
    pub k: f64,
    /// Minimum residual degrees of freedom (0–10000).
    pub safe_dof: u64,
    /// Whether an empty cell fails (`zeros`).
    pub zeros_are_disclosive: bool,
    /// The rules that apply; the others are not checked.
    pub checks: Vec<Check>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            threshold: 10,
            p: 0.1,
            n: 2,
            k: 0.9,
            safe_dof: 10,
            zeros_are_disclosive: true,
            checks: default_checks(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RulesError {
    #[error("the rules do not read: {0}")]
    Syntax(String),
    #[error("'{field}' must be in the range {range}")]
    Range {
        field: &'static str,
        range: &'static str,
    },
}

impl Rules {
    /// Reads `RULES.toml`; a key left out keeps ACRO's default.
    pub fn from_toml(text: &str) -> Result<Self, RulesError> {
        let r: Rules = toml::from_str(text).map_err(|e| RulesError::Syntax(e.to_string()))?;
        r.validate()?;
        Ok(r)
    }

    pub fn validate(&self) -> Result<(), RulesError> {
        let range = |ok: bool, field, range| {
            if ok {
                Ok(())
            } else {
                Err(RulesError::Range { field, range })
            }
        };
        range((1..=1000).contains(&self.threshold), "threshold", "1–1000")?;
        range((0.0..=1.0).contains(&self.p), "p", "0–1")?;
        range((1..=10).contains(&self.n), "n", "1–10")?;
        range(self.k > 0.0 && self.k <= 1.0, "k", "0–1 (above 0)")?;
        range(self.safe_dof <= 10_000, "safe_dof", "0–10000")
    }

    pub fn applies(&self, c: Check) -> bool {
        self.checks.contains(&c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_acros_and_a_file_overrides_what_it_names() {
        let d = Rules::default();
        assert_eq!(
            (d.threshold, d.p, d.n, d.k, d.safe_dof),
            (10, 0.1, 2, 0.9, 10)
        );
        assert!(!d.applies(Check::Missing) && d.applies(Check::Nk));
        let r = Rules::from_toml("threshold = 5\nchecks = [\"threshold\", \"missing\"]\n").unwrap();
        assert_eq!(r.threshold, 5);
        assert_eq!(r.k, 0.9);
        assert!(r.applies(Check::Missing) && !r.applies(Check::Nk));
    }

    #[test]
    fn bad_rules_are_refused_by_name() {
        assert_eq!(
            Rules::from_toml("k = 0").unwrap_err(),
            RulesError::Range {
                field: "k",
                range: "0–1 (above 0)"
            }
        );
        assert!(matches!(
            Rules::from_toml("thresold = 3"),
            Err(RulesError::Syntax(_))
        ));
        assert!(matches!(
            Rules::from_toml("checks = [\"nope\"]"),
            Err(RulesError::Syntax(_))
        ));
    }
}

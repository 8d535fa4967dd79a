//! The price of a quick test, from a price list kept as data (`prices.toml`, with its basis):
//! a base fee per tariff and a fee for each register read beyond the population. The
//! organisation's kind chooses the tariff.

use crate::cohort::{Cohort, Criterion, EventKind};
use ork_domain::Ore;
use std::collections::BTreeMap;

/// One tariff: amounts in øre, excluding VAT.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tariff {
    pub base: u64,
    pub per_register: u64,
    /// Jobs and notebooks in a workspace (issue 20): per CPU-hour, and per GiB-hour (the
    /// job's peak memory held for its duration). A price list without them does not charge
    /// for compute.
    #[serde(default)]
    pub cpu_hour: u64,
    #[serde(default)]
    pub gib_hour: u64,
    pub da: String,
    pub en: String,
}

/// The price list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceList {
    pub version: String,
    pub currency: String,
    pub vat_percent: u64,
    pub tariffs: BTreeMap<String, Tariff>,
    /// Organisation kind → tariff.
    pub kinds: BTreeMap<String, String>,
}

impl Default for PriceList {
    /// The shipped `prices.toml`.
    fn default() -> Self {
        Self::from_toml(include_str!("../prices.toml"))
            .expect("the shipped prices.toml is checked by its test")
    }
}

/// A quick test's price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    pub tariff: String,
    /// The registers read beyond the population, by name, each with its fee.
    pub items: Vec<(String, u64)>,
    pub base: u64,
    /// Excluding VAT, in øre.
    pub total: u64,
}

impl PriceList {
    /// Reads a price list; every organisation kind must name a tariff that exists.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let p: PriceList = toml::from_str(text).map_err(|e| e.to_string())?;
        for (kind, t) in &p.kinds {
            if !p.tariffs.contains_key(t) {
                return Err(format!("kinds.{kind}: no tariff named {t:?}"));
            }
        }
        Ok(p)
    }

    /// The tariff of an organisation kind (`company`, `university_hospital`, …); an unknown
    /// kind pays the dearest tariff, so nobody is undercharged by a typo.
    pub fn tariff_for(&self, org_kind: &str) -> &str {
        self.kinds
            .get(org_kind)
            .map(String::as_str)
            .or_else(|| {
                self.tariffs
                    .iter()
                    .max_by_key(|(_, t)| t.base)
                    .map(|(k, _)| k.as_str())
            })
            .unwrap_or("")
    }

    /// The price of a definition under a tariff.
    pub fn price(&self, c: &Cohort, tariff: &str) -> Price {
        let t = self.tariffs.get(tariff);
        let base = t.map_or(0, |t| t.base);
        let fee = t.map_or(0, |t| t.per_register);
        let items: Vec<(String, u64)> = registers_read(c)
            .into_iter()
            .map(|r| (r.to_owned(), fee))
            .collect();
        Price {
            tariff: tariff.to_owned(),
            total: base + items.iter().map(|i| i.1).sum::<u64>(),
            items,
            base,
        }
    }

    /// The price in øre, excluding VAT, of compute under a tariff: `cpu_ms` of CPU time and
    /// `memory_kib_ms` of memory held (peak KiB × milliseconds), rounded to the øre.
    pub fn compute(&self, tariff: &str, cpu_ms: i64, memory_kib_ms: i64) -> u64 {
        let Some(t) = self.tariffs.get(tariff) else {
            return 0;
        };
        let hours = |ms: f64| ms / 3_600_000.0;
        let ore = hours(cpu_ms.max(0) as f64) * t.cpu_hour as f64
            + hours(memory_kib_ms.max(0) as f64 / (1024.0 * 1024.0)) * t.gib_hour as f64;
        ore.round() as u64
    }

    /// A price as the answer shows it: in kroner with VAT, and exactly in øre.
    #[must_use]
    pub fn charge(&self, p: &Price) -> Charge {
        let ore = |o: u64| Ore(i64::try_from(o).unwrap_or(i64::MAX));
        let vat = ore(p.total).percent(self.vat_percent);
        Charge {
            currency: self.currency.clone(),
            price_list: self.version.clone(),
            tariff: p.tariff.clone(),
            base: ore(p.base).kroner_number(),
            registers: p
                .items
                .iter()
                .map(|(r, f)| RegisterFee {
                    register: r.clone(),
                    amount: ore(*f).kroner_number(),
                })
                .collect(),
            amount: ore(p.total).kroner_number(),
            amount_ore: p.total,
            vat: vat.kroner_number(),
            amount_with_vat: (ore(p.total) + vat).kroner_number(),
        }
    }
}

/// One register's fee in a price.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterFee {
    /// The register's name in the registers folder (`lpr`, `lmdb`, …).
    pub register: String,
    /// Its fee in kroner, excluding VAT.
    pub amount: f64,
}

/// A quick test's price as the answer shows it (amounts in kroner, exact to the øre).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Charge {
    /// `DKK`.
    pub currency: String,
    /// The price list's version.
    pub price_list: String,
    /// The tariff of the organisation charged (`public`, `private` or `internal` in the shipped
    /// price list).
    pub tariff: String,
    /// The fee for the population, in kroner excluding VAT.
    pub base: f64,
    /// The fee for each register read beyond the population.
    pub registers: Vec<RegisterFee>,
    /// The total in kroner, excluding VAT.
    pub amount: f64,
    /// The total in øre, excluding VAT (exact).
    pub amount_ore: u64,
    /// The VAT in kroner.
    pub vat: f64,
    /// The total in kroner, including VAT.
    pub amount_with_vat: f64,
}

/// The registers a definition reads beyond the population (CPR/BEF), each once, by their
/// names in the registers folder (LPR2 and LPR3 count as one: `lpr`).
pub fn registers_read(c: &Cohort) -> Vec<&'static str> {
    fn walk(c: &Criterion, out: &mut Vec<&'static str>) {
        let mut add = |r: &'static str| {
            if !out.contains(&r) {
                out.push(r);
            }
        };
        match c {
            Criterion::All(p) | Criterion::Any(p) => p.iter().for_each(|x| walk(x, out)),
            Criterion::Not(x) => walk(x, out),
            Criterion::Event(e) => add(register_of(e.kind)),
            Criterion::Sequence { first, then, .. } => {
                add(register_of(first.kind));
                add(register_of(then.kind));
            }
            Criterion::Education { .. } => add("udda"),
            Criterion::Income { .. } => add("ind"),
        }
    }
    let mut out = Vec::new();
    if let Some(cr) = &c.criteria {
        walk(cr, &mut out);
    }
    out.sort_unstable();
    out
}

fn register_of(k: EventKind) -> &'static str {
    match k {
        EventKind::Diagnosis | EventKind::Procedure => "lpr",
        EventKind::Prescription => "lmdb",
        EventKind::Cancer => "cancer",
        EventKind::Death => "dodsaarsager",
        EventKind::Biobank => "biobank",
        EventKind::Lab => "lab",
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn compute_is_priced_per_cpu_hour_and_gib_hour() {
        let p = PriceList::default();
        let private = &p.tariffs["private"];
        // One CPU-hour, and 2 GiB held for half an hour: one GiB-hour.
        let gib_half_hour = 2 * 1024 * 1024 * 1_800_000_i64;
        assert_eq!(p.compute("private", 3_600_000, 0), private.cpu_hour);
        assert_eq!(p.compute("private", 0, gib_half_hour), private.gib_hour);
        assert_eq!(p.compute("internal", 3_600_000, gib_half_hour), 0);
        assert_eq!(p.compute("no-such-tariff", 3_600_000, 0), 0);
        assert!(p.tariffs["public"].cpu_hour < private.cpu_hour);
    }

    use super::*;

    #[test]
    fn the_shipped_list_prices_every_kind_and_counts_registers_once() {
        let p = PriceList::default();
        for kind in [
            "authority",
            "university_hospital",
            "company",
            "foreign_organisation",
            "platform_operator",
        ] {
            assert!(p.kinds.contains_key(kind), "{kind} has a tariff");
        }
        let c = crate::parse(r#"{"population": {"alive_on": "2020-01-01"}, "criteria": {"all": [
            {"diagnosis": {"codes": ["E11"]}}, {"procedure": {"codes": ["KNG"]}},
            {"sequence": {"first": {"prescription": {"atc": ["A10"]}}, "then": {"diagnosis": {"codes": ["I10"]}}}},
            {"income": {"min": 0}}]}}"#)
        .unwrap();
        assert_eq!(registers_read(&c), ["ind", "lmdb", "lpr"]);
        let public = p.price(&c, p.tariff_for("university_hospital"));
        let private = p.price(&c, p.tariff_for("company"));
        assert_eq!(public.items.len(), 3);
        assert!(
            private.total > public.total,
            "companies pay the private rate"
        );
        assert_eq!(
            public.total,
            public.base + 3 * p.tariffs["public"].per_register
        );
        assert_eq!(p.price(&c, p.tariff_for("platform_operator")).total, 0);
        assert_eq!(
            p.tariff_for("no such kind"),
            "private",
            "an unknown kind pays the dearest"
        );
        let c = p.charge(&public);
        assert_eq!(c.amount_ore, public.total);
        assert_eq!(c.currency, "DKK");
        assert_eq!(
            c.amount_with_vat,
            Ore(i64::try_from(public.total).unwrap() * 125 / 100).kroner_number()
        );
    }

    #[test]
    fn a_kind_naming_a_missing_tariff_is_refused() {
        let e = PriceList::from_toml(
            "version = \"x\"\ncurrency = \"DKK\"\nvat_percent = 25\n[tariffs]\n[kinds]\ncompany = \"gold\"\n",
        )
        .unwrap_err();
        assert!(e.contains("kinds.company"), "{e}");
    }
}

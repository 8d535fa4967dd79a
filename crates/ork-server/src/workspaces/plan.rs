//! What a permit asks of each controller: its datasets cut into register tables (the
//! variables granted, the data period's years, a region's own rows, opted-out persons left
//! out where the regime says so), one data order per controller.

use ork_cases::permit::Scope;
use ork_catalog::{Catalog, DataType};
use ork_schema::tables::TABLES;
use ork_workspace::extract::TableScope;
use ork_workspace::regime::Regime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One table of a data order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderTable {
    /// The table's name in the workspace (the register table's, with the region for a
    /// region's own rows: `lab_sjaelland`).
    pub name: String,
    /// The register table it is cut from.
    pub table: String,
    /// The variables (the CPR column is always there, as pseudonyms, so tables link).
    pub columns: Vec<String>,
    /// The first and last year (yearly tables only).
    pub years: Option<[i32; 2]>,
    /// Only this region's rows.
    pub region: Option<String>,
    /// Everyone in the Tissue Use Register is left out.
    pub exclude_opted_out: bool,
}

impl OrderTable {
    pub fn scope(&self) -> TableScope {
        TableScope {
            table: self.table.clone(),
            columns: self.columns.clone(),
            years: self.years.map(|[a, b]| (a, b)),
            exclude_opted_out: self.exclude_opted_out,
            region: self.region.clone(),
        }
    }
}

/// One dataset of a data order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderDataset {
    /// The catalog's source id.
    pub id: String,
    pub tables: Vec<OrderTable>,
    /// Described in the catalog but not among the synthetic registers: nothing to extract
    /// here (a real controller delivers it by hand).
    pub without_data: bool,
}

/// What a data order asks the controller to deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderDescription {
    pub datasets: Vec<OrderDataset>,
    /// YYYY-MM-DD, the permit's data period.
    pub data_from: Option<String>,
    pub data_to: Option<String>,
    /// The permit's population: a cohort definition in the cohort language.
    #[schema(value_type = Object)]
    pub population: Value,
}

impl OrderDescription {
    pub fn tables(&self) -> impl Iterator<Item = &OrderTable> {
        self.datasets.iter().flat_map(|d| d.tables.iter())
    }
}

/// One controller's part of a permit.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPlan {
    pub controller: String,
    pub description: OrderDescription,
    /// The strictest of the regimes of the controller's datasets in the order.
    pub regime: Regime,
}

/// A dataset's regime: as its stewards set it, else the default, which leaves out
/// opted-out persons for biological and genetic data.
pub fn regime_of(catalog: &Catalog, set: &BTreeMap<String, Regime>, source: &str) -> Regime {
    if let Some(r) = set.get(source) {
        return r.clone();
    }
    let biological = catalog
        .source(source)
        .is_some_and(|s| matches!(s.data_type, DataType::Wet | DataType::Genomic));
    Regime {
        exclude_tissue_opt_outs: biological,
        ..Regime::default()
    }
}

fn year(date: Option<&str>) -> Option<i32> {
    date.and_then(|d| d.get(..4)).and_then(|y| y.parse().ok())
}

/// The data orders of a permit, one per controller, in the order the datasets are named.
pub fn orders(
    scope: &Scope,
    population: &Value,
    catalog: &Catalog,
    regimes: &BTreeMap<String, Regime>,
) -> Vec<OrderPlan> {
    let years = match (
        year(scope.data_from.as_deref()),
        year(scope.data_to.as_deref()),
    ) {
        (Some(a), Some(b)) => Some([a, b]),
        _ => None,
    };
    let mut out: Vec<OrderPlan> = Vec::new();
    for granted in &scope.datasets {
        let Some(source) = catalog.source(&granted.id) else {
            continue;
        };
        let regime = regime_of(catalog, regimes, &source.id);
        let mut tables = Vec::new();
        for t in &source.synthetic_tables {
            let Some(schema) = TABLES.iter().find(|x| x.name == t) else {
                continue;
            };
            let columns: Vec<String> = if granted.variables.is_empty() {
                schema.columns.iter().map(|c| c.name.to_owned()).collect()
            } else {
                granted
                    .variables
                    .iter()
                    .filter_map(|v| v.split_once('.'))
                    .filter(|(table, _)| table == t)
                    .map(|(_, c)| c.to_owned())
                    .collect()
            };
            if columns.is_empty() {
                continue;
            }
            let scope = TableScope {
                table: t.clone(),
                columns: Vec::new(),
                years: None,
                exclude_opted_out: false,
                region: source.synthetic_region.clone(),
            };
            tables.push(OrderTable {
                name: scope.name(),
                table: t.clone(),
                columns,
                years: if schema.yearly { years } else { None },
                region: source.synthetic_region.clone(),
                exclude_opted_out: regime.exclude_tissue_opt_outs,
            });
        }
        let dataset = OrderDataset {
            id: source.id.clone(),
            without_data: source.synthetic_tables.is_empty(),
            tables,
        };
        match out.iter_mut().find(|o| o.controller == source.controller) {
            Some(o) => {
                o.description.datasets.push(dataset);
                o.regime = o.regime.strictest(&regime);
            }
            None => out.push(OrderPlan {
                controller: source.controller.clone(),
                description: OrderDescription {
                    datasets: vec![dataset],
                    data_from: scope.data_from.clone(),
                    data_to: scope.data_to.clone(),
                    population: population.clone(),
                },
                regime,
            }),
        }
    }
    out
}

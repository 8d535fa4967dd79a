//! What the catalog shows about each register without reading it back: rows per year and
//! the number of unique persons, per table, per region for the regional tables, and per
//! register (the LPR2 and LPR3 tables together are one register, `lpr`). Counted while the
//! rows are built, with one bit per person.

use std::collections::BTreeMap;

/// One bit per person id.
#[derive(Debug, Clone, Default)]
pub struct PersonSet(Vec<u64>);

impl PersonSet {
    pub fn insert(&mut self, id: u32) {
        let (word, bit) = ((id / 64) as usize, id % 64);
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << bit;
    }

    pub fn len(&self) -> u64 {
        self.0.iter().map(|w| w.count_ones() as u64).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    pub fn union_with(&mut self, other: &PersonSet) {
        if other.0.len() > self.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
}

/// Who a batch of rows is about, gathered as the rows are pushed.
#[derive(Debug, Default)]
pub struct Who {
    /// Person ids with rows in the batch, each once (rows arrive person by person).
    pub ids: Vec<u32>,
    /// Rows per year, for tables written to one file (yearly tables know their year).
    pub years: BTreeMap<i32, u64>,
    /// (region index, person id) with rows in the batch, and rows per region.
    pub regions: Vec<(u8, u32)>,
    pub region_rows: [u64; 5],
}

impl Who {
    /// A row about person `id`.
    pub fn person(&mut self, id: u32) {
        if self.ids.last() != Some(&id) {
            self.ids.push(id);
        }
    }

    /// A row about person `id` dated in `year` (for single-file tables).
    pub fn person_in(&mut self, id: u32, year: i32) {
        self.person(id);
        *self.years.entry(year).or_default() += 1;
    }

    /// A row about person `id` from a region's system.
    pub fn person_at(&mut self, id: u32, region: usize) {
        self.person(id);
        self.region_rows[region] += 1;
        if self.regions.last() != Some(&(region as u8, id)) {
            self.regions.push((region as u8, id));
        }
    }
}

/// Rows per year and unique persons.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub rows_by_year: BTreeMap<i32, u64>,
    pub persons: PersonSet,
}

/// A table's counts, and per region for the regional tables (lab, pacs).
#[derive(Debug, Clone, Default)]
pub struct TableStats {
    pub all: Counts,
    pub regions: Vec<Counts>,
}

impl TableStats {
    /// Counts a batch of `rows` rows: in `year` for yearly tables, or by the batch's own
    /// years (`year` = None).
    pub fn add(&mut self, year: Option<i32>, rows: u64, who: &Who) {
        match year {
            Some(y) => *self.all.rows_by_year.entry(y).or_default() += rows,
            None => {
                for (y, n) in &who.years {
                    *self.all.rows_by_year.entry(*y).or_default() += n;
                }
            }
        }
        for &id in &who.ids {
            self.all.persons.insert(id);
        }
        if who.region_rows.iter().any(|&n| n > 0) {
            if self.regions.is_empty() {
                self.regions = vec![Counts::default(); 5];
            }
            for (r, &n) in who.region_rows.iter().enumerate() {
                if n > 0 {
                    let y = year.expect("regional tables are yearly");
                    *self.regions[r].rows_by_year.entry(y).or_default() += n;
                }
            }
            for &(r, id) in &who.regions {
                self.regions[r as usize].persons.insert(id);
            }
        }
    }
}

/// The register (catalog source) a table belongs to: LPR2 and LPR3 are one register.
pub fn register_of(table: &str) -> &str {
    if table.starts_with("lpr_") {
        "lpr"
    } else {
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_sets_count_and_unite() {
        let mut a = PersonSet::default();
        for id in [0, 1, 63, 64, 1000, 1000] {
            a.insert(id);
        }
        assert_eq!(a.len(), 5);
        let mut b = PersonSet::default();
        b.insert(1);
        b.insert(5000);
        b.union_with(&a);
        assert_eq!(b.len(), 6);
        assert!(PersonSet::default().is_empty());
    }

    #[test]
    fn batches_count_rows_by_year_and_region() {
        let mut who = Who::default();
        who.person_at(7, 2);
        who.person_at(7, 2);
        who.person_at(8, 0);
        let mut s = TableStats::default();
        s.add(Some(2020), 3, &who);
        assert_eq!(s.all.rows_by_year[&2020], 3);
        assert_eq!(s.all.persons.len(), 2);
        assert_eq!(s.regions[2].rows_by_year[&2020], 2);
        assert_eq!(s.regions[2].persons.len(), 1);
        assert_eq!(s.regions[0].persons.len(), 1);
        let mut single = Who::default();
        single.person_in(1, 2019);
        single.person_in(2, 2021);
        let mut t = TableStats::default();
        t.add(None, 2, &single);
        assert_eq!(t.all.rows_by_year.len(), 2);
    }
}

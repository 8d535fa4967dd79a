use crate::Lang;

/// One of Denmark's five regions: its code in the registers (DST's `REG`, 1081–1085), its id
/// in the catalog (`epj-hovedstaden`, the roadmap's region answer) and its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub code: u16,
    pub id: &'static str,
    pub name_da: &'static str,
    pub name_en: &'static str,
}

/// The regions in Danmarks Statistik's order (Hovedstaden first), the one table the
/// platform takes region codes, ids and names from.
pub const REGIONS: [Region; 5] = [
    Region {
        code: 1084,
        id: "hovedstaden",
        name_da: "Region Hovedstaden",
        name_en: "Capital Region of Denmark",
    },
    Region {
        code: 1085,
        id: "sjaelland",
        name_da: "Region Sjælland",
        name_en: "Region Zealand",
    },
    Region {
        code: 1083,
        id: "syddanmark",
        name_da: "Region Syddanmark",
        name_en: "Region of Southern Denmark",
    },
    Region {
        code: 1082,
        id: "midtjylland",
        name_da: "Region Midtjylland",
        name_en: "Central Denmark Region",
    },
    Region {
        code: 1081,
        id: "nordjylland",
        name_da: "Region Nordjylland",
        name_en: "North Denmark Region",
    },
];

/// The lowest region code; the codes run from it without gaps (a test holds the table to it).
pub const FIRST_REGION_CODE: u16 = 1081;

impl Region {
    /// The region with this register code.
    #[must_use]
    pub fn by_code(code: u16) -> Option<&'static Region> {
        REGIONS.iter().find(|r| r.code == code)
    }

    /// The region with this catalog id.
    #[must_use]
    pub fn by_id(id: &str) -> Option<&'static Region> {
        REGIONS.iter().find(|r| r.id == id)
    }

    /// 0–4 for a region code (by code: Nordjylland 0 … Sjælland 4), for dense counting.
    #[must_use]
    pub fn ordinal(code: u16) -> Option<usize> {
        code.checked_sub(FIRST_REGION_CODE)
            .map(usize::from)
            .filter(|&i| i < REGIONS.len())
    }

    #[must_use]
    pub fn name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Da => self.name_da,
            Lang::En => self.name_en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_run_without_gaps_and_ids_are_unique() {
        let mut codes: Vec<u16> = REGIONS.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        assert_eq!(
            codes,
            (FIRST_REGION_CODE..FIRST_REGION_CODE + 5).collect::<Vec<_>>()
        );
        for r in &REGIONS {
            assert_eq!(Region::by_id(r.id), Some(r));
            assert_eq!(Region::by_code(r.code), Some(r));
            assert!(Region::ordinal(r.code).is_some());
        }
        assert_eq!(Region::ordinal(1080), None);
        assert_eq!(Region::ordinal(1086), None);
        assert_eq!(Region::ordinal(1084), Some(3));
    }
}

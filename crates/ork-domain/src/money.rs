/// An amount of money in øre (1/100 krone): the only way the platform holds money, so no
/// sum is ever rounded in binary floating point. [`Ore::kroner`] is the one place it is
/// written as kroner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Ore(pub i64);

impl Ore {
    /// The amount in kroner with two decimals and a full stop: `27.90`, `-0.05`.
    #[must_use]
    pub fn kroner(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }

    /// The amount in kroner as a JSON number (the API's `amount` fields), from the exact
    /// decimal text, so it is the nearest double to the written amount.
    #[must_use]
    pub fn kroner_number(self) -> f64 {
        self.kroner().parse().unwrap_or(0.0)
    }

    /// `percent` of the amount, rounded down to whole øre (VAT).
    #[must_use]
    pub fn percent(self, percent: u64) -> Ore {
        Ore(self
            .0
            .saturating_mul(i64::try_from(percent).unwrap_or(i64::MAX))
            / 100)
    }
}

impl std::ops::Add for Ore {
    type Output = Ore;
    fn add(self, o: Ore) -> Ore {
        Ore(self.0.saturating_add(o.0))
    }
}

impl std::iter::Sum for Ore {
    fn sum<I: Iterator<Item = Ore>>(iter: I) -> Ore {
        iter.fold(Ore(0), |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::Ore;

    #[test]
    fn kroner_are_written_exactly() {
        assert_eq!(Ore(2790).kroner(), "27.90");
        assert_eq!(Ore(5).kroner(), "0.05");
        assert_eq!(Ore(-5).kroner(), "-0.05");
        assert_eq!(Ore(0).kroner(), "0.00");
        assert_eq!(Ore(2790).kroner_number(), 27.9);
        assert_eq!(Ore(1001).percent(25), Ore(250));
        assert_eq!([Ore(1), Ore(2)].into_iter().sum::<Ore>(), Ore(3));
    }
}

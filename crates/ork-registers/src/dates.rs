//! Dates as Arrow stores them: days since 1970-01-01.

use time::{Date, Month};

const UNIX_EPOCH_JULIAN: i32 = 2_440_588;

/// Days since 1970-01-01 of a calendar date. Panics only on an impossible date, which the
/// generator never builds.
pub fn days(year: i32, month: u8, day: u8) -> i32 {
    let m = Month::try_from(month).expect("month 1-12");
    Date::from_calendar_date(year, m, day)
        .expect("valid date")
        .to_julian_day()
        - UNIX_EPOCH_JULIAN
}

pub fn to_date(days: i32) -> Date {
    Date::from_julian_day(days + UNIX_EPOCH_JULIAN).expect("date in range")
}

/// (year, month, day) of a day number.
pub fn ymd(days: i32) -> (i32, u8, u8) {
    let d = to_date(days);
    (d.year(), d.month() as u8, d.day())
}

pub fn jan1(year: i32) -> i32 {
    days(year, 1, 1)
}

pub fn days_in_year(year: i32) -> i32 {
    jan1(year + 1) - jan1(year)
}

/// Completed years of age on `on` for someone born on `born`.
pub fn age_on(born: i32, on: i32) -> i32 {
    let (by, bm, bd) = ymd(born);
    let (y, m, d) = ymd(on);
    let mut age = y - by;
    if (m, d) < (bm, bd) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_ages() {
        assert_eq!(days(1970, 1, 1), 0);
        assert_eq!(ymd(days(2019, 2, 28)), (2019, 2, 28));
        assert_eq!(days_in_year(2020), 366);
        assert_eq!(age_on(days(1980, 6, 15), days(2020, 6, 14)), 39);
        assert_eq!(age_on(days(1980, 6, 15), days(2020, 6, 15)), 40);
    }
}

//! CPR numbers (personnummer): `DDMMYY` + a four-digit serial whose first digit tells the
//! century, whose last digit tells the sex (odd: male) and which, for births before
//! 2007-10-01, satisfies the modulus-11 check with weights 4,3,2,7,6,5,4,3,2,1.
//!
//! ## The synthetic space
//! Every number the generator makes is well-formed by these rules. Which serials are drawn
//! is decided by the run's seed alone (a ChaCha stream per run, numbers drawn in person
//! order and never reused), so the numbers are unrelated to any person: they are a
//! pseudonym space that merely looks like CPR, as research data's `pnr` does. A drawn
//! number may coincide with a real person's, as any well-formed number may; the data
//! attached to it are synthetic and never linked to real registers.

use crate::dates::ymd;
use rand::Rng;
use std::collections::HashSet;

const WEIGHTS: [u32; 10] = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

/// The first day on which numbers failing modulus 11 may be issued.
pub fn mod11_cutoff() -> i32 {
    crate::dates::days(2007, 10, 1)
}

/// Century digits (the serial's first digit) valid for a birth year.
pub fn century_digits(year: i32) -> Vec<u32> {
    let yy = year.rem_euclid(100);
    match year {
        1858..=1899 if yy >= 58 => vec![5, 6, 7, 8],
        1900..=1999 if yy >= 37 => vec![0, 1, 2, 3, 4, 9],
        1900..=1999 => vec![0, 1, 2, 3],
        2000..=2036 => vec![4, 5, 6, 7, 8, 9],
        2037..=2057 => vec![5, 6, 7, 8],
        _ => vec![],
    }
}

/// The birth year a CPR's date part and century digit stand for.
pub fn birth_year(yy: i32, century_digit: u32) -> Option<i32> {
    match century_digit {
        0..=3 => Some(1900 + yy),
        4 | 9 => Some(if yy <= 36 { 2000 + yy } else { 1900 + yy }),
        5..=8 => match yy {
            0..=57 => Some(2000 + yy),
            _ => Some(1800 + yy),
        },
        _ => None,
    }
}

pub fn mod11_ok(digits: &[u32; 10]) -> bool {
    digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum::<u32>() % 11 == 0
}

/// Checks that a string is a well-formed CPR number for the given birth date (days since
/// 1970) and sex (1 male, 2 female), including modulus 11 where it applies.
pub fn is_valid(pnr: &str, born: i32, sex: u8) -> bool {
    let Some(d) = digits(pnr) else { return false };
    let (y, m, day) = ymd(born);
    let dd = d[0] * 10 + d[1];
    let mm = d[2] * 10 + d[3];
    let yy = (d[4] * 10 + d[5]) as i32;
    dd == day as u32
        && mm == m as u32
        && birth_year(yy, d[6]) == Some(y)
        && (d[9] % 2 == 1) == (sex == 1)
        && (born >= mod11_cutoff() || mod11_ok(&d))
}

fn digits(pnr: &str) -> Option<[u32; 10]> {
    let b = pnr.as_bytes();
    if b.len() != 10 {
        return None;
    }
    let mut d = [0u32; 10];
    for (i, c) in b.iter().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        d[i] = (c - b'0') as u32;
    }
    Some(d)
}

/// Draws unique CPR numbers. Keeps the numbers already given out.
#[derive(Default)]
pub struct CprDrawer {
    used: HashSet<u64>,
}

impl CprDrawer {
    /// A new, unused, well-formed number for a birth date and sex. `None` only if the
    /// serial space of that date and sex is exhausted (a few hundred persons).
    pub fn draw<R: Rng>(&mut self, rng: &mut R, born: i32, sex: u8) -> Option<String> {
        let (y, m, day) = ymd(born);
        let centuries = century_digits(y);
        if centuries.is_empty() {
            return None;
        }
        let date_part = (day as u64) * 10_000 + (m as u64) * 100 + (y.rem_euclid(100) as u64);
        let need_mod11 = born < mod11_cutoff();
        for _ in 0..20_000 {
            let c = centuries[rng.gen_range(0..centuries.len())];
            let rest: u32 = rng.gen_range(0..1000);
            let serial = c * 1000 + rest;
            if (serial % 2 == 1) != (sex == 1) {
                continue;
            }
            let number = date_part * 10_000 + serial as u64;
            let text = format!("{number:010}");
            let d = digits(&text).expect("ten digits");
            if need_mod11 && !mod11_ok(&d) {
                continue;
            }
            if self.used.insert(number) {
                return Some(text);
            }
        }
        None
    }
}

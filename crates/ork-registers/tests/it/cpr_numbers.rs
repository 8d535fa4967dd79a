//! CPR rules. No real-looking number is written out here: test numbers are built from
//! their parts, with the check digit computed, so the source holds no CPR literal.

use ork_registers::cpr::{CprDrawer, birth_year, century_digits, is_valid, mod11_ok};
use ork_registers::dates::days;
use rand::SeedableRng;
use std::collections::HashSet;

const WEIGHTS: [u32; 10] = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

/// A number for the date and the first three serial digits, with the last digit chosen
/// to satisfy modulus 11 (None when no digit does).
fn with_check_digit(dd: u32, mm: u32, yy: u32, serial3: u32) -> Option<(String, [u32; 10])> {
    let mut d = [
        dd / 10,
        dd % 10,
        mm / 10,
        mm % 10,
        yy / 10,
        yy % 10,
        serial3 / 100,
        serial3 / 10 % 10,
        serial3 % 10,
        0,
    ];
    let partial: u32 = d.iter().zip(WEIGHTS).map(|(x, w)| x * w).sum();
    let last = (11 - partial % 11) % 11;
    if last > 9 {
        return None;
    }
    d[9] = last;
    Some((d.iter().map(|x| char::from(b'0' + *x as u8)).collect(), d))
}

#[test]
fn modulus_11_sex_and_century_are_checked() {
    let born = days(1961, 7, 7);
    let (number, digits) = (0..1000)
        .find_map(|s| with_check_digit(7, 7, 61, s).filter(|(_, d)| d[6] <= 3 && d[9] % 2 == 1))
        .unwrap();
    assert!(mod11_ok(&digits));
    assert!(is_valid(&number, born, 1));
    assert!(!is_valid(&number, born, 2), "odd last digit is male");
    assert!(
        !is_valid(&number, days(1961, 7, 8), 1),
        "the date must match"
    );
    let mut broken = digits;
    broken[8] = (broken[8] + 1) % 10;
    assert!(!mod11_ok(&broken), "changing a digit breaks modulus 11");
}

#[test]
fn drawn_numbers_are_valid_and_unique() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut drawer = CprDrawer::default();
    let mut seen = HashSet::new();
    for (i, born) in [
        days(1937, 1, 1),
        days(1999, 12, 31),
        days(2007, 9, 30),
        days(2007, 10, 1),
        days(2024, 2, 29),
    ]
    .into_iter()
    .enumerate()
    {
        for k in 0..150 {
            let sex = if (i + k) % 2 == 0 { 1 } else { 2 };
            let pnr = drawer.draw(&mut rng, born, sex).unwrap();
            assert!(is_valid(&pnr, born, sex), "{pnr}");
            assert!(seen.insert(pnr));
        }
    }
}

#[test]
fn centuries() {
    assert_eq!(birth_year(61, 4), Some(1961));
    assert_eq!(birth_year(10, 4), Some(2010));
    assert_eq!(birth_year(10, 2), Some(1910));
    assert_eq!(birth_year(60, 5), Some(1860));
    assert!(century_digits(1961).contains(&9));
    assert!(!century_digits(1930).contains(&4));
}

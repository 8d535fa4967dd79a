//! New public ids: a prefix naming the kind (`app-`, `coh-`, `upl-`) and 12 random
//! lowercase letters and digits (without the easily confused l, o, 0 and 1).

/// A new id: `prefix-` and 12 random characters (about 60 bits).
pub fn new_id(prefix: &str) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let s: String = (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}-{s}")
}

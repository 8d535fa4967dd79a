//! Sets of persons: dense bitsets over person ids (a 5.9-million-person set is 740 kB;
//! and/or/not are word operations).

/// A set of person ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    pub(crate) words: Vec<u64>,
    pub(crate) n: usize,
}

impl Set {
    pub fn empty(n: usize) -> Self {
        Self {
            words: vec![0; n.div_ceil(64)],
            n,
        }
    }

    pub fn full(n: usize) -> Self {
        let mut s = Self {
            words: vec![!0; n.div_ceil(64)],
            n,
        };
        s.trim();
        s
    }

    fn trim(&mut self) {
        if !self.n.is_multiple_of(64)
            && let Some(last) = self.words.last_mut()
        {
            *last &= (1u64 << (self.n % 64)) - 1;
        }
    }

    /// The bits, 64 persons a word.
    #[inline]
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    #[inline]
    pub fn insert(&mut self, i: u32) {
        self.words[i as usize / 64] |= 1 << (i % 64);
    }

    #[inline]
    pub fn contains(&self, i: u32) -> bool {
        self.words[i as usize / 64] & (1 << (i % 64)) != 0
    }

    pub fn and(&mut self, o: &Set) {
        self.words
            .iter_mut()
            .zip(&o.words)
            .for_each(|(a, b)| *a &= b);
    }

    pub fn or(&mut self, o: &Set) {
        self.words
            .iter_mut()
            .zip(&o.words)
            .for_each(|(a, b)| *a |= b);
    }

    /// Removes the members of `o`.
    pub fn and_not(&mut self, o: &Set) {
        self.words
            .iter_mut()
            .zip(&o.words)
            .for_each(|(a, b)| *a &= !b);
    }

    pub fn not(&mut self) {
        self.words.iter_mut().for_each(|w| *w = !*w);
        self.trim();
    }

    pub fn len(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// Per word: the members in the words before it (see [`Set::rank`]).
    pub(crate) fn ranks(&self) -> Vec<u32> {
        let mut before = Vec::with_capacity(self.words.len());
        let mut members = 0u32;
        for w in &self.words {
            before.push(members);
            members += w.count_ones();
        }
        before
    }

    /// The number of members below `p` (a member's number), given [`Set::ranks`].
    #[inline]
    pub(crate) fn rank(&self, ranks: &[u32], p: u32) -> usize {
        let w = p as usize / 64;
        let below = self.words[w] & ((1u64 << (p % 64)) - 1);
        ranks[w] as usize + below.count_ones() as usize
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros();
                w &= w - 1;
                Some(i as u32 * 64 + b)
            })
        })
    }
}

//! The latest populations built, kept beside the index: most quick tests vary the criteria,
//! not the population, and building one is a pass over every person.

use crate::cohort::Population;
use crate::set::Set;
use std::sync::Arc;

/// How many populations the cache keeps.
const CACHED_POPULATIONS: usize = 16;

/// The latest populations built, at most [`CACHED_POPULATIONS`]. A clone starts empty.
#[derive(Default)]
pub struct PopulationCache(std::sync::Mutex<Vec<(Population, Arc<Set>)>>);

impl Clone for PopulationCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for PopulationCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PopulationCache")
    }
}

impl PopulationCache {
    /// The population, from the cache or built by `build` (and then kept, the oldest
    /// dropped).
    pub fn get(&self, p: &Population, build: impl FnOnce() -> Set) -> Arc<Set> {
        let lock = || self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, s)) = lock().iter().find(|(q, _)| q == p) {
            return s.clone();
        }
        let s = Arc::new(build());
        let mut c = lock();
        if c.len() >= CACHED_POPULATIONS {
            c.remove(0);
        }
        c.push((p.clone(), s.clone()));
        s
    }
}

//! Record ids: 128 bits from the operating system's random source, drawn in
//! blocks per thread so that an id costs a copy, not a system call; or, where
//! there is no random source, derived from a host's seed
//! ([`super::AuditConfig::id_seed`]).

use super::error::{AuditError, AuditErrorKind};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where an auditor's record ids come from.
#[derive(Debug)]
pub(crate) enum Ids {
    /// The operating system's random source ([`id`]).
    Random,
    /// SHA-256(seed || counter), the counter per auditor.
    Seeded {
        /// The host's 32 secret bytes.
        seed: [u8; 32],
        /// The next record's counter.
        counter: AtomicU64,
    },
}

impl Ids {
    /// The source an auditor configured with `seed` uses; checks that a
    /// random source exists when there is no seed.
    pub(crate) fn new(seed: Option<[u8; 32]>) -> Result<Ids, AuditError> {
        match seed {
            Some(seed) => Ok(Ids::Seeded {
                seed,
                counter: AtomicU64::new(0),
            }),
            None => {
                id()?;
                Ok(Ids::Random)
            }
        }
    }

    /// The next record's id.
    pub(crate) fn next(&self) -> Result<[u8; 16], AuditError> {
        match self {
            Ids::Random => id(),
            Ids::Seeded { seed, counter } => {
                Ok(seeded_id(seed, counter.fetch_add(1, Ordering::Relaxed)))
            }
        }
    }
}

/// The first 128 bits of SHA-256(`seed` || `counter` as 8 big-endian bytes).
pub(crate) fn seeded_id(seed: &[u8; 32], counter: u64) -> [u8; 16] {
    let mut hasher = Sha256::new();
    hasher.update(seed);
    hasher.update(counter.to_be_bytes());
    let digest = hasher.finalize();
    let mut id = [0; 16];
    if let Some(first) = digest.get(..16) {
        id.copy_from_slice(first);
    }
    id
}

/// Bytes drawn from the OS at a time: 256 ids.
const BLOCK: usize = 4096;

struct Pool {
    bytes: [u8; BLOCK],
    used: usize,
}

thread_local! {
    static POOL: RefCell<Pool> = const { RefCell::new(Pool { bytes: [0; BLOCK], used: BLOCK }) };
}

/// A fresh random 128-bit id.
pub(crate) fn id() -> Result<[u8; 16], AuditError> {
    POOL.with(|pool| {
        let mut pool = pool
            .try_borrow_mut()
            .map_err(|_| AuditError::new(AuditErrorKind::Random, "the random id pool is in use"))?;
        if pool.used + 16 > BLOCK {
            fill(&mut pool.bytes)?;
            pool.used = 0;
        }
        let mut id = [0; 16];
        let start = pool.used;
        if let Some(bytes) = pool.bytes.get(start..start + 16) {
            id.copy_from_slice(bytes);
        }
        // Never hand out the same bytes twice.
        if let Some(bytes) = pool.bytes.get_mut(start..start + 16) {
            bytes.fill(0);
        }
        pool.used += 16;
        Ok(id)
    })
}

/// Fills `bytes` from the operating system's random source.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub(crate) fn fill(bytes: &mut [u8]) -> Result<(), AuditError> {
    getrandom::fill(bytes).map_err(|e| {
        AuditError::new(
            AuditErrorKind::Random,
            format!("the operating system's random source failed: {e}"),
        )
    })
}

/// wasm32-unknown-unknown has no random source of its own.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub(crate) fn fill(_bytes: &mut [u8]) -> Result<(), AuditError> {
    Err(AuditError::new(
        AuditErrorKind::Random,
        "audit records need random ids and this target has no random source",
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn ids_differ() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            assert!(seen.insert(super::id().unwrap()));
        }
    }

    #[test]
    fn seeded_ids_count_from_zero() {
        let ids = super::Ids::new(Some([1; 32])).unwrap();
        assert_eq!(ids.next().unwrap(), super::seeded_id(&[1; 32], 0));
        assert_eq!(ids.next().unwrap(), super::seeded_id(&[1; 32], 1));
        assert_ne!(super::seeded_id(&[1; 32], 0), super::seeded_id(&[2; 32], 0));
    }
}

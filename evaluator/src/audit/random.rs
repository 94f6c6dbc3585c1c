//! Random record ids: 128 bits from the operating system's random source,
//! drawn in blocks per thread so that an id costs a copy, not a system call.

use super::error::{AuditError, AuditErrorKind};
use std::cell::RefCell;

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
}

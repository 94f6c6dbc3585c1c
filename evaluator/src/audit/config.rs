//! How an auditor records: masking, key, mode and delivery.

use super::error::{AuditError, AuditErrorKind};
use super::mask::{Action, MaskPlan};
use std::fmt;

/// What an auditor does when a record cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// No record, no decision: when the record cannot be written the
    /// decision becomes deny, with [`crate::Reason::AuditFailed`], as Vault
    /// refuses requests when no audit device can log. Every record is
    /// flushed to its sink (for a file: handed to the operating system)
    /// before the decision is returned. The default.
    #[default]
    Blocking,
    /// The decision stands when its record cannot be written; the failure
    /// is counted ([`crate::audit::Auditor::failures`]) and the record is
    /// lost, which leaves a `seq` gap that [`crate::audit::verify`] reports.
    BestEffort,
}

/// How an auditor is configured: which fields its records drop or mask,
/// its HMAC key, its [`Mode`] and whether a background thread writes.
///
/// Setters take `&mut self` and chain; selector setters check the selector
/// and fail on one that names no field.
///
/// ```
/// use tessera::audit::{AuditConfig, Mode};
/// let mut config = AuditConfig::new();
/// config
///     .mask_field("context.ticket")?
///     .drop_field("principal.tags.*")?
///     .key(b"a key kept apart from the log")
///     .mode(Mode::BestEffort);
/// assert!(format!("{config:?}").contains("key: Some(\"[redacted]\")"));
/// # Ok::<(), tessera::audit::AuditError>(())
/// ```
#[derive(Clone, Default)]
pub struct AuditConfig {
    pub(crate) plan: MaskPlan,
    /// The selectors as given, for `Debug`.
    rules: Vec<(Action, String)>,
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) mode: Mode,
    pub(crate) background: Option<usize>,
    /// Where record ids come from: `None` for the operating system's random
    /// source, or the seed of [`AuditConfig::id_seed`].
    pub(crate) id_seed: Option<[u8; 32]>,
}

impl AuditConfig {
    /// No masking beyond the default, no key, [`Mode::Blocking`], records
    /// written by the deciding thread.
    ///
    /// Even with no rule, custom context keys and tags whose names look
    /// secret (see [`crate::audit::SECRET_NAME_PARTS`]) are masked.
    pub fn new() -> AuditConfig {
        AuditConfig::default()
    }

    /// Records show `"[masked]"` instead of the selected field's value.
    ///
    /// Selectors: `context.NAME`, `principal.tags.NAME`,
    /// `resource.tags.NAME` (`NAME` may be `*`: every key of that map),
    /// `groups`, `source_ip`, `mfa`, `mfa_age_seconds`, `version_stage`.
    /// The principal id, the action and the resource path are never masked:
    /// they are what an audit record is for.
    pub fn mask_field(&mut self, selector: &str) -> Result<&mut AuditConfig, AuditError> {
        self.add(selector, Action::Mask)
    }

    /// Records leave the selected field out (its key disappears). Takes the
    /// selectors of [`AuditConfig::mask_field`]; when both name a field,
    /// drop wins.
    pub fn drop_field(&mut self, selector: &str) -> Result<&mut AuditConfig, AuditError> {
        self.add(selector, Action::Drop)
    }

    fn add(&mut self, selector: &str, action: Action) -> Result<&mut AuditConfig, AuditError> {
        self.plan.add(selector, action)?;
        self.rules.push((action, selector.to_string()));
        Ok(self)
    }

    /// Chains records with HMAC-SHA256 under `key` instead of plain
    /// SHA-256, so that no one without the key can rewrite the log and
    /// recompute its macs. Default: no key.
    pub fn key(&mut self, key: &[u8]) -> &mut AuditConfig {
        self.key = Some(key.to_vec());
        self
    }

    /// What happens when a record cannot be written. Default:
    /// [`Mode::Blocking`].
    pub fn mode(&mut self, mode: Mode) -> &mut AuditConfig {
        self.mode = mode;
        self
    }

    /// Records are chained and written by a background thread: the deciding
    /// thread only formats the record and queues it, waiting when
    /// `capacity` records are already queued (never dropping one).
    /// [`crate::audit::Auditor::flush`] and dropping the auditor wait for
    /// the queue to drain. Needs [`Mode::BestEffort`]: a blocking decision
    /// must know its record was written. Default: off (the deciding thread
    /// writes).
    pub fn background(&mut self, capacity: usize) -> &mut AuditConfig {
        self.background = Some(capacity.max(1));
        self
    }

    /// Record ids come from `seed` instead of the operating system's random
    /// source: the id of an auditor's `n`th record (`n` counts from 0, per
    /// auditor, whether or not the record was written) is the first 128 bits
    /// of SHA-256(`seed` || `n` as 8 big-endian bytes).
    ///
    /// For platforms with no random source of their own, where
    /// [`crate::audit::Auditor::new`] otherwise fails with
    /// [`AuditErrorKind::Random`]: `wasm32-unknown-unknown`, where the Wasm
    /// module's host and the JS package pass 32 bytes from their own random
    /// source. Ids stay unique within an auditor, and unpredictable to
    /// anyone without the seed, only when the seed is 32 bytes of good
    /// randomness that is kept secret and **never given to a second
    /// auditor**: two auditors with one seed repeat each other's ids. The
    /// seed is not the HMAC [`AuditConfig::key`] and is never shown
    /// (`Debug` redacts it). Default: no seed, ids from the operating
    /// system (getrandom), which is the right choice wherever it exists.
    ///
    /// ```
    /// use tessera::audit::AuditConfig;
    /// let mut config = AuditConfig::new();
    /// config.id_seed([7; 32]); // in real use: 32 random bytes from the host
    /// assert!(format!("{config:?}").contains("id_seed: Some(\"[redacted]\")"));
    /// ```
    pub fn id_seed(&mut self, seed: [u8; 32]) -> &mut AuditConfig {
        self.id_seed = Some(seed);
        self
    }

    pub(crate) fn check(&self) -> Result<(), AuditError> {
        if self.mode == Mode::Blocking && self.background.is_some() {
            return Err(AuditError::new(
                AuditErrorKind::InvalidConfig,
                "background writing needs best-effort mode: in blocking mode a decision must \
                 know that its record was written",
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for AuditConfig {
    /// Shows the rules; never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rules: Vec<String> = self
            .rules
            .iter()
            .map(|(action, selector)| {
                let verb = if *action == Action::Drop {
                    "drop"
                } else {
                    "mask"
                };
                format!("{verb} {selector}")
            })
            .collect();
        f.debug_struct("AuditConfig")
            .field("rules", &rules)
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .field("mode", &self.mode)
            .field("background", &self.background)
            .field("id_seed", &self.id_seed.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

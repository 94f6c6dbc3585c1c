//! The hash chain: each record carries the mac of the one before it and its
//! own, over its text up to and including `prev`.

use hmac::{Hmac, Mac as _};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `mac` prefix of records chained without a key.
pub(crate) const PLAIN_PREFIX: &str = "sha256:";
/// The `mac` prefix of records chained with an HMAC key.
pub(crate) const KEYED_PREFIX: &str = "hmac-sha256:";

/// Where a chain goes on: the `seq` the next record takes and the `mac` its
/// `prev` links to.
///
/// [`crate::audit::Auditor::head`] gives the head of a running chain; a host
/// that keeps records elsewhere can store it and continue the chain later
/// with [`crate::audit::CallbackSink::continuing`]. Kept outside the log, it
/// also anchors the log's end: a deletion of its last records cannot be
/// detected otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ChainHead {
    /// The `seq` of the next record: the number of records in the chain so far.
    pub next_seq: u64,
    /// The `mac` of the last record, or the genesis value when there is none.
    pub prev: String,
}

impl ChainHead {
    /// The head of a new chain: `seq` 0, and `prev` the genesis value,
    /// `sha256:` (or, keyed, `hmac-sha256:`) and 64 zeros.
    ///
    /// ```
    /// let head = tessera::audit::ChainHead::genesis(false);
    /// assert_eq!(head.next_seq, 0);
    /// assert_eq!(head.prev, format!("sha256:{}", "0".repeat(64)));
    /// ```
    pub fn genesis(keyed: bool) -> ChainHead {
        ChainHead {
            next_seq: 0,
            prev: genesis(keyed),
        }
    }

    /// True when `prev` is a keyed (`hmac-sha256:`) mac.
    pub fn is_keyed(&self) -> bool {
        self.prev.starts_with(KEYED_PREFIX)
    }

    /// True when `prev` has the form of a mac, as records carry it and
    /// [`crate::audit::Auditor::head`] gives it: `sha256:` or
    /// `hmac-sha256:` and 64 lowercase hex digits.
    ///
    /// Check a head read back from storage before
    /// [`crate::audit::CallbackSink::continuing`] takes it: the next record
    /// carries `prev` as it is. (Whether the head is the chain's true end,
    /// only the log can tell: [`crate::audit::verify`] reports a wrong one
    /// as a broken link or a `seq` gap at the seam.)
    ///
    /// ```
    /// use tessera::audit::ChainHead;
    /// let stored = ChainHead { next_seq: 41, prev: format!("sha256:{}", "0a".repeat(32)) };
    /// assert!(stored.is_well_formed());
    /// let read_with_its_newline = ChainHead { prev: format!("{}\n", stored.prev), ..stored };
    /// assert!(!read_with_its_newline.is_well_formed());
    /// ```
    pub fn is_well_formed(&self) -> bool {
        is_mac(&self.prev)
    }
}

/// The genesis `prev`: the scheme's prefix and 64 zeros.
pub(crate) fn genesis(keyed: bool) -> String {
    let prefix = if keyed { KEYED_PREFIX } else { PLAIN_PREFIX };
    format!("{prefix}{}", "0".repeat(64))
}

/// True when `text` is a well-formed mac: a known prefix and 64 lowercase
/// hex digits.
pub(crate) fn is_mac(text: &str) -> bool {
    let hex = text
        .strip_prefix(KEYED_PREFIX)
        .or_else(|| text.strip_prefix(PLAIN_PREFIX));
    hex.is_some_and(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// How records are sealed: plain SHA-256, or HMAC-SHA256 with a key (the
/// keyed state is computed once and cloned per record).
#[derive(Clone)]
pub(crate) enum Sealer {
    Plain,
    Keyed(Box<Hmac<Sha256>>),
}

impl Sealer {
    pub(crate) fn new(key: Option<&[u8]>) -> Sealer {
        match key.map(Hmac::<Sha256>::new_from_slice) {
            Some(Ok(mac)) => Sealer::Keyed(Box::new(mac)),
            // HMAC takes keys of any length; `new_from_slice` cannot fail.
            Some(Err(_)) | None => Sealer::Plain,
        }
    }

    pub(crate) fn is_keyed(&self) -> bool {
        matches!(self, Sealer::Keyed(_))
    }

    /// Appends the mac of `body` (prefix and hex) to `out`.
    pub(crate) fn mac(&self, body: &[u8], out: &mut Vec<u8>) {
        match self {
            Sealer::Plain => {
                out.extend_from_slice(PLAIN_PREFIX.as_bytes());
                push_hex(out, &Sha256::digest(body));
            }
            Sealer::Keyed(keyed) => {
                let mut mac = (**keyed).clone();
                mac.update(body);
                out.extend_from_slice(KEYED_PREFIX.as_bytes());
                push_hex(out, &mac.finalize().into_bytes());
            }
        }
    }
}

impl std::fmt::Debug for Sealer {
    /// Never shows the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sealer::Plain => "Plain",
            Sealer::Keyed(_) => "Keyed(..)",
        })
    }
}

/// Appends `bytes` as lowercase hex.
pub(crate) fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    let at = out.len();
    out.resize(at + 2 * bytes.len(), 0);
    // The slice is exactly twice as long as `bytes`: encoding cannot fail.
    if let Some(digits) = out.get_mut(at..) {
        let _ = hex::encode_to_slice(bytes, digits);
    }
}

/// A chain being written: its head, its sealer and a reused line buffer.
#[derive(Debug)]
pub(crate) struct Chain {
    sealer: Sealer,
    head: ChainHead,
    /// The last sealed line, newline included.
    line: Vec<u8>,
    /// Where the mac starts in `line` and how long it is.
    mac_at: (usize, usize),
}

impl Chain {
    pub(crate) fn new(sealer: Sealer, head: ChainHead) -> Chain {
        Chain {
            sealer,
            head,
            line: Vec::with_capacity(1024),
            mac_at: (0, 0),
        }
    }

    pub(crate) fn head(&self) -> &ChainHead {
        &self.head
    }

    /// Seals the record whose fields from `"time"` to `"eval_ns"` are
    /// `middle` as the chain's next line; [`Chain::advance`] commits it.
    pub(crate) fn seal(&mut self, middle: &[u8]) -> &[u8] {
        let line = &mut self.line;
        line.clear();
        line.extend_from_slice(b"{\"seq\":");
        super::record::push_u64(line, self.head.next_seq);
        line.push(b',');
        line.extend_from_slice(middle);
        line.extend_from_slice(b",\"prev\":\"");
        line.extend_from_slice(self.head.prev.as_bytes());
        line.push(b'"');
        let body_len = line.len();
        let mut mac = Vec::with_capacity(KEYED_PREFIX.len() + 64);
        self.sealer
            .mac(line.get(..body_len).unwrap_or_default(), &mut mac);
        line.extend_from_slice(b",\"mac\":\"");
        self.mac_at = (line.len(), mac.len());
        line.extend_from_slice(&mac);
        line.extend_from_slice(b"\"}\n");
        &self.line
    }

    /// Makes the sealed line the chain's last record.
    pub(crate) fn advance(&mut self) {
        let (at, len) = self.mac_at;
        if let Some(mac) = self
            .line
            .get(at..at + len)
            .and_then(|m| std::str::from_utf8(m).ok())
        {
            self.head.prev.clear();
            self.head.prev.push_str(mac);
        }
        self.head.next_seq = self.head.next_seq.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn genesis_values() {
        assert!(is_mac(&genesis(false)));
        assert!(is_mac(&genesis(true)));
        assert!(genesis(true).starts_with("hmac-sha256:"));
        assert!(!is_mac("sha256:abc"));
    }

    #[test]
    fn sealing_links_and_counts() {
        let mut chain = Chain::new(Sealer::new(None), ChainHead::genesis(false));
        let first = String::from_utf8(chain.seal(b"\"x\":1").to_vec()).unwrap();
        chain.advance();
        let second = String::from_utf8(chain.seal(b"\"x\":2").to_vec()).unwrap();
        assert!(first.starts_with("{\"seq\":0,\"x\":1,\"prev\":\"sha256:0000"));
        assert!(second.starts_with("{\"seq\":1,\"x\":2,\"prev\":\"sha256:"));
        let body_end = first.find(",\"mac\":\"").unwrap();
        let mut expected = Vec::new();
        Sealer::Plain.mac(&first.as_bytes()[..body_end], &mut expected);
        let expected = String::from_utf8(expected).unwrap();
        assert!(first.ends_with(&format!(",\"mac\":\"{expected}\"}}\n")));
        assert!(second.contains(&format!("\"prev\":\"{expected}\"")));
    }

    #[test]
    fn keyed_macs_depend_on_the_key() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        Sealer::new(Some(b"k1")).mac(b"body", &mut a);
        Sealer::new(Some(b"k2")).mac(b"body", &mut b);
        assert_ne!(a, b);
        assert!(a.starts_with(b"hmac-sha256:"));
        assert_eq!(format!("{:?}", Sealer::new(Some(b"k1"))), "Keyed(..)");
    }
}

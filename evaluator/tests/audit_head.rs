//! Continuing a host's chain: `Auditor::new` refuses heads no chain can
//! continue from, and accepts the ones `Auditor::head` hands out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tessera::audit::{AuditConfig, AuditErrorKind, Auditor, CallbackSink, ChainHead};

fn open(head: ChainHead) -> Result<Auditor, tessera::audit::AuditError> {
    Auditor::new(
        CallbackSink::new(|_| Ok(())).continuing(head),
        &AuditConfig::new(),
    )
}

fn plain_mac(hex_digit: char) -> String {
    format!("sha256:{}", hex_digit.to_string().repeat(64))
}

#[test]
fn heads_from_auditor_head_are_accepted() {
    let genesis = ChainHead::genesis(false);
    assert!(open(genesis.clone()).is_ok());
    let later = ChainHead {
        next_seq: 41,
        prev: plain_mac('a'),
    };
    let auditor = open(later.clone()).unwrap();
    assert_eq!(auditor.head(), later);
}

#[test]
fn malformed_heads_are_refused_without_quoting_them() {
    let cases = [
        (
            "newline kept",
            ChainHead {
                next_seq: 3,
                prev: format!("{}\n", plain_mac('b')),
            },
        ),
        (
            "quote in prev",
            ChainHead {
                next_seq: 3,
                prev: format!("sha256:{}\"", "c".repeat(63)),
            },
        ),
        (
            "uppercase hex",
            ChainHead {
                next_seq: 3,
                prev: format!("sha256:{}", "D".repeat(64)),
            },
        ),
        (
            "seq near overflow",
            ChainHead {
                next_seq: u64::MAX,
                prev: plain_mac('e'),
            },
        ),
        (
            "seq 0 after records",
            ChainHead {
                next_seq: 0,
                prev: plain_mac('f'),
            },
        ),
        (
            "records but genesis prev",
            ChainHead {
                next_seq: 7,
                prev: ChainHead::genesis(false).prev,
            },
        ),
    ];
    for (name, head) in cases {
        let error = open(head.clone()).expect_err(name);
        assert_eq!(error.kind(), AuditErrorKind::InvalidConfig, "{name}");
        assert!(
            !error.to_string().contains(head.prev.trim_end()),
            "{name}: the message quotes the head: {error}"
        );
    }
}

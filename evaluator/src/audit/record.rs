//! One record's fields from `"time"` to `"eval_ns"`, as JSON text, with the
//! masking plan applied. [`super::chain::Chain`] adds `seq` before and
//! `prev` and `mac` after.

use super::chain::push_hex;
use super::mask::{Action, MASKED, MapRules, MaskPlan};
use crate::decision::{Decision, Outcome, Reason};
use crate::request::{Attribute, Request};
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::Write as _;

/// What a record says, borrowed from the caller.
pub(crate) struct Fields<'a, 'e> {
    /// When the record is made.
    pub(crate) time: DateTime<Utc>,
    pub(crate) id: [u8; 16],
    pub(crate) request: &'a Request,
    pub(crate) decision: &'a Decision<'e>,
    pub(crate) revision: &'a str,
    pub(crate) eval_ns: u64,
    /// The instant the request was decided at.
    pub(crate) decided_at: DateTime<Utc>,
}

/// Appends the record's middle (`"time":...` to `"eval_ns":N`) to `out`.
pub(crate) fn write_middle(out: &mut Vec<u8>, f: &Fields<'_, '_>, plan: &MaskPlan) {
    let request = f.request;
    let context = &request.context;
    out.extend_from_slice(b"\"time\":\"");
    push_time(out, f.time);
    out.extend_from_slice(b"\",\"id\":\"");
    push_hex(out, &f.id);
    out.extend_from_slice(b"\",\"principal\":");
    push_str(out, &request.principal.id);
    if !request.principal.groups.is_empty() {
        match plan.groups {
            Action::Keep => {
                out.extend_from_slice(b",\"groups\":[");
                for (i, group) in request.principal.groups.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    push_str(out, group);
                }
                out.push(b']');
            }
            Action::Mask => push_masked(out, "groups"),
            Action::Drop => {}
        }
    }
    push_tags(
        out,
        "principal_tags",
        &request.principal.tags,
        &plan.principal_tags,
    );
    out.extend_from_slice(b",\"action\":");
    push_str(out, &request.action);
    out.extend_from_slice(b",\"resource\":");
    push_str(out, &request.resource.path);
    push_tags(
        out,
        "resource_tags",
        &request.resource.tags,
        &plan.resource_tags,
    );
    push_optional(
        out,
        "source_ip",
        plan.source_ip,
        context.source_ip,
        |out, ip| {
            out.push(b'"');
            let _ = write!(out, "{ip}");
            out.push(b'"');
        },
    );
    push_optional(out, "mfa", plan.mfa, context.mfa, |out, mfa| {
        out.extend_from_slice(if mfa { b"true" } else { b"false" });
    });
    push_optional(
        out,
        "mfa_age_seconds",
        plan.mfa_age_seconds,
        context.mfa_age_seconds,
        |out, age| {
            if age < 0 {
                out.push(b'-');
            }
            push_u64(out, age.unsigned_abs());
        },
    );
    push_optional(
        out,
        "version_stage",
        plan.version_stage,
        context.version_stage.as_deref(),
        push_str,
    );
    push_attributes(out, &context.attributes, &plan.context);
    out.extend_from_slice(b",\"decided_at\":\"");
    push_time(out, f.decided_at);
    out.extend_from_slice(match f.decision.outcome {
        Outcome::Allow => b"\",\"decision\":\"allow\",\"reason\":\"",
        Outcome::Deny => b"\",\"decision\":\"deny\",\"reason\":\"",
    });
    out.extend_from_slice(reason_name(f.decision.reason).as_bytes());
    out.extend_from_slice(b"\",\"determining\":[");
    for (i, statement) in f.decision.determining.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"policy\":");
        push_str(out, statement.policy);
        out.extend_from_slice(b",\"statement\":");
        push_str(out, statement.statement);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"revision\":");
    push_str(out, f.revision);
    out.extend_from_slice(b",\"eval_ns\":");
    push_u64(out, f.eval_ns);
}

/// The reason as records (and decisions) spell it.
pub(crate) fn reason_name(reason: Reason) -> &'static str {
    match reason {
        Reason::Allowed => "allowed",
        Reason::ExplicitDeny => "explicit_deny",
        Reason::NoStatementApplied => "no_statement_applied",
        Reason::AuditFailed => "audit_failed",
    }
}

fn push_masked(out: &mut Vec<u8>, key: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
    push_str(out, MASKED);
}

/// `,"key":value`, `,"key":null` or `,"key":"[masked]"`; nothing when dropped.
fn push_optional<T>(
    out: &mut Vec<u8>,
    key: &str,
    action: Action,
    value: Option<T>,
    write: impl FnOnce(&mut Vec<u8>, T),
) {
    match action {
        Action::Drop => {}
        Action::Mask => push_masked(out, key),
        Action::Keep => {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            match value {
                Some(value) => write(out, value),
                None => out.extend_from_slice(b"null"),
            }
        }
    }
}

/// A map of values under `key`, masked per key; absent when nothing is left.
fn push_map<V>(
    out: &mut Vec<u8>,
    key: &str,
    map: &BTreeMap<String, V>,
    rules: &MapRules,
    write: impl Fn(&mut Vec<u8>, &V),
) {
    let mut first = true;
    for (name, value) in map {
        let action = rules.action(name);
        if action == Action::Drop {
            continue;
        }
        if first {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":{");
            first = false;
        } else {
            out.push(b',');
        }
        push_str(out, name);
        out.push(b':');
        if action == Action::Mask {
            push_str(out, MASKED);
        } else {
            write(out, value);
        }
    }
    if !first {
        out.push(b'}');
    }
}

fn push_tags(out: &mut Vec<u8>, key: &str, tags: &BTreeMap<String, String>, rules: &MapRules) {
    push_map(out, key, tags, rules, |out, value| push_str(out, value));
}

fn push_attributes(out: &mut Vec<u8>, attributes: &BTreeMap<String, Attribute>, rules: &MapRules) {
    push_map(out, "context", attributes, rules, push_attribute);
}

/// One custom attribute's value as JSON. A member of a nested object whose
/// name looks like it holds a secret is written masked, as a top-level
/// attribute of such a name is by default.
fn push_attribute(out: &mut Vec<u8>, value: &Attribute) {
    match value {
        Attribute::String(text) => push_str(out, text),
        Attribute::Bool(true) => out.extend_from_slice(b"true"),
        Attribute::Bool(false) => out.extend_from_slice(b"false"),
        Attribute::Number(number) if number.is_finite() => {
            if serde_json::to_writer(&mut *out, number).is_err() {
                out.extend_from_slice(b"null");
            }
        }
        Attribute::Number(_) => out.extend_from_slice(b"null"),
        Attribute::Set(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_str(out, item);
            }
            out.push(b']');
        }
        Attribute::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_attribute(out, item);
            }
            out.push(b']');
        }
        Attribute::Object(members) => {
            out.push(b'{');
            for (i, (name, member)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_str(out, name);
                out.push(b':');
                if crate::audit::looks_secret(name) {
                    push_str(out, MASKED);
                } else {
                    push_attribute(out, member);
                }
            }
            out.push(b'}');
        }
    }
}

/// True when one of the 8 bytes of `word` is a control character, `"` or
/// `\\`: bytes JSON strings escape.
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    (below_space
        | has_zero(word ^ (ONES * u64::from(b'"')))
        | has_zero(word ^ (ONES * u64::from(b'\\'))))
        != 0
}

/// Where the first byte that needs escaping might be: bytes before the
/// returned index need none.
fn plain_prefix(bytes: &[u8]) -> usize {
    let mut at = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        if needs_escape(u64::from_le_bytes(word)) {
            break;
        }
        at += 8;
    }
    at
}

/// Appends `text` as a JSON string, escaped as serde_json escapes.
pub(crate) fn push_str(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = text.as_bytes();
    let plain = plain_prefix(bytes);
    out.extend_from_slice(bytes.get(..plain).unwrap_or_default());
    let mut start = plain;
    for (i, &byte) in bytes.iter().enumerate().skip(plain) {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

/// Appends `n` in decimal.
pub(crate) fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

/// Appends `n` in decimal, zero-padded to `width` digits.
fn push_padded(out: &mut Vec<u8>, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut n = n;
    let mut at = digits.len();
    while n > 0 && at > 0 {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
    }
    let start = digits.len().saturating_sub(width).min(at);
    out.extend_from_slice(digits.get(start..).unwrap_or_default());
}

thread_local! {
    /// The last second formatted on this thread: its Unix time and text
    /// (`2026-11-25T10:00:00.`). Records come many to a second.
    static LAST_SECOND: Cell<(i64, [u8; 20])> = const { Cell::new((i64::MIN, [0; 20])) };
}

/// Appends an RFC 3339 UTC timestamp with microseconds:
/// `2026-11-25T10:00:00.000000Z`.
pub(crate) fn push_time(out: &mut Vec<u8>, time: DateTime<Utc>) {
    let nanos = time.nanosecond();
    let second = time.timestamp();
    let (cached, text) = LAST_SECOND.get();
    if cached == second && nanos < 1_000_000_000 {
        out.extend_from_slice(&text);
    } else {
        let start = out.len();
        if !push_second(out, time) {
            return;
        }
        if let Some(Ok(text)) = out.get(start..).map(<[u8; 20]>::try_from) {
            LAST_SECOND.set((second, text));
        }
    }
    push_padded(out, nanos / 1000, 6);
    out.push(b'Z');
}

/// Appends `2026-11-25T10:00:00.` and returns true; or, for far years and
/// leap seconds (rare), the whole timestamp by chrono's formatter and
/// returns false.
fn push_second(out: &mut Vec<u8>, time: DateTime<Utc>) -> bool {
    let year = time.year();
    if !(0..=9999).contains(&year) || time.nanosecond() >= 1_000_000_000 {
        out.extend_from_slice(time.to_rfc3339_opts(SecondsFormat::Micros, true).as_bytes());
        return false;
    }
    push_padded(out, year.unsigned_abs(), 4);
    out.push(b'-');
    push_padded(out, time.month(), 2);
    out.push(b'-');
    push_padded(out, time.day(), 2);
    out.push(b'T');
    push_padded(out, time.hour(), 2);
    out.push(b':');
    push_padded(out, time.minute(), 2);
    out.push(b':');
    push_padded(out, time.second(), 2);
    out.push(b'.');
    true
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::TimeZone;

    fn text(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_escape_as_serde_json_does() {
        for s in [
            "plain",
            "a longer plain string of many words",
            "0123456\"89abcdef",
            "01234567\\9abcdef",
            "abcdefghijklmn\nopq",
            "quo\"te",
            "back\\slash",
            "line\nbreak\ttab\r",
            "\u{1}\u{1f}\u{7f}",
            "ünï→😀",
            "",
        ] {
            assert_eq!(text(|o| push_str(o, s)), serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn numbers() {
        for n in [0, 7, 10, 99, 12345, u64::MAX] {
            assert_eq!(text(|o| push_u64(o, n)), n.to_string());
        }
        assert_eq!(text(|o| push_padded(o, 7, 4)), "0007");
        assert_eq!(text(|o| push_padded(o, 0, 2)), "00");
        assert_eq!(text(|o| push_padded(o, 123456, 6)), "123456");
    }

    #[test]
    fn times_match_chrono() {
        let times = [
            Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap(),
            Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap(),
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(12026, 1, 1, 0, 0, 0).unwrap(),
            Utc.timestamp_opt(1_700_000_000, 999_999_999).unwrap(),
            Utc.timestamp_opt(1_700_000_001, 5_000).unwrap(),
            Utc.timestamp_opt(1_700_000_039, 1_500_000_000).unwrap(),
            Utc.timestamp_opt(1_700_000_001, 7_000).unwrap(),
        ];
        for t in times {
            assert_eq!(
                text(|o| push_time(o, t)),
                t.to_rfc3339_opts(SecondsFormat::Micros, true)
            );
        }
    }
}

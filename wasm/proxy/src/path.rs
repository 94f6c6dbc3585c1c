//! The resource path from `:path`: the query string removed, the configured
//! prefix stripped, percent-decoded, and refused when it could name another
//! secret than it seems to (`.` and `..` segments, encoded or not; an
//! encoding that is still there after decoding). Every step is one pass
//! over the bytes: linear in the path's length.

use crate::refusal::Refusal;

/// `:path` split at its first `?`: the path, and the query string (without
/// the `?`) when there is one. A fragment (`#...`) never reaches a proxy;
/// one that does is part of the path and refused by [`resource_path`].
pub fn split_query(raw: &[u8]) -> (&[u8], Option<&[u8]>) {
    match raw.iter().position(|&b| b == b'?') {
        Some(at) => (
            raw.get(..at).unwrap_or_default(),
            raw.get(at + 1..).or(Some(&[])),
        ),
        None => (raw, None),
    }
}

/// The value of a hex digit.
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `bytes` once; `None` when a `%` is not followed by two
/// hex digits.
pub fn percent_decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let high = bytes.get(i + 1).copied().and_then(hex)?;
            let low = bytes.get(i + 2).copied().and_then(hex)?;
            out.push(high << 4 | low);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Some(out)
}

/// The resource path for the path part of `:path` (query removed):
/// `prefix` stripped, then one `/`, then percent-decoded.
///
/// Refused (fail closed) when the path does not start with the prefix,
/// when an escape is malformed or decodes to bytes that are not UTF-8, when
/// a segment is `.` or `..` after decoding (whether written plainly, as
/// `%2e%2e`, or made by a decoded `%2f`), when a decoded `%` still
/// starts an escape (a double encoding: another component decoding again
/// would see another path), and when a decoded byte is a control character
/// or a backslash (which some servers read as `/`). Empty segments and a
/// trailing `/` are left to the engine, which refuses them as any host does.
pub fn resource_path(path: &[u8], prefix: &str) -> Result<String, Refusal> {
    let Some(rest) = path.strip_prefix(prefix.as_bytes()) else {
        return Err(Refusal::new(
            "path_outside_prefix",
            "the request path does not start with the configured path_prefix",
        ));
    };
    let rest = rest.strip_prefix(b"/").unwrap_or(rest);
    let Some(decoded) = percent_decode(rest) else {
        return Err(Refusal::new(
            "bad_path",
            "the request path has a malformed percent escape",
        ));
    };
    // A `%XX` left after one decoding is a double encoding.
    let mut i = 0;
    while let Some(&b) = decoded.get(i) {
        if b == b'%'
            && decoded.get(i + 1).copied().and_then(hex).is_some()
            && decoded.get(i + 2).copied().and_then(hex).is_some()
        {
            return Err(Refusal::new(
                "bad_path",
                "the request path is percent-encoded twice",
            ));
        }
        if b < 0x20 || b == 0x7f || b == b'\\' {
            return Err(Refusal::new(
                "bad_path",
                "the request path has a control character or a backslash",
            ));
        }
        i += 1;
    }
    if decoded
        .split(|&b| b == b'/')
        .any(|segment| segment == b"." || segment == b"..")
    {
        return Err(Refusal::new(
            "path_traversal",
            "the request path has a `.` or `..` segment (after percent-decoding)",
        ));
    }
    String::from_utf8(decoded).map_err(|_| {
        Refusal::new(
            "bad_path",
            "the request path is not UTF-8 after percent-decoding",
        )
    })
}

/// The value of the query parameter `name` (percent-decoded; `+` is a
/// space, as in forms): `Ok(None)` when absent, a refusal when it is
/// repeated (which copy counts is ambiguous) or malformed.
pub fn query_parameter(query: &[u8], name: &str) -> Result<Option<String>, Refusal> {
    let mut found: Option<String> = None;
    for pair in query.split(|&b| b == b'&') {
        let (key, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (
                pair.get(..at).unwrap_or_default(),
                pair.get(at + 1..).unwrap_or_default(),
            ),
            None => (pair, &[][..]),
        };
        let key = form_decode(key).ok_or_else(malformed_query)?;
        if key != name.as_bytes() {
            continue;
        }
        if found.is_some() {
            return Err(Refusal::new(
                "ambiguous_query",
                format!("the query parameter {name:?} is repeated"),
            ));
        }
        let value = form_decode(value).ok_or_else(malformed_query)?;
        found = Some(String::from_utf8(value).map_err(|_| malformed_query())?);
    }
    Ok(found)
}

fn malformed_query() -> Refusal {
    Refusal::new(
        "bad_query",
        "the query string has a malformed percent escape or is not UTF-8",
    )
}

/// Percent-decoding with `+` as a space (only a `+` written as such: a
/// decoded `%2B` stays a `+`).
fn form_decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let spaced: Vec<u8> = bytes
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_decode(&spaced)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn path(raw: &str) -> Result<String, &'static str> {
        let (path, _) = split_query(raw.as_bytes());
        resource_path(path, "/v1/secrets").map_err(|r| r.reason)
    }

    #[test]
    fn the_prefix_and_query_go_and_escapes_are_decoded() {
        assert_eq!(path("/v1/secrets/prod/db").unwrap(), "prod/db");
        assert_eq!(
            path("/v1/secrets/prod/db?versionStage=X").unwrap(),
            "prod/db"
        );
        assert_eq!(path("/v1/secrets/prod/my%20key").unwrap(), "prod/my key");
        assert_eq!(path("/v1/secrets/caf%C3%A9").unwrap(), "café");
    }

    #[test]
    fn traversal_is_refused_however_it_is_written() {
        for raw in [
            "/v1/secrets/prod/../admin",
            "/v1/secrets/prod/./db",
            "/v1/secrets/..",
            "/v1/secrets/prod/%2e%2e/admin",
            "/v1/secrets/prod/%2E%2E/admin",
            "/v1/secrets/prod/.%2e/admin",
            "/v1/secrets/prod%2f..%2fadmin",
            "/v1/secrets/prod%2F%2e%2E%2Fadmin",
            "/v1/secrets/%2e",
        ] {
            assert_eq!(path(raw), Err("path_traversal"), "{raw}");
        }
    }

    #[test]
    fn double_encodings_control_bytes_and_bad_escapes_are_refused() {
        assert_eq!(path("/v1/secrets/prod/%252e%252e/x"), Err("bad_path"));
        assert_eq!(path("/v1/secrets/prod/%00"), Err("bad_path"));
        assert_eq!(path("/v1/secrets/prod\\..\\x"), Err("bad_path"));
        assert_eq!(path("/v1/secrets/prod/%5c"), Err("bad_path"));
        assert_eq!(path("/v1/secrets/prod/%zz"), Err("bad_path"));
        assert_eq!(path("/v1/secrets/prod/%4"), Err("bad_path"));
        assert_eq!(path("/v1/secrets/%ff"), Err("bad_path"));
        assert_eq!(path("/v2/secrets/prod"), Err("path_outside_prefix"));
    }

    #[test]
    fn a_long_hostile_path_costs_linear_time() {
        let raw = format!("/v1/secrets/{}", "%2e%2e%2f".repeat(200_000));
        let start = std::time::Instant::now();
        assert_eq!(path(&raw), Err("path_traversal"));
        let raw = format!("/v1/secrets/{}", "a/".repeat(500_000) + "b");
        assert_eq!(path(&raw).unwrap().len(), 1_000_001);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn query_parameters_are_decoded_and_repeats_refused() {
        let q = b"a=1&versionStage=AWS%43URRENT&b";
        assert_eq!(
            query_parameter(q, "versionStage").unwrap().as_deref(),
            Some("AWSCURRENT")
        );
        assert_eq!(query_parameter(q, "c").unwrap(), None);
        assert_eq!(
            query_parameter(b"s=a+b%2B", "s").unwrap().as_deref(),
            Some("a b+")
        );
        assert_eq!(
            query_parameter(b"s=1&s=2", "s").unwrap_err().reason,
            "ambiguous_query"
        );
        assert_eq!(
            query_parameter(b"s=%g1", "s").unwrap_err().reason,
            "bad_query"
        );
    }
}

//! Typed literals: reading them from text for a wanted type, and writing them
//! back in canonical form for the formatter.

use crate::ast::{ValueKind, ValueType};
use chrono::{DateTime, SecondsFormat};
use ipnet::{IpNet, Ipv4Net};
use std::net::IpAddr;

/// Why a literal could not be read as the wanted type.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub message: String,
    pub expected: String,
    pub hint: String,
    /// True when the literal is of another type (a quoted string for an IP),
    /// false when it looks right but is malformed (`10.0.0.0/33`).
    pub wrong_type: bool,
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const WEEKDAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The type a custom attribute's literal has: quoted text is a string, then
/// booleans, numbers, IPs and CIDR ranges by their look.
pub(crate) fn infer_type(text: &str, quoted: bool) -> ValueType {
    if quoted {
        ValueType::String
    } else if text == "true" || text == "false" {
        ValueType::Bool
    } else if number(text).is_some() {
        ValueType::Number
    } else if text.parse::<IpAddr>().is_ok() || dotted_quad(text).is_some() {
        // Four dotted numbers are an address, even a malformed one: its
        // error then says what is wrong with it.
        ValueType::Ip
    } else if text.contains('/') && !text.contains("..") {
        ValueType::Cidr
    } else {
        ValueType::String
    }
}

/// Reads `text` as a literal of type `want`.
pub(crate) fn typed(text: &str, quoted: bool, want: ValueType) -> Result<ValueKind, Problem> {
    let wrong = |expected: &str, hint: String| Problem {
        message: format!(
            "expected a {}, found {}",
            want.describe(),
            if quoted {
                format!("the string \"{text}\"")
            } else {
                format!("`{text}`")
            }
        ),
        expected: expected.to_string(),
        hint,
        wrong_type: true,
    };
    let malformed = |what: &str, expected: &str, hint: &str| Problem {
        message: format!("invalid {what} `{text}`"),
        expected: expected.to_string(),
        hint: hint.to_string(),
        wrong_type: false,
    };
    if want == ValueType::String {
        return if quoted {
            Ok(ValueKind::String(text.to_string()))
        } else {
            Err(wrong("a quoted string", format!("write \"{text}\"")))
        };
    }
    if quoted && want != ValueType::Weekday {
        return Err(wrong(
            &format!("an unquoted {}", want.describe()),
            format!("remove the quotes: `{text}`"),
        ));
    }
    match want {
        ValueType::Number => number(text).map(ValueKind::Number).ok_or_else(|| {
            wrong(
                "a number",
                "numbers are written like `3` or `-1.5`".to_string(),
            )
        }),
        ValueType::Bool => match text {
            "true" => Ok(ValueKind::Bool(true)),
            "false" => Ok(ValueKind::Bool(false)),
            _ => Err(wrong(
                "`true` or `false`",
                "write `true` or `false`".to_string(),
            )),
        },
        ValueType::Ip => {
            const EXPECTED: &str = "an IPv4 or IPv6 address such as `10.1.2.3` or `fd00::1`";
            if let Some(hint) = ipv4_problem(text, None) {
                return Err(malformed("IP address", EXPECTED, &hint));
            }
            match text.parse::<IpAddr>() {
                Ok(ip) => match mapped_ip_hint(ip) {
                    Some(hint) => Err(malformed("IP address", EXPECTED, &hint)),
                    None => Ok(ValueKind::Ip(ip)),
                },
                Err(_) => Err(malformed(
                    "IP address",
                    EXPECTED,
                    "to match a range, use `in` with a CIDR such as `10.0.0.0/8`",
                )),
            }
        }
        ValueType::Cidr => {
            const EXPECTED_IP: &str =
                "an IP address such as `10.1.2.3` or a CIDR range such as `10.0.0.0/8`";
            const EXPECTED_CIDR: &str =
                "an address and prefix length such as `10.0.0.0/8` or `fd00::/8`";
            let (address, prefix) = match text.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (text, None),
            };
            let (what, expected) = if prefix.is_some() {
                ("CIDR range", EXPECTED_CIDR)
            } else {
                ("IP address", EXPECTED_IP)
            };
            if let Some(hint) = ipv4_problem(address, prefix) {
                return Err(malformed(what, expected, &hint));
            }
            if let Ok(net) = text.parse::<IpNet>() {
                if let Some(hint) = mapped_net_hint(net) {
                    Err(malformed(what, expected, &hint))
                } else if net.trunc() != net {
                    Err(malformed(
                        what,
                        expected,
                        &format!(
                            "the address has bits set past the /{} prefix; write the network `{}`, or the address `{}` alone",
                            net.prefix_len(),
                            net.trunc(),
                            net.addr()
                        ),
                    ))
                } else {
                    Ok(ValueKind::Cidr(net))
                }
            } else if let Ok(ip) = text.parse::<IpAddr>() {
                match mapped_ip_hint(ip) {
                    Some(hint) => Err(malformed(what, expected, &hint)),
                    None => Ok(ValueKind::Ip(ip)),
                }
            } else if prefix.is_none() {
                // Lists may mix addresses and ranges; without a `/` this was
                // meant as an address.
                Err(malformed(
                    "IP address",
                    "an IP address such as `10.1.2.3` or a CIDR range such as `10.0.0.0/8`",
                    "write all four parts of an IPv4 address, as in `10.1.2.3`, or add a prefix length, as in `10.1.0.0/16`",
                ))
            } else {
                Err(malformed(
                    "CIDR range",
                    "an address and prefix length such as `10.0.0.0/8` or `fd00::/8`",
                    cidr_hint(text),
                ))
            }
        }
        ValueType::Timestamp => DateTime::parse_from_rfc3339(text)
            .map(ValueKind::Timestamp)
            .map_err(|_| {
                malformed(
                    "timestamp",
                    "an RFC 3339 timestamp such as `2026-01-01T00:00:00Z`",
                    "write date, `T`, time and offset: `2026-01-01T09:00:00+02:00`",
                )
            }),
        ValueType::Duration => duration(text).map(ValueKind::Duration).ok_or_else(|| {
            malformed(
                "duration",
                "a duration such as `30s`, `15m`, `1h30m` or `7d`",
                "units are `d`, `h`, `m` and `s`, largest first",
            )
        }),
        ValueType::TimeOfDay => time_of_day(text).map(ValueKind::TimeOfDay).ok_or_else(|| {
            malformed(
                "time of day",
                "a 24-hour time such as `09:00` or `17:30:00`",
                &time_of_day_hint(text),
            )
        }),
        ValueType::Weekday => weekday(text).map(ValueKind::Weekday).ok_or_else(|| {
            malformed(
                "weekday",
                "a day such as `Mon`, `Tue`, ... `Sun`",
                "days are `Mon`, `Tue`, `Wed`, `Thu`, `Fri`, `Sat`, `Sun`",
            )
        }),
        ValueType::String | ValueType::StringSet | ValueType::Any => {
            Ok(ValueKind::String(text.to_string()))
        }
    }
}

/// The four parts of `text` when it is four dot-separated runs of digits
/// (a dotted-quad IPv4 address, well-formed or not).
fn dotted_quad(text: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = text.split('.').collect();
    let digits = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    (parts.len() == 4 && parts.iter().all(digits)).then_some(parts)
}

/// What is wrong with `address` when it is dotted decimal digits, as an
/// IPv4 address must be (`prefix`, when given, goes into the suggestion):
/// an octet over 255, or an octet with a leading zero, which is read as
/// octal by some tools (`010` as 8) and as decimal by others.
fn ipv4_problem(address: &str, prefix: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = address.split('.').collect();
    let digits = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() < 2 || !parts.iter().all(digits) {
        return None;
    }
    if let Some(octet) = parts
        .iter()
        .find(|p| p.parse::<u64>().map_or(true, |n| n > 255))
    {
        return Some(format!(
            "octet `{octet}` is out of range: each of the four parts of an IPv4 address runs from 0 to 255"
        ));
    }
    let parts = dotted_quad(address)?;
    if !parts.iter().any(|p| p.len() > 1 && p.starts_with('0')) {
        return None;
    }
    let mut fixed = parts
        .iter()
        .map(|p| p.parse::<u64>().unwrap_or(0).to_string())
        .collect::<Vec<_>>()
        .join(".");
    if let Some(prefix) = prefix {
        fixed = format!("{fixed}/{prefix}");
    }
    Some(format!(
        "leading zeros are ambiguous (octal in some tools); write `{fixed}`"
    ))
}

/// The hint for an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`): requests
/// carry such an address as the IPv4 address it maps, so the policy must
/// name that.
fn mapped_ip_hint(ip: IpAddr) -> Option<String> {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(|v4| {
            format!(
                "an IPv4-mapped IPv6 address is matched as the IPv4 address it maps; write `{v4}`"
            )
        }),
        IpAddr::V4(_) => None,
    }
}

/// [`mapped_ip_hint`] for a range inside `::ffff:0:0/96`, whose IPv4 form
/// is suggested.
fn mapped_net_hint(net: IpNet) -> Option<String> {
    let IpNet::V6(v6) = net else {
        return None;
    };
    let v4 = v6.addr().to_ipv4_mapped()?;
    let len = v6.prefix_len().checked_sub(96)?;
    let v4 = Ipv4Net::new(v4, len).ok()?;
    Some(format!(
        "an IPv4-mapped IPv6 range is matched as the IPv4 range it maps; write `{v4}`"
    ))
}

/// Why `text` is not a time of day, for a person.
fn time_of_day_hint(text: &str) -> String {
    let parts: Vec<&str> = text.split(':').collect();
    let digits = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !(2..=3).contains(&parts.len()) || !parts.iter().all(digits) {
        "write `HH:MM` or `HH:MM:SS`, 24-hour, as in `09:00` or `17:30:15`".to_string()
    } else if parts[0].len() == 1 && parts[1..].iter().all(|p| p.len() == 2) {
        format!("write two-digit hours: `0{text}`")
    } else if parts.iter().any(|p| p.len() != 2) {
        "write two digits for the hours, the minutes and the seconds, as in `09:05`".to_string()
    } else {
        "hours run 00 to 24, minutes and seconds 00 to 59".to_string()
    }
}

fn cidr_hint(text: &str) -> &'static str {
    match text.split_once('/') {
        Some((addr, len)) => {
            let max = if addr.contains(':') { 128 } else { 32 };
            match len.parse::<u32>() {
                Ok(n) if n > max => {
                    if max == 32 {
                        "an IPv4 prefix length is at most 32"
                    } else {
                        "an IPv6 prefix length is at most 128"
                    }
                }
                Ok(_) => "the address part is not a valid IPv4 or IPv6 address",
                Err(_) => "the prefix length after `/` must be a whole number",
            }
        }
        None => "add a prefix length, as in `10.0.0.0/8`",
    }
}

fn number(text: &str) -> Option<f64> {
    let looks_numeric = text
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+')
        && text.chars().any(|c| c.is_ascii_digit());
    if !looks_numeric {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `1h30m` → 5400. Units d, h, m, s, each at most once, largest first.
pub(crate) fn duration(text: &str) -> Option<i64> {
    const UNITS: [(char, i64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];
    let mut total: i64 = 0;
    let mut rest = text;
    let mut next_unit = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 12 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        let position = UNITS[next_unit..].iter().position(|(u, _)| *u == unit)?;
        let (_, scale) = UNITS[next_unit + position];
        total = total.checked_add(n.checked_mul(scale)?)?;
        next_unit += position + 1;
        rest = &rest[digits + 1..];
    }
    Some(total)
}

/// 5400 → `1h30m`; 0 → `0s`.
pub(crate) fn format_duration(mut seconds: i64) -> String {
    if seconds == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, scale) in [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)] {
        if seconds >= scale {
            out.push_str(&(seconds / scale).to_string());
            out.push(unit);
            seconds %= scale;
        }
    }
    out
}

/// `09:30` → 34200; `24:00` is allowed as the end of a day.
pub(crate) fn time_of_day(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let field = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<u32>().ok());
    let (h, m, s) = (field(0)?, field(1)?, field(2)?);
    if m > 59 || s > 59 || h > 24 || (h == 24 && (m, s) != (0, 0)) {
        return None;
    }
    Some(h * 3600 + m * 60 + s)
}

/// 34200 → `09:30`, with seconds only when they are not zero.
pub(crate) fn format_time_of_day(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

fn weekday(text: &str) -> Option<u8> {
    let lower = text.to_ascii_lowercase();
    WEEKDAY_NAMES
        .iter()
        .position(|name| lower.len() >= 3 && name.starts_with(&lower))
        .and_then(|i| u8::try_from(i).ok())
}

/// The canonical name of weekday `day` (0 = Monday).
pub fn weekday_name(day: u8) -> &'static str {
    WEEKDAYS.get(usize::from(day)).copied().unwrap_or("Mon")
}

/// `UTC`, `Z`, `+02:00`, `-05:30`, `UTC+2`, `UTC-05:00` → seconds east of UTC.
pub(crate) fn utc_offset(text: &str) -> Option<i32> {
    let rest = text
        .strip_prefix("UTC")
        .or_else(|| text.strip_prefix("utc"))
        .unwrap_or(text);
    if rest.is_empty() || rest == "Z" {
        return Some(0);
    }
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None if digits.len() <= 2 => (digits.parse::<i32>().ok()?, 0),
        _ => return None,
    };
    // Offsets run from -14:00 to +14:00.
    if h > 14 || m > 59 || (h == 14 && m > 0) || digits.is_empty() {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// `+02:00`, or `UTC` for zero.
pub(crate) fn format_utc_offset(seconds_east: i32) -> String {
    if seconds_east == 0 {
        return "UTC".to_string();
    }
    let sign = if seconds_east < 0 { '-' } else { '+' };
    let abs = seconds_east.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60)
}

/// The literal written back in canonical form.
pub(crate) fn format_value(value: &ValueKind) -> String {
    match value {
        ValueKind::String(s) => quote(s),
        ValueKind::Number(n) => format!("{n}"),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Ip(ip) => ip.to_string(),
        ValueKind::Cidr(net) => net.to_string(),
        ValueKind::Timestamp(t) => t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        ValueKind::Duration(d) => format_duration(*d),
        ValueKind::TimeOfDay(t) => format_time_of_day(*t),
        ValueKind::Weekday(d) => weekday_name(*d).to_string(),
    }
}

/// A string literal with `"`, `\`, newline and tab escaped.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

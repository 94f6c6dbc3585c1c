//! Typed literals: reading them from text for a wanted type, and writing them
//! back in canonical form for the formatter.

use crate::ast::{ValueKind, ValueType};
use chrono::{DateTime, SecondsFormat};
use ipnet::IpNet;
use std::net::IpAddr;

/// Why a literal could not be read as the wanted type.
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
    } else if text.parse::<IpAddr>().is_ok() {
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
        ValueType::Ip => text.parse::<IpAddr>().map(ValueKind::Ip).map_err(|_| {
            malformed(
                "IP address",
                "an IPv4 or IPv6 address such as `10.1.2.3` or `fd00::1`",
                "to match a range, use `in` with a CIDR such as `10.0.0.0/8`",
            )
        }),
        ValueType::Cidr => {
            if let Ok(net) = text.parse::<IpNet>() {
                Ok(ValueKind::Cidr(net))
            } else if let Ok(ip) = text.parse::<IpAddr>() {
                Ok(ValueKind::Ip(ip))
            } else if !text.contains('/') {
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
                "hours run 00 to 24, minutes and seconds 00 to 59",
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
    if h > 14 || m > 59 || digits.is_empty() {
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

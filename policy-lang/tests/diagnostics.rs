//! Invalid inputs: every diagnostic's kind, message, line, column, expected
//! text, hint and related places, plus exact renderings of a few.
//!
//! Each case of the table is its own named test, so a failure names it. The
//! wrappers place the text at a known position:
//! - `when(c)`: `c` inside `when { ... }` on line 6, starting at column 12;
//! - `line(l)`: the matcher line `l` as line 3, at column 5 (the other two
//!   matcher lines are `*`), so a pattern after `resource ` starts at column 14;
//! - `file(f)`: `f` as the whole file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use policy_lang::DiagnosticKind::{self, *};
use policy_lang::{Diagnostic, parse, parse_set};

/// One expected diagnostic. `expected`, `hint` and `related` must match
/// exactly: `None` / empty means the diagnostic must not have them.
#[derive(Debug, PartialEq)]
struct Want {
    kind: DiagnosticKind,
    line: usize,
    column: usize,
    message: String,
    expected: Option<String>,
    hint: Option<String>,
    related: Vec<(usize, usize, String)>,
}

fn err(kind: DiagnosticKind, line: usize, column: usize, message: &str) -> Want {
    Want {
        kind,
        line,
        column,
        message: message.to_string(),
        expected: None,
        hint: None,
        related: Vec::new(),
    }
}

impl Want {
    fn expected(mut self, expected: &str) -> Want {
        self.expected = Some(expected.to_string());
        self
    }
    fn hint(mut self, hint: &str) -> Want {
        self.hint = Some(hint.to_string());
        self
    }
    fn related(mut self, line: usize, column: usize, message: &str) -> Want {
        self.related.push((line, column, message.to_string()));
        self
    }
}

fn got(d: &Diagnostic) -> Want {
    Want {
        kind: d.kind(),
        line: d.location().line,
        column: d.location().column,
        message: d.message().to_string(),
        expected: d.expected().map(str::to_string),
        hint: d.hint().map(str::to_string),
        related: d
            .related()
            .iter()
            .map(|r| (r.location.line, r.location.column, r.message.clone()))
            .collect(),
    }
}

fn when(condition: &str) -> String {
    format!(
        "policy \"p\" {{\n  allow \"a\" {{\n    principal *\n    action *\n    resource *\n    when {{ {condition} }}\n  }}\n}}\n"
    )
}

fn line(matcher: &str) -> String {
    let kind = matcher
        .trim_start_matches("not ")
        .split_whitespace()
        .next()
        .unwrap_or_default();
    let mut body = format!("    {matcher}\n");
    for other in ["principal", "action", "resource"] {
        if other != kind {
            body.push_str(&format!("    {other} *\n"));
        }
    }
    format!("policy \"p\" {{\n  allow \"a\" {{\n{body}  }}\n}}\n")
}

fn file(source: &str) -> String {
    source.to_string()
}

/// Parses `source`, which must fail with exactly `want`, in source order.
fn check(source: &str, want: Vec<Want>) {
    let Err(errors) = parse("test.policy", source) else {
        panic!("expected diagnostics, but this parsed:\n{source}");
    };
    let rendered: Vec<String> = errors
        .diagnostics()
        .iter()
        .map(|d| d.render(source))
        .collect();
    let found: Vec<Want> = errors.diagnostics().iter().map(got).collect();
    assert_eq!(
        found,
        want,
        "\nsource:\n{source}\nrendered:\n{}",
        rendered.join("\n")
    );
    for d in errors.diagnostics() {
        assert_eq!(d.file(), "test.policy");
        assert!(d.span().start <= d.span().end && d.span().end <= source.len());
        assert!(
            d.render(source)
                .starts_with(&format!("error[{}]: ", d.kind().code()))
        );
    }
}

/// `name: source => [diagnostics];`, each line a named test.
macro_rules! rejects {
    ($($name:ident: $source:expr => [$($want:expr),+ $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                check(&$source, vec![$($want),+]);
            }
        )*
    };
}

rejects! {
    // Resource, action and principal patterns; policy variables.
    unclosed_class: line("resource prod/[abc") => [
        err(InvalidGlob, 3, 14, "invalid pattern `prod/[abc`: unclosed character class").hint("close the class with `]`, or match `[` literally with `[[]`"),
    ];
    unclosed_alternatives: line("resource {prod,staging/x") => [
        err(InvalidGlob, 3, 14, "invalid pattern `{prod,staging/x`: unclosed `{` alternatives").hint("close the alternatives with `}`, as in `{a,b}`"),
    ];
    nested_alternatives: line("resource {a,{b,c}}") => [
        err(InvalidGlob, 3, 14, "invalid pattern `{a,{b,c}}`: nested `{` alternatives").hint("alternatives cannot nest; list every choice in one `{a,b,c}`"),
    ];
    double_star_inside_segment: line("resource a**b") => [
        err(InvalidGlob, 3, 14, "invalid pattern `a**b`: `**` must be a whole path segment").hint("write `**` alone between slashes, as in `prod/**/db`, or use `*`"),
    ];
    double_star_glued_to_text: line("resource prod/db**") => [
        err(InvalidGlob, 3, 14, "invalid pattern `prod/db**`: `**` must be a whole path segment").hint("write `**` alone between slashes, as in `prod/**/db`, or use `*`"),
    ];
    triple_star: line("resource prod/***/x") => [
        err(InvalidGlob, 3, 14, "invalid pattern `prod/***/x`: `**` must be a whole path segment").hint("write `**` alone between slashes, as in `prod/**/db`, or use `*`"),
    ];
    reversed_class_range: line("resource prod/[z-a]") => [
        err(InvalidGlob, 3, 14, "invalid pattern `prod/[z-a]`: invalid range `z-a`").hint("a range runs from low to high, as in `[a-z]`"),
    ];
    dot_dot_segment: line("resource prod/../x") => [
        err(InvalidGlob, 3, 14, "pattern `prod/../x` holds a `.` or `..` segment").hint("secret paths are matched as written; remove the `.` or `..` segment"),
    ];
    dot_segment: line("resource prod/./x") => [
        err(InvalidGlob, 3, 14, "pattern `prod/./x` holds a `.` or `..` segment").hint("secret paths are matched as written; remove the `.` or `..` segment"),
    ];
    empty_pattern: line("resource \"\"") => [
        err(InvalidGlob, 3, 14, "a pattern cannot be empty"),
    ];
    unopened_alternatives_in_quotes: line("resource \"prod/a}\"") => [
        err(InvalidGlob, 3, 14, "invalid pattern `prod/a}`: `}` without an opening `{`").hint("match `}` literally with `[}]`"),
    ];
    double_star_in_action: line("action secrets:**") => [
        err(InvalidGlob, 3, 12, "invalid pattern `secrets:**`: `**` must be a whole path segment").hint("write `**` alone between slashes, as in `prod/**/db`, or use `*`"),
    ];
    unclosed_variable: line("resource prod/${principal.tags.team") => [
        err(InvalidVariable, 3, 19, "unclosed policy variable").hint("close it with `}`, as in `${principal.id}`"),
    ];
    empty_variable: line("resource prod/${}") => [
        err(InvalidVariable, 3, 19, "empty policy variable `${}`").hint("name a request attribute, as in `${principal.id}`"),
    ];
    unknown_variable_key: line("resource prod/${team}") => [
        err(UnknownKey, 3, 21, "unknown attribute `team`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("custom request attributes are read as `context.team`"),
    ];
    unknown_variable_typo: line("resource prod/${principal.tag.team}") => [
        err(UnknownKey, 3, 21, "unknown attribute `principal.tag.team`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("did you mean `principal.tags.team`?"),
    ];
    variable_in_action: line("action secrets:${context.verb}") => [
        err(InvalidVariable, 3, 20, "policy variables are not allowed in `action` patterns").hint("use `${...}` in `resource` patterns only"),
    ];
    variable_in_principal: line("principal user:${principal.tags.name}") => [
        err(InvalidVariable, 3, 20, "policy variables are not allowed in `principal` patterns").hint("use `${...}` in `resource` patterns only"),
    ];
    non_string_variable: line("resource prod/${source_ip}") => [
        err(InvalidVariable, 3, 21, "`source_ip` cannot be used as a policy variable").hint("variables take string attributes: `principal.id`, `principal.tags.NAME`, `resource.tags.NAME`, `context.NAME`, `version_stage`"),
    ];
    set_variable: line("resource prod/${principal.groups}") => [
        err(InvalidVariable, 3, 21, "`principal.groups` cannot be used as a policy variable").hint("variables take string attributes: `principal.id`, `principal.tags.NAME`, `resource.tags.NAME`, `context.NAME`, `version_stage`"),
    ];
    negated_variable_in_not_action: line("not action ${context.x}") => [
        err(InvalidVariable, 3, 16, "policy variables are not allowed in `action` patterns").hint("use `${...}` in `resource` patterns only"),
    ];

    // Malformed literals.
    bad_cidr_v4: when("source_ip in 10.0.0.0/33") => [
        err(InvalidLiteral, 6, 25, "invalid CIDR range `10.0.0.0/33`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("an IPv4 prefix length is at most 32"),
    ];
    bad_cidr_v6: when("source_ip in fd00::/129") => [
        err(InvalidLiteral, 6, 25, "invalid CIDR range `fd00::/129`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("an IPv6 prefix length is at most 128"),
    ];
    bad_cidr_address: when("source_ip in 10.0.0/8") => [
        err(InvalidLiteral, 6, 25, "invalid CIDR range `10.0.0/8`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("the address part is not a valid IPv4 or IPv6 address"),
    ];
    bad_cidr_prefix: when("source_ip in 10.0.0.0/x8") => [
        err(InvalidLiteral, 6, 25, "invalid CIDR range `10.0.0.0/x8`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("the prefix length after `/` must be a whole number"),
    ];
    bad_ip: when("source_ip == 10.1.2") => [
        err(InvalidLiteral, 6, 25, "invalid IP address `10.1.2`").expected("an IPv4 or IPv6 address such as `10.1.2.3` or `fd00::1`").hint("to match a range, use `in` with a CIDR such as `10.0.0.0/8`"),
    ];
    bad_ip_octet: when("source_ip == 300.1.2.3") => [
        err(InvalidLiteral, 6, 25, "invalid IP address `300.1.2.3`").expected("an IPv4 or IPv6 address such as `10.1.2.3` or `fd00::1`").hint("octet `300` is out of range: each of the four parts of an IPv4 address runs from 0 to 255"),
    ];
    bad_ip_octet_in_list: when("source_ip in [192.168.1.300]") => [
        err(InvalidLiteral, 6, 26, "invalid IP address `192.168.1.300`").expected("an IP address such as `10.1.2.3` or a CIDR range such as `10.0.0.0/8`").hint("octet `300` is out of range: each of the four parts of an IPv4 address runs from 0 to 255"),
    ];
    bad_cidr_octet: when("source_ip in 10.300.0.0/16") => [
        err(InvalidLiteral, 6, 25, "invalid CIDR range `10.300.0.0/16`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("octet `300` is out of range: each of the four parts of an IPv4 address runs from 0 to 255"),
    ];
    ip_leading_zero: when("source_ip == 010.1.2.3") => [
        err(InvalidLiteral, 6, 25, "invalid IP address `010.1.2.3`").expected("an IPv4 or IPv6 address such as `10.1.2.3` or `fd00::1`").hint("leading zeros are ambiguous (octal in some tools); write `10.1.2.3`"),
    ];
    cidr_leading_zero: when("source_ip in 010.0.0.0/8") => [
        err(InvalidLiteral, 6, 25, "invalid CIDR range `010.0.0.0/8`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("leading zeros are ambiguous (octal in some tools); write `10.0.0.0/8`"),
    ];
    ip_in_list_leading_zero: when("source_ip in [10.0.0.0/8, 192.168.001.7]") => [
        err(InvalidLiteral, 6, 38, "invalid IP address `192.168.001.7`").expected("an IP address such as `10.1.2.3` or a CIDR range such as `10.0.0.0/8`").hint("leading zeros are ambiguous (octal in some tools); write `192.168.1.7`"),
    ];
    custom_ip_leading_zero: when("context.client_ip == 010.1.2.3") => [
        err(InvalidLiteral, 6, 33, "invalid IP address `010.1.2.3`").expected("an IPv4 or IPv6 address such as `10.1.2.3` or `fd00::1`").hint("leading zeros are ambiguous (octal in some tools); write `10.1.2.3`"),
    ];
    cidr_host_bits: when("source_ip in 10.1.2.3/8") => [
        err(InvalidLiteral, 6, 25, "invalid CIDR range `10.1.2.3/8`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("the address has bits set past the /8 prefix; write the network `10.0.0.0/8`, or the address `10.1.2.3` alone"),
    ];
    cidr_host_bits_v6: when("source_ip in fd00::1/8") => [
        err(InvalidLiteral, 6, 25, "invalid CIDR range `fd00::1/8`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("the address has bits set past the /8 prefix; write the network `fd00::/8`, or the address `fd00::1` alone"),
    ];
    mapped_ip: when("source_ip == ::ffff:10.0.0.1") => [
        err(InvalidLiteral, 6, 25, "invalid IP address `::ffff:10.0.0.1`").expected("an IPv4 or IPv6 address such as `10.1.2.3` or `fd00::1`").hint("an IPv4-mapped IPv6 address is matched as the IPv4 address it maps; write `10.0.0.1`"),
    ];
    mapped_cidr: when("source_ip in [::ffff:10.0.0.0/104]") => [
        err(InvalidLiteral, 6, 26, "invalid CIDR range `::ffff:10.0.0.0/104`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("an IPv4-mapped IPv6 range is matched as the IPv4 range it maps; write `10.0.0.0/8`"),
    ];
    bad_ip_in_list: when("source_ip in [10.0.0.0/8, 1.2.3]") => [
        err(InvalidLiteral, 6, 38, "invalid IP address `1.2.3`").expected("an IP address such as `10.1.2.3` or a CIDR range such as `10.0.0.0/8`").hint("write all four parts of an IPv4 address, as in `10.1.2.3`, or add a prefix length, as in `10.1.0.0/16`"),
    ];
    every_bad_list_item: when("source_ip in [10.0.0.0/33, fd00::/129]") => [
        err(InvalidLiteral, 6, 26, "invalid CIDR range `10.0.0.0/33`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("an IPv4 prefix length is at most 32"),
        err(InvalidLiteral, 6, 39, "invalid CIDR range `fd00::/129`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("an IPv6 prefix length is at most 128"),
    ];
    cidr_with_equality: when("source_ip == 10.0.0.0/8") => [
        err(InvalidLiteral, 6, 25, "invalid IP address `10.0.0.0/8`").expected("an IPv4 or IPv6 address such as `10.1.2.3` or `fd00::1`").hint("to match a range, use `in` with a CIDR such as `10.0.0.0/8`"),
    ];
    bad_timestamp_month: when("time < 2026-13-01T00:00:00Z") => [
        err(InvalidLiteral, 6, 19, "invalid timestamp `2026-13-01T00:00:00Z`").expected("an RFC 3339 timestamp such as `2026-01-01T00:00:00Z`").hint("write date, `T`, time and offset: `2026-01-01T09:00:00+02:00`"),
    ];
    timestamp_without_time: when("time < 2026-01-01") => [
        err(InvalidLiteral, 6, 19, "invalid timestamp `2026-01-01`").expected("an RFC 3339 timestamp such as `2026-01-01T00:00:00Z`").hint("write date, `T`, time and offset: `2026-01-01T09:00:00+02:00`"),
    ];
    timestamp_without_offset: when("time < 2026-01-01T00:00:00") => [
        err(InvalidLiteral, 6, 19, "invalid timestamp `2026-01-01T00:00:00`").expected("an RFC 3339 timestamp such as `2026-01-01T00:00:00Z`").hint("write date, `T`, time and offset: `2026-01-01T09:00:00+02:00`"),
    ];
    bad_duration_no_unit: when("mfa_age <= 15") => [
        err(InvalidLiteral, 6, 23, "invalid duration `15`").expected("a duration such as `30s`, `15m`, `1h30m` or `7d`").hint("units are `d`, `h`, `m` and `s`, largest first"),
    ];
    bad_duration_unit: when("mfa_age <= 15x") => [
        err(InvalidLiteral, 6, 23, "invalid duration `15x`").expected("a duration such as `30s`, `15m`, `1h30m` or `7d`").hint("units are `d`, `h`, `m` and `s`, largest first"),
    ];
    bad_duration_order: when("mfa_age <= 1m1h") => [
        err(InvalidLiteral, 6, 23, "invalid duration `1m1h`").expected("a duration such as `30s`, `15m`, `1h30m` or `7d`").hint("units are `d`, `h`, `m` and `s`, largest first"),
    ];
    bad_duration_repeated_unit: when("mfa_age <= 1m1m") => [
        err(InvalidLiteral, 6, 23, "invalid duration `1m1m`").expected("a duration such as `30s`, `15m`, `1h30m` or `7d`").hint("units are `d`, `h`, `m` and `s`, largest first"),
    ];
    bad_time_of_day_hour: when("time_of_day < 25:00") => [
        err(InvalidLiteral, 6, 26, "invalid time of day `25:00`").expected("a 24-hour time such as `09:00` or `17:30:00`").hint("hours run 00 to 24, minutes and seconds 00 to 59"),
    ];
    bad_time_of_day_minute: when("time_of_day < 09:60") => [
        err(InvalidLiteral, 6, 26, "invalid time of day `09:60`").expected("a 24-hour time such as `09:00` or `17:30:00`").hint("hours run 00 to 24, minutes and seconds 00 to 59"),
    ];
    bad_time_of_day_shape: when("time_of_day < 9:00") => [
        err(InvalidLiteral, 6, 26, "invalid time of day `9:00`").expected("a 24-hour time such as `09:00` or `17:30:00`").hint("write two-digit hours: `09:00`"),
    ];
    bad_time_of_day_minutes: when("time_of_day < 09:5") => [
        err(InvalidLiteral, 6, 26, "invalid time of day `09:5`").expected("a 24-hour time such as `09:00` or `17:30:00`").hint("write two digits for the hours, the minutes and the seconds, as in `09:05`"),
    ];
    bad_time_of_day_in_range: when("time_of_day in 09:00 .. 24:30") => [
        err(InvalidLiteral, 6, 36, "invalid time of day `24:30`").expected("a 24-hour time such as `09:00` or `17:30:00`").hint("hours run 00 to 24, minutes and seconds 00 to 59"),
    ];
    bad_weekday: when("weekday in [Mon, Fry]") => [
        err(InvalidLiteral, 6, 29, "invalid weekday `Fry`").expected("a day such as `Mon`, `Tue`, ... `Sun`").hint("days are `Mon`, `Tue`, `Wed`, `Thu`, `Fri`, `Sat`, `Sun`"),
    ];
    bad_weekday_short: when("weekday == Mo") => [
        err(InvalidLiteral, 6, 23, "invalid weekday `Mo`").expected("a day such as `Mon`, `Tue`, ... `Sun`").hint("days are `Mon`, `Tue`, `Wed`, `Thu`, `Fri`, `Sat`, `Sun`"),
    ];
    bad_offset_range: when("weekday == Mon at +25:00") => [
        err(InvalidLiteral, 6, 30, "invalid UTC offset `+25:00`").expected("`UTC`, `+HH:MM` or `-HH:MM`").hint("for example `at +02:00` or `at UTC-05:00`"),
    ];
    bad_offset_past_fourteen: when("weekday == Mon at +14:30") => [
        err(InvalidLiteral, 6, 30, "invalid UTC offset `+14:30`").expected("`UTC`, `+HH:MM` or `-HH:MM`").hint("for example `at +02:00` or `at UTC-05:00`"),
    ];
    bad_offset_past_minus_fourteen: when("weekday == Mon at UTC-14:01") => [
        err(InvalidLiteral, 6, 30, "invalid UTC offset `UTC-14:01`").expected("`UTC`, `+HH:MM` or `-HH:MM`").hint("for example `at +02:00` or `at UTC-05:00`"),
    ];
    bad_offset_word: when("time_of_day < 12:00 at CET") => [
        err(InvalidLiteral, 6, 35, "invalid UTC offset `CET`").expected("`UTC`, `+HH:MM` or `-HH:MM`").hint("for example `at +02:00` or `at UTC-05:00`"),
    ];
    empty_list: when("source_ip in []") => [
        err(InvalidLiteral, 6, 25, "empty list").hint("list at least one value; `in []` could never hold"),
    ];
    empty_number_range: when("context.level in 5 .. 1") => [
        err(InvalidLiteral, 6, 29, "empty range `5 .. 1`").hint("a range includes its start and excludes its end; write the earlier value first, as in `a .. b` with a < b"),
    ];
    empty_time_range: when("time in 2027-01-01T00:00:00Z .. 2026-01-01T00:00:00Z") => [
        err(InvalidLiteral, 6, 20, "empty range `2027-01-01T00:00:00Z .. 2026-01-01T00:00:00Z`").hint("a range includes its start and excludes its end; write the earlier value first, as in `a .. b` with a < b"),
    ];
    empty_clock_range: when("time_of_day in 09:00 .. 09:00") => [
        err(InvalidLiteral, 6, 27, "empty range `09:00 .. 09:00`").hint("a range includes its start and excludes its end, so `a .. a` matches nothing; a range such as `22:00 .. 06:00` wraps past midnight"),
    ];
    empty_duration_range: when("mfa_age in 15m .. 15m") => [
        err(InvalidLiteral, 6, 23, "empty range `15m .. 15m`").hint("a range includes its start and excludes its end; write the earlier value first, as in `a .. b` with a < b"),
    ];
    unknown_escape: when("version_stage == \"a\\qb\"") => [
        err(InvalidEscape, 6, 31, "unknown escape `\\q`").hint("strings know `\\\"`, `\\\\`, `\\n` and `\\t`"),
    ];
    unicode_escape_is_unknown: when("context.x == \"\\u0041\"") => [
        err(InvalidEscape, 6, 26, "unknown escape `\\u`").hint("strings know `\\\"`, `\\\\`, `\\n` and `\\t`"),
    ];
    like_unclosed_class: when("context.ticket like \"CHG-[0-9\"") => [
        err(InvalidGlob, 6, 32, "invalid pattern `CHG-[0-9`: unclosed character class").hint("close the class with `]`, or match `[` literally with `[[]`"),
    ];
    like_nested_alternatives: when("context.ticket like \"{a,{b,c}}\"") => [
        err(InvalidGlob, 6, 32, "invalid pattern `{a,{b,c}}`: nested `{` alternatives").hint("alternatives cannot nest; list every choice in one `{a,b,c}`"),
    ];

    // Unknown attributes.
    unknown_key_typo: when("sorce_ip in 10.0.0.0/8") => [
        err(UnknownKey, 6, 12, "unknown attribute `sorce_ip`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("did you mean `source_ip`?"),
    ];
    unknown_key_typo_mfa: when("mfa_ag <= 15m") => [
        err(UnknownKey, 6, 12, "unknown attribute `mfa_ag`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("did you mean `mfa_age`?"),
    ];
    unknown_custom_key: when("ticket == \"CHG-1\"") => [
        err(UnknownKey, 6, 12, "unknown attribute `ticket`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("custom request attributes are read as `context.ticket`"),
    ];
    unknown_principal_attribute: when("principal.team == \"payments\"") => [
        err(UnknownKey, 6, 12, "unknown attribute `principal.team`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("did you mean `principal.tags.team`?"),
    ];
    unknown_resource_attribute: when("resource.env == \"prod\"") => [
        err(UnknownKey, 6, 12, "unknown attribute `resource.env`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("did you mean `resource.tags.env`?"),
    ];
    principal_typo: when("principal.ids == \"x\"") => [
        err(UnknownKey, 6, 12, "unknown attribute `principal.ids`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("did you mean `principal.id`?"),
    ];
    tag_typo: when("principal.tag.team == \"payments\"") => [
        err(UnknownKey, 6, 12, "unknown attribute `principal.tag.team`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("did you mean `principal.tags.team`?"),
    ];
    too_many_context_names: when("has context.a.b.c.d.e.f.g.h.i") => [
        err(UnknownKey, 6, 40, "`context.a.b.c.d.e.f.g.h.i` has 9 names after `context.`; the limit is 8").hint("a custom attribute reads at most 8 levels of nested objects, as in `context.parameters.ttl`"),
    ];
    nested_context_variable: line("resource prod/${context.a.b}/*") => [
        err(InvalidVariable, 3, 21, "`context.a.b` cannot be used as a policy variable: a variable reads one name after `context.`").hint("compare a nested attribute in a condition instead, as in `when { context.a.b == \"x\" }`"),
    ];
    empty_nested_name: when("context.a.\"\" == \"x\"") => [
        err(UnknownKey, 6, 22, "empty attribute name after `context.`").expected("a name, bare (`ticket`) or quoted (`\"aws:SourceVpce\"`)"),
    ];

    // Quantifiers.
    quantifier_not_a_set: when("any source_ip in 10.0.0.0/8") => [
        err(TypeMismatch, 6, 16, "`any` takes a set, but `source_ip` holds an IP address").expected("`principal.groups` or a custom attribute `context.NAME`").hint("compare the key itself, without `any`"),
    ];
    quantifier_contains: when("all principal.groups contains \"x\"") => [
        err(TypeMismatch, 6, 33, "`contains` tests the whole set; it cannot follow `all`").hint("write `any principal.groups == \"x\"`, or `principal.groups contains \"x\"` without `all`"),
    ];
    quantifier_key_operand: when("any context.a == principal.id") => [
        err(TypeMismatch, 6, 29, "`any` compares each item with a value, not an attribute").hint("write a literal on the right, such as `\"x\"`, `[\"a\", \"b\"]` or `1 .. 5`"),
    ];
    quantifier_at: when("any context.a == 1 at UTC") => [
        err(TypeMismatch, 6, 31, "`at` applies to `time_of_day` and `weekday`, not `context.a`").hint("remove `at ...`"),
    ];
    quantifier_groups_ordered: when("any principal.groups < \"x\"") => [
        err(TypeMismatch, 6, 33, "`principal.groups` holds items that are each a string; `<` cannot compare it with a value").hint("for example `any principal.groups == \"value\"`"),
    ];
    quantifier_groups_number: when("any principal.groups == 3") => [
        err(TypeMismatch, 6, 36, "expected a string, found `3`").expected("a quoted string").hint("write \"3\""),
    ];
    quantifier_custom_bool_like: when("all context.flags like true") => [
        err(TypeMismatch, 6, 30, "`context.flags` has items compared with a boolean; `like` cannot compare it with a value").hint("for example `all context.flags == true`"),
    ];
    quantifier_without_operator: when("any context.a") => [
        err(Syntax, 6, 26, "unexpected `}`").expected("an operator (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `like`, `ilike`, `contains`)"),
    ];

    // `like` with a list of patterns: each pattern is checked.
    like_list_bad_patterns: when("resource.path like [\"a/[z-a]\", \"b/*\", \"c/{x\"]") => [
        err(InvalidGlob, 6, 32, "invalid pattern `a/[z-a]`: invalid range `z-a`").hint("a range runs from low to high, as in `[a-z]`"),
        err(InvalidGlob, 6, 50, "invalid pattern `c/{x`: unclosed `{` alternatives").hint("close the alternatives with `}`, as in `{a,b}`"),
    ];
    like_list_empty: when("resource.path like []") => [
        err(InvalidLiteral, 6, 31, "empty list").hint("list at least one value; `in []` could never hold"),
    ];
    has_unknown_key: when("has ticket") => [
        err(UnknownKey, 6, 16, "unknown attribute `ticket`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("custom request attributes are read as `context.ticket`"),
    ];

    // Types: operators and literals that do not fit the attribute.
    at_on_time: when("time < 2026-01-01T00:00:00Z at +02:00") => [
        err(TypeMismatch, 6, 43, "`at` applies to `time_of_day` and `weekday`, not `time`").hint("remove `at ...`; timestamps carry their own offset"),
    ];
    at_on_source_ip: when("source_ip in 10.0.0.0/8 at UTC") => [
        err(TypeMismatch, 6, 39, "`at` applies to `time_of_day` and `weekday`, not `source_ip`").hint("remove `at ...`"),
    ];
    ip_ordered: when("source_ip > 3") => [
        err(TypeMismatch, 6, 22, "`source_ip` holds an IP address; `>` cannot compare it with a value").hint("for example `source_ip in 10.0.0.0/8`"),
    ];
    duration_string: when("mfa_age <= \"x\"") => [
        err(TypeMismatch, 6, 23, "expected a duration, found the string \"x\"").expected("an unquoted duration").hint("remove the quotes: `x`"),
    ];
    duration_quoted: when("mfa_age <= \"15m\"") => [
        err(TypeMismatch, 6, 23, "expected a duration, found the string \"15m\"").expected("an unquoted duration").hint("remove the quotes: `15m`"),
    ];
    bare_ip_key: when("source_ip") => [
        err(TypeMismatch, 6, 12, "`source_ip` holds an IP address, not a boolean").hint("compare it with an operator, as in `source_ip in 10.0.0.0/8`"),
    ];
    bare_duration_key: when("mfa_age") => [
        err(TypeMismatch, 6, 12, "`mfa_age` holds a duration, not a boolean").hint("compare it with an operator, as in `mfa_age <= 15m`"),
    ];
    bare_string_key: when("principal.tags.team") => [
        err(TypeMismatch, 6, 12, "`principal.tags.team` holds a string, not a boolean").hint("compare it with an operator, as in `principal.tags.team == \"value\"`"),
    ];
    unquoted_string: when("version_stage == AWSCURRENT") => [
        err(TypeMismatch, 6, 29, "expected a string, found `AWSCURRENT`").expected("a quoted string").hint("write \"AWSCURRENT\""),
    ];
    unquoted_string_in_list: when("version_stage in [AWSCURRENT, \"AWSPREVIOUS\"]") => [
        err(TypeMismatch, 6, 30, "expected a string, found `AWSCURRENT`").expected("a quoted string").hint("write \"AWSCURRENT\""),
    ];
    unquoted_group: when("principal.groups contains group:ops") => [
        err(TypeMismatch, 6, 38, "expected a string, found `group:ops`").expected("a quoted string").hint("write \"group:ops\""),
    ];
    bool_quoted: when("mfa == \"true\"") => [
        err(TypeMismatch, 6, 19, "expected a boolean, found the string \"true\"").expected("an unquoted boolean").hint("remove the quotes: `true`"),
    ];
    bool_word: when("mfa == yes") => [
        err(TypeMismatch, 6, 19, "expected a boolean, found `yes`").expected("`true` or `false`").hint("write `true` or `false`"),
    ];
    string_ordered: when("version_stage < \"b\"") => [
        err(TypeMismatch, 6, 26, "`version_stage` holds a string; `<` cannot compare it with a value").hint("for example `version_stage == \"value\"`"),
    ];
    string_in_single: when("version_stage in \"AWSCURRENT\"") => [
        err(TypeMismatch, 6, 26, "`version_stage` holds a string; `in` cannot compare it with a value").hint("for example `version_stage == \"value\"`"),
    ];
    string_range: when("version_stage in \"a\" .. \"b\"") => [
        err(TypeMismatch, 6, 26, "`version_stage` holds a string; `in` cannot compare it with a range").hint("for example `version_stage == \"value\"`"),
    ];
    time_equality: when("time == 2026-01-01T00:00:00Z") => [
        err(TypeMismatch, 6, 17, "`time` holds a timestamp; `==` cannot compare it with a value").hint("for example `time in 2026-01-01T00:00:00Z .. 2027-01-01T00:00:00Z`"),
    ];
    weekday_ordered: when("weekday < Fri") => [
        err(TypeMismatch, 6, 20, "`weekday` holds a weekday; `<` cannot compare it with a value").hint("for example `weekday in [Mon, Tue, Wed, Thu, Fri] at UTC`"),
    ];
    groups_equality: when("principal.groups == \"group:ops\"") => [
        err(TypeMismatch, 6, 29, "`principal.groups` holds a set of strings; `==` cannot compare it with a value").hint("for example `principal.groups contains \"group:ops\"`"),
    ];
    groups_contains_list: when("principal.groups contains [\"group:a\", \"group:b\"]") => [
        err(TypeMismatch, 6, 29, "`principal.groups` holds a set of strings; `contains` cannot compare it with a list").hint("for example `principal.groups contains \"group:ops\"`"),
    ];
    contains_on_string: when("version_stage contains \"A\"") => [
        err(TypeMismatch, 6, 26, "`version_stage` holds a string; `contains` cannot compare it with a value").hint("for example `version_stage == \"value\"`"),
    ];
    like_on_ip: when("source_ip like \"10.*\"") => [
        err(TypeMismatch, 6, 22, "`source_ip` holds an IP address; `like` cannot compare it with a value").hint("for example `source_ip in 10.0.0.0/8`"),
    ];
    custom_cidr_equality: when("context.client_ip == 10.0.0.0/8") => [
        err(TypeMismatch, 6, 30, "`context.client_ip` is compared with a CIDR range; `==` cannot compare it with a value").hint("for example `context.client_ip in 10.0.0.0/8`"),
    ];
    custom_string_ordered: when("context.ticket < \"b\"") => [
        err(TypeMismatch, 6, 27, "`context.ticket` is compared with a string; `<` cannot compare it with a value").hint("for example `context.ticket == \"value\"`"),
    ];
    custom_mixed_list: when("context.level in [1, \"two\"]") => [
        err(TypeMismatch, 6, 33, "expected a number, found the string \"two\"").expected("an unquoted number").hint("remove the quotes: `two`"),
    ];
    custom_time_of_day: when("context.opens < 09:00") => [
        err(TypeMismatch, 6, 28, "custom attribute `context.opens` cannot be compared with a time of day").expected("a quoted string, a number, `true` or `false`, an IP address, a CIDR range, a timestamp or a duration").hint("clock times apply to `time_of_day`; a custom attribute holds a timestamp (an RFC 3339 string) or a duration (whole seconds), not a time of day"),
    ];
    custom_timestamp_is_not_equal: when("context.expires == 2026-01-01T00:00:00Z") => [
        err(TypeMismatch, 6, 28, "`context.expires` is compared with a timestamp; `==` cannot compare it with a value").hint("for example `context.expires in 2026-01-01T00:00:00Z .. 2027-01-01T00:00:00Z`"),
    ];
    custom_timestamp_mixed_list: when("context.expires in 2026-01-01T00:00:00Z .. 15m") => [
        err(InvalidLiteral, 6, 55, "invalid timestamp `15m`").expected("an RFC 3339 timestamp such as `2026-01-01T00:00:00Z`").hint("write date, `T`, time and offset: `2026-01-01T09:00:00+02:00`"),
    ];

    // Syntax inside conditions.
    single_equals: when("mfa = true") => [
        err(Syntax, 6, 16, "unexpected `=`").expected("a condition, an operator (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `like`, `ilike`, `contains`), `and`, `or` or `}`").hint("use `==` to compare"),
    ];
    double_ampersand: when("mfa && has mfa_age") => [
        err(Syntax, 6, 16, "unexpected `&`").expected("a condition, an operator (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `like`, `ilike`, `contains`), `and`, `or` or `}`").hint("write `and` / `or`"),
    ];
    double_pipe: when("mfa || has mfa_age") => [
        err(Syntax, 6, 16, "unexpected `|`").expected("a condition, an operator (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `like`, `ilike`, `contains`), `and`, `or` or `}`").hint("write `and` / `or`"),
    ];
    bang_not: when("!mfa") => [
        err(Syntax, 6, 12, "unexpected `!`").expected("a condition or `}`").hint("write `not` to negate, and `!=` to compare"),
    ];
    dangling_and: when("mfa and") => [
        err(Syntax, 6, 20, "unexpected `}`").expected("a condition"),
    ];
    dangling_not: when("not") => [
        err(Syntax, 6, 16, "unexpected `}`").expected("`any`, `all`, an attribute name, `not`, `has` or `(`"),
    ];
    misplaced_in: when("not in") => [
        err(Syntax, 6, 16, "unexpected `in`").expected("`any`, `all`, an attribute name, `not`, `has` or `(`"),
    ];
    missing_operand: when("mfa_age <=") => [
        err(Syntax, 6, 23, "unexpected `}`").expected("a value"),
    ];
    missing_range_end: when("time in 2026-01-01T00:00:00Z ..") => [
        err(Syntax, 6, 44, "unexpected `}`").expected("a value"),
    ];
    unclosed_list: when("source_ip in [10.0.0.0/8") => [
        err(Syntax, 6, 37, "unexpected `}`").expected("`]` or `,`"),
    ];
    missing_list_comma: when("source_ip in [10.0.0.0/8 10.1.0.0/16]") => [
        err(Syntax, 6, 37, "unexpected `10.1.0.0/16`").expected("`]` or `,`").hint("separate list items with `,`"),
    ];
    unclosed_paren: when("(mfa or has context.x") => [
        err(Syntax, 6, 34, "unexpected `}`").expected("`and`, `or` or `)`"),
    ];
    stray_close_paren: when("mfa)") => [
        err(Syntax, 6, 15, "unexpected `)`").expected("a condition, an operator (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `like`, `ilike`, `contains`), `and`, `or` or `}`"),
    ];

    // Keywords, structure and names.
    unknown_statement_keyword: file("policy \"p\" {\n  alow \"a\" { principal * action * resource * }\n}") => [
        err(UnknownKeyword, 2, 3, "unknown keyword `alow`").expected("`allow`, `deny` or `}`").hint("did you mean `allow`?"),
    ];
    unknown_matcher_keyword: file("policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    resorce *\n  }\n}") => [
        err(UnknownKeyword, 5, 5, "unknown keyword `resorce`").expected("`not`, `principal`, `action`, `resource`, `when`, `unless`, `}` or `,`").hint("did you mean `resource`?"),
    ];
    unknown_block_keyword: file("policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    resource *\n    wen { mfa }\n  }\n}") => [
        err(UnknownKeyword, 6, 5, "unknown keyword `wen`").expected("`not`, `principal`, `action`, `resource`, `when`, `unless`, `}` or `,`").hint("did you mean `when`?"),
    ];
    unknown_policy_keyword: file("polcy \"p\" {}") => [
        err(UnknownKeyword, 1, 1, "unknown keyword `polcy`").expected("`policy`").hint("did you mean `policy`?"),
    ];
    missing_comma_between_patterns: file("policy \"p\" {\n  allow \"a\" {\n    principal *\n    action secrets:GetSecretValue secrets:DescribeSecret\n    resource *\n  }\n}") => [
        err(Syntax, 4, 35, "unexpected `secrets:DescribeSecret`").expected("`not`, `principal`, `action`, `resource`, `when`, `unless`, `}` or `,`").hint("separate patterns with `,`, as in `action secrets:GetSecretValue, secrets:DescribeSecret`"),
    ];
    statement_outside_policy: file("allow \"a\" { principal * action * resource * }") => [
        err(Syntax, 1, 1, "unexpected `allow`").expected("`policy`").hint("statements go inside a policy: `policy \"name\" { allow \"...\" { ... } }`"),
    ];
    stray_text_after_policy: file("policy \"p\" {} x") => [
        err(UnknownKeyword, 1, 15, "unknown keyword `x`").expected("end of file or `policy`"),
    ];
    missing_pattern: file("policy \"p\" { allow \"a\" { principal * action } }") => [
        err(Syntax, 1, 45, "unexpected `}`").expected("a pattern"),
    ];
    unquoted_statement_name: file("policy \"p\" { allow read { principal * action * resource * } }") => [
        err(Syntax, 1, 20, "unexpected `read`").expected("a quoted string"),
    ];
    unquoted_policy_name: file("policy p {}") => [
        err(Syntax, 1, 8, "unexpected `p`").expected("a quoted string"),
    ];
    empty_policy_name: file("policy \"\" {}") => [
        err(Syntax, 1, 8, "a policy name cannot be empty"),
    ];
    empty_statement_name: file("policy \"p\" { allow \"\" { principal * action * resource * } }") => [
        err(Syntax, 1, 20, "a statement name cannot be empty"),
    ];
    empty_when: file("policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    resource *\n    when { }\n  }\n}") => [
        err(Syntax, 6, 5, "empty `when` block").hint("write at least one condition, or remove the block"),
    ];
    empty_unless: file("policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    resource *\n    unless {}\n  }\n}") => [
        err(Syntax, 6, 5, "empty `unless` block").hint("write at least one condition, or remove the block"),
    ];
    eof_missing_statement_brace: file("policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    resource *") => [
        err(Syntax, 5, 15, "unexpected end of file").expected("`not`, `principal`, `action`, `resource`, `when`, `unless`, `}` or `,`").hint("a closing `}` is missing"),
    ];
    eof_missing_policy_brace: file("policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    resource *\n  }") => [
        err(Syntax, 6, 4, "unexpected end of file").expected("`allow`, `deny` or `}`").hint("a closing `}` is missing"),
    ];
    eof_in_when: file("policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    resource *\n    when { mfa\n  }\n}") => [
        err(Syntax, 8, 2, "unexpected end of file").expected("`allow`, `deny` or `}`").hint("a closing `}` is missing"),
    ];
    unterminated_string_name: file("policy \"p\" {\n  allow \"a {\n    principal *\n    action *\n    resource *\n  }\n}") => [
        err(UnterminatedString, 2, 9, "unterminated string").expected("a closing `\"` on the same line").hint("strings cannot span lines; close the quote with `\"`"),
    ];
    unterminated_string_condition: file("policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    resource *\n    when { version_stage == \"AWSCURRENT }\n  }\n}") => [
        err(UnterminatedString, 6, 29, "unterminated string").expected("a closing `\"` on the same line").hint("strings cannot span lines; close the quote with `\"`"),
    ];
    unterminated_two: file("policy \"p {\n  allow \"a\" {\n    principal *\n    action *\n    resource *\n    when { version_stage == \"AWSCURRENT }\n  }\n}") => [
        err(UnterminatedString, 1, 8, "unterminated string").expected("a closing `\"` on the same line").hint("strings cannot span lines; close the quote with `\"`"),
        err(UnterminatedString, 6, 29, "unterminated string").expected("a closing `\"` on the same line").hint("strings cannot span lines; close the quote with `\"`"),
    ];
    duplicate_statement: file("policy \"p\" {\n  allow \"read\" { principal * action * resource x }\n  deny \"read\" { principal * action * resource y }\n}") => [
        err(DuplicateStatement, 3, 8, "statement `read` is defined twice in policy `p`").hint("statement names must be unique within a policy; rename one").related(2, 9, "first defined here"),
    ];
    duplicate_policy: file("policy \"p\" {}\npolicy \"q\" {}\npolicy \"p\" {}") => [
        err(DuplicatePolicy, 3, 8, "policy `p` is defined twice").hint("policy names must be unique across the policy set; rename one").related(1, 8, "first defined here"),
    ];
    missing_resource: file("policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n  }\n}") => [
        err(MissingMatcher, 2, 9, "statement `a` has no `resource` line").expected("a `resource` line").hint("write `resource *` to match every resource"),
    ];
    missing_all_matchers: file("policy \"p\" {\n  deny \"a\" {\n    when { mfa }\n  }\n}") => [
        err(MissingMatcher, 2, 8, "statement `a` has no `principal` line").expected("a `principal` line").hint("write `principal *` to match every principal"),
        err(MissingMatcher, 2, 8, "statement `a` has no `action` line").expected("an `action` line").hint("write `action *` to match every action"),
        err(MissingMatcher, 2, 8, "statement `a` has no `resource` line").expected("a `resource` line").hint("write `resource *` to match every resource"),
    ];
    duplicate_principal: file("policy \"p\" {\n  allow \"a\" {\n    principal user:alice\n    action *\n    principal user:bob\n    resource *\n  }\n}") => [
        err(DuplicateMatcher, 5, 5, "statement `a` has two `principal` lines").hint("list several patterns on one line, separated by commas").related(3, 5, "first given here"),
    ];
    duplicate_negated_action: file("policy \"p\" {\n  allow \"a\" {\n    principal *\n    action secrets:Get*\n    not action secrets:Delete*\n    resource *\n  }\n}") => [
        err(DuplicateMatcher, 5, 5, "statement `a` has two `action` lines").hint("list several patterns on one line, separated by commas").related(4, 5, "first given here"),
    ];

    // Several errors in one file are all reported.
    several_errors: file(SEVERAL_ERRORS) => [
        err(TypeMismatch, 6, 19, "expected a boolean, found `yes`").expected("`true` or `false`").hint("write `true` or `false`"),
        err(Syntax, 10, 14, "unexpected `x`").expected("`not`, `principal`, `action`, `resource`, `when`, `unless`, `}` or `,`").hint("separate patterns with `,`, as in `action secrets:GetSecretValue, secrets:DescribeSecret`"),
        err(UnknownKeyword, 17, 5, "unknown keyword `unles`").expected("`not`, `principal`, `action`, `resource`, `when`, `unless`, `}` or `,`").hint("did you mean `unless`?"),
        err(InvalidGlob, 22, 14, "invalid pattern `prod/[abc`: unclosed character class").hint("close the class with `]`, or match `[` literally with `[[]`"),
        err(UnknownKey, 23, 12, "unknown attribute `sorce_ip`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("did you mean `source_ip`?"),
    ];
    semantic_errors_everywhere: file(SEMANTIC_ERRORS) => [
        err(MissingMatcher, 2, 9, "statement `a` has no `resource` line").expected("a `resource` line").hint("write `resource *` to match every resource"),
        err(InvalidLiteral, 5, 25, "invalid CIDR range `10.0.0.0/33`").expected("an address and prefix length such as `10.0.0.0/8` or `fd00::/8`").hint("an IPv4 prefix length is at most 32"),
        err(DuplicateStatement, 7, 9, "statement `a` is defined twice in policy `p`").hint("statement names must be unique within a policy; rename one").related(2, 9, "first defined here"),
        err(InvalidVariable, 8, 15, "policy variables are not allowed in `principal` patterns").hint("use `${...}` in `resource` patterns only"),
        err(InvalidGlob, 10, 14, "invalid pattern `a**b`: `**` must be a whole path segment").hint("write `**` alone between slashes, as in `prod/**/db`, or use `*`"),
        err(InvalidLiteral, 11, 23, "invalid duration `15`").expected("a duration such as `30s`, `15m`, `1h30m` or `7d`").hint("units are `d`, `h`, `m` and `s`, largest first"),
        err(UnknownKey, 11, 30, "unknown attribute `ticket`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("custom request attributes are read as `context.ticket`"),
        err(DuplicatePolicy, 14, 8, "policy `p` is defined twice").hint("policy names must be unique across the policy set; rename one").related(1, 8, "first defined here"),
    ];
}

/// Syntax errors in two statements (the parser re-parses each statement
/// after the first one) and semantic errors in the others.
const SEVERAL_ERRORS: &str = r#"policy "p" {
  allow "a" {
    principal *
    action *
    resource *
    when { mfa == yes }
  }
  allow "b" {
    principal *
    action * x
    resource *
  }
  deny "c" {
    principal *
    action *
    resource *
    unles { mfa }
  }
  deny "d" {
    principal *
    action *
    resource prod/[abc
    when { sorce_ip > 3 }
  }
}"#;

/// No syntax error: every semantic problem of every statement and policy.
const SEMANTIC_ERRORS: &str = r#"policy "p" {
  allow "a" {
    principal *
    action *
    when { source_ip in 10.0.0.0/33 }
  }
  allow "a" {
    principal ${principal.id}
    action *
    resource a**b
    when { mfa_age <= 15 and ticket == "x" }
  }
}
policy "p" {}
"#;

// ---------------------------------------------------------------------------
// Exact renderings.

fn render_all(source: &str) -> String {
    let errors = parse("team.policy", source).unwrap_err();
    errors
        .diagnostics()
        .iter()
        .map(|d| d.render(source))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn render_invalid_cidr() {
    assert_eq!(
        render_all(&when("source_ip in 10.0.0.0/33")),
        r#"error[invalid-literal]: invalid CIDR range `10.0.0.0/33`
 --> team.policy:6:25
  |
6 |     when { source_ip in 10.0.0.0/33 }
  |                         ^^^^^^^^^^^
  = expected: an address and prefix length such as `10.0.0.0/8` or `fd00::/8`
  = help: an IPv4 prefix length is at most 32
"#
    );
}

#[test]
fn render_unknown_keyword() {
    assert_eq!(
        render_all("policy \"p\" {\n  alow \"a\" { principal * action * resource * }\n}\n"),
        r#"error[unknown-keyword]: unknown keyword `alow`
 --> team.policy:2:3
  |
2 |   alow "a" { principal * action * resource * }
  |   ^^^^
  = expected: `allow`, `deny` or `}`
  = help: did you mean `allow`?
"#
    );
}

#[test]
fn render_duplicate_statement_with_related() {
    let source = r#"policy "p" {
  allow "read" { principal * action * resource x }
  deny "read" { principal * action * resource y }
}
"#;
    assert_eq!(
        render_all(source),
        r#"error[duplicate-statement]: statement `read` is defined twice in policy `p`
 --> team.policy:3:8
  |
2 |   allow "read" { principal * action * resource x }
  |         ------ first defined here
3 |   deny "read" { principal * action * resource y }
  |        ^^^^^^
  = help: statement names must be unique within a policy; rename one
"#
    );
}

#[test]
fn render_unexpected_end_of_file() {
    let source = "policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    resource *\n";
    assert_eq!(
        render_all(source),
        concat!(
            "error[syntax]: unexpected end of file\n",
            " --> team.policy:6:1\n",
            "  |\n",
            "6 |\n",
            "  | ^\n",
            "  = expected: `not`, `principal`, `action`, `resource`, `when`, `unless`, `}` or `,`\n",
            "  = help: a closing `}` is missing\n",
        )
    );
}

#[test]
fn render_draws_tabs_as_spaces_so_the_caret_lines_up() {
    let source = "policy \"p\" {\n\tallow \"a\" {\n\t\tprincipal *\n\t\taction *\n\t\tresource *\n\t\twhen { version_stage == AWSCURRENT }\n\t}\n}\n";
    assert_eq!(
        render_all(source),
        concat!(
            "error[type-mismatch]: expected a string, found `AWSCURRENT`\n",
            " --> team.policy:6:27\n",
            "  |\n",
            "6 |         when { version_stage == AWSCURRENT }\n",
            "  |                                 ^^^^^^^^^^\n",
            "  = expected: a quoted string\n",
            "  = help: write \"AWSCURRENT\"\n",
        )
    );
}

#[test]
fn render_counts_columns_in_characters() {
    let source = when(r#"principal.tags.owner == "Zoë" and sorce_ip in 10.0.0.0/8"#);
    assert_eq!(
        render_all(&source),
        r#"error[unknown-key]: unknown attribute `sorce_ip`
 --> team.policy:6:46
  |
6 |     when { principal.tags.owner == "Zoë" and sorce_ip in 10.0.0.0/8 }
  |                                              ^^^^^^^^
  = expected: a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`
  = help: did you mean `source_ip`?
"#
    );
}

#[test]
fn render_two_digit_line_numbers() {
    let source = r#"policy "p" {
  allow "a" {
    principal *
    action *
    resource *
    when {
      mfa
      mfa_age <= 15m
      # a comment
      time_of_day in 09:00 .. 25:00 at +02:00
    }
  }
}
"#;
    assert_eq!(
        render_all(source),
        r#"error[invalid-literal]: invalid time of day `25:00`
  --> team.policy:10:31
   |
10 |       time_of_day in 09:00 .. 25:00 at +02:00
   |                               ^^^^^
   = expected: a 24-hour time such as `09:00` or `17:30:00`
   = help: hours run 00 to 24, minutes and seconds 00 to 59
"#
    );
}

#[test]
fn render_several_errors_in_source_order() {
    let rendered = render_all(SEVERAL_ERRORS);
    let headers: Vec<&str> = rendered
        .lines()
        .filter(|l| l.starts_with("error["))
        .collect();
    assert_eq!(
        headers,
        [
            "error[type-mismatch]: expected a boolean, found `yes`",
            "error[syntax]: unexpected `x`",
            "error[unknown-keyword]: unknown keyword `unles`",
            "error[invalid-glob]: invalid pattern `prod/[abc`: unclosed character class",
            "error[unknown-key]: unknown attribute `sorce_ip`",
        ]
    );
}

#[test]
fn display_is_one_line_per_diagnostic() {
    let errors = parse("team.policy", SEVERAL_ERRORS).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "team.policy:6:19: error[type-mismatch]: expected a boolean, found `yes`\n\
         team.policy:10:14: error[syntax]: unexpected `x`\n\
         team.policy:17:5: error[unknown-keyword]: unknown keyword `unles`\n\
         team.policy:22:14: error[invalid-glob]: invalid pattern `prod/[abc`: unclosed character class\n\
         team.policy:23:12: error[unknown-key]: unknown attribute `sorce_ip`"
    );
}

#[test]
fn stable_codes() {
    let codes: Vec<&str> = [
        Syntax,
        UnterminatedString,
        UnknownKeyword,
        UnknownKey,
        TypeMismatch,
        InvalidLiteral,
        InvalidGlob,
        InvalidVariable,
        InvalidEscape,
        DuplicateStatement,
        DuplicatePolicy,
        MissingMatcher,
        DuplicateMatcher,
    ]
    .iter()
    .map(|k| k.code())
    .collect();
    assert_eq!(
        codes,
        [
            "syntax",
            "unterminated-string",
            "unknown-keyword",
            "unknown-key",
            "type-mismatch",
            "invalid-literal",
            "invalid-glob",
            "invalid-variable",
            "invalid-escape",
            "duplicate-statement",
            "duplicate-policy",
            "missing-matcher",
            "duplicate-matcher",
        ]
    );
}

// ---------------------------------------------------------------------------
// Policy sets: names unique across files.

const PAYMENTS_A: &str =
    "policy \"payments\" {\n  allow \"a\" { principal * action * resource x }\n}\n";
const PAYMENTS_B: &str = "# team b\npolicy \"payments\" {}\n";

#[test]
fn duplicate_policy_across_files() {
    let errors = parse_set(&[("a.policy", PAYMENTS_A), ("b.policy", PAYMENTS_B)]).unwrap_err();
    let [d] = errors.diagnostics() else {
        panic!("expected one diagnostic, got {errors}");
    };
    assert_eq!(d.file(), "b.policy");
    assert_eq!(
        got(d),
        err(DuplicatePolicy, 2, 8, "policy `payments` is defined twice").hint(
            "first defined in a.policy:1:8; policy names must be unique across the policy set, rename one"
        )
    );
    // The first definition is in another source, so it is named in the hint
    // rather than drawn with this source's text.
    assert_eq!(
        d.render(PAYMENTS_B),
        r#"error[duplicate-policy]: policy `payments` is defined twice
 --> b.policy:2:8
  |
2 | policy "payments" {}
  |        ^^^^^^^^^^
  = help: first defined in a.policy:1:8; policy names must be unique across the policy set, rename one
"#
    );
}

#[test]
fn duplicate_policy_in_three_files_reports_each_repeat() {
    let errors = parse_set(&[
        ("a.policy", PAYMENTS_A),
        ("b.policy", PAYMENTS_B),
        ("c.policy", PAYMENTS_B),
    ])
    .unwrap_err();
    let files: Vec<&str> = errors.diagnostics().iter().map(|d| d.file()).collect();
    assert_eq!(files, ["b.policy", "c.policy"]);
    assert!(errors.diagnostics().iter().all(|d| {
        d.hint()
            .is_some_and(|h| h.starts_with("first defined in a.policy:1:8;"))
    }));
}

#[test]
fn duplicate_policy_within_one_file_of_a_set() {
    let twice = "policy \"p\" {}\npolicy \"p\" {}\n";
    let errors = parse_set(&[("ok.policy", PAYMENTS_A), ("twice.policy", twice)]).unwrap_err();
    let [d] = errors.diagnostics() else {
        panic!("expected one diagnostic, got {errors}");
    };
    assert_eq!(d.file(), "twice.policy");
    assert_eq!(
        got(d),
        err(DuplicatePolicy, 2, 8, "policy `p` is defined twice")
            .hint("policy names must be unique across the policy set; rename one")
            .related(1, 8, "first defined here")
    );
}

#[test]
fn errors_from_every_file_of_a_set_are_merged_in_file_order() {
    let bad_b = when("sorce_ip in 10.0.0.0/8");
    let bad_a = line("resource a**b");
    let errors = parse_set(&[("b.policy", &bad_b), ("a.policy", &bad_a)]).unwrap_err();
    let summary: Vec<(String, DiagnosticKind)> = errors
        .diagnostics()
        .iter()
        .map(|d| (d.file().to_string(), d.kind()))
        .collect();
    assert_eq!(
        summary,
        [
            ("a.policy".to_string(), InvalidGlob),
            ("b.policy".to_string(), UnknownKey),
        ]
    );
}

#[test]
fn a_set_with_a_broken_file_still_checks_names_of_the_others() {
    let broken = "policy \"payments\" { alow }";
    let errors = parse_set(&[
        ("a.policy", PAYMENTS_A),
        ("broken.policy", broken),
        ("b.policy", PAYMENTS_B),
    ])
    .unwrap_err();
    let files: Vec<&str> = errors.diagnostics().iter().map(|d| d.file()).collect();
    assert_eq!(files, ["b.policy", "broken.policy"]);
}

#[test]
fn variable_inside_class_is_rejected() {
    let src = "policy \"p\" {\n  allow \"a\" { principal * action * resource prod/[${principal.tags.team}] }\n}";
    let error = policy_lang::parse("v.policy", src).unwrap_err();
    let d = &error.diagnostics()[0];
    assert_eq!(d.kind(), policy_lang::DiagnosticKind::InvalidVariable);
    assert_eq!(
        d.message(),
        "a policy variable cannot stand inside a `[...]` class"
    );
    assert_eq!((d.location().line, d.location().column), (2, 45));
}

/// Each diagnostic's kind, line, column and (for a few) the exact span text.
fn located(source: &str) -> Vec<(DiagnosticKind, usize, usize, String)> {
    let error = parse("p.policy", source).expect_err("the source has errors");
    error
        .diagnostics()
        .iter()
        .map(|d| {
            let span = d.span();
            let text = source.get(span.start..span.end).unwrap_or("?").to_string();
            (d.kind(), d.location().line, d.location().column, text)
        })
        .collect()
}

#[test]
fn misspelt_keywords_do_not_hide_the_rest_of_the_statement() {
    // Keywords shorter (`acton`), longer (`resourcee`) and as long as the
    // right one (`principl` is one short): every error after each is found,
    // at its place in the text as written.
    let source = "policy \"p\" {\n  allow \"b\" {\n    principl *\n    acton secrets:Get, \"bad[\"\n    resourcee prod/**\n    whn { context.x == 1.2.3 }\n  }\n  deny \"c\" {\n    principal *\n    action *\n    resource \"x[\"\n  }\n}\n";
    let got = located(source);
    let want = [
        (UnknownKeyword, 3, 5, "principl"),
        (UnknownKeyword, 4, 5, "acton"),
        (InvalidGlob, 4, 24, "\"bad[\""),
        (UnknownKeyword, 5, 5, "resourcee"),
        (UnknownKeyword, 6, 5, "whn"),
        (TypeMismatch, 6, 24, "1.2.3"),
        (InvalidGlob, 11, 14, "\"x[\""),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(k, l, c, t)| (*k, *l, *c, t.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn an_unknown_word_with_no_close_keyword_still_stops_its_statement() {
    // Nothing to repair `frobnicate` to: the statement's later errors stay
    // unreported (the next statement's are not).
    let source = "policy \"p\" {\n  allow \"b\" {\n    frobnicate *\n    resource \"a[\"\n  }\n  deny \"c\" {\n    principal *\n    action *\n    resource \"x[\"\n  }\n}\n";
    let got = located(source);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (got[0].0, got[0].1, got[0].3.as_str()),
        (UnknownKeyword, 3, "frobnicate")
    );
    assert_eq!(
        (got[1].0, got[1].1, got[1].3.as_str()),
        (InvalidGlob, 9, "\"x[\"")
    );
}

#[test]
fn errors_found_after_recovery_are_placed_past_comments_as_written() {
    // A syntax error sends the parser to recover statement by statement. The
    // later statement's lines carry comments, and a misspelt keyword shifts
    // the repaired text: the duplicate line and its "first given here" are
    // still located on the text as written, each span starting before it
    // ends (the CI fuzz run once found the first line ending before it began).
    let source = "# header comment that is long enough to matter here\npolicy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    frobnicate x\n  }\n  # leading comment\n  deny \"b\" {\n    principal a # trailing one\n    acton *  # another\n    principal b # and a third\n    resource r\n  }\n}\n";
    let error = parse("p.policy", source).expect_err("the source has errors");
    for d in error.diagnostics() {
        let spans = std::iter::once(d.span()).chain(d.related().iter().map(|r| r.span));
        for span in spans {
            assert!(
                span.start <= span.end && span.end <= source.len(),
                "{span:?} in {d:?}"
            );
        }
    }
    let got = located(source);
    let duplicate = got
        .iter()
        .find(|(kind, ..)| *kind == DuplicateMatcher)
        .unwrap_or_else(|| panic!("no duplicate-line diagnostic in {got:?}"));
    assert_eq!((duplicate.1, duplicate.2), (12, 5), "{got:?}");
    assert_eq!(duplicate.3, "principal b");
    let d = error
        .diagnostics()
        .iter()
        .find(|d| d.kind() == DuplicateMatcher)
        .unwrap();
    let first = d.related()[0].span;
    assert_eq!(&source[first.start..first.end], "principal a");
}

#[test]
fn contains_makes_a_custom_attribute_a_set_of_strings() {
    // `context.NAME contains "x"` parses; a non-string item, a list, or
    // `contains` on a tag (tags are strings) is a located type mismatch.
    let ok = "policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    resource **\n    when { context.scopes contains \"secrets:read\" }\n  }\n}\n";
    parse("p.policy", ok).unwrap();
    let source = "policy \"p\" {\n  allow \"a\" {\n    principal *\n    action *\n    resource **\n    when {\n      context.scopes contains 3\n      principal.tags.team contains \"x\"\n      context.scopes contains [\"a\", \"b\"]\n    }\n  }\n}\n";
    let got = located(source);
    let want = [
        (TypeMismatch, 7, 31, "3"),
        (TypeMismatch, 8, 27, "contains"),
        (TypeMismatch, 9, 22, "contains"),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(k, l, c, t)| (*k, *l, *c, t.to_string()))
        .collect();
    assert_eq!(got, want);
    let error = parse("p.policy", source).unwrap_err();
    assert_eq!(
        error.diagnostics()[2].message(),
        "`context.scopes` is tested as a set of strings; `contains` cannot compare it with a list"
    );
}

rejects! {
    // Quoted attribute names: only a custom attribute's name, never empty.
    quoted_name_empty: when(r#"context."" == "x""#) => [
        err(UnknownKey, 6, 20, "empty attribute name after `context.`").expected(r#"a name, bare (`ticket`) or quoted (`"aws:SourceVpce"`)"#),
    ];
    quoted_tag_name_empty: when(r#"has principal.tags."""#) => [
        err(UnknownKey, 6, 31, "empty attribute name after `principal.tags.`").expected(r#"a name, bare (`ticket`) or quoted (`"aws:SourceVpce"`)"#),
    ];
    quoted_fixed_name: when(r#"principal."id" == "x""#) => [
        err(UnknownKey, 6, 12, r#"unknown attribute `principal."id"`"#).expected("a request attribute such as `source_ip`, `principal.tags.NAME` or `context.NAME`").hint(r#"did you mean `principal.tags."id"`?"#),
    ];
    quoted_name_under_a_name: when(r#"resource.tags.a."b" == "x""#) => [
        err(UnknownKey, 6, 12, r#"unknown attribute `resource.tags.a."b"`"#).expected("a request attribute such as `source_ip`, `principal.tags.NAME` or `context.NAME`").hint(r#"only a custom attribute's name may be quoted, as in `context."aws:SourceVpce"` or `principal.tags."cost center"`"#),
    ];
    quoted_name_unknown_escape: when(r#"context."a\qb" == "x""#) => [
        err(InvalidEscape, 6, 22, r"unknown escape `\q`").hint("strings know `\\\"`, `\\\\`, `\\n` and `\\t`"),
    ];
}

rejects! {
    // Two keys compared: one type, an operator that compares it.
    key_on_the_right_of_like: when("context.a like context.b") => [
        err(TypeMismatch, 6, 22, "`like` takes a value on its right, not an attribute").expected("`==`, `!=`, `<`, `<=`, `>` or `>=` between two attributes").hint("compare two attributes with `==`, `!=`, `<`, `<=`, `>` or `>=`; write a literal after `in`, `like`, `ilike` and `contains`"),
    ];
    keys_of_two_types: when("source_ip == mfa_age") => [
        err(TypeMismatch, 6, 12, "`source_ip` holds an IP address and `mfa_age` a duration; they cannot be compared").hint("compare two attributes of one type, or a custom attribute (`context.NAME`) with any"),
    ];
    strings_are_not_ordered: when("principal.id < principal.tags.boss") => [
        err(TypeMismatch, 6, 25, "`principal.id` holds a string; `<` cannot compare it with another attribute").expected("`==`, `!=`"),
    ];
    custom_key_takes_the_timestamp_type: when("context.t == time") => [
        err(TypeMismatch, 6, 22, "`time` holds a timestamp; `==` cannot compare it with another attribute").expected("`<`, `<=`, `>`, `>=`"),
    ];
    weekdays_are_not_compared_with_keys: when("context.d == weekday") => [
        err(TypeMismatch, 6, 22, "`weekday` holds a weekday; `==` cannot compare it with another attribute").hint("a weekday cannot be compared with another attribute; compare it with a literal"),
    ];
    unknown_key_on_the_right: when("context.x == principal.team") => [
        err(UnknownKey, 6, 25, "unknown attribute `principal.team`").expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`").hint("did you mean `principal.tags.team`?"),
    ];
    at_after_a_key_comparison: when("context.y < time at UTC") => [
        err(TypeMismatch, 6, 29, "`at` applies to `time_of_day` and `weekday`, not `context.y`").hint("remove `at ...`"),
    ];
    a_bare_word_that_names_no_key_is_still_an_unquoted_string: when("version_stage == AWSCURRENT") => [
        err(TypeMismatch, 6, 29, "expected a string, found `AWSCURRENT`").expected("a quoted string").hint("write \"AWSCURRENT\""),
    ];
}

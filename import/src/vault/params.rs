//! Vault's parameter constraints: `allowed_parameters`, `denied_parameters`
//! and `required_parameters` (vault/policy.go reads them, vault/acl.go's
//! `NewACL` merges them and `AllowOperation` checks them).
//!
//! A Vault request's body is the Tessera request's `context.parameters`, a
//! JSON object (parameter name to value). The constraints of the path that
//! decides a request become `when` blocks on the statement that holds the
//! operations Vault checks them for. Where Tessera cannot say Vault's rule
//! exactly, the condition is stricter (it holds for fewer requests), never
//! looser; docs/import.md lists every such place.

use super::{Reader, escape_glob, quote};
use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, UnaryOperator};
use std::collections::BTreeMap;

/// The operations whose parameters Vault checks (acl.go, AllowOperation:
/// read, update, create, patch and recover). Vault's revoke, renew and
/// rollback need `update` but are not checked.
pub(super) const CHECKED: [&str; 5] = ["create", "read", "update", "patch", "recover"];

/// Parameters whose string values Vault lower-cases before matching them
/// (acl.go, normalizePolicyParameterValue).
const FOLDED: [&str; 2] = ["policies", "token_policies"];

/// One element of a value list, as Vault reads it from HCL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    /// A string, matched with GlobbedStringsMatch.
    Str(String),
    /// A boolean, matched by equality with a JSON boolean.
    Bool(bool),
    /// A number: Vault decodes request bodies with `UseNumber`, so a JSON
    /// number reaches the ACL as a `json.Number`, which never equals an HCL
    /// number and is not a Go string: a number in a policy matches nothing.
    Number,
}

/// The constraints of one path rule, merged as NewACL merges them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Params {
    /// Lower-cased name to values; empty when not set (Vault checks
    /// `len(...) == 0`).
    pub(super) allowed: BTreeMap<String, Vec<Value>>,
    pub(super) denied: BTreeMap<String, Vec<Value>>,
    /// As written (Vault lower-cases each when it checks it).
    pub(super) required: Vec<String>,
    /// `min_wrapping_ttl` and `max_wrapping_ttl` in seconds; 0 is not set.
    pub(super) min_wrap: u64,
    pub(super) max_wrap: u64,
}

/// The operations Vault checks wrapping TTLs for: every operation a
/// capability allows (acl.go checks them after the capability), which for
/// Tessera's actions is all but `sudo` (Vault's root privileges are read
/// before) and `subscribe`.
pub(super) fn wrap_checked(action: &str) -> bool {
    !matches!(action, "sudo" | "subscribe" | "help")
}

impl Params {
    /// Merges `other` into `self` as NewACL does for two rules on the same
    /// path that do not deny: for a name in both, an empty list (any value)
    /// wins, otherwise the lists add up; required names add up.
    pub(super) fn merge(&mut self, other: &Params) {
        for (mine, theirs) in [
            (&mut self.allowed, &other.allowed),
            (&mut self.denied, &other.denied),
        ] {
            for (name, values) in theirs {
                match mine.get_mut(name) {
                    Some(existing) if existing.is_empty() => {}
                    Some(existing) if values.is_empty() => existing.clear(),
                    Some(existing) => existing.extend(values.iter().cloned()),
                    None => {
                        mine.insert(name.clone(), values.clone());
                    }
                }
            }
        }
        for name in &other.required {
            if !self.required.contains(name) {
                self.required.push(name.clone());
            }
        }
        // The lesser of two given values, for each bound.
        for (mine, theirs) in [
            (&mut self.min_wrap, other.min_wrap),
            (&mut self.max_wrap, other.max_wrap),
        ] {
            if theirs > 0 && (*mine == 0 || theirs < *mine) {
                *mine = theirs;
            }
        }
    }

    /// The `when` blocks of the wrapping TTL bounds: Vault turns away a
    /// request that is not response-wrapped, or whose wrapping TTL is
    /// outside them (acl.go, AllowOperation). The TTL is
    /// `context.wrap_ttl_seconds`, whole seconds.
    pub(super) fn wrap_conditions(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.min_wrap > 0 {
            out.push((
                "min_wrapping_ttl: the response must be wrapped, for this long at least."
                    .to_string(),
                format!("context.wrap_ttl_seconds >= {}", duration(self.min_wrap)),
            ));
        }
        if self.max_wrap > 0 {
            out.push((
                "max_wrapping_ttl: the response must be wrapped, for this long at most."
                    .to_string(),
                format!("context.wrap_ttl_seconds <= {}", duration(self.max_wrap)),
            ));
        }
        out
    }

    /// The constraints in a few words, for the converted text's comments.
    pub(super) fn summary(&self) -> Option<String> {
        let map = |m: &BTreeMap<String, Vec<Value>>| {
            m.iter()
                .map(|(name, values)| {
                    if values.is_empty() {
                        format!("`{name}` (any value)")
                    } else {
                        format!("`{name}`")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if !self.required.is_empty() {
            let names = self
                .required
                .iter()
                .map(|n| format!("`{}`", lower(n)))
                .collect::<Vec<_>>()
                .join(", ");
            parts.push(format!("required {names}"));
        }
        if !self.denied.is_empty() {
            parts.push(format!("denied {}", map(&self.denied)));
        }
        if !self.allowed.is_empty() {
            parts.push(format!("allowed {}", map(&self.allowed)));
        }
        if self.min_wrap > 0 {
            parts.push(format!("min_wrapping_ttl {}", duration(self.min_wrap)));
        }
        if self.max_wrap > 0 {
            parts.push(format!("max_wrapping_ttl {}", duration(self.max_wrap)));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// True when the parameter constraints never turn a request away.
    pub(super) fn is_open(&self) -> bool {
        self.required.is_empty() && self.denied.is_empty() && self.allows_all()
    }

    /// No `allowed_parameters`, or only the name `*` (whatever its values:
    /// Vault then allows every parameter without looking further).
    fn allows_all(&self) -> bool {
        self.allowed.is_empty() || (self.allowed.len() == 1 && self.allowed.contains_key("*"))
    }

    /// The `when` blocks, each with a comment, that all hold exactly (or,
    /// where Tessera cannot say Vault's rule, for fewer requests) when
    /// Vault's parameter checks pass; none when they never turn a request
    /// away. Each check also holds on an empty body, so a request without
    /// parameters passes once the required ones are there (none then), as
    /// in Vault; a request without `context.parameters` is one without a
    /// body.
    pub(super) fn conditions(&self) -> Vec<(String, String)> {
        let mut blocks = Vec::new();
        if self.is_open() {
            return blocks;
        }
        for name in &self.required {
            blocks.push((
                format!("Required parameter `{}`.", lower(name)),
                format!("any context.parameters == {}", quote_str(&lower(name))),
            ));
        }
        let no_body = "not has context.parameters";
        if self.denied.contains_key("*") {
            blocks.push((
                "Denied `*`: no parameter at all.".to_string(),
                format!("{no_body} or not any context.parameters like \"*\""),
            ));
            return blocks;
        }
        let mut checks: Vec<(String, String)> = Vec::new();
        let names_matter = !self.denied.is_empty() || self.allowed.keys().any(|k| k != "*");
        if names_matter {
            checks.push((
                "Vault lower-cases parameter names, Tessera reads them exactly: a name\n    # with a capital or a character outside printable ASCII is turned away."
                    .to_string(),
                "not any context.parameters like [\"*[A-Z]*\", \"*[! -~]*\"]".to_string(),
            ));
        }
        for (name, values) in &self.denied {
            if let Some(c) = denied_check(name, values) {
                let what = if values.is_empty() {
                    format!("Denied `{name}`, whatever its value.")
                } else {
                    format!("Denied values of `{name}`.")
                };
                checks.push((what, c));
            }
        }
        if !self.allows_all() {
            if !self.allowed.contains_key("*") {
                let names = self
                    .allowed
                    .keys()
                    .map(|k| quote_str(k))
                    .collect::<Vec<_>>()
                    .join(", ");
                checks.push((
                    "Allowed parameter names.".to_string(),
                    format!("all context.parameters in [{names}]"),
                ));
            }
            for (name, values) in &self.allowed {
                if !values.is_empty() {
                    checks.push((
                        format!("Allowed values of `{name}`."),
                        allowed_check(name, values),
                    ));
                }
            }
        }
        for (comment, check) in checks {
            blocks.push((comment, format!("{no_body} or {check}")));
        }
        blocks
    }
}

/// A Tessera duration literal: `1h30m`, `45s`, `0s`.
fn duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

/// Reads a wrapping TTL as Vault's ParseDurationSecond does, for the forms
/// the importer accepts: a whole number of seconds (a number, or a string
/// of digits), or Go duration text of whole `h`, `m` and `s` parts
/// (`"1h30m"`). `None` for anything else.
pub(super) fn parse_ttl(value: &Expression) -> Option<u64> {
    match value {
        Expression::Number(n) => n.as_u64(),
        Expression::String(s) => {
            let text = s.as_str();
            if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
                return text.parse().ok();
            }
            let mut total: u64 = 0;
            let mut digits = String::new();
            let mut last_unit = 4;
            for c in text.chars() {
                if c.is_ascii_digit() {
                    digits.push(c);
                    continue;
                }
                let (rank, size) = match c {
                    'h' => (3, 3_600),
                    'm' => (2, 60),
                    's' => (1, 1),
                    _ => return None,
                };
                // Largest unit first, each once (Go accepts more; they are
                // refused rather than guessed).
                if digits.is_empty() || rank >= last_unit {
                    return None;
                }
                last_unit = rank;
                let n: u64 = digits.parse().ok()?;
                total = total.checked_add(n.checked_mul(size)?)?;
                digits.clear();
            }
            (digits.is_empty() && last_unit < 4).then_some(total)
        }
        _ => None,
    }
}

/// How Vault's GlobbedStringsMatch reads a policy string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Glob {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
}

impl Glob {
    /// GlobbedStringsMatch: an item shorter than two bytes is compared
    /// exactly; otherwise a leading and/or trailing `*` makes it a suffix,
    /// prefix or substring test of the rest.
    pub(super) fn of(item: &str) -> Glob {
        if item.len() < 2 {
            return Glob::Exact(item.to_string());
        }
        match (item.strip_prefix('*'), item.strip_suffix('*')) {
            // Both: the text between them (at least two bytes, so both `*`
            // are there).
            (Some(rest), Some(_)) => {
                Glob::Contains(rest.strip_suffix('*').unwrap_or(rest).to_string())
            }
            (Some(rest), None) => Glob::Suffix(rest.to_string()),
            (None, Some(rest)) => Glob::Prefix(rest.to_string()),
            (None, None) => Glob::Exact(item.to_string()),
        }
    }

    fn core(&self) -> &str {
        match self {
            Glob::Exact(c) | Glob::Prefix(c) | Glob::Suffix(c) | Glob::Contains(c) => c,
        }
    }

    /// The `like` pattern of exactly these strings, or `None` when the
    /// core holds a `\` (Tessera patterns cannot match one literally).
    fn pattern(&self) -> Option<String> {
        if self.core().contains('\\') {
            return None;
        }
        Some(self.pattern_over())
    }

    /// A `like` pattern for these strings and maybe more: a `\` becomes `?`
    /// (any one character). For denied values only.
    fn pattern_over(&self) -> String {
        let core = escape_value(self.core());
        match self {
            Glob::Exact(_) => core,
            Glob::Prefix(_) => format!("{core}*"),
            Glob::Suffix(_) => format!("*{core}"),
            Glob::Contains(_) => format!("*{core}*"),
        }
    }
}

/// `text` escaped for a pattern, each `\` as `?` (see `pattern_over`).
fn escape_value(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c == '\\' {
            out.push('?');
        } else {
            let mut buf = [0u8; 4];
            out.push_str(&escape_glob(c.encode_utf8(&mut buf)));
        }
    }
    out
}

/// A Tessera string literal for a parameter name or value (control
/// characters are refused when reading).
pub(super) fn quote_str(text: &str) -> String {
    quote(text)
}

/// Go's strings.ToLower for the names the reader accepts (ASCII letters;
/// names with other cased letters are refused when reading).
fn lower(name: &str) -> String {
    name.to_lowercase()
}

/// `context.parameters.NAME`, bare when the language allows it.
fn key(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        format!("context.parameters.{name}")
    } else {
        format!("context.parameters.{}", quote(name))
    }
}

fn list(items: &[String]) -> String {
    if let [one] = items {
        one.clone()
    } else {
        format!("[{}]", items.join(", "))
    }
}

/// The strings and booleans of a value list; a folded parameter drops the
/// strings that cannot match a lower-cased ASCII value.
fn split(name: &str, values: &[Value]) -> (Vec<Glob>, Vec<bool>, bool) {
    let folded = FOLDED.contains(&name);
    let mut globs = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut bools = Vec::new();
    for v in values {
        match v {
            Value::Str(s) => {
                if folded && s.chars().any(|c| c.is_ascii_uppercase() || !c.is_ascii()) {
                    continue;
                }
                if seen.insert(s.as_str()) {
                    globs.push(Glob::of(s));
                }
            }
            Value::Bool(b) => {
                if !bools.contains(b) {
                    bools.push(*b);
                }
            }
            Value::Number => {}
        }
    }
    (globs, bools, folded)
}

/// Holds when the request's value for `name` passes an `allowed_parameters`
/// list that is not empty (acl.go, valueInAllowedParameterList): a string
/// that matches an item, the empty string (an empty comma-separated list),
/// a boolean in the list. Stricter than Vault: a string whose
/// comma-separated parts each match but that does not match as a whole, a
/// JSON array (Vault allows it when every item matches), and for `policies`
/// and `token_policies` a value with characters outside ASCII.
fn allowed_check(name: &str, values: &[Value]) -> String {
    let (globs, bools, folded) = split(name, values);
    let k = key(name);
    let mut terms = vec![format!("not any context.parameters == {}", quote_str(name))];
    let exact = exact_values(&globs, folded);
    let globbed: Vec<String> = globs
        .iter()
        .filter(|g| folded || !matches!(g, Glob::Exact(_)))
        .filter_map(|g| g.pattern().map(|p| quote_str(&p)))
        .collect();
    let op = if folded { "ilike" } else { "like" };
    if !exact.is_empty() {
        terms.push(format!("{k} in [{}]", exact.join(", ")));
    }
    if !globbed.is_empty() {
        terms.push(format!("{k} {op} {}", list(&globbed)));
    }
    terms.push(format!("{k} == \"\""));
    // Vault also allows a JSON array whose every item passes. Tessera's
    // `all` ranges over an array's items and over an object's member names
    // alike, and Vault never allows an object here: `all` would let one
    // through. So arrays are turned away (stricter), until the language can
    // tell an array from an object.
    for b in bools {
        terms.push(format!("{k} == {b}"));
    }
    terms.join(" or ")
}

/// The exact (unglobbed) values, quoted, for an `in` list; none when the
/// values are compared folded (they go to `ilike` then).
fn exact_values(globs: &[Glob], folded: bool) -> Vec<String> {
    if folded {
        return Vec::new();
    }
    globs
        .iter()
        .filter_map(|g| match g {
            Glob::Exact(s) => Some(quote_str(s)),
            _ => None,
        })
        .collect()
}

/// Holds when Vault's `denied_parameters` entry for `name` does not turn
/// the request away (acl.go, valueInDeniedParameterList), or for fewer
/// requests. An empty list denies the parameter whatever its value. A
/// string is denied when it matches an item, or when one of its
/// comma-separated, trimmed parts does: Tessera turns away every string
/// that holds a comma or a character outside printable ASCII other than a
/// space and contains an item's text. An array is denied when an item
/// matches. A number always passes (it matches nothing); `null` and arrays
/// with items other than strings and booleans are turned away.
fn denied_check(name: &str, values: &[Value]) -> Option<String> {
    let absent = format!("not any context.parameters == {}", quote_str(name));
    if values.is_empty() {
        return Some(absent);
    }
    let (globs, bools, folded) = split(name, values);
    if globs.is_empty() && bools.is_empty() && !folded {
        // Only numbers: nothing is ever denied.
        return None;
    }
    let k = key(name);
    let op = if folded { "ilike" } else { "like" };
    let mut terms = vec![absent];
    // Strings.
    let mut string_term: Vec<String> = Vec::new();
    if folded {
        string_term.push(format!("not {k} like \"*[! -~]*\""));
    } else {
        string_term.push(format!("{k} like \"*\""));
    }
    let exact = exact_values(&globs, folded);
    let direct: Vec<String> = globs
        .iter()
        .filter(|g| folded || !matches!(g, Glob::Exact(_)))
        .map(|g| quote_str(&g.pattern_over()))
        .collect();
    let contains: Vec<String> = globs
        .iter()
        .map(|g| quote_str(&Glob::Contains(g.core().to_string()).pattern_over()))
        .collect();
    if !exact.is_empty() {
        string_term.push(format!("{k} not in [{}]", exact.join(", ")));
    }
    if !direct.is_empty() {
        string_term.push(format!("not {k} {op} {}", list(&direct)));
    }
    if !contains.is_empty() {
        let mut contains = contains;
        contains.sort();
        contains.dedup();
        string_term.push(format!(
            "not ({k} {op} {} and {k} like [\"*[,]*\", \"*[!!-~]*\"])",
            list(&contains)
        ));
    }
    terms.push(format!("({})", string_term.join(" and ")));
    // Arrays: each item as the value itself, without the comma split.
    let mut list_term: Vec<String> = Vec::new();
    let items: Vec<String> = globs.iter().map(|g| quote_str(&g.pattern_over())).collect();
    if folded {
        list_term.push(format!("not any {k} like \"*[! -~]*\""));
    }
    if !items.is_empty() {
        list_term.push(format!("not any {k} {op} {}", list(&items)));
    }
    for b in &bools {
        list_term.push(format!("not any {k} == {b}"));
    }
    if !list_term.is_empty() {
        terms.push(format!("({})", list_term.join(" and ")));
    }
    // Numbers.
    terms.push(format!("{k} >= 0 or {k} < 0"));
    // Booleans.
    match bools.as_slice() {
        [] => terms.push(format!("{k} == true or {k} == false")),
        [b] => terms.push(format!("{k} == {}", !b)),
        _ => {}
    }
    Some(terms.join(" or "))
}

// ---------------------------------------------------------------------------
// Reading

/// Which constraint a map is read for.
#[derive(Clone, Copy)]
pub(super) enum Which {
    Allowed,
    Denied,
}

impl Which {
    fn key(self) -> &'static str {
        match self {
            Which::Allowed => "allowed_parameters",
            Which::Denied => "denied_parameters",
        }
    }
}

impl Reader<'_> {
    /// Reads `allowed_parameters` or `denied_parameters`: a map from
    /// parameter name to a list of strings, numbers and booleans.
    pub(super) fn parameter_map(
        &mut self,
        value: &Expression,
        which: Which,
        raw: &str,
    ) -> Option<BTreeMap<String, Vec<Value>>> {
        let what = which.key();
        let Expression::Object(object) = value else {
            self.refuse(
                value.span(),
                format!("`{what}` of path \"{raw}\" must be a map from parameter names to lists of values"),
                Some(format!("write `{what} = {{ \"name\" = [\"value\", \"prefix-*\"] }}`; an empty list means any value")),
            );
            return None;
        };
        let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut ok = true;
        let mut spelled: BTreeMap<String, String> = BTreeMap::new();
        for (object_key, object_value) in object.iter() {
            let name = match object_key {
                ObjectKey::Ident(ident) => Some(ident.as_str().to_string()),
                ObjectKey::Expression(Expression::String(s)) => Some(s.as_str().to_string()),
                ObjectKey::Expression(_) => None,
            };
            let key_span = object_key.span();
            let Some(name) = name else {
                self.refuse(
                    key_span,
                    format!("a parameter name in `{what}` of path \"{raw}\" must be a quoted string or a bare name"),
                    None,
                );
                ok = false;
                continue;
            };
            if !self.parameter_name(&name, key_span.clone(), what, raw) {
                ok = false;
                continue;
            }
            let lowered = lower(&name);
            if let Some(first) = spelled.get(&lowered) {
                self.refuse(
                    key_span,
                    format!("parameter `{name}` is given twice in `{what}` of path \"{raw}\" (as `{first}` before; Vault lower-cases the names)"),
                    Some("give each parameter once; Vault keeps one of them at random".into()),
                );
                ok = false;
                continue;
            }
            spelled.insert(lowered.clone(), name.clone());
            match self.value_list(object_value.expr(), what, &name, raw) {
                Some(values) => {
                    if lowered.is_empty() && !values.is_empty() {
                        self.refuse(
                            key_span,
                            format!("the empty parameter name in `{what}` of path \"{raw}\" cannot be imported with a list of values"),
                            Some("Tessera cannot read the value of a parameter named \"\"".into()),
                        );
                        ok = false;
                        continue;
                    }
                    out.insert(lowered, values);
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Reads `required_parameters`: a list of parameter names.
    pub(super) fn required(&mut self, value: &Expression, raw: &str) -> Option<Vec<String>> {
        let Expression::Array(array) = value else {
            self.refuse(
                value.span(),
                format!(
                    "`required_parameters` of path \"{raw}\" must be a list of parameter names"
                ),
                Some("write `required_parameters = [\"name\"]`".into()),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in array.iter() {
            let Expression::String(name) = item else {
                self.refuse(
                    item.span(),
                    format!("a required parameter of path \"{raw}\" must be a quoted string"),
                    None,
                );
                ok = false;
                continue;
            };
            if !self.parameter_name(name.as_str(), item.span(), "required_parameters", raw) {
                ok = false;
                continue;
            }
            if !out.iter().any(|n: &String| n == name.as_str()) {
                out.push(name.as_str().to_string());
            }
        }
        ok.then_some(out)
    }

    /// Checks a parameter name: no control character, no cased letter
    /// outside ASCII (Go's and Rust's lower-casing could differ there).
    fn parameter_name(
        &mut self,
        name: &str,
        span: Option<std::ops::Range<usize>>,
        what: &str,
        raw: &str,
    ) -> bool {
        if name.chars().any(char::is_control) {
            self.refuse(
                span,
                format!(
                    "parameter name {} in `{what}` of path \"{raw}\" holds a control character",
                    quote(name)
                ),
                None,
            );
            return false;
        }
        if name
            .chars()
            .any(|c| !c.is_ascii() && c.to_lowercase().ne(std::iter::once(c)))
        {
            self.refuse(
                span,
                format!("parameter name {} in `{what}` of path \"{raw}\" cannot be imported yet: it holds a capital letter outside ASCII", quote(name)),
                Some("Vault lower-cases parameter names with Go's rules, which the importer does not reproduce outside ASCII; write the name in lower case".into()),
            );
            return false;
        }
        true
    }

    /// A list of strings, numbers and booleans.
    fn value_list(
        &mut self,
        value: &Expression,
        what: &str,
        name: &str,
        raw: &str,
    ) -> Option<Vec<Value>> {
        let Expression::Array(array) = value else {
            self.refuse(
                value.span(),
                format!(
                    "the values of parameter `{name}` in `{what}` of path \"{raw}\" must be a list"
                ),
                Some(format!(
                    "write `\"{name}\" = [\"value\"]`, or `\"{name}\" = []` for any value"
                )),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in array.iter() {
            let problem: Option<(String, Option<String>)> = match item {
                Expression::String(s) => {
                    let s = s.as_str();
                    if s.chars().any(char::is_control) {
                        Some((format!("a value of parameter `{name}` in `{what}` of path \"{raw}\" holds a control character"), None))
                    } else if s.contains("{{") {
                        Some((format!("a templated value of parameter `{name}` in `{what}` of path \"{raw}\" cannot be imported yet"), Some("a `{{...}}` template is filled in per token; convert the policy of each token with the values filled in".into())))
                    } else if matches!(which_of(what), Some(Which::Allowed))
                        && Glob::of(s).pattern().is_none()
                        && !matches!(Glob::of(s), Glob::Exact(_))
                    {
                        Some((format!("value {} of parameter `{name}` in `{what}` of path \"{raw}\" cannot be imported yet: it has a `*` and a `\\`", quote(s)), Some("Tessera patterns have no way to match `\\` literally yet".into())))
                    } else {
                        out.push(Value::Str(s.to_string()));
                        None
                    }
                }
                Expression::Bool(b) => {
                    out.push(Value::Bool(*b.value()));
                    None
                }
                Expression::Number(_) => {
                    out.push(Value::Number);
                    None
                }
                Expression::UnaryOp(op)
                    if op.operator.value() == &UnaryOperator::Neg
                        && matches!(op.expr, Expression::Number(_)) =>
                {
                    out.push(Value::Number);
                    None
                }
                Expression::Array(_) | Expression::Object(_) => Some((
                    format!("a list or map among the values of parameter `{name}` in `{what}` of path \"{raw}\" cannot be imported yet"),
                    Some("Vault compares such a value with the request's whole value; Tessera cannot yet".into()),
                )),
                Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => Some((
                    format!("a value of parameter `{name}` in `{what}` of path \"{raw}\" holds `${{` or `%{{`, which HCL 1 (Vault) and HCL 2 read differently"),
                    None,
                )),
                _ => Some((
                    format!("a value of parameter `{name}` in `{what}` of path \"{raw}\" must be a string, a number or a boolean"),
                    None,
                )),
            };
            if let Some((message, hint)) = problem {
                self.refuse(item.span(), message, hint);
                ok = false;
            }
        }
        ok.then_some(out)
    }
}

fn which_of(what: &str) -> Option<Which> {
    match what {
        "allowed_parameters" => Some(Which::Allowed),
        "denied_parameters" => Some(Which::Denied),
        _ => None,
    }
}

//! From an IAM policy document to Tessera text.
//!
//! Every element is read into Tessera conditions that decide exactly as IAM
//! does, or refused with a located diagnostic. A function that cannot
//! convert something pushes a diagnostic and returns `None`; [`convert`]
//! returns the text only when no diagnostic was pushed, so nothing is ever
//! dropped.

use super::json::{self, child, duplicates, key, kind, range};
use jsonc_parser::ast::{ObjectProp, Value};
use jsonc_parser::common::Range;
use policy_lang::{Diagnostic, DiagnosticKind, Span, closest};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;

/// The document's `Version`: policy variables exist only in 2012-10-17.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    V2008,
    V2012,
}

struct Cx<'s> {
    file: &'s str,
    source: &'s str,
    version: Version,
    id: Option<String>,
    diagnostics: Vec<Diagnostic>,
    /// Set when an ARN pattern of the statement being converted was bounded
    /// rather than converted exactly (see [`arn_test`]).
    bounded_arn: bool,
}

impl Cx<'_> {
    fn error(
        &mut self,
        at: Range,
        pointer: &str,
        message: impl std::fmt::Display,
        hint: Option<&str>,
    ) {
        let place = if pointer.is_empty() {
            "the document"
        } else {
            pointer
        };
        self.diagnostics.push(Diagnostic::new(
            DiagnosticKind::Import,
            self.file,
            self.source,
            Span::new(at.start, at.end),
            format!("{place}: {message}"),
            hint,
        ));
    }

    fn refuse(&mut self, at: Range, pointer: &str, why: impl std::fmt::Display) {
        self.error(at, pointer, format!("cannot be imported yet: {why}"), None);
    }
}

const TOP_KEYS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// Converts the document; see [`super::convert`].
pub(super) fn convert(file: &str, source: &str) -> Result<String, Vec<Diagnostic>> {
    let cx = Cx {
        file,
        source,
        version: Version::V2008,
        id: None,
        diagnostics: Vec::new(),
        bounded_arn: false,
    };
    convert_in(cx)
}

/// [`convert`] with the options in `cx`.
fn convert_in(mut cx: Cx<'_>) -> Result<String, Vec<Diagnostic>> {
    let source = cx.source;
    let root = match json::parse(source) {
        Ok(Some(root)) => root,
        Ok(None) => {
            cx.error(
                Range::new(0, source.len()),
                "",
                "is empty: expected a JSON object",
                None,
            );
            return Err(cx.diagnostics);
        }
        Err(e) => {
            cx.error(
                e.range(),
                "",
                format!("is not valid JSON: {}", e.kind()),
                None,
            );
            return Err(cx.diagnostics);
        }
    };
    let Value::Object(object) = &root else {
        cx.error(
            range(&root),
            "",
            format!("expected a JSON object, found {}", kind(&root)),
            None,
        );
        return Err(cx.diagnostics);
    };
    let props = checked_props(&mut cx, &object.properties, "", TOP_KEYS);

    match props.iter().find(|p| key(p).0 == "Version") {
        None => cx.version = Version::V2008,
        Some(p) => match &p.value {
            Value::StringLit(s) if s.value == "2012-10-17" => cx.version = Version::V2012,
            Value::StringLit(s) if s.value == "2008-10-17" => cx.version = Version::V2008,
            other => cx.error(
                range(other),
                "/Version",
                "expected \"2012-10-17\" or \"2008-10-17\"",
                Some("write \"Version\": \"2012-10-17\""),
            ),
        },
    }
    if let Some(p) = props.iter().find(|p| key(p).0 == "Id") {
        match &p.value {
            Value::StringLit(s) => cx.id = Some(s.value.to_string()),
            other => cx.error(
                range(other),
                "/Id",
                format!("expected a string, found {}", kind(other)),
                None,
            ),
        }
    }

    let mut statements: Vec<(String, Range, &Value<'_>)> = Vec::new();
    match props.iter().find(|p| key(p).0 == "Statement") {
        None => cx.error(
            object.range,
            "",
            "has no `Statement`",
            Some("a policy document holds `Version` and `Statement`"),
        ),
        Some(p) => match &p.value {
            Value::Object(_) => {
                statements.push(("/Statement".to_string(), range(&p.value), &p.value))
            }
            Value::Array(a) if a.elements.is_empty() => cx.error(
                a.range,
                "/Statement",
                "is empty: a document needs at least one statement",
                None,
            ),
            Value::Array(a) => {
                for (i, v) in a.elements.iter().enumerate() {
                    statements.push((format!("/Statement/{i}"), range(v), v));
                }
            }
            other => cx.error(
                range(other),
                "/Statement",
                format!(
                    "expected an object or an array of objects, found {}",
                    kind(other)
                ),
                None,
            ),
        },
    }

    let mut out: Vec<Converted> = Vec::new();
    let mut with_principal: Vec<(bool, Range, String)> = Vec::new();
    let mut names: Vec<(String, bool, Range, String)> = Vec::new();
    for (n, (pointer, at, value)) in statements.iter().enumerate() {
        let Value::Object(st) = value else {
            cx.error(
                *at,
                pointer,
                format!("expected a statement object, found {}", kind(value)),
                None,
            );
            continue;
        };
        let names_principal = st
            .properties
            .iter()
            .any(|p| matches!(key(p).0, "Principal" | "NotPrincipal"));
        with_principal.push((names_principal, *at, pointer.clone()));
        // The statement's name, for the duplicate check, whether or not it converts.
        match st
            .properties
            .iter()
            .find(|p| key(p).0 == "Sid")
            .map(|p| &p.value)
        {
            Some(Value::StringLit(s)) if !s.value.is_empty() => {
                names.push((s.value.to_string(), true, s.range, child(pointer, "Sid")))
            }
            Some(Value::StringLit(s)) => names.push((
                format!("statement-{}", n + 1),
                false,
                s.range,
                child(pointer, "Sid"),
            )),
            Some(_) => {}
            None => names.push((format!("statement-{}", n + 1), false, *at, pointer.clone())),
        }
        if let Some(c) = statement(&mut cx, &st.properties, pointer, n + 1, *at) {
            out.push(c);
        }
    }
    // A resource-based policy names a principal in every statement; an
    // identity-based one in none. A mix is neither.
    if let Some((first, ..)) = with_principal.first()
        && let Some((_, at, pointer)) = with_principal.iter().find(|(p, ..)| p != first)
    {
        let at = *at;
        let pointer = pointer.clone();
        cx.error(
            at,
            &pointer,
            "some statements name a `Principal` and others do not",
            Some("a resource-based policy names one in every statement; an identity-based policy in none"),
        );
    }
    // Statement names: the Sid, or `statement-N`; unique, as IAM requires of Sids.
    let mut first_use: HashMap<&str, Range> = HashMap::with_capacity(names.len());
    for (name, from_sid, at, pointer) in &names {
        let Some(first_at) = first_use.get(name.as_str()).copied() else {
            first_use.insert(name, *at);
            continue;
        };
        let (line, column) = line_column(source, first_at.start);
        let message = if *from_sid {
            format!(
                "duplicate Sid `{}` (first used at {line}:{column})",
                one_line(name)
            )
        } else {
            format!("the statement's name `{name}` is already a Sid at {line}:{column}")
        };
        cx.error(
            *at,
            pointer,
            message,
            Some("give every statement its own Sid"),
        );
    }
    if !cx.diagnostics.is_empty() {
        return Err(cx.diagnostics);
    }
    if out.is_empty() {
        // Unreachable when the checks above hold; refuse rather than print an empty policy.
        cx.error(
            object.range,
            "",
            "internal error: no statement was converted",
            None,
        );
        return Err(cx.diagnostics);
    }
    assemble(&mut cx, &out, object.range)
}

fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The properties of an object, after reporting repeated and unknown keys.
fn checked_props<'a, 'v>(
    cx: &mut Cx<'_>,
    props: &'a [ObjectProp<'v>],
    pointer: &str,
    known: &[&str],
) -> &'a [ObjectProp<'v>] {
    for (name, at) in duplicates(props) {
        cx.error(
            at,
            &child(pointer, name),
            "is given twice",
            Some("keep one copy of the key"),
        );
    }
    for p in props {
        let (name, at) = key(p);
        if !known.contains(&name) {
            let hint = closest(name, known.iter().copied()).map(|c| format!("did you mean `{c}`?"));
            let list = known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            cx.error(
                at,
                &child(pointer, name),
                format!("unknown key `{name}`: expected one of {list}"),
                hint.as_deref(),
            );
        }
    }
    props
}

/// One converted statement: its Tessera text and where its name came from.
struct Converted {
    /// The statement has a `Principal` or `NotPrincipal` (a resource-based policy).
    names_principal: bool,
    pointer: String,
    at: Range,
    text: String,
}

fn assemble(cx: &mut Cx<'_>, out: &[Converted], whole: Range) -> Result<String, Vec<Diagnostic>> {
    let stem = std::path::Path::new(cx.file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "aws".to_string());
    let version = match cx.version {
        Version::V2012 => "2012-10-17",
        Version::V2008 => "2008-10-17",
    };
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# Imported from the AWS IAM policy document {} (Version {version}).",
        one_line(cx.file)
    );
    let _ = writeln!(
        text,
        "# Requests: principal.id is the caller's ARN, action is `service:Name`, resource.path is the resource ARN."
    );
    if let Some(id) = &cx.id {
        let _ = writeln!(text, "# Id: {}", one_line(id));
    }
    if out.iter().all(|c| !c.names_principal) {
        let _ = writeln!(
            text,
            "# An identity-based policy: IAM applies it to the principals it is attached to; here it applies to every caller."
        );
    }
    let _ = writeln!(text, "policy {} {{", quote(&stem));
    for c in out {
        // Each statement alone first, so that a statement whose text does not
        // parse is reported at its place in the document.
        let alone = format!("policy \"check\" {{\n{}}}\n", c.text);
        if let Err(e) = policy_lang::parse(cx.file, &alone) {
            for d in e.diagnostics() {
                let message = if d.kind() == DiagnosticKind::LimitExceeded {
                    format!(
                        "cannot be imported: the converted statement is past a Tessera limit: {}",
                        d.message()
                    )
                } else {
                    format!(
                        "internal error: the converted statement does not parse: {}",
                        d.message()
                    )
                };
                let pointer = c.pointer.clone();
                cx.error(c.at, &pointer, message, d.hint());
            }
        }
        text.push_str(&c.text);
    }
    text.push_str("}\n");
    if !cx.diagnostics.is_empty() {
        return Err(std::mem::take(&mut cx.diagnostics));
    }
    match policy_lang::parse(cx.file, &text) {
        Ok(parsed) => Ok(policy_lang::format(&parsed)),
        Err(e) => {
            for d in e.diagnostics() {
                let message = format!(
                    "internal error: the converted policy does not parse: {}",
                    d.message()
                );
                cx.error(whole, "", message, d.hint());
            }
            Err(std::mem::take(&mut cx.diagnostics))
        }
    }
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A Tessera string literal.
fn quote(s: &str) -> String {
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

fn statement(
    cx: &mut Cx<'_>,
    props: &[ObjectProp<'_>],
    pointer: &str,
    number: usize,
    at: Range,
) -> Option<Converted> {
    let before = cx.diagnostics.len();
    let props = checked_props(cx, props, pointer, STATEMENT_KEYS);
    let get = |name: &str| props.iter().find(|p| key(p).0 == name);

    let name = match get("Sid") {
        Some(p) => match &p.value {
            Value::StringLit(s) if s.value.chars().any(char::is_control) => {
                cx.refuse(
                    s.range,
                    &child(pointer, "Sid"),
                    "a Sid with a control character",
                );
                String::new()
            }
            Value::StringLit(s) if !s.value.is_empty() => s.value.to_string(),
            Value::StringLit(_) => format!("statement-{number}"),
            other => {
                cx.error(
                    range(other),
                    &child(pointer, "Sid"),
                    format!("expected a string, found {}", kind(other)),
                    None,
                );
                String::new()
            }
        },
        None => format!("statement-{number}"),
    };

    let effect = match get("Effect") {
        None => {
            cx.error(
                at,
                pointer,
                "has no `Effect`",
                Some("add \"Effect\": \"Allow\" or \"Effect\": \"Deny\""),
            );
            None
        }
        Some(p) => match &p.value {
            Value::StringLit(s) if s.value == "Allow" => Some(Effect::Allow),
            Value::StringLit(s) if s.value == "Deny" => Some(Effect::Deny),
            other => {
                let hint = match other {
                    Value::StringLit(s) => closest(&s.value, ["Allow", "Deny"])
                        .or_else(|| match s.value.to_ascii_lowercase().as_str() {
                            "allow" => Some("Allow"),
                            "deny" => Some("Deny"),
                            _ => None,
                        })
                        .map(|c| {
                            format!("did you mean \"{c}\"? (IAM reads the Effect case-sensitively)")
                        }),
                    _ => None,
                };
                cx.error(
                    range(other),
                    &child(pointer, "Effect"),
                    "expected \"Allow\" or \"Deny\"",
                    hint.as_deref(),
                );
                None
            }
        },
    };

    let mut conditions: Vec<String> = Vec::new();
    let mut notes: Vec<&'static str> = Vec::new();

    // Principal / NotPrincipal.
    let principal_line = match (get("Principal"), get("NotPrincipal")) {
        (Some(_), Some(np)) => {
            let (_, r) = key(np);
            cx.error(
                r,
                &child(pointer, "NotPrincipal"),
                "a statement has `Principal` or `NotPrincipal`, not both",
                None,
            );
            None
        }
        (Some(p), None) => principal(cx, &p.value, &child(pointer, "Principal"), None, &mut notes),
        (None, Some(p)) => principal(
            cx,
            &p.value,
            &child(pointer, "NotPrincipal"),
            Some(effect),
            &mut notes,
        ),
        // An identity-based policy: the header says what that means here.
        (None, None) => Some("principal *".to_string()),
    };

    // Action / NotAction.
    let action_line = match (get("Action"), get("NotAction")) {
        (Some(_), Some(na)) => {
            let (_, r) = key(na);
            cx.error(
                r,
                &child(pointer, "NotAction"),
                "a statement has `Action` or `NotAction`, not both",
                None,
            );
            None
        }
        (None, None) => {
            cx.error(at, pointer, "has no `Action` or `NotAction`", None);
            None
        }
        (Some(p), None) => actions(
            cx,
            &p.value,
            &child(pointer, "Action"),
            false,
            &mut conditions,
        ),
        (None, Some(p)) => actions(
            cx,
            &p.value,
            &child(pointer, "NotAction"),
            true,
            &mut conditions,
        ),
    };
    if action_line.is_some() && !conditions.is_empty() {
        notes.push("IAM matches actions ignoring case; `ilike` does the same (ASCII).");
    }

    // Resource / NotResource.
    let resource_line = match (get("Resource"), get("NotResource")) {
        (Some(_), Some(nr)) => {
            let (_, r) = key(nr);
            cx.error(
                r,
                &child(pointer, "NotResource"),
                "a statement has `Resource` or `NotResource`, not both",
                None,
            );
            None
        }
        (None, None) => {
            cx.error(at, pointer, "has no `Resource` or `NotResource`", None);
            None
        }
        (Some(p), None) => resources(
            cx,
            &p.value,
            &child(pointer, "Resource"),
            false,
            effect,
            &mut conditions,
            &mut notes,
        ),
        (None, Some(p)) => resources(
            cx,
            &p.value,
            &child(pointer, "NotResource"),
            true,
            effect,
            &mut conditions,
            &mut notes,
        ),
    };

    // Condition.
    let had = conditions.len();
    cx.bounded_arn = false;
    if let Some(p) = get("Condition") {
        condition_block(
            cx,
            &p.value,
            &child(pointer, "Condition"),
            effect,
            &mut conditions,
        );
    }
    if conditions[had..].iter().any(|c| c.contains("has ")) {
        notes.push(
            "IAM reads a condition on a key the request lacks as false (true for a negated operator or ...IfExists); the `has` tests say so explicitly.",
        );
    }

    if std::mem::take(&mut cx.bounded_arn) {
        notes.push("An ARN pattern with `*` in its first five components and a wildcard in its resource part is bounded, not exact (Tessera's `like` has no `*` that stops at `:`): its test matches fewer ARNs than IAM's in an Allow, more in a Deny (the other way round for a negated operator), so the statement never applies where IAM's would not (Allow) nor misses where IAM's applies (Deny).");
    }
    if cx.diagnostics.len() > before {
        return None;
    }
    let (Some(effect), Some(principal_line), Some(action_line), Some(resource_line)) =
        (effect, principal_line, action_line, resource_line)
    else {
        cx.error(
            at,
            pointer,
            "internal error: the statement was not converted",
            None,
        );
        return None;
    };

    let mut text = String::new();
    let _ = writeln!(text, "  # {pointer}");
    for n in notes {
        let _ = writeln!(text, "  # {n}");
    }
    let word = match effect {
        Effect::Allow => "allow",
        Effect::Deny => "deny",
    };
    let _ = writeln!(text, "  {word} {} {{", quote(&name));
    let _ = writeln!(text, "    {principal_line}");
    let _ = writeln!(text, "    {action_line}");
    let _ = writeln!(text, "    {resource_line}");
    if !conditions.is_empty() {
        let _ = writeln!(text, "    when {{");
        for c in &conditions {
            let _ = writeln!(text, "      {c}");
        }
        let _ = writeln!(text, "    }}");
    }
    let _ = writeln!(text, "  }}");
    Some(Converted {
        names_principal: get("Principal").is_some() || get("NotPrincipal").is_some(),
        pointer: pointer.to_string(),
        at,
        text,
    })
}

/// The strings of a value that is a string or a non-empty array of strings.
fn strings<'a>(
    cx: &mut Cx<'_>,
    value: &'a Value<'_>,
    pointer: &str,
) -> Option<Vec<(&'a str, Range, String)>> {
    match value {
        Value::StringLit(s) => Some(vec![(s.value.as_ref(), s.range, pointer.to_string())]),
        Value::Array(a) if a.elements.is_empty() => {
            cx.error(
                a.range,
                pointer,
                "is an empty list",
                Some("list at least one value"),
            );
            None
        }
        Value::Array(a) => {
            let mut out = Vec::new();
            let mut ok = true;
            for (i, v) in a.elements.iter().enumerate() {
                match v {
                    Value::StringLit(s) => {
                        out.push((s.value.as_ref(), s.range, format!("{pointer}/{i}")))
                    }
                    other => {
                        cx.error(
                            range(other),
                            &format!("{pointer}/{i}"),
                            format!("expected a string, found {}", kind(other)),
                            None,
                        );
                        ok = false;
                    }
                }
            }
            ok.then_some(out)
        }
        other => {
            cx.error(
                range(other),
                pointer,
                format!(
                    "expected a string or an array of strings, found {}",
                    kind(other)
                ),
                None,
            );
            None
        }
    }
}

// ---------------------------------------------------------------- principals

/// One entry of a `Principal` or `NotPrincipal`.
#[derive(Clone, PartialEq, Eq)]
enum Who {
    /// `"*"`: everyone.
    Any,
    /// An IAM user or role ARN: the caller's `principal.id`.
    Arn(String),
    /// An account (`"123456789012"` or `arn:PARTITION:iam::ID:root`):
    /// partition and id.
    Account(String, String),
    /// A service, federated provider or canonical user: the `principal.id`
    /// the host sends for it (`service:NAME`, `federated:NAME`,
    /// `canonical-user:ID`).
    Other(String),
}

/// The partition and account of an IAM or STS ARN.
fn arn_account(arn: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, _, _, account, _] => Some((partition, account)),
        _ => None,
    }
}

/// The principal line for a `Principal` (`not_for` is `None`) or a
/// `NotPrincipal` in a statement of the given effect.
///
/// An account stands for every IAM and STS principal of the account: its
/// ARNs `arn:PARTITION:iam::ID:*` and `arn:PARTITION:sts::ID:*`.
///
/// In a `NotPrincipal` of a `Deny`, IAM may check the caller's account
/// before the caller itself ("Otherwise, the policy might deny access to the
/// entire account containing the principal"): a user or role escapes the
/// deny only when its account is named too, and an account named alone lets
/// only its root user escape. Read so, the deny applies at least wherever
/// IAM's does. In a `NotPrincipal` of an `Allow` (which AWS does not
/// support for most resources), accounts are refused.
fn principal(
    cx: &mut Cx<'_>,
    value: &Value<'_>,
    pointer: &str,
    not_for: Option<Option<Effect>>,
    notes: &mut Vec<&'static str>,
) -> Option<String> {
    let not = if not_for.is_some() { "not " } else { "" };
    let values: Vec<(Who, Range, String)> = match value {
        Value::StringLit(s) if s.value == "*" => return Some(format!("{not}principal *")),
        Value::StringLit(s) => {
            cx.error(
                s.range,
                pointer,
                "expected \"*\" or an object such as {\"AWS\": \"arn:...\"}",
                None,
            );
            return None;
        }
        Value::Object(o) => {
            let props = checked_props(
                cx,
                &o.properties,
                pointer,
                &["AWS", "Service", "Federated", "CanonicalUser"],
            );
            if props.is_empty() {
                cx.error(o.range, pointer, "is an empty object", None);
                return None;
            }
            let mut values = Vec::new();
            let mut ok = true;
            for p in props {
                let (name, _) = key(p);
                let Some(list) = strings(cx, &p.value, &child(pointer, name)) else {
                    ok = false;
                    continue;
                };
                for (v, at, vp) in list {
                    let who = match name {
                        "AWS" if v == "*" => Ok(Who::Any),
                        "AWS" => principal_arn(v),
                        _ => other_principal(name, v),
                    };
                    match who {
                        Ok(w) => values.push((w, at, vp)),
                        Err(PrincipalProblem::Refused(why)) => {
                            cx.refuse(at, &vp, why);
                            ok = false;
                        }
                        Err(PrincipalProblem::Invalid(why, hint)) => {
                            cx.error(at, &vp, why, hint);
                            ok = false;
                        }
                    }
                }
            }
            if !ok {
                return None;
            }
            values
        }
        other => {
            cx.error(
                range(other),
                pointer,
                format!("expected \"*\" or an object, found {}", kind(other)),
                None,
            );
            return None;
        }
    };
    if values.iter().any(|(w, ..)| *w == Who::Any) {
        return Some(format!("{not}principal *"));
    }
    let mut patterns: Vec<String> = Vec::new();
    match not_for {
        None => {
            for (w, ..) in &values {
                match w {
                    Who::Any => {}
                    Who::Arn(a) | Who::Other(a) => patterns.push(quote(&pattern_literal(a))),
                    Who::Account(partition, id) => {
                        for service in ["iam", "sts"] {
                            let prefix = format!("arn:{partition}:{service}::{id}:");
                            patterns.push(quote(&format!("{}*", pattern_literal(&prefix))));
                        }
                    }
                }
            }
            if values.iter().any(|(w, ..)| matches!(w, Who::Account(..))) {
                notes.push("An account in `Principal` stands for every IAM and STS principal of the account (their ARNs); AWS also asks the account's own policies, which are not part of this document.");
            }
        }
        Some(Some(Effect::Deny)) => {
            let accounts: Vec<(&str, &str)> = values
                .iter()
                .filter_map(|(w, ..)| match w {
                    Who::Account(p, id) => Some((p.as_str(), id.as_str())),
                    _ => None,
                })
                .collect();
            let mut dropped = false;
            for (w, ..) in &values {
                match w {
                    Who::Any => {}
                    Who::Other(a) => patterns.push(quote(&pattern_literal(a))),
                    Who::Arn(a) => {
                        if arn_account(a).is_some_and(|acct| accounts.contains(&acct)) {
                            patterns.push(quote(&pattern_literal(a)));
                        } else {
                            dropped = true;
                        }
                    }
                    Who::Account(p, id) => {
                        patterns.push(quote(&pattern_literal(&format!("arn:{p}:iam::{id}:root"))))
                    }
                }
            }
            if dropped || !accounts.is_empty() {
                notes.push("IAM may check the caller's account before the caller: a principal in `NotPrincipal` escapes this deny only when its account is named too, and a named account lets only its root user escape.");
            }
            if patterns.is_empty() {
                // Nobody escapes: the deny applies to every caller.
                return Some("principal *".to_string());
            }
        }
        Some(_) => {
            for (w, at, vp) in &values {
                match w {
                    Who::Any => {}
                    Who::Arn(a) | Who::Other(a) => patterns.push(quote(&pattern_literal(a))),
                    Who::Account(..) => {
                        cx.refuse(*at, vp, "an account in the `NotPrincipal` of an `Allow`: AWS does not document which of the caller's identities (account, user or role, session) it checks there");
                    }
                }
            }
            if values.iter().any(|(w, ..)| matches!(w, Who::Account(..))) {
                return None;
            }
        }
    }
    let mut seen = std::collections::HashSet::with_capacity(patterns.len());
    patterns.retain(|p| seen.insert(p.clone()));
    (!patterns.is_empty()).then(|| format!("{not}principal {}", patterns.join(", ")))
}

enum PrincipalProblem {
    Refused(String),
    Invalid(String, Option<&'static str>),
}

/// A `Service`, `Federated` or `CanonicalUser` principal: the host sends
/// `service:NAME`, `federated:NAME` (the provider's name or ARN, as the
/// policy writes it) and `canonical-user:ID` as `principal.id`.
fn other_principal(kind: &str, v: &str) -> Result<Who, PrincipalProblem> {
    let prefix = match kind {
        "Service" => "service",
        "Federated" => "federated",
        _ => "canonical-user",
    };
    if v.is_empty() {
        return Err(PrincipalProblem::Invalid(
            format!("an empty `{kind}` principal"),
            None,
        ));
    }
    if v.contains(['*', '?']) {
        return Err(PrincipalProblem::Invalid(
            format!(
                "`{}`: IAM principals take no wildcards (only \"*\" alone, under `AWS`)",
                one_line(v)
            ),
            None,
        ));
    }
    if v.chars().any(char::is_control) || !v.is_ascii() || v.contains(char::is_whitespace) {
        return Err(PrincipalProblem::Refused(format!(
            "`{}` holds a character AWS principal names do not",
            one_line(v)
        )));
    }
    Ok(Who::Other(format!("{prefix}:{v}")))
}

/// An `AWS` principal: an IAM user or role ARN (the request's
/// `principal.id` is the caller's ARN as `aws:PrincipalArn` gives it), or an
/// account (a 12-digit id, which IAM reads as `arn:aws:iam::ID:root`, or
/// that ARN in any partition).
fn principal_arn(v: &str) -> Result<Who, PrincipalProblem> {
    let twelve = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    if twelve(v) {
        return Ok(Who::Account("aws".to_string(), v.to_string()));
    }
    let parts: Vec<&str> = v.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(PrincipalProblem::Invalid(
            format!("`{v}` is not a principal: expected an ARN, an account id or \"*\""),
            None,
        ));
    };
    if *arn != "arn" || partition.is_empty() || account.is_empty() {
        return Err(PrincipalProblem::Invalid(
            format!("`{v}` is not a principal: expected an ARN, an account id or \"*\""),
            None,
        ));
    }
    if v.contains(['*', '?']) {
        return Err(PrincipalProblem::Invalid(
            format!("`{v}`: IAM principals take no wildcards (only \"*\" alone)"),
            Some("name each principal, or use \"*\" with a condition"),
        ));
    }
    if v.chars().any(char::is_control) || !v.is_ascii() {
        return Err(PrincipalProblem::Refused(format!(
            "`{}` holds a character IAM ARNs do not",
            one_line(v)
        )));
    }
    if *service == "sts" {
        return Err(PrincipalProblem::Refused(
            "a role session (`sts`) principal; principal.id is the role's ARN, not the session's"
                .to_string(),
        ));
    }
    if *service != "iam" || !region.is_empty() {
        return Err(PrincipalProblem::Refused(format!(
            "`{v}`: only IAM user and role ARNs and accounts convert"
        )));
    }
    if *resource == "root" {
        if !twelve(account) {
            return Err(PrincipalProblem::Invalid(
                format!("`{v}`: an account id is 12 digits"),
                None,
            ));
        }
        return Ok(Who::Account(partition.to_string(), account.to_string()));
    }
    if !(resource.starts_with("user/") || resource.starts_with("role/")) {
        return Err(PrincipalProblem::Refused(format!(
            "`{v}`: only IAM user and role ARNs and accounts convert"
        )));
    }
    Ok(Who::Arn(v.to_string()))
}

/// A Tessera pattern that matches exactly `text`: every glob character in a
/// one-character class.
fn pattern_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_literal(&mut out, c);
    }
    out
}

fn push_literal(out: &mut String, c: char) {
    match c {
        '*' | '?' | '[' | ']' | '{' | '}' | ',' | '\\' => {
            out.push('[');
            out.push(c);
            out.push(']');
        }
        c => out.push(c),
    }
}

// ------------------------------------------------------ IAM strings as globs

#[derive(Clone, Copy, PartialEq, Eq)]
enum Piece {
    Lit(char),
    /// IAM `*`: any run of characters, `/` and `:` included.
    Star,
    /// IAM `?`: any one character.
    One,
}

/// What `${...}` means where a string stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variables {
    /// Variables are refused for now (Resource, string operators).
    NotYet,
    /// Not allowed at all (Action).
    Invalid,
}

/// The pieces of an IAM string; `wildcards` says whether `*` and `?` are wildcards there.
fn pieces(
    cx: &mut Cx<'_>,
    text: &str,
    at: Range,
    pointer: &str,
    wildcards: bool,
    variables: Variables,
) -> Option<Vec<Piece>> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if cx.version == Version::V2012 && rest.starts_with("${") {
            let Some(end) = rest.find('}') else {
                cx.refuse(at, pointer, "an unclosed policy variable `${`");
                return None;
            };
            let inner = &rest[2..end];
            match inner {
                "*" => out.push(Piece::Lit('*')),
                "?" => out.push(Piece::Lit('?')),
                "$" => out.push(Piece::Lit('$')),
                _ => {
                    let var = one_line(&rest[..=end]);
                    let why = if inner.contains(',') {
                        "with a default: only `${key}` converts"
                    } else {
                        "joined to other text: Tessera compares a request value with another only whole (`==`), and cannot join text to one; in a condition only a whole value `${key}` under `StringEquals` converts"
                    };
                    match variables {
                        Variables::NotYet => {
                            cx.refuse(at, pointer, format!("the policy variable `{var}` {why}"))
                        }
                        Variables::Invalid => cx.error(
                            at,
                            pointer,
                            format!("policy variables such as `{var}` are not allowed here"),
                            None,
                        ),
                    }
                    return None;
                }
            }
            rest = &rest[end + 1..];
            continue;
        }
        if c.is_control() {
            cx.refuse(at, pointer, "a control character in a value");
            return None;
        }
        out.push(match c {
            '*' if wildcards => Piece::Star,
            '?' if wildcards => Piece::One,
            c => Piece::Lit(c),
        });
        rest = &rest[c.len_utf8()..];
    }
    Some(out)
}

/// The text when every piece is literal.
fn literal(pieces: &[Piece]) -> Option<String> {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Lit(c) => Some(*c),
            _ => None,
        })
        .collect()
}

/// A `like` / `ilike` pattern (where `*` and `?` cross `/`) for the pieces.
fn like_pattern(pieces: &[Piece]) -> String {
    let mut out = String::new();
    let mut last_star = false;
    for p in pieces {
        match p {
            Piece::Star if last_star => {}
            Piece::Star => out.push('*'),
            Piece::One => out.push('?'),
            Piece::Lit(c) => push_literal(&mut out, *c),
        }
        last_star = *p == Piece::Star;
    }
    out
}

// ------------------------------------------------------------------- actions

fn actions(
    cx: &mut Cx<'_>,
    value: &Value<'_>,
    pointer: &str,
    negated: bool,
    conditions: &mut Vec<String>,
) -> Option<String> {
    let values = strings(cx, value, pointer)?;
    let mut patterns = Vec::new();
    let mut any = false;
    let mut ok = true;
    for (v, at, p) in values {
        if v == "*" {
            any = true;
            continue;
        }
        let Some((service, name)) = v.split_once(':') else {
            cx.error(
                at,
                &p,
                format!(
                    "`{}` is not an action: expected `service:Name` or \"*\"",
                    one_line(v)
                ),
                Some("such as \"secretsmanager:GetSecretValue\""),
            );
            ok = false;
            continue;
        };
        if service.is_empty()
            || name.is_empty()
            || !service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'*' || b == b'?')
        {
            cx.error(
                at,
                &p,
                format!(
                    "`{}` is not an action: expected `service:Name` or \"*\"",
                    one_line(v)
                ),
                Some("such as \"secretsmanager:GetSecretValue\""),
            );
            ok = false;
            continue;
        }
        if !v.is_ascii() {
            cx.refuse(
                at,
                &p,
                "a non-ASCII action: IAM ignores case beyond ASCII, `ilike` folds ASCII only",
            );
            ok = false;
            continue;
        }
        match pieces(cx, v, at, &p, true, Variables::Invalid) {
            Some(ps) => patterns.push(format!("action ilike {}", quote(&like_pattern(&ps)))),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    if any {
        return Some(if negated { "not action *" } else { "action *" }.to_string());
    }
    patterns.dedup();
    let joined = patterns.join(" or ");
    conditions.push(if negated {
        format!("not ({joined})")
    } else {
        joined
    });
    Some("action *".to_string())
}

// ----------------------------------------------------------------- resources

fn resources(
    cx: &mut Cx<'_>,
    value: &Value<'_>,
    pointer: &str,
    negated: bool,
    effect: Option<Effect>,
    conditions: &mut Vec<String>,
    notes: &mut Vec<&'static str>,
) -> Option<String> {
    let values = strings(cx, value, pointer)?;
    if cx.version == Version::V2012 && values.iter().any(|(v, ..)| has_variable(v)) {
        return variable_resources(cx, &values, negated, effect, notes);
    }
    let mut any = false;
    let mut ok = true;
    let mut all: Vec<Vec<Piece>> = Vec::new();
    for (v, at, p) in values {
        if v == "*" {
            any = true;
            continue;
        }
        if !v.starts_with("arn:") {
            cx.error(
                at,
                &p,
                format!(
                    "`{}` is not a resource: expected an ARN (`arn:...`) or \"*\"",
                    one_line(v)
                ),
                None,
            );
            ok = false;
            continue;
        }
        match pieces(cx, v, at, &p, true, Variables::NotYet) {
            Some(ps) => all.push(ps),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    let not = if negated { "not " } else { "" };
    if any {
        return Some(format!("{not}resource **"));
    }
    // Exact ARNs whose segments a resource pattern can hold: a plain line.
    let literals: Option<Vec<String>> = all.iter().map(|p| literal(p)).collect();
    if let Some(literals) = &literals
        && literals
            .iter()
            .all(|l| l.split('/').all(|s| !s.is_empty() && s != "." && s != ".."))
    {
        let mut patterns: Vec<String> = literals
            .iter()
            .map(|l| quote(&pattern_literal(l)))
            .collect();
        patterns.dedup();
        return Some(format!("{not}resource {}", patterns.join(", ")));
    }
    // IAM's `*` and `?` cross `/`: `like` matches the same way.
    let mut tests: Vec<String> = all
        .iter()
        .map(|p| match literal(p) {
            Some(l) => format!("resource.path == {}", quote(&l)),
            None => format!("resource.path like {}", quote(&like_pattern(p))),
        })
        .collect();
    tests.dedup();
    let joined = tests.join(" or ");
    conditions.push(if negated {
        format!("not ({joined})")
    } else {
        joined
    });
    // An allow's resource line may hold more than the condition (it only
    // has to hold every ARN the condition matches): ARNs by their literal
    // start, so that the engine's index finds the statement by its path
    // instead of trying it on every request. A deny keeps `**`, so that
    // nothing about the line can make it miss.
    if effect == Some(Effect::Allow) && !negated {
        let starts: Option<Vec<Vec<String>>> = all.iter().map(|p| covering_patterns(p)).collect();
        if let Some(starts) = starts {
            let mut patterns: Vec<String> = starts.into_iter().flatten().collect();
            patterns.sort();
            patterns.dedup();
            notes.push("The resource line holds every ARN that starts as the statement's patterns do, so that the index finds the statement; the `when` condition says exactly which ARNs it matches.");
            return Some(format!("resource {}", patterns.join(", ")));
        }
    }
    Some("resource **".to_string())
}

/// Resource patterns that together match every normalized path starting
/// with the literal text before the first wildcard of `pieces` (a superset
/// of what `pieces` match), or `None` when that start is empty or has a
/// segment a normalized path cannot have.
fn covering_patterns(pieces: &[Piece]) -> Option<Vec<String>> {
    let start: String = pieces
        .iter()
        .map_while(|p| match p {
            Piece::Lit(c) => Some(*c),
            _ => None,
        })
        .collect();
    if start.is_empty() {
        return None;
    }
    let (dir, tail) = match start.rsplit_once('/') {
        Some((dir, tail)) => (Some(dir), tail),
        None => (None, start.as_str()),
    };
    let mut head = String::new();
    if let Some(dir) = dir {
        if dir
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return None;
        }
        head = pattern_literal(dir);
        if tail.is_empty() {
            // Everything below `dir/`.
            return Some(vec![quote(&format!("{head}/**"))]);
        }
        head.push('/');
    }
    // The segment starting with `tail`, alone or with more below it.
    let segment = format!("{head}{}*", pattern_literal(tail));
    Some(vec![quote(&segment), quote(&format!("{segment}/**"))])
}

/// Whether `v` holds a policy variable other than the escapes `${*}`,
/// `${?}`, `${$}` (read in 2012-10-17 only).
fn has_variable(v: &str) -> bool {
    let mut rest = v;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        match after.find('}') {
            Some(end) if matches!(&after[..end], "*" | "?" | "$") => rest = &after[end + 1..],
            _ => return true,
        }
    }
    false
}

/// One piece of an ARN with policy variables.
enum VarPiece {
    Piece(Piece),
    /// `${key}`: the Tessera key the variable reads.
    Var(String),
}

/// The most `*` and `?` an ARN with variables may hold: each doubles the
/// patterns written.
const MAX_VARIABLE_ARN_WILDCARDS: usize = 4;

/// A `Resource` (or `NotResource`) list in which some ARN holds a policy
/// variable: every ARN becomes resource patterns, the variables Tessera's
/// `${key}`.
///
/// IAM's `*` is any run of characters, `/` included: it is written as two
/// patterns, `*` (inside one segment) and `*/**/*` (across segments); IAM's
/// `?` as `?` and `/`. Tessera's variable matches its value literally, and
/// never a value that is empty, holds `/`, or is `.` or `..`, where IAM
/// matches the value as text (how IAM reads a `*` in a value is not
/// documented): the converted pattern matches a subset of IAM's. That is
/// strict in an `Allow`'s `Resource` and a `Deny`'s `NotResource` only; the
/// other two are refused. A missing value makes the pattern unknown, which
/// fails closed (IAM: no match), the same decision in both places.
fn variable_resources(
    cx: &mut Cx<'_>,
    values: &[(&str, Range, String)],
    negated: bool,
    effect: Option<Effect>,
    notes: &mut Vec<&'static str>,
) -> Option<String> {
    let not = if negated { "not " } else { "" };
    let strict = matches!(
        (effect, negated),
        (Some(Effect::Allow), false) | (Some(Effect::Deny), true)
    );
    let mut patterns: Vec<String> = Vec::new();
    let mut ok = true;
    let mut any = false;
    for (v, at, p) in values {
        if *v == "*" {
            any = true;
            continue;
        }
        if !v.starts_with("arn:") {
            cx.error(
                *at,
                p,
                format!(
                    "`{}` is not a resource: expected an ARN (`arn:...`) or \"*\"",
                    one_line(v)
                ),
                None,
            );
            ok = false;
            continue;
        }
        if has_variable(v) && !strict {
            let place = if negated {
                "the `NotResource` of an `Allow`"
            } else {
                "the `Resource` of a `Deny`"
            };
            cx.refuse(
                *at,
                p,
                format!("a policy variable in {place}: Tessera's variable matches fewer paths than IAM's (never a value that is empty or holds `/`), so the statement would apply to fewer requests than IAM's"),
            );
            ok = false;
            continue;
        }
        let Some(ps) = variable_pieces(cx, v, *at, p) else {
            ok = false;
            continue;
        };
        match variable_patterns(&ps) {
            Ok(list) => patterns.extend(list),
            Err(why) => {
                cx.refuse(*at, p, why);
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    if any {
        return Some(format!("{not}resource **"));
    }
    notes.push("A policy variable in the resource matches its value literally; a value that is empty, holds `/`, or is `.` or `..` matches nothing (IAM matches it as text), and a missing one makes the resource unknown.");
    let mut seen = std::collections::HashSet::with_capacity(patterns.len());
    patterns.retain(|p| seen.insert(p.clone()));
    Some(format!("{not}resource {}", patterns.join(", ")))
}

/// The pieces of an ARN with policy variables (2012-10-17).
fn variable_pieces(cx: &mut Cx<'_>, text: &str, at: Range, pointer: &str) -> Option<Vec<VarPiece>> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("${") {
            let Some(end) = rest.find('}') else {
                cx.refuse(at, pointer, "an unclosed policy variable `${`");
                return None;
            };
            let inner = &rest[2..end];
            match inner {
                "*" => out.push(VarPiece::Piece(Piece::Lit('*'))),
                "?" => out.push(VarPiece::Piece(Piece::Lit('?'))),
                "$" => out.push(VarPiece::Piece(Piece::Lit('$'))),
                _ => {
                    let shown = one_line(&rest[..=end]);
                    let simple = !inner.is_empty()
                        && !inner.contains(['{', '}', '$', ',', '\'', ' ', '"', '\\']);
                    if !simple {
                        cx.refuse(
                            at,
                            pointer,
                            format!("the policy variable `{shown}`: only `${{key}}` converts, without a default"),
                        );
                        return None;
                    }
                    let key = match condition_key(inner) {
                        Ok(k) => k,
                        Err(why) => {
                            cx.refuse(at, pointer, format!("the policy variable `{shown}`: {why}"));
                            return None;
                        }
                    };
                    if !matches!(key.family(), None | Some(Family::String)) {
                        cx.refuse(
                            at,
                            pointer,
                            format!(
                                "the policy variable `{shown}` is `{}`, which Tessera does not hold as a string",
                                key.tessera()
                            ),
                        );
                        return None;
                    }
                    out.push(VarPiece::Var(key.tessera()));
                }
            }
            rest = &rest[end + 1..];
            continue;
        }
        if c.is_control() {
            cx.refuse(at, pointer, "a control character in a value");
            return None;
        }
        out.push(VarPiece::Piece(match c {
            '*' => Piece::Star,
            '?' => Piece::One,
            c => Piece::Lit(c),
        }));
        rest = &rest[c.len_utf8()..];
    }
    Some(out)
}

/// The resource patterns that together match what IAM's ARN pattern does
/// (variables aside, see [`variable_resources`]): one per choice of `*`
/// or `*/**/*` for each IAM `*`, and `?` or `/` for each IAM `?`.
fn variable_patterns(ps: &[VarPiece]) -> Result<Vec<String>, String> {
    // Consecutive stars are one.
    let mut pieces: Vec<&VarPiece> = Vec::with_capacity(ps.len());
    for p in ps {
        let star = |p: &VarPiece| matches!(p, VarPiece::Piece(Piece::Star));
        if star(p) && pieces.last().is_some_and(|l| star(l)) {
            continue;
        }
        pieces.push(p);
    }
    let wild = pieces
        .iter()
        .filter(|p| matches!(p, VarPiece::Piece(Piece::Star | Piece::One)))
        .count();
    if wild > MAX_VARIABLE_ARN_WILDCARDS {
        return Err(format!(
            "an ARN with a policy variable and more than {MAX_VARIABLE_ARN_WILDCARDS} wildcards (`*`, `?`): each is written as two resource patterns"
        ));
    }
    let variables = pieces.iter().any(|p| matches!(p, VarPiece::Var(_)));
    // The literal text, for the checks on what a resource pattern may hold.
    let mut segment = String::new();
    for p in &pieces {
        match p {
            VarPiece::Piece(Piece::Lit(c)) if matches!(c, '[' | ']' | '{' | '}') && variables => {
                return Err(format!(
                    "the character `{c}` beside a policy variable: Tessera's variables cannot stand next to a class or alternatives"
                ));
            }
            VarPiece::Piece(Piece::Lit('/')) => {
                if segment == "." || segment == ".." {
                    return Err(format!(
                        "a `{segment}` path segment, which a resource pattern cannot hold"
                    ));
                }
                segment.clear();
            }
            VarPiece::Piece(Piece::Lit(c)) => segment.push(*c),
            _ => segment.push('x'),
        }
    }
    if segment == "." || segment == ".." {
        return Err(format!(
            "a `{segment}` path segment, which a resource pattern cannot hold"
        ));
    }
    let mut out = Vec::with_capacity(1 << wild);
    for choice in 0..(1usize << wild) {
        let mut text = String::new();
        let mut k = 0;
        for p in &pieces {
            match p {
                VarPiece::Piece(Piece::Lit(c)) => push_literal(&mut text, *c),
                VarPiece::Piece(w @ (Piece::Star | Piece::One)) => {
                    let across = (choice >> k) & 1 == 1;
                    k += 1;
                    text.push_str(match (w, across) {
                        (Piece::Star, false) => "*",
                        (Piece::Star, true) => "*/**/*",
                        (_, false) => "?",
                        (_, true) => "/",
                    });
                }
                VarPiece::Var(key) => {
                    text.push_str("${");
                    text.push_str(key);
                    text.push('}');
                }
            }
        }
        out.push(quote(&text));
    }
    Ok(out)
}

// ---------------------------------------------------------------- conditions

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    EqIgnoreCase,
    Like,
    Lt,
    Le,
    Gt,
    Ge,
}

/// IAM's condition operators: name, family, negated, comparison.
const OPERATORS: &[(&str, Family, bool, Cmp)] = &[
    ("StringEquals", Family::String, false, Cmp::Eq),
    ("StringNotEquals", Family::String, true, Cmp::Eq),
    (
        "StringEqualsIgnoreCase",
        Family::String,
        false,
        Cmp::EqIgnoreCase,
    ),
    (
        "StringNotEqualsIgnoreCase",
        Family::String,
        true,
        Cmp::EqIgnoreCase,
    ),
    ("StringLike", Family::String, false, Cmp::Like),
    ("StringNotLike", Family::String, true, Cmp::Like),
    ("NumericEquals", Family::Numeric, false, Cmp::Eq),
    ("NumericNotEquals", Family::Numeric, true, Cmp::Eq),
    ("NumericLessThan", Family::Numeric, false, Cmp::Lt),
    ("NumericLessThanEquals", Family::Numeric, false, Cmp::Le),
    ("NumericGreaterThan", Family::Numeric, false, Cmp::Gt),
    ("NumericGreaterThanEquals", Family::Numeric, false, Cmp::Ge),
    ("DateEquals", Family::Date, false, Cmp::Eq),
    ("DateNotEquals", Family::Date, true, Cmp::Eq),
    ("DateLessThan", Family::Date, false, Cmp::Lt),
    ("DateLessThanEquals", Family::Date, false, Cmp::Le),
    ("DateGreaterThan", Family::Date, false, Cmp::Gt),
    ("DateGreaterThanEquals", Family::Date, false, Cmp::Ge),
    ("Bool", Family::Bool, false, Cmp::Eq),
    ("BinaryEquals", Family::Binary, false, Cmp::Eq),
    ("IpAddress", Family::Ip, false, Cmp::Eq),
    ("NotIpAddress", Family::Ip, true, Cmp::Eq),
    ("ArnEquals", Family::Arn, false, Cmp::Eq),
    ("ArnLike", Family::Arn, false, Cmp::Like),
    ("ArnNotEquals", Family::Arn, true, Cmp::Eq),
    ("ArnNotLike", Family::Arn, true, Cmp::Like),
    ("Null", Family::Null, false, Cmp::Eq),
];

/// A condition key that has a Tessera key.
#[derive(Clone, PartialEq, Eq)]
enum Key {
    SourceIp,
    Mfa,
    MfaAge,
    Time,
    VersionStage,
    PrincipalTag(String),
    ResourceTag(String),
    /// Any other key: the custom context attribute of that name, lower-cased.
    Custom(String),
}

/// A name after `context.` or `.tags.`: bare when it is a Tessera name, else quoted.
fn attribute_name(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { name.to_string() } else { quote(name) }
}

impl Key {
    fn tessera(&self) -> String {
        match self {
            Key::SourceIp => "source_ip".to_string(),
            Key::Mfa => "mfa".to_string(),
            Key::MfaAge => "mfa_age".to_string(),
            Key::Time => "time".to_string(),
            Key::VersionStage => "version_stage".to_string(),
            Key::PrincipalTag(k) => format!("principal.tags.{}", attribute_name(k)),
            Key::ResourceTag(k) => format!("resource.tags.{}", attribute_name(k)),
            Key::Custom(k) => format!("context.{}", attribute_name(k)),
        }
    }

    /// The operator family that compares this key as Tessera types it:
    /// `None` for a custom attribute, which each comparison types by its literal.
    fn family(&self) -> Option<Family> {
        match self {
            Key::SourceIp => Some(Family::Ip),
            Key::Mfa => Some(Family::Bool),
            Key::MfaAge => Some(Family::Numeric),
            Key::Time => Some(Family::Date),
            Key::VersionStage | Key::PrincipalTag(_) | Key::ResourceTag(_) => Some(Family::String),
            Key::Custom(_) => None,
        }
    }

    fn can_be_missing(&self) -> bool {
        *self != Key::Time
    }
}

fn family_words(f: Family) -> &'static str {
    match f {
        Family::String => "a string",
        Family::Numeric => "a number",
        Family::Date => "a date",
        Family::Bool => "a boolean",
        Family::Binary => "binary data",
        Family::Ip => "an IP address",
        Family::Arn => "an ARN",
        Family::Null => "present or absent",
    }
}

/// Whether `c` has another case (`é` and `É`), or folds to something else.
fn has_case(c: char) -> bool {
    let lower: Vec<char> = c.to_lowercase().collect();
    let upper: Vec<char> = c.to_uppercase().collect();
    lower != [c] || upper != [c]
}

/// The Tessera key of an IAM condition key (names are case-insensitive), or why there is none.
fn condition_key(name: &str) -> Result<Key, String> {
    if name.chars().any(char::is_control) {
        return Err("a control character in a condition key".to_string());
    }
    // The request's names are the policy's in ASCII lower case; IAM's case
    // folding beyond ASCII is not documented, so a name converts only when
    // its other characters have no case (`成本`, `€`): then every folding
    // leaves them as they are.
    if let Some(c) = name.chars().find(|c| !c.is_ascii() && has_case(*c)) {
        return Err(format!(
            "the condition key `{name}` holds `{c}`, a letter with case beyond ASCII: IAM reads key names ignoring case, and how it folds such letters is not documented"
        ));
    }
    let lower = name.to_ascii_lowercase();
    let tag = |prefix: &str| -> Option<Result<String, String>> {
        let k = lower.strip_prefix(prefix)?;
        Some(if k.is_empty() {
            Err(format!("the tag key in `{}` is empty", one_line(name)))
        } else {
            Ok(k.to_string())
        })
    };
    match lower.as_str() {
        "aws:sourceip" => return Ok(Key::SourceIp),
        "aws:multifactorauthpresent" => return Ok(Key::Mfa),
        "aws:multifactorauthage" => return Ok(Key::MfaAge),
        "aws:currenttime" => return Ok(Key::Time),
        "secretsmanager:versionstage" => return Ok(Key::VersionStage),
        _ => {}
    }
    if let Some(t) = tag("aws:principaltag/") {
        return t.map(Key::PrincipalTag);
    }
    if let Some(t) = tag("aws:resourcetag/").or_else(|| tag("secretsmanager:resourcetag/")) {
        return t.map(Key::ResourceTag);
    }
    // IAM's keys are `service:name`; a name without a prefix could clash
    // with Tessera's own context fields (`context.mfa`).
    match lower.split_once(':') {
        Some((service, rest)) if !service.is_empty() && !rest.is_empty() => Ok(Key::Custom(lower)),
        _ => Err(format!(
            "the condition key `{}` is not `service:name`",
            one_line(name)
        )),
    }
}

fn condition_block(
    cx: &mut Cx<'_>,
    value: &Value<'_>,
    pointer: &str,
    effect: Option<Effect>,
    out: &mut Vec<String>,
) {
    let Value::Object(o) = value else {
        cx.error(
            range(value),
            pointer,
            format!("expected an object of operators, found {}", kind(value)),
            None,
        );
        return;
    };
    if o.properties.is_empty() {
        cx.error(
            o.range,
            pointer,
            "is empty",
            Some("remove the empty `Condition`, or give it an operator"),
        );
        return;
    }
    for (name, at) in duplicates(&o.properties) {
        cx.error(
            at,
            &child(pointer, name),
            "is given twice",
            Some("put both keys under one operator"),
        );
    }
    for p in &o.properties {
        let (op_name, op_at) = key(p);
        operator(
            cx,
            op_name,
            op_at,
            &p.value,
            &child(pointer, op_name),
            effect,
            out,
        );
    }
}

fn operator(
    cx: &mut Cx<'_>,
    full: &str,
    at: Range,
    value: &Value<'_>,
    pointer: &str,
    effect: Option<Effect>,
    out: &mut Vec<String>,
) {
    let (quantifier, rest) = match full.split_once(':') {
        Some((q @ ("ForAllValues" | "ForAnyValue"), rest)) => (Some(q), rest),
        _ => (None, full),
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(b) if !b.is_empty() => (b, true),
        _ => (rest, false),
    };
    let Some(&(_, family, negated, cmp)) = OPERATORS.iter().find(|(n, ..)| *n == base) else {
        let names: Vec<String> = OPERATORS.iter().map(|(n, ..)| n.to_string()).collect();
        let suggestion = closest(base, names.iter().map(String::as_str)).map(|c| {
            let mut s = String::new();
            if let Some(q) = quantifier {
                s.push_str(q);
                s.push(':');
            }
            s.push_str(c);
            if if_exists {
                s.push_str("IfExists");
            }
            format!("did you mean `{s}`?")
        });
        cx.error(
            at,
            pointer,
            format!("unknown condition operator `{}`", one_line(full)),
            suggestion.as_deref(),
        );
        return;
    };
    if family == Family::Null && if_exists {
        cx.error(
            at,
            pointer,
            "`Null` takes no `IfExists`: it tests whether the key is present",
            Some("use `Null`"),
        );
        return;
    }
    let Value::Object(keys) = value else {
        cx.error(
            range(value),
            pointer,
            format!(
                "expected an object of condition keys, found {}",
                kind(value)
            ),
            None,
        );
        return;
    };
    if keys.properties.is_empty() {
        cx.error(
            keys.range,
            pointer,
            "is empty: an operator needs at least one condition key",
            None,
        );
        return;
    }
    for (name, at) in duplicates(&keys.properties) {
        cx.error(
            at,
            &child(pointer, name),
            "is given twice",
            Some("list several values in one array instead"),
        );
    }
    // Key names ignore case: `aws:SourceIp` and `aws:sourceip` under one
    // operator are one key given twice, and which copy IAM reads is not
    // documented.
    let mut by_case: HashMap<String, &str> = HashMap::with_capacity(keys.properties.len());
    for p in &keys.properties {
        let (name, at) = key(p);
        match by_case.get(&name.to_ascii_lowercase()) {
            None => {
                by_case.insert(name.to_ascii_lowercase(), name);
            }
            // The same spelling twice is reported above.
            Some(first) if *first == name => {}
            Some(first) => cx.error(
                at,
                &child(pointer, name),
                format!(
                    "is given twice: condition key names ignore case, and `{first}` is the same key"
                ),
                Some("list several values in one array instead"),
            ),
        }
    }
    let quantifier = match quantifier {
        None => None,
        Some(_) if family == Family::Null => {
            cx.error(
                at,
                pointer,
                "`Null` takes no `ForAllValues:` or `ForAnyValue:`: it tests whether the key is present",
                Some("use `Null`"),
            );
            return;
        }
        // With `ForAnyValue:`, what `IfExists` changes is not documented:
        // the reading is chosen by the statement's effect (see
        // `quantified`), which needs one.
        Some("ForAnyValue") if if_exists && effect.is_none() => {
            for p in &keys.properties {
                let (key_name, _) = key(p);
                // Malformed values are reported all the same.
                let _ = condition_values(cx, &p.value, &child(pointer, key_name), family, full);
            }
            cx.refuse(
                at,
                pointer,
                "`ForAnyValue:` with `IfExists`: AWS does not document what `IfExists` changes for a key the request lacks there",
            );
            return;
        }
        Some("ForAnyValue") => Some(Quantifier::Any),
        Some(_) => Some(Quantifier::All),
    };
    let op = Op {
        name: full,
        base,
        family,
        negated,
        cmp,
        if_exists,
        quantifier,
        effect,
    };
    for p in &keys.properties {
        let (key_name, key_at) = key(p);
        let kp = child(pointer, key_name);
        let before = cx.diagnostics.len();
        match key_test(cx, &op, key_name, key_at, &kp, &p.value) {
            Some(test) => out.push(test),
            // Every refusal says why; a condition is never dropped silently.
            None if cx.diagnostics.len() == before => cx.error(
                key_at,
                &kp,
                "internal error: the condition was not converted",
                None,
            ),
            None => {}
        }
    }
}

/// An operator as read from its name.
struct Op<'a> {
    name: &'a str,
    base: &'a str,
    family: Family,
    negated: bool,
    cmp: Cmp,
    if_exists: bool,
    quantifier: Option<Quantifier>,
    /// The statement's effect: where IAM's reading is not documented, the
    /// converted condition takes the reading under which the statement
    /// applies to fewer requests (an `Allow`) or more (a `Deny`).
    effect: Option<Effect>,
}

/// `ForAnyValue:` or `ForAllValues:`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quantifier {
    Any,
    All,
}

/// The test for one key under one operator, with IAM's missing-key rule
/// written out; `None` after a diagnostic.
fn key_test(
    cx: &mut Cx<'_>,
    op: &Op<'_>,
    key_name: &str,
    key_at: Range,
    kp: &str,
    value: &Value<'_>,
) -> Option<String> {
    let values = condition_values(cx, value, kp, op.family, op.name);
    let key = match condition_key(key_name) {
        Ok(k) => k,
        Err(why) => {
            cx.refuse(key_at, kp, why);
            return None;
        }
    };
    let values = values?;
    if op.family == Family::Null {
        return null_test(cx, &key, &values, key_at, kp);
    }
    match key.family() {
        Some(f) if f != op.family => {
            cx.refuse(
                key_at,
                kp,
                format!(
                    "`{}` compares `{key_name}` as {}, and Tessera's `{}` holds {}",
                    op.base,
                    family_words(op.family),
                    key.tessera(),
                    family_words(f)
                ),
            );
            return None;
        }
        Some(_) => {}
        None => match op.family {
            Family::String
            | Family::Numeric
            | Family::Bool
            | Family::Ip
            | Family::Date
            | Family::Arn
            | Family::Binary => {}
            other => {
                cx.refuse(
                    key_at,
                    kp,
                    format!(
                        "`{}` compares `{key_name}` as {}, which Tessera has no comparison for",
                        op.base,
                        family_words(other)
                    ),
                );
                return None;
            }
        },
    }
    if let (Some(q), true, Family::String) =
        (op.quantifier, matches!(key, Key::Custom(_)), op.family)
    {
        return list_quantified(cx, &key, q, op, &values);
    }
    if op.quantifier.is_some() && matches!(key, Key::Custom(_)) {
        cx.refuse(
            key_at,
            kp,
            format!(
                "`{}` with a non-string operator on `{key_name}`, a custom attribute a request may send as a list: only string operators convert to `any` / `all` yet",
                op.name.split(':').next().unwrap_or(op.name)
            ),
        );
        return None;
    }
    let plain = !op.negated && !op.if_exists && op.quantifier.is_none();
    // Whether the statement applies to fewer requests as the match narrows
    // (an `Allow` with a positive operator, a `Deny` with a negated one).
    let narrower_is_strict = match (op.effect, op.negated) {
        (Some(Effect::Allow), false) | (Some(Effect::Deny), true) => Some(true),
        (Some(Effect::Allow), true) | (Some(Effect::Deny), false) => Some(false),
        (None, _) => None,
    };
    let arn_bound = if op.family == Family::Arn {
        narrower_is_strict
    } else {
        None
    };
    let core = positive(cx, &key, op.family, op.cmp, plain, arn_bound, &values)?;
    let k = key.tessera();
    let grouped = if core.contains(" or ") {
        format!("({core})")
    } else {
        core.clone()
    };
    if let Some(q) = op.quantifier {
        return Some(quantified(&key, q, op, &core, &grouped));
    }
    Some(match (key.can_be_missing(), op.negated, op.if_exists) {
        (false, false, _) => core,
        (false, true, _) => format!("not ({core})"),
        (true, false, false) => format!("has {k} and {grouped}"),
        (true, false, true) => format!("not has {k} or {grouped}"),
        (true, true, _) => format!("not has {k} or not ({core})"),
    })
}

/// `ForAnyValue:` / `ForAllValues:` on a key Tessera holds as one value.
/// What `IfExists` changes under `ForAnyValue:` is not documented either: an
/// `Allow` reads it as without `IfExists` (a missing key is false), a `Deny`
/// as a missing or empty key being true.
/// IAM reads one value as a set of one, and a missing key or an empty
/// string as an empty set: `ForAnyValue:` is then false, `ForAllValues:`
/// true (with or without `IfExists`). A negated operator (`StringNotEquals`)
/// asks of each value that it matches none of the policy's.
///
/// That a missing key or an empty value makes `ForAllValues:` true is
/// documented (IAM User Guide, multivalued context key examples); what
/// `ForAnyValue:` does with an empty string is not: as a set of none it is
/// false, as the value `""` it is the operator's answer for `""`. An `Allow`
/// takes both readings (false), a `Deny` either (the operator's answer).
fn quantified(key: &Key, q: Quantifier, op: &Op<'_>, core: &str, grouped: &str) -> String {
    let k = key.tessera();
    let negated = op.negated;
    let test = if negated {
        format!("not ({core})")
    } else if core.contains(" and ") {
        format!("({core})")
    } else {
        grouped.to_string()
    };
    let string = key.family() == Some(Family::String);
    let string_any = string && op.effect != Some(Effect::Deny);
    // `ForAnyValue:...IfExists` in a `Deny`: the widest reading, where
    // `IfExists` makes a missing (or empty) key true.
    if q == Quantifier::Any
        && op.if_exists
        && op.effect == Some(Effect::Deny)
        && key.can_be_missing()
    {
        return if string {
            format!("not has {k} or {k} == \"\" or {test}")
        } else {
            format!("not has {k} or {test}")
        };
    }
    match (q, key.can_be_missing(), string) {
        (Quantifier::Any, false, _) => test,
        (Quantifier::Any, true, _) if !string_any => format!("has {k} and {test}"),
        (Quantifier::Any, true, _) => format!("has {k} and {k} != \"\" and {test}"),
        (Quantifier::All, false, _) => test,
        (Quantifier::All, true, false) => format!("not has {k} or {test}"),
        (Quantifier::All, true, true) => format!("not has {k} or {k} == \"\" or {test}"),
    }
}

/// `ForAnyValue:` / `ForAllValues:` with a string operator on a custom
/// attribute, which the request sends as a JSON array of strings:
///
/// - `ForAnyValue:Op` is `has K and any K op X`, `ForAnyValue:NotOp` is
///   `has K and not all K op X` (some item matches none of the values);
/// - `ForAllValues:Op` is `not has K or all K op X`, `ForAllValues:NotOp`
///   is `not has K or not any K op X` (no item matches any).
///
/// An empty list makes `any` false and `all` true, as IAM's empty set; a
/// missing key likewise. A value that is not a list of strings makes the
/// line unknown, which fails closed.
fn list_quantified(
    cx: &mut Cx<'_>,
    key: &Key,
    q: Quantifier,
    op: &Op<'_>,
    values: &[CondValue<'_>],
) -> Option<String> {
    let k = key.tessera();
    let mut items: Vec<String> = Vec::new();
    let mut ok = true;
    for v in values {
        let Value::StringLit(s) = v.value else {
            cx.refuse(
                v.at,
                &v.pointer,
                format!(
                    "{} under a string operator; write it as a string",
                    kind(v.value)
                ),
            );
            ok = false;
            continue;
        };
        if op.cmp == Cmp::EqIgnoreCase && !s.value.is_ascii() {
            cx.refuse(
                v.at,
                &v.pointer,
                "a non-ASCII value under an IgnoreCase operator: `ilike` folds ASCII case only",
            );
            ok = false;
            continue;
        }
        let wildcards = op.cmp == Cmp::Like;
        let Some(ps) = pieces(cx, &s.value, v.at, &v.pointer, wildcards, Variables::NotYet) else {
            ok = false;
            continue;
        };
        items.push(match op.cmp {
            Cmp::Eq => match literal(&ps) {
                Some(l) => quote(&l),
                None => {
                    cx.error(
                        v.at,
                        &v.pointer,
                        "internal error: a wildcard in an exact comparison",
                        None,
                    );
                    ok = false;
                    continue;
                }
            },
            _ => quote(&like_pattern(&ps)),
        });
    }
    if !ok {
        return None;
    }
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    items.retain(|i| seen.insert(i.clone()));
    let word = match op.cmp {
        Cmp::Eq if items.len() == 1 => "==",
        Cmp::Eq => "in",
        Cmp::EqIgnoreCase => "ilike",
        _ => "like",
    };
    let operand = if items.len() == 1 {
        items.join("")
    } else {
        format!("[{}]", items.join(", "))
    };
    let test = |quantifier: &str| format!("{quantifier} {k} {word} {operand}");
    // `ForAnyValue:...IfExists` in a `Deny`: a missing key true (see `quantified`).
    if q == Quantifier::Any && op.if_exists && op.effect == Some(Effect::Deny) {
        let inner = if op.negated {
            format!("not {}", test("all"))
        } else {
            test("any")
        };
        return Some(format!("not has {k} or {inner}"));
    }
    Some(match (q, op.negated) {
        (Quantifier::Any, false) => format!("has {k} and {}", test("any")),
        (Quantifier::Any, true) => format!("has {k} and not {}", test("all")),
        (Quantifier::All, false) => format!("not has {k} or {}", test("all")),
        (Quantifier::All, true) => format!("not has {k} or not {}", test("any")),
    })
}

/// One value of a condition, with its place.
struct CondValue<'a> {
    value: &'a Value<'a>,
    at: Range,
    pointer: String,
}

fn condition_values<'a>(
    cx: &mut Cx<'_>,
    value: &'a Value<'a>,
    pointer: &str,
    family: Family,
    op: &str,
) -> Option<Vec<CondValue<'a>>> {
    let list: Vec<CondValue<'a>> = match value {
        Value::Array(a) if a.elements.is_empty() => {
            cx.error(
                a.range,
                pointer,
                "is an empty list",
                Some("list at least one value"),
            );
            return None;
        }
        Value::Array(a) => a
            .elements
            .iter()
            .enumerate()
            .map(|(i, v)| CondValue {
                value: v,
                at: range(v),
                pointer: format!("{pointer}/{i}"),
            })
            .collect(),
        v => vec![CondValue {
            value: v,
            at: range(v),
            pointer: pointer.to_string(),
        }],
    };
    let mut ok = true;
    for v in &list {
        match v.value {
            Value::StringLit(s) => {
                if family != Family::String
                    && family != Family::Arn
                    && cx.version == Version::V2012
                    && s.value.contains("${")
                {
                    cx.error(
                        v.at,
                        &v.pointer,
                        format!("a policy variable under `{op}`: IAM substitutes variables only under string and ARN operators"),
                        None,
                    );
                    ok = false;
                }
            }
            Value::NumberLit(_) | Value::BooleanLit(_) => {}
            other => {
                cx.error(
                    v.at,
                    &v.pointer,
                    format!(
                        "expected a string, number or boolean, found {}",
                        kind(other)
                    ),
                    None,
                );
                ok = false;
            }
        }
    }
    ok.then_some(list)
}

/// `true` / `false` as IAM's `Bool` and `Null` take them.
fn boolean(cx: &mut Cx<'_>, v: &CondValue<'_>, op: &str) -> Option<bool> {
    match v.value {
        Value::BooleanLit(b) => Some(b.value),
        Value::StringLit(s) if s.value == "true" => Some(true),
        Value::StringLit(s) if s.value == "false" => Some(false),
        _ => {
            cx.error(
                v.at,
                &v.pointer,
                format!("`{op}` takes \"true\" or \"false\""),
                None,
            );
            None
        }
    }
}

fn null_test(
    cx: &mut Cx<'_>,
    key: &Key,
    values: &[CondValue<'_>],
    at: Range,
    pointer: &str,
) -> Option<String> {
    let mut wanted: Vec<bool> = Vec::new();
    for v in values {
        let b = boolean(cx, v, "Null")?;
        if !wanted.contains(&b) {
            wanted.push(b);
        }
    }
    if !key.can_be_missing() {
        cx.refuse(
            at,
            pointer,
            format!("`Null` on `{}`, which every request carries", key.tessera()),
        );
        return None;
    }
    let k = key.tessera();
    let tests: Vec<String> = wanted
        .iter()
        .map(|absent| {
            if *absent {
                format!("not has {k}")
            } else {
                format!("has {k}")
            }
        })
        .collect();
    Some(tests.join(" or "))
}

/// The test that holds when the key is present and equals (matches,
/// compares with) any of the values.
fn positive(
    cx: &mut Cx<'_>,
    key: &Key,
    family: Family,
    cmp: Cmp,
    plain: bool,
    arn_bound: Option<bool>,
    values: &[CondValue<'_>],
) -> Option<String> {
    let k = key.tessera();
    let custom = matches!(key, Key::Custom(_));
    let mut tests: Vec<String> = Vec::new();
    let mut ok = true;
    match family {
        Family::String => {
            let mut equal: Vec<String> = Vec::new();
            for v in values {
                let Value::StringLit(s) = v.value else {
                    cx.refuse(
                        v.at,
                        &v.pointer,
                        format!(
                            "{} under a string operator; write it as a string",
                            kind(v.value)
                        ),
                    );
                    ok = false;
                    continue;
                };
                if let Some(var) = whole_variable(cx, &s.value) {
                    let Some(test) = variable_test(cx, key, var, cmp, plain, v) else {
                        ok = false;
                        continue;
                    };
                    tests.push(test);
                    continue;
                }
                let wildcards = cmp == Cmp::Like;
                let Some(ps) = pieces(cx, &s.value, v.at, &v.pointer, wildcards, Variables::NotYet)
                else {
                    ok = false;
                    continue;
                };
                match cmp {
                    Cmp::Eq => match literal(&ps) {
                        Some(l) => equal.push(quote(&l)),
                        None => {
                            cx.error(
                                v.at,
                                &v.pointer,
                                "internal error: a wildcard in an exact comparison",
                                None,
                            );
                            ok = false;
                        }
                    },
                    Cmp::EqIgnoreCase if !s.value.is_ascii() => {
                        cx.refuse(v.at, &v.pointer, "a non-ASCII value under an IgnoreCase operator: `ilike` folds ASCII case only");
                        ok = false;
                    }
                    Cmp::EqIgnoreCase => {
                        tests.push(format!("{k} ilike {}", quote(&like_pattern(&ps))))
                    }
                    _ => match literal(&ps) {
                        // No wildcard: plain equality says the same, more plainly.
                        Some(l) => tests.push(format!("{k} == {}", quote(&l))),
                        None => tests.push(format!("{k} like {}", quote(&like_pattern(&ps)))),
                    },
                }
            }
            equal.dedup();
            match equal.len() {
                0 => {}
                1 => tests.push(format!("{k} == {}", equal.join(""))),
                _ => tests.push(format!("{k} in [{}]", equal.join(", "))),
            }
        }
        Family::Numeric => {
            for v in values {
                let text = match v.value {
                    Value::StringLit(s) => s.value.to_string(),
                    Value::NumberLit(n) => n.value.to_string(),
                    other => {
                        cx.error(
                            v.at,
                            &v.pointer,
                            format!("expected a number, found {}", kind(other)),
                            None,
                        );
                        ok = false;
                        continue;
                    }
                };
                if custom {
                    let Some(n) = number(cx, &text, v) else {
                        ok = false;
                        continue;
                    };
                    tests.push(format!("{k} {} {n}", symbol(cmp)));
                    continue;
                }
                let Some(seconds) = whole_seconds(cx, &text, v) else {
                    ok = false;
                    continue;
                };
                tests.push(format!("{k} {} {seconds}s", symbol(cmp)));
            }
        }
        Family::Date => {
            for v in values {
                let Value::StringLit(s) = v.value else {
                    cx.refuse(v.at, &v.pointer, "a date given as a number (epoch seconds); write it as an RFC 3339 date-time string");
                    ok = false;
                    continue;
                };
                if let Err(problem) = rfc3339(&s.value) {
                    match problem {
                        DateProblem::Malformed => cx.error(
                            v.at,
                            &v.pointer,
                            format!("`{}` is not a date", one_line(&s.value)),
                            Some("write a date-time such as \"2026-01-01T00:00:00Z\""),
                        ),
                        DateProblem::NotYet => cx.refuse(
                            v.at,
                            &v.pointer,
                            format!("the date `{}`: only whole-second RFC 3339 date-times (`T`, and `Z` or a numeric offset) convert", one_line(&s.value)),
                        ),
                    }
                    ok = false;
                    continue;
                }
                // IAM compares dates to the second: the request's time,
                // truncated, against the policy's (whole-second) date.
                let t = &s.value;
                let Some(next) = plus_one_second(t) else {
                    cx.refuse(
                        v.at,
                        &v.pointer,
                        format!("the date `{}` is at the end of the calendar", one_line(t)),
                    );
                    ok = false;
                    continue;
                };
                tests.push(match cmp {
                    // A custom timestamp: the same second, written out.
                    Cmp::Eq if custom => format!("{k} >= {t} and {k} < {next}"),
                    Cmp::Eq => format!("{k} in {t} .. {next}"),
                    Cmp::Lt => format!("{k} < {t}"),
                    Cmp::Le => format!("{k} < {next}"),
                    Cmp::Gt => format!("{k} >= {next}"),
                    _ => format!("{k} >= {t}"),
                });
            }
        }
        Family::Bool => {
            let mut seen: Vec<bool> = Vec::new();
            for v in values {
                match boolean(cx, v, "Bool") {
                    Some(b) if !seen.contains(&b) => {
                        seen.push(b);
                        tests.push(format!("{k} == {b}"));
                    }
                    Some(_) => {}
                    None => ok = false,
                }
            }
        }
        Family::Ip => {
            let mut items: Vec<String> = Vec::new();
            for v in values {
                let Value::StringLit(s) = v.value else {
                    cx.error(
                        v.at,
                        &v.pointer,
                        format!(
                            "expected an address range such as \"203.0.113.0/24\", found {}",
                            kind(v.value)
                        ),
                        None,
                    );
                    ok = false;
                    continue;
                };
                match cidr(&s.value) {
                    Ok(item) => items.push(item),
                    Err(CidrProblem::Malformed) => {
                        cx.error(v.at, &v.pointer, format!("`{}` is not an IP address range", one_line(&s.value)), Some("write a CIDR range such as \"203.0.113.0/24\" or \"2001:db8::/32\""));
                        ok = false;
                    }
                    Err(CidrProblem::Mapped) => {
                        cx.refuse(v.at, &v.pointer, "an IPv4-mapped IPv6 range: Tessera reads such request addresses as IPv4");
                        ok = false;
                    }
                }
            }
            items.dedup();
            if !items.is_empty() {
                tests.push(format!("{k} in [{}]", items.join(", ")));
            }
        }
        Family::Arn => {
            let mut equal: Vec<String> = Vec::new();
            for v in values {
                let Value::StringLit(s) = v.value else {
                    cx.refuse(
                        v.at,
                        &v.pointer,
                        format!(
                            "{} under an ARN operator; write it as a string",
                            kind(v.value)
                        ),
                    );
                    ok = false;
                    continue;
                };
                if let Some(var) = whole_variable(cx, &s.value) {
                    cx.refuse(
                        v.at,
                        &v.pointer,
                        format!("the policy variable `${{{}}}` under an ARN operator: Tessera compares two request values with `==` only, and IAM's ARN operators match component by component", one_line(var)),
                    );
                    ok = false;
                    continue;
                }
                let Some(ps) = pieces(cx, &s.value, v.at, &v.pointer, true, Variables::NotYet)
                else {
                    ok = false;
                    continue;
                };
                match arn_test(&k, &ps, arn_bound) {
                    Ok(ArnTest::Equal(l)) => equal.push(quote(&l)),
                    Ok(ArnTest::Test(t)) => tests.push(t),
                    Ok(ArnTest::Bounded(t)) => {
                        cx.bounded_arn = true;
                        tests.push(t);
                    }
                    Err(why) => {
                        cx.refuse(v.at, &v.pointer, why);
                        ok = false;
                    }
                }
            }
            equal.dedup();
            match equal.len() {
                0 => {}
                1 => tests.push(format!("{k} == {}", equal.join(""))),
                _ => tests.push(format!("{k} in [{}]", equal.join(", "))),
            }
        }
        Family::Binary => {
            let mut equal: Vec<String> = Vec::new();
            for v in values {
                let Value::StringLit(s) = v.value else {
                    cx.error(
                        v.at,
                        &v.pointer,
                        format!("`BinaryEquals` takes base64 text, found {}", kind(v.value)),
                        None,
                    );
                    ok = false;
                    continue;
                };
                match base64_problem(&s.value) {
                    None => equal.push(quote(&s.value)),
                    Some(why) => {
                        cx.refuse(
                            v.at,
                            &v.pointer,
                            format!("`{}` under `BinaryEquals`: {why}", one_line(&s.value)),
                        );
                        ok = false;
                    }
                }
            }
            equal.dedup();
            match equal.len() {
                0 => {}
                1 => tests.push(format!("{k} == {}", equal.join(""))),
                _ => tests.push(format!("{k} in [{}]", equal.join(", "))),
            }
        }
        Family::Null => {
            cx.refuse(
                values.first().map_or(Range::new(0, 0), |v| v.at),
                "",
                "internal error: no Tessera key of this family",
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    if tests.is_empty() {
        cx.refuse(
            values.first().map_or(Range::new(0, 0), |v| v.at),
            "",
            "internal error: a condition without a test",
        );
        return None;
    }
    Some(tests.join(" or "))
}

/// What an ARN pattern under an `Arn*` operator becomes.
enum ArnTest {
    /// No wildcard: the request's ARN equals this text.
    Equal(String),
    /// A test on the key.
    Test(String),
    /// A test on the key that bounds IAM's match rather than being it.
    Bounded(String),
}

/// The test for one ARN pattern under `ArnEquals` / `ArnLike` (IAM reads
/// both alike): the six colon-separated components (`arn`, partition,
/// service, region, account, and the resource, which holds the rest with its
/// colons) are matched one by one, and `*` and `?` never cross a `:` in the
/// first five. An ARN with fewer than six components matches nothing.
///
/// In `like`, `?` in the first five components is `[!:]`; a `*` there needs
/// a run without `:`, which `like` cannot say, except when the resource
/// component has no wildcard: then the request's ARN has exactly as many
/// colons as the pattern, and no `*` can take one.
///
/// Otherwise the pattern is bounded, never loosened: `narrower` says which
/// bound keeps the statement strict. The narrower test also asks for exactly
/// the pattern's colons (every IAM match with no colon in the resource
/// part); the wider one lets `*` cross `:` (every IAM match, and more).
/// With no effect to go by (`None`), such a pattern is refused.
fn arn_test(k: &str, ps: &[Piece], narrower: Option<bool>) -> Result<ArnTest, String> {
    let mut components: Vec<&[Piece]> = Vec::with_capacity(6);
    let mut rest = ps;
    while components.len() < 5 {
        let Some(i) = rest.iter().position(|p| *p == Piece::Lit(':')) else {
            return Err(format!(
                "an ARN pattern with {} colon-separated components; IAM matches only ARNs of six (`arn:partition:service:region:account:resource`), so this value never matches",
                components.len() + 1
            ));
        };
        components.push(&rest[..i]);
        rest = &rest[i + 1..];
    }
    let resource = rest;
    if let Some(l) = literal(ps) {
        return Ok(ArnTest::Equal(l));
    }
    let star_in_head = components.iter().any(|c| c.contains(&Piece::Star));
    let resource_wild = resource.iter().any(|p| !matches!(p, Piece::Lit(_)));
    let pin_colons = match (star_in_head, resource_wild, narrower) {
        (false, _, _) => false,
        (true, false, _) | (true, true, Some(true)) => true,
        (true, true, Some(false)) => false,
        (true, true, None) => {
            return Err("a `*` in the first five components of an ARN (which IAM keeps inside one component) together with a wildcard in the resource component: Tessera's `like` has no wildcard that stops at `:`".to_string());
        }
    };
    let mut pattern = String::new();
    for c in &components {
        let mut last_star = false;
        for p in *c {
            match p {
                Piece::Star if last_star => {}
                Piece::Star => pattern.push('*'),
                Piece::One => pattern.push_str("[!:]"),
                Piece::Lit(c) => push_literal(&mut pattern, *c),
            }
            last_star = *p == Piece::Star;
        }
        pattern.push(':');
    }
    pattern.push_str(&like_pattern(resource));
    let mut test = format!("{k} like {}", quote(&pattern));
    if pin_colons {
        // Exactly the pattern's colons: five, and those of the literal resource.
        let colons = 5 + resource.iter().filter(|p| **p == Piece::Lit(':')).count();
        let more = vec!["*"; colons + 2].join(":");
        let _ = write!(test, " and not {k} like {}", quote(&more));
    }
    Ok(if star_in_head && resource_wild {
        ArnTest::Bounded(test)
    } else {
        ArnTest::Test(test)
    })
}

/// Why `text` is not canonical base64 (the standard alphabet, padded, no
/// whitespace, zero bits after the last byte), or `None`. IAM compares the
/// request's bytes with the decoded value; the host sends the request's
/// bytes in canonical base64, so equal text is equal bytes.
fn base64_problem(text: &str) -> Option<&'static str> {
    let b = text.as_bytes();
    if b.is_empty() {
        return Some("an empty value");
    }
    if !b.len().is_multiple_of(4) {
        return Some("not padded base64 (its length is not a multiple of 4)");
    }
    let value = |c: u8| -> Option<u8> {
        match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let pad = b.iter().rev().take_while(|c| **c == b'=').count();
    if pad > 2 {
        return Some("not base64 (too much `=` padding)");
    }
    let body = &b[..b.len() - pad];
    if body.iter().any(|c| value(*c).is_none()) {
        return Some("not standard base64 (only `A-Z a-z 0-9 + /` and final `=` padding)");
    }
    // The bits after the last whole byte must be zero, or two texts decode alike.
    let last = body.last().and_then(|c| value(*c)).unwrap_or(0);
    let unused = match pad {
        1 => last & 0b11,
        2 => last & 0b1111,
        _ => 0,
    };
    if unused != 0 {
        return Some("not canonical base64 (non-zero bits after the last byte)");
    }
    None
}

/// The key named by a value that is exactly one policy variable, `${key}`
/// (2012-10-17; not `${*}`, `${?}`, `${$}`, nor a default `${key, 'd'}`).
fn whole_variable<'s>(cx: &Cx<'_>, text: &'s str) -> Option<&'s str> {
    if cx.version != Version::V2012 {
        return None;
    }
    let inner = text.strip_prefix("${")?.strip_suffix('}')?;
    let simple = !inner.is_empty()
        && !inner.contains(['{', '}', '$', ',', '\'', ' '])
        && !matches!(inner, "*" | "?");
    simple.then_some(inner)
}

/// `key == VARIABLE` for a condition value that is one policy variable.
/// IAM: a variable whose key the request lacks has no value, and nothing
/// equals it; so the test requires both keys. Only `StringEquals` (with no
/// `IfExists`) converts: for negated operators and `IfExists` AWS documents
/// that an unresolved variable may make the whole statement invalid.
fn variable_test(
    cx: &mut Cx<'_>,
    key: &Key,
    var: &str,
    cmp: Cmp,
    plain: bool,
    v: &CondValue<'_>,
) -> Option<String> {
    let shown = one_line(var);
    if cmp != Cmp::Eq || !plain {
        cx.refuse(
            v.at,
            &v.pointer,
            format!("the policy variable `${{{shown}}}` under an operator other than `StringEquals`: Tessera compares two request values with `==` only, and IAM's reading of a variable the request lacks is documented only for a plain equality"),
        );
        return None;
    }
    let other = match condition_key(var) {
        Ok(k) => k,
        Err(why) => {
            cx.refuse(
                v.at,
                &v.pointer,
                format!("the policy variable `${{{shown}}}`: {why}"),
            );
            return None;
        }
    };
    if !matches!(other.family(), None | Some(Family::String)) {
        cx.refuse(
            v.at,
            &v.pointer,
            format!(
                "the policy variable `${{{shown}}}` is `{}`, which Tessera does not hold as a string",
                other.tessera()
            ),
        );
        return None;
    }
    let (k, o) = (key.tessera(), other.tessera());
    // Two custom attributes compare whenever their JSON types agree; IAM
    // compares strings, so the variable must be one (`like "*"` is unknown
    // for any other type, and fails closed).
    let string_check = if matches!((key, &other), (Key::Custom(_), Key::Custom(_))) {
        format!(" and {o} like \"*\"")
    } else {
        String::new()
    };
    Some(format!("has {o}{string_check} and {k} == {o}"))
}

fn symbol(cmp: Cmp) -> &'static str {
    match cmp {
        Cmp::Lt => "<",
        Cmp::Le => "<=",
        Cmp::Gt => ">",
        Cmp::Ge => ">=",
        Cmp::Eq | Cmp::EqIgnoreCase | Cmp::Like => "==",
    }
}

/// A number compared with a custom attribute, as Tessera text: an integer
/// Tessera and IAM both read exactly (at most 2^53 in magnitude), or a
/// decimal fraction of at most 15 significant digits. Tessera compares
/// numbers as binary doubles; two decimals of at most 15 significant digits
/// are told apart by their nearest doubles, in the same order, so such a
/// value compares with a request's value (of at most 15 digits too) as
/// decimals compare.
fn number(cx: &mut Cx<'_>, text: &str, v: &CondValue<'_>) -> Option<String> {
    const LIMIT: i64 = 1 << 53;
    let unsigned = text
        .strip_prefix('-')
        .or_else(|| text.strip_prefix('+'))
        .unwrap_or(text);
    let sign = if text.starts_with('-') { "-" } else { "" };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if all_digits(unsigned) {
        match text.parse::<i64>() {
            Ok(n) if (-LIMIT..=LIMIT).contains(&n) => return Some(n.to_string()),
            _ => {
                cx.refuse(
                    v.at,
                    &v.pointer,
                    format!("the number `{}` is past 2^53", one_line(text)),
                );
                return None;
            }
        }
    }
    if let Some((whole, fraction)) = unsigned.split_once('.')
        && all_digits(whole)
        && all_digits(fraction)
    {
        let digits = format!("{whole}{fraction}");
        let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
        if significant <= 15 {
            // Leading zeros of the whole part are dropped, as Tessera's literal
            // has none; trailing zeros of the fraction say nothing.
            let whole = whole.trim_start_matches('0');
            let whole = if whole.is_empty() { "0" } else { whole };
            let fraction = fraction.trim_end_matches('0');
            return Some(if fraction.is_empty() {
                format!("{sign}{whole}")
            } else {
                format!("{sign}{whole}.{fraction}")
            });
        }
        cx.refuse(
            v.at,
            &v.pointer,
            format!(
                "`{}` has more than 15 significant digits: Tessera compares numbers as doubles, which tell apart decimals of at most 15",
                one_line(text)
            ),
        );
        return None;
    }
    if text.parse::<f64>().is_ok_and(f64::is_finite) {
        cx.refuse(
            v.at,
            &v.pointer,
            format!(
                "`{}`: only integers and decimal fractions (`1.5`) convert for a custom attribute (IAM's reading of exponents is not documented)",
                one_line(text)
            ),
        );
    } else {
        cx.error(
            v.at,
            &v.pointer,
            format!("`{}` is not a number", one_line(text)),
            None,
        );
    }
    None
}

/// `aws:MultiFactorAuthAge` is whole seconds: a non-negative integer.
fn whole_seconds(cx: &mut Cx<'_>, text: &str, v: &CondValue<'_>) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        match digits.parse::<u64>() {
            Ok(n) if n <= 10_000_000_000 => return Some(n),
            _ => {
                cx.refuse(
                    v.at,
                    &v.pointer,
                    format!(
                        "the number `{}` is out of range for a duration",
                        one_line(text)
                    ),
                );
                return None;
            }
        }
    }
    if text.parse::<f64>().is_ok_and(f64::is_finite) {
        cx.refuse(
            v.at,
            &v.pointer,
            format!(
                "`{}`: `mfa_age` compares whole seconds from 0",
                one_line(text)
            ),
        );
    } else {
        cx.error(
            v.at,
            &v.pointer,
            format!("`{}` is not a number", one_line(text)),
            None,
        );
    }
    None
}

enum DateProblem {
    Malformed,
    NotYet,
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, checked field by field.
fn rfc3339(s: &str) -> Result<(), DateProblem> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let looks_like_date = b.len() >= 10 && digits(0..4).is_some() && b[4] == b'-';
    let bad = || {
        if looks_like_date {
            DateProblem::NotYet
        } else {
            DateProblem::Malformed
        }
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return Err(bad());
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(DateProblem::Malformed),
    };
    if year == 0 || day == 0 || day > days || hour > 23 || minute > 59 || second > 59 {
        return Err(DateProblem::Malformed);
    }
    let i = 19;
    if b.get(i) == Some(&b'.') {
        // IAM compares whole seconds; what it does with a fraction in the
        // policy is not documented.
        return Err(DateProblem::NotYet);
    }
    match &s[i..] {
        "Z" => Ok(()),
        offset
            if offset.len() == 6
                && (offset.starts_with('+') || offset.starts_with('-'))
                && offset.as_bytes()[3] == b':' =>
        {
            match (digits(i + 1..i + 3), digits(i + 4..i + 6)) {
                (Some(h), Some(m)) if h <= 23 && m <= 59 => Ok(()),
                _ => Err(DateProblem::Malformed),
            }
        }
        _ => Err(bad()),
    }
}

/// The date-time one second after `t` (checked by [`rfc3339`], no
/// fraction), with the same offset.
fn plus_one_second(t: &str) -> Option<String> {
    let num = |r: std::ops::Range<usize>| t.get(r).and_then(|p| p.parse::<u32>().ok());
    let (mut year, mut month, mut day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (mut hour, mut minute, mut second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let offset = t.get(19..)?;
    second += 1;
    if second == 60 {
        second = 0;
        minute += 1;
    }
    if minute == 60 {
        minute = 0;
        hour += 1;
    }
    if hour == 24 {
        hour = 0;
        day += 1;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 31,
    };
    if day > days {
        day = 1;
        month += 1;
    }
    if month > 12 {
        month = 1;
        year += 1;
    }
    if year > 9999 {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{offset}"
    ))
}

enum CidrProblem {
    Malformed,
    Mapped,
}

/// An address or CIDR range, with the host bits cleared as IAM reads it.
fn cidr(s: &str) -> Result<String, CidrProblem> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => {
            if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CidrProblem::Malformed);
            }
            (
                a,
                Some(p.parse::<u8>().map_err(|_| CidrProblem::Malformed)?),
            )
        }
        None => (s, None),
    };
    let ip: IpAddr = addr.parse().map_err(|_| CidrProblem::Malformed)?;
    match ip {
        IpAddr::V4(v4) => {
            let prefix = prefix.unwrap_or(32);
            if prefix > 32 {
                return Err(CidrProblem::Malformed);
            }
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            let net = std::net::Ipv4Addr::from(u32::from(v4) & mask);
            Ok(format!("{net}/{prefix}"))
        }
        IpAddr::V6(v6) => {
            let prefix = prefix.unwrap_or(128);
            if prefix > 128 {
                return Err(CidrProblem::Malformed);
            }
            if v6.to_ipv4_mapped().is_some() || (prefix <= 96 && mapped_overlap(v6, prefix)) {
                return Err(CidrProblem::Mapped);
            }
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            let net = std::net::Ipv6Addr::from(u128::from(v6) & mask);
            Ok(format!("{net}/{prefix}"))
        }
    }
}

/// Whether the range `v6/prefix` holds IPv4-mapped addresses (`::ffff:0:0/96`).
fn mapped_overlap(v6: std::net::Ipv6Addr, prefix: u8) -> bool {
    let mapped: u128 = 0xffff_u128 << 32;
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    };
    (u128::from(v6) & mask) == (mapped & mask)
}

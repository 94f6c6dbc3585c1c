//! Findings as a SARIF 2.1.0 log, for code-scanning tools (GitHub, GitLab,
//! IDEs).

use super::context::Context;
use super::model::{Finding, RULES, Rule, rule};
use super::output::region;
use crate::problem::Problem;
use serde_json::{Value, json};
use std::path::{Component, Path};

/// The tool's name in the log.
pub const TOOL_NAME: &str = "tessera-policy-lint";

/// Where the rules are documented.
const DOCS: &str = "https://example.invalid/tessera/blob/main/docs/lint.md";

/// The SARIF 2.1.0 log of one run.
pub fn log(cx: &Context, findings: &[Finding]) -> Value {
    sarif(
        RULES.iter().map(rule_descriptor).collect(),
        json!({"executionSuccessful": true}),
        findings.iter().map(|f| result(cx, f)).collect(),
    )
}

/// A SARIF 2.1.0 log of one run of this tool.
fn sarif(rules: Vec<Value>, invocation: Value, results: Vec<Value>) -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": TOOL_NAME,
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": DOCS,
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "invocations": [invocation],
            "results": results,
        }]
    })
}

/// The SARIF 2.1.0 log of a run that stopped because the policy set does
/// not parse: no lint rule ran (`executionSuccessful` is false), and each
/// error is a result whose `ruleId` is the diagnostic's code (`syntax`,
/// `unknown-key`, ...), as `policy check --format json` names it.
pub fn error_log(sources: &[crate::load::SourceFile], problems: &[Problem]) -> Value {
    let mut codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        .map(|code| {
            json!({
                "id": code,
                "name": pascal_case(code),
                "shortDescription": {"text": format!("policy error: {code}")},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["correctness"]},
            })
        })
        .collect();
    let results: Vec<Value> = problems
        .iter()
        .map(|problem| {
            let path = sources
                .iter()
                .find(|s| s.name == problem.file)
                .map_or_else(|| Path::new(&problem.file), |s| s.path.as_path());
            let (line, column) = problem.location.unwrap_or((1, 1));
            let (end_line, end_column) = problem.end.unwrap_or((line, column));
            json!({
                "ruleId": problem.code,
                "ruleIndex": codes.iter().position(|c| *c == problem.code),
                "level": "error",
                "message": {"text": problem.full_message()},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(path)},
                        "region": {
                            "startLine": line,
                            "startColumn": column,
                            "endLine": end_line,
                            "endColumn": end_column.max(1),
                        },
                    },
                }],
            })
        })
        .collect();
    let invocation = json!({
        "executionSuccessful": false,
        "toolExecutionNotifications": [{
            "level": "error",
            "message": {"text": format!(
                "{} error(s) in the policy set; no lint rule ran",
                problems.len()
            )},
        }],
    });
    sarif(rules, invocation, results)
}

fn rule_descriptor(rule: &Rule) -> Value {
    json!({
        "id": rule.id,
        "name": pascal_case(rule.id),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.description},
        "help": {"text": rule.help},
        "helpUri": format!("{DOCS}#{}", rule.id),
        "defaultConfiguration": {"level": rule.severity.name()},
        "properties": {"tags": ["security", "least-privilege"]},
    })
}

/// `allow-all-actions` → `AllowAllActions`.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn result(cx: &Context, finding: &Finding) -> Value {
    let index = rule(finding.rule).map_or(0, |(i, _)| i);
    let unit = cx.units.get(finding.statement);
    let mut value = json!({
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": finding.severity.name(),
        "message": {"text": format!("{}. Help: {}.", finding.message, finding.hint)},
        "locations": [{
            "physicalLocation": physical(cx, finding.file, finding.span),
            "logicalLocations": [{
                "name": unit.map(|u| u.statement.name.as_str()),
                "fullyQualifiedName": unit.map(|u| format!("{}/{}", u.policy.name, u.statement.name)),
                "kind": "member",
            }],
        }],
        "properties": {"hint": finding.hint},
    });
    if let (Some(related), Some(map)) = (&finding.related, value.as_object_mut()) {
        map.insert(
            "relatedLocations".to_string(),
            json!([{
                "id": 1,
                "physicalLocation": physical(cx, related.file, related.span),
                "message": {"text": related.message},
            }]),
        );
    }
    value
}

fn physical(cx: &Context, file: usize, span: policy_lang::Span) -> Value {
    let r = region(cx, file, span);
    let path = cx
        .sources
        .get(file)
        .map_or(Path::new(""), |s| s.path.as_path());
    json!({
        "artifactLocation": {"uri": uri(path)},
        "region": {
            "startLine": r.line,
            "startColumn": r.column,
            "endLine": r.end_line,
            "endColumn": r.end_column.max(1),
        },
    })
}

/// The path as a URI reference: relative to the current directory when it
/// lies under it, with forward slashes and percent-encoding; an absolute path
/// elsewhere becomes a `file://` URI.
pub fn uri(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let relative = cwd
        .as_deref()
        .and_then(|c| path.strip_prefix(c).ok())
        .unwrap_or(path);
    let mut segments = Vec::new();
    let mut absolute = false;
    for component in relative.components() {
        match component {
            Component::Normal(s) => segments.push(encode(&s.to_string_lossy())),
            Component::ParentDir => segments.push("..".to_string()),
            Component::RootDir => absolute = true,
            Component::Prefix(p) => segments.push(encode(&p.as_os_str().to_string_lossy())),
            Component::CurDir => {}
        }
    }
    let joined = segments.join("/");
    if absolute {
        format!("file:///{joined}")
    } else {
        joined
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(segment: &str) -> String {
    let mut out = String::new();
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn uris_are_relative_with_forward_slashes() {
        assert_eq!(
            uri(Path::new("./corpus/a b/x.policy")),
            "corpus/a%20b/x.policy"
        );
        assert_eq!(uri(Path::new("../x.policy")), "../x.policy");
        let here = std::env::current_dir().unwrap().join("sub/y.policy");
        assert_eq!(uri(&here), "sub/y.policy");
        assert_eq!(pascal_case("allow-all-actions"), "AllowAllActions");
    }
}

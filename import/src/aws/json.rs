//! Reading the document: strict JSON with byte ranges, JSON pointers, and
//! objects whose keys are checked for duplicates.

use jsonc_parser::ast::{ObjectProp, Value};
use jsonc_parser::common::Range;
use jsonc_parser::{CollectOptions, ParseOptions};
use std::collections::HashSet;

/// Strict JSON (RFC 8259): no comments, trailing commas, single quotes,
/// bare words, hexadecimal or non-finite numbers. IAM reads only JSON.
pub(super) fn parse(source: &str) -> Result<Option<Value<'_>>, jsonc_parser::errors::ParseError> {
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    jsonc_parser::parse_to_ast(source, &CollectOptions::default(), &options).map(|r| r.value)
}

/// The byte range of a value.
pub(super) fn range(value: &Value<'_>) -> Range {
    match value {
        Value::StringLit(v) => v.range,
        Value::NumberLit(v) => v.range,
        Value::BooleanLit(v) => v.range,
        Value::Object(v) => v.range,
        Value::Array(v) => v.range,
        Value::NullKeyword(v) => v.range,
    }
}

/// What a value is, for messages ("expected a string, found an array").
pub(super) fn kind(value: &Value<'_>) -> &'static str {
    match value {
        Value::StringLit(_) => "a string",
        Value::NumberLit(_) => "a number",
        Value::BooleanLit(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::NullKeyword(_) => "null",
    }
}

/// The name of a property and the range of that name.
pub(super) fn key<'a>(prop: &'a ObjectProp<'_>) -> (&'a str, Range) {
    match &prop.name {
        jsonc_parser::ast::ObjectPropName::String(s) => (s.value.as_ref(), s.range),
        jsonc_parser::ast::ObjectPropName::Word(w) => (w.value, w.range),
    }
}

/// `pointer` extended by one reference token (RFC 6901: `~` is `~0`, `/` is `~1`).
pub(super) fn child(pointer: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{escaped}")
}

/// The first repeated key of an object (exactly the same name), with its
/// range: IAM and JSON readers disagree on which copy counts, so a repeated
/// key is refused rather than guessed at.
pub(super) fn duplicates<'a>(props: &'a [ObjectProp<'_>]) -> Vec<(&'a str, Range)> {
    let mut seen: HashSet<&str> = HashSet::with_capacity(props.len());
    let mut out = Vec::new();
    for prop in props {
        let (name, range) = key(prop);
        if !seen.insert(name) {
            out.push((name, range));
        }
    }
    out
}

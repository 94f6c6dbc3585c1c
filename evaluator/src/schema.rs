//! Schemas: the custom attributes a deployment's requests carry, checked in
//! policies when they compile and in requests when they are read.
//!
//! A schema is written in schema files (`policy-lang/LANGUAGE.md`, "Schemas"):
//!
//! ```
//! use tessera::{Engine, Limits, Schema, Source};
//! let schema = Schema::compile(&[Source::new("app.schema", r#"
//! schema {
//!   context.incident: string optional
//!   resource.tags.env: enum ["dev", "prod"]
//! }"#)]).unwrap();
//! let policy = r#"policy "p" { allow "a" { principal * action * resource prod/**
//!     when { context.incident like "INC-*" } } }"#;
//! let engine = Engine::compile_with_schema(&[Source::new("p.policy", policy)], &Limits::default(), &schema).unwrap();
//!
//! // A misspelt built-in field is an error naming it, not a custom attribute.
//! let answer = tessera::json::evaluate(&engine, r#"{"principal": "u", "action": "a",
//!     "resource": {"path": "prod/db", "tags": {"env": "prod"}}, "context": {"sourceip": "10.0.0.1"}}"#, false);
//! assert!(answer.contains(r#""field":"context.sourceip""#));
//! assert!(answer.contains("did you mean `source_ip`?"));
//!
//! // A policy reading an undeclared key does not compile.
//! let typo = policy.replace("incident", "incidnet");
//! let error = Engine::compile_with_schema(&[Source::new("p.policy", &typo)], &Limits::default(), &schema).unwrap_err();
//! assert_eq!(error.diagnostics()[0].hint(), Some("did you mean `context.incident`?"));
//! ```
//!
//! Requests are checked when they are read ([`crate::json`] does it for
//! every host; Rust callers that build a [`Request`] in code call
//! [`Schema::check_request`]), never while deciding: the decision path is
//! the same with or without a schema.

use crate::compile::CompileError;
use crate::engine::{Engine, Source};
use crate::limits::Limits;
use crate::request::{Attribute, Request, RequestError, RequestErrorKind};
use policy_lang::{AttributeType, BUILT_IN_CONTEXT_FIELDS, Diagnostic, SchemaKey};
use serde_json::{Map, Value, json};
use std::net::IpAddr;

/// A checked schema: every custom key a deployment's requests may carry,
/// with its type and whether it is required.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    declarations: policy_lang::Schema,
}

impl Schema {
    /// Parses schema sources into one schema under the default limits.
    /// Every problem in every source is returned; a key declared twice is
    /// one.
    pub fn compile(sources: &[Source]) -> Result<Schema, CompileError> {
        Schema::compile_with(sources, &policy_lang::Limits::default())
    }

    /// [`Schema::compile`] under the given policy limits
    /// (`max_source_bytes` bounds each schema source).
    pub fn compile_with(
        sources: &[Source],
        limits: &policy_lang::Limits,
    ) -> Result<Schema, CompileError> {
        let pairs: Vec<(&str, &str)> = sources.iter().map(|s| (s.name, s.text)).collect();
        let declarations = policy_lang::Schema::parse_set(&pairs, limits)?;
        Ok(Schema { declarations })
    }

    /// The declarations, as the language checks policies with them.
    pub fn declarations(&self) -> &policy_lang::Schema {
        &self.declarations
    }

    /// Checks a request against the schema: every custom context attribute,
    /// principal tag and resource tag must be declared and hold a value of
    /// its declared type (one of an enumeration's values; an address, an
    /// RFC 3339 timestamp or whole seconds for `ip`, `time` and `duration`),
    /// and every required one must be present. The first problem is
    /// returned, naming the field and never its value.
    ///
    /// ```
    /// let schema = tessera::Schema::compile(&[tessera::Source::new("s",
    ///     r#"schema { principal.tags.team: enum ["ops", "search"] }"#)]).unwrap();
    /// let request = tessera::Request::new("u", "a", "r").with_principal_tag("team", "sales");
    /// let error = schema.check_request(&request).unwrap_err();
    /// assert_eq!(error.to_string(),
    ///     "principal.tags.team: not one of the values the schema allows (\"ops\", \"search\")");
    /// let missing = schema.check_request(&tessera::Request::new("u", "a", "r")).unwrap_err();
    /// assert_eq!(missing.to_string(), "principal.tags.team: required by the schema, and missing");
    /// ```
    pub fn check_request(&self, request: &Request) -> Result<(), RequestError> {
        match self.errors(request, 1).into_iter().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Every problem [`Schema::check_request`] finds, in field order
    /// (context, principal tags, resource tags, then the missing required
    /// keys): for tools that report them all at once, such as `policy test`.
    /// At most one per field; the cost is linear in the request's size.
    ///
    /// ```
    /// let schema = tessera::Schema::compile(&[tessera::Source::new("s",
    ///     "schema { context.ticket: string\n context.level: number optional }")]).unwrap();
    /// let request = tessera::Request::new("u", "a", "r")
    ///     .with_attribute("level", tessera::Attribute::String("high".into()))
    ///     .with_attribute("tikcet", tessera::Attribute::String("CHG-1".into()));
    /// let fields: Vec<String> = schema.request_errors(&request).iter().map(|e| e.field().to_string()).collect();
    /// assert_eq!(fields, ["context.level", "context.tikcet", "context.ticket"]);
    /// ```
    pub fn request_errors(&self, request: &Request) -> Vec<RequestError> {
        self.errors(request, usize::MAX)
    }

    /// At most `limit` problems (each undeclared key costs a pass over the
    /// schema for its suggestion, so [`Schema::check_request`] stops at one).
    fn errors(&self, request: &Request, limit: usize) -> Vec<RequestError> {
        let mut errors = Vec::new();
        for (name, value) in &request.context.attributes {
            if errors.len() >= limit {
                return errors;
            }
            let key = SchemaKey::Context(name.clone());
            let checked = self
                .declared_type(&key)
                .and_then(|ty| check_attribute(&key, ty, value));
            errors.extend(checked.err());
        }
        for (key, tags) in [
            (
                SchemaKey::PrincipalTag as fn(String) -> SchemaKey,
                &request.principal.tags,
            ),
            (SchemaKey::ResourceTag, &request.resource.tags),
        ] {
            for (name, value) in tags {
                if errors.len() >= limit {
                    return errors;
                }
                let key = key(name.clone());
                let checked = self
                    .declared_type(&key)
                    .and_then(|ty| check_string(&key, ty, value));
                errors.extend(checked.err());
            }
        }
        for (key, declared) in self.declarations.iter() {
            let present = match key {
                SchemaKey::Context(name) => request.context.attributes.contains_key(name),
                SchemaKey::PrincipalTag(name) => request.principal.tags.contains_key(name),
                SchemaKey::ResourceTag(name) => request.resource.tags.contains_key(name),
            };
            if declared.required && !present && errors.len() < limit {
                errors.push(RequestError::new(
                    RequestErrorKind::MissingField,
                    &key.to_string(),
                    "required by the schema, and missing".to_string(),
                ));
            }
        }
        errors
    }

    /// The type `key` is declared with, or the error for an undeclared key,
    /// with the declared key (or built-in context field) it was likely
    /// meant to be.
    fn declared_type(&self, key: &SchemaKey) -> Result<&AttributeType, RequestError> {
        if let Some(declared) = self.declarations.get(key) {
            return Ok(&declared.ty);
        }
        let built_in = match key {
            // A long name is no typo of a short field (and the distance is
            // quadratic): no suggestion, whatever the request sends.
            _ if key.name().len() > policy_lang::MAX_SUGGESTED_NAME => None,
            SchemaKey::Context(name) => {
                policy_lang::closest(name, BUILT_IN_CONTEXT_FIELDS.iter().copied())
                    .map(|field| format!("context.{field}"))
            }
            _ => None,
        };
        let near = built_in.or_else(|| self.declarations.suggest(key).map(ToString::to_string));
        let hint = match near {
            Some(near) => format!("; did you mean `{}`?", near.trim_start_matches("context.")),
            None => String::new(),
        };
        Err(RequestError::new(
            RequestErrorKind::UnknownField,
            &key.to_string(),
            format!("not declared in the schema{hint}"),
        ))
    }
}

/// A custom context attribute against its declared type.
fn check_attribute(
    key: &SchemaKey,
    ty: &AttributeType,
    value: &Attribute,
) -> Result<(), RequestError> {
    match (ty, value) {
        (_, Attribute::String(text)) => check_string(key, ty, text),
        (AttributeType::Set(item), Attribute::Set(items)) => {
            for (i, text) in items.iter().enumerate() {
                check_string(key, item, text).map_err(|e| {
                    RequestError::new(e.kind(), &format!("{key}[{i}]"), e.message().to_string())
                })?;
            }
            Ok(())
        }
        (AttributeType::Number, Attribute::Number(_))
        | (AttributeType::Bool, Attribute::Bool(_))
        | (AttributeType::Object, Attribute::Object(_)) => Ok(()),
        (AttributeType::Duration, Attribute::Number(seconds)) => {
            if seconds.fract() == 0.0 && *seconds >= 0.0 {
                Ok(())
            } else {
                Err(invalid(
                    key,
                    "the schema declares a `duration`: whole seconds, 0 or more",
                ))
            }
        }
        _ => Err(wrong_type(key, ty)),
    }
}

/// A string value (a tag, or a context attribute the request sent as a
/// string) against its declared type.
fn check_string(key: &SchemaKey, ty: &AttributeType, text: &str) -> Result<(), RequestError> {
    match ty {
        AttributeType::String => Ok(()),
        AttributeType::Enum(allowed) if allowed.contains(text) => Ok(()),
        AttributeType::Enum(allowed) => {
            const SHOWN: usize = 16;
            let mut listed: Vec<String> = allowed
                .iter()
                .take(SHOWN)
                .map(|v| format!("\"{v}\""))
                .collect();
            if allowed.len() > SHOWN {
                listed.push(format!("and {} more", allowed.len() - SHOWN));
            }
            Err(invalid(
                key,
                &format!(
                    "not one of the values the schema allows ({})",
                    listed.join(", ")
                ),
            ))
        }
        AttributeType::Ip if text.parse::<IpAddr>().is_ok() => Ok(()),
        AttributeType::Ip => Err(invalid(
            key,
            "the schema declares an `ip`: an IPv4 or IPv6 address such as 10.1.2.3",
        )),
        AttributeType::Time if chrono::DateTime::parse_from_rfc3339(text).is_ok() => Ok(()),
        AttributeType::Time => Err(invalid(
            key,
            "the schema declares a `time`: an RFC 3339 timestamp such as 2026-11-25T10:00:00Z",
        )),
        AttributeType::Number
        | AttributeType::Bool
        | AttributeType::Duration
        | AttributeType::Set(_)
        | AttributeType::Object => Err(wrong_type(key, ty)),
    }
}

fn invalid(key: &SchemaKey, message: &str) -> RequestError {
    RequestError::new(
        RequestErrorKind::InvalidValue,
        &key.to_string(),
        message.to_string(),
    )
}

fn wrong_type(key: &SchemaKey, ty: &AttributeType) -> RequestError {
    let expected = match ty {
        AttributeType::Number => "a JSON number",
        AttributeType::Bool => "`true` or `false`",
        AttributeType::Duration => "a JSON number of whole seconds",
        AttributeType::Set(_) => "a JSON array of strings",
        AttributeType::Object => "a JSON object",
        AttributeType::String
        | AttributeType::Enum(_)
        | AttributeType::Ip
        | AttributeType::Time => "a JSON string",
    };
    RequestError::new(
        RequestErrorKind::WrongType,
        &key.to_string(),
        format!("the schema declares a `{}`: expected {expected}", ty.name()),
    )
}

impl Engine {
    /// [`Engine::compile_with`], with the policies checked against `schema`
    /// (an undeclared custom key, or a literal that does not fit its
    /// declared type, is a compile error) and the schema kept: the
    /// [`crate::json`] layer then checks every request it reads against it.
    ///
    /// Every problem is returned at once: the schema's, and the policies'.
    pub fn compile_with_schema(
        sources: &[Source],
        limits: &Limits,
        schema: &Schema,
    ) -> Result<Engine, CompileError> {
        let pairs: Vec<(&str, &str)> = sources.iter().map(|s| (s.name, s.text)).collect();
        let files = policy_lang::parse_set_with(&pairs, &limits.policy)?;
        let problems: Vec<Diagnostic> = files
            .iter()
            .zip(sources)
            .flat_map(|(file, source)| schema.declarations.check(source.name, source.text, file))
            .collect();
        let compiled = Engine::from_files(&files, sources, limits);
        match (compiled, problems.is_empty()) {
            (Ok(engine), true) => Ok(engine.with_schema(schema.clone())),
            (Ok(_), false) => Err(CompileError::from_diagnostics(problems)),
            (Err(error), _) => Err(CompileError::from_diagnostics(problems).merge(error)),
        }
    }
}

/// A JSON Schema (draft 2020-12) for requests: the built-in fields
/// (`evaluator/schema/request.schema.json`) and, with a schema, the declared
/// custom attributes and tags, with no other allowed and the required ones
/// listed. For services that validate requests before they send them.
///
/// ```
/// let schema = tessera::Schema::compile(&[tessera::Source::new("s",
///     "schema { context.ticket: string\n principal.tags.team: string optional }")]).unwrap();
/// let document = tessera::request_json_schema(Some(&schema));
/// let context = &document["properties"]["context"];
/// assert_eq!(context["properties"]["ticket"]["type"], "string");
/// assert_eq!(context["additionalProperties"], false);
/// assert_eq!(context["required"], serde_json::json!(["ticket"]));
/// assert_eq!(document["required"], serde_json::json!(["principal", "action", "resource", "context"]));
/// ```
pub fn request_json_schema(schema: Option<&Schema>) -> Value {
    let mut document: Value = serde_json::from_str(include_str!("../schema/request.schema.json"))
        .unwrap_or_else(|_| json!({}));
    let Some(schema) = schema else {
        return document;
    };
    let mut context = (Map::new(), Vec::new());
    let mut principal_tags = (Map::new(), Vec::new());
    let mut resource_tags = (Map::new(), Vec::new());
    for (key, declared) in schema.declarations.iter() {
        let (properties, required) = match key {
            SchemaKey::Context(_) => &mut context,
            SchemaKey::PrincipalTag(_) => &mut principal_tags,
            SchemaKey::ResourceTag(_) => &mut resource_tags,
        };
        let mut property = json_type(&declared.ty);
        if declared.required {
            required.push(Value::from(key.name()));
        } else if let Value::Object(map) = &mut property {
            // A `null` context value counts as absent.
            if matches!(key, SchemaKey::Context(_)) {
                property = json!({"anyOf": [Value::Object(map.clone()), {"type": "null"}]});
            }
        }
        properties.insert(key.name().to_string(), property);
    }
    if let Some(description) = document.get_mut("description") {
        *description = Value::from(
            "One request to decide, with the custom attributes and tags a schema declares: no others are accepted.",
        );
    }
    let top_required = |document: &mut Value, name: &str| {
        if let Some(Value::Array(required)) = document.get_mut("required")
            && !required.iter().any(|r| r == name)
        {
            required.push(Value::from(name));
        }
    };
    if !context.1.is_empty() {
        top_required(&mut document, "context");
    }
    if let Some(node) = document.pointer_mut("/properties/context") {
        set_properties(node, context);
    }
    for (part, tags) in [("principal", principal_tags), ("resource", resource_tags)] {
        let must_have_tags = !tags.1.is_empty();
        if let Some(Value::Array(variants)) =
            document.pointer_mut(&format!("/properties/{part}/oneOf"))
        {
            // A bare string carries no tags: with required tags, only the
            // object form fits.
            if must_have_tags {
                variants.retain(|v| v["type"] != "string");
            }
            for variant in variants.iter_mut().filter(|v| v["type"] == "object") {
                if must_have_tags && let Some(Value::Array(required)) = variant.get_mut("required")
                {
                    required.push(Value::from("tags"));
                }
                if let Some(node) = variant.pointer_mut("/properties/tags") {
                    set_properties(node, tags.clone());
                }
            }
        }
    }
    document
}

/// Declared properties on an object node, no others allowed (the built-in
/// ones the node already lists stay).
fn set_properties(node: &mut Value, (declared, required): (Map<String, Value>, Vec<Value>)) {
    let Value::Object(object) = node else {
        return;
    };
    let properties = object
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(properties) = properties {
        properties.extend(declared);
    }
    object.insert("additionalProperties".to_string(), Value::Bool(false));
    if !required.is_empty() {
        object.insert("required".to_string(), Value::Array(required));
    }
}

/// The JSON Schema of one declared type.
fn json_type(ty: &AttributeType) -> Value {
    match ty {
        AttributeType::String => json!({"type": "string"}),
        AttributeType::Enum(values) => json!({"type": "string", "enum": values}),
        AttributeType::Number => json!({"type": "number"}),
        AttributeType::Bool => json!({"type": "boolean"}),
        AttributeType::Ip => {
            json!({"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}],
            "description": "An IPv4 or IPv6 address."})
        }
        AttributeType::Time => json!({"type": "string", "format": "date-time",
            "description": "An RFC 3339 timestamp."}),
        AttributeType::Duration => json!({"type": "integer", "minimum": 0,
            "description": "Whole seconds."}),
        AttributeType::Set(item) => json!({"type": "array", "items": json_type(item)}),
        AttributeType::Object => json!({"type": "object",
            "description": "Members read by `context.NAME.MEMBER`; not typed by the schema."}),
    }
}

//! The filter's logic, free of host calls (unit-tested natively): a
//! compiled configuration, and an HTTP request's headers to a verdict.

use crate::config::{AttributeType, AuditMode, PluginConfig, RequestMapping};
use crate::decide::{self, Answer};
use crate::path;
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::net::IpAddr;
use tessera::Engine;
use tessera::audit::{AuditConfig, Auditor, CallbackSink, Mode};

/// A configuration that compiled: the engine, the auditor, and how
/// requests are read and answered.
pub struct Filter {
    engine: Engine,
    auditor: Auditor,
    config: PluginConfig,
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Let it through, with `decision` (the decision JSON) in the
    /// configured decision header, when there is one.
    Allow {
        /// The decision JSON.
        decision: String,
        /// The header to add it in.
        header: Option<String>,
    },
    /// Answer locally.
    Deny {
        /// The HTTP status.
        status: u32,
        /// The body: the decision JSON, a request error, or the filter's
        /// refusal.
        body: String,
        /// Extra response headers.
        headers: Vec<(String, String)>,
        /// For the host's log: why (no request values).
        log: String,
    },
}

impl Filter {
    /// Compiles `config`; audit records go to `write` (one JSON line, no
    /// newline, per call). The error is for the host's log: the compile
    /// error JSON, or what is wrong with the audit settings.
    pub fn new(
        config: PluginConfig,
        write: impl FnMut(&str) -> Result<(), String> + Send + 'static,
    ) -> Result<Filter, String> {
        let engine = decide::compile(
            &config.policy_sources(),
            &config.schema_sources(),
            &config.limits,
        )?;
        let settings = &config.audit;
        let mut audit = AuditConfig::new();
        audit.mode(match settings.mode {
            AuditMode::Blocking => Mode::Blocking,
            AuditMode::BestEffort => Mode::BestEffort,
        });
        if let Some(key) = &settings.key_hex {
            let key = hex::decode(key)
                .map_err(|_| "`audit.key_hex` is not hex (its value is not shown)".to_owned())?;
            audit.key(&key);
        }
        for selector in &settings.mask {
            audit
                .mask_field(selector)
                .map_err(|e| format!("`audit.mask`: {}", e.message()))?;
        }
        for selector in &settings.drop {
            audit
                .drop_field(selector)
                .map_err(|e| format!("`audit.drop`: {}", e.message()))?;
        }
        let auditor = Auditor::new(CallbackSink::new(write), &audit)
            .map_err(|e| format!("the auditor did not open: {}", e.message()))?;
        Ok(Filter {
            engine,
            auditor,
            config,
        })
    }

    /// The compiled engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &PluginConfig {
        &self.config
    }

    /// Decides the request with these headers (`(name, value)` as the host
    /// gives them, pseudo-headers included), from `source_address` (the
    /// `source.address` property), at `now`.
    pub fn decide(
        &self,
        headers: &[(&[u8], &[u8])],
        source_address: Option<&[u8]>,
        now: DateTime<Utc>,
    ) -> Verdict {
        match request_json(&self.config.request, headers, source_address) {
            Ok(json) => {
                let answer = decide::decide(&self.engine, Some(&self.auditor), &json, now);
                self.verdict(answer)
            }
            Err(refusal) => self.refuse(&refusal),
        }
    }

    fn verdict(&self, answer: Answer) -> Verdict {
        if answer.allow {
            Verdict::Allow {
                decision: answer.json,
                header: self.config.decision_header.clone(),
            }
        } else {
            self.deny(answer.json, answer.log)
        }
    }

    /// The deny for a request the filter refuses itself.
    pub fn refuse(&self, refusal: &Refusal) -> Verdict {
        self.deny(
            refusal.body(),
            format!("{}: {}", refusal.reason, refusal.message),
        )
    }

    fn deny(&self, body: String, log: String) -> Verdict {
        Verdict::Deny {
            status: self.config.deny.status,
            body,
            headers: self
                .config
                .deny
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
            log,
        }
    }
}

/// The deny when there is no usable configuration (none yet, or the first
/// one did not compile): status 403, reason `not_configured`.
pub fn unconfigured() -> Verdict {
    let refusal = Refusal::new(
        "not_configured",
        "the filter has no valid configuration; every request is denied",
    );
    Verdict::Deny {
        status: 403,
        body: refusal.body(),
        headers: Vec::new(),
        log: format!("{}: {}", refusal.reason, refusal.message),
    }
}

/// The values of header `name` (lower case), in order.
fn values<'h>(headers: &[(&[u8], &'h [u8])], name: &str) -> Vec<&'h [u8]> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, v)| *v)
        .collect()
}

/// Trims spaces and tabs (HTTP's optional whitespace) at both ends.
fn trim(mut value: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    value
}

/// The one value of a single-valued header, as UTF-8 text, trimmed:
/// `Ok(None)` when absent; refused when repeated (which copy counts is
/// ambiguous), not UTF-8, or empty.
fn single(
    headers: &[(&[u8], &[u8])],
    name: &str,
    reason: &'static str,
) -> Result<Option<String>, Refusal> {
    let found = values(headers, name);
    match found.as_slice() {
        [] => Ok(None),
        [value] => {
            let value = std::str::from_utf8(trim(value))
                .map_err(|_| Refusal::new(reason, format!("the {name} header is not UTF-8")))?;
            if value.is_empty() {
                return Err(Refusal::new(reason, format!("the {name} header is empty")));
            }
            Ok(Some(value.to_owned()))
        }
        _ => Err(Refusal::new(
            reason,
            format!("the {name} header is repeated"),
        )),
    }
}

/// The comma-separated, percent-decoded entries of every `name` header.
fn list(headers: &[(&[u8], &[u8])], name: &str) -> Result<Vec<String>, Refusal> {
    let malformed = || {
        Refusal::new(
            "malformed_header",
            format!("the {name} header has a malformed percent escape or is not UTF-8"),
        )
    };
    let mut entries = Vec::new();
    for value in values(headers, name) {
        for entry in value.split(|&b| b == b',') {
            let entry = trim(entry);
            if entry.is_empty() {
                continue;
            }
            let decoded = path::percent_decode(entry).ok_or_else(malformed)?;
            entries.push(String::from_utf8(decoded).map_err(|_| malformed())?);
        }
    }
    Ok(entries)
}

/// Tags from `name` headers: comma-separated `name=value` entries.
fn tags(headers: &[(&[u8], &[u8])], name: &str) -> Result<Map<String, Value>, Refusal> {
    let mut tags = Map::new();
    let malformed =
        |what: &str| Refusal::new("malformed_header", format!("the {name} header has {what}"));
    for value in values(headers, name) {
        for entry in value.split(|&b| b == b',') {
            let entry = trim(entry);
            if entry.is_empty() {
                continue;
            }
            let Some(at) = entry.iter().position(|&b| b == b'=') else {
                return Err(malformed("an entry without `=`"));
            };
            let decode = |part: &[u8]| {
                path::percent_decode(trim(part))
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(|| {
                        malformed("a malformed percent escape or bytes that are not UTF-8")
                    })
            };
            let key = decode(entry.get(..at).unwrap_or_default())?;
            let value = decode(entry.get(at + 1..).unwrap_or_default())?;
            if tags.insert(key, Value::String(value)).is_some() {
                return Err(malformed("a tag given twice"));
            }
        }
    }
    Ok(tags)
}

/// `ip:port`, `[ipv6]:port` or a bare address, as Envoy gives
/// `source.address`.
fn source_ip(address: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(address).ok()?;
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (ip, port) = rest.split_once(']')?;
        let port = port.strip_prefix(':')?;
        port.parse::<u16>().ok()?;
        return ip.parse().ok();
    }
    let (ip, port) = text.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The Tessera request (JSON text) for an HTTP request, or why it is
/// refused. The request has no `context.time`: it is decided at the
/// host's clock.
pub fn request_json(
    mapping: &RequestMapping,
    headers: &[(&[u8], &[u8])],
    source_address: Option<&[u8]>,
) -> Result<String, Refusal> {
    let Some(principal) = single(headers, &mapping.principal_header, "malformed_principal")? else {
        return Err(Refusal::new(
            "missing_principal",
            format!("no {} header", mapping.principal_header),
        ));
    };
    let mut principal_value = Map::new();
    principal_value.insert("id".into(), Value::String(principal));
    if let Some(name) = &mapping.groups_header {
        let groups = list(headers, name)?;
        principal_value.insert(
            "groups".into(),
            Value::Array(groups.into_iter().map(Value::String).collect()),
        );
    }
    if let Some(name) = &mapping.principal_tags_header {
        principal_value.insert("tags".into(), Value::Object(tags(headers, name)?));
    }

    let action = match &mapping.action_header {
        Some(name) => single(headers, name, "malformed_action")?
            .ok_or_else(|| Refusal::new("missing_action", format!("no {name} header")))?,
        None => {
            let method = single(headers, ":method", "malformed_action")?
                .ok_or_else(|| Refusal::new("missing_action", "no :method pseudo-header"))?;
            mapping.methods.get(&method).cloned().ok_or_else(|| {
                Refusal::new(
                    "unmapped_method",
                    "the request's method has no action in `request.methods`",
                )
            })?
        }
    };

    let raw_path = match values(headers, ":path").as_slice() {
        [] => return Err(Refusal::new("missing_path", "no :path pseudo-header")),
        [one] => *one,
        _ => {
            return Err(Refusal::new(
                "bad_path",
                "the :path pseudo-header is repeated",
            ));
        }
    };
    let (path_part, query) = path::split_query(raw_path);
    let resource_path = path::resource_path(path_part, &mapping.path_prefix)?;
    let mut resource = Map::new();
    resource.insert("path".into(), Value::String(resource_path));
    if let Some(name) = &mapping.resource_tags_header {
        resource.insert("tags".into(), Value::Object(tags(headers, name)?));
    }

    let mut context = Map::new();
    if mapping.source_ip
        && let Some(address) = source_address
    {
        let ip = source_ip(address).ok_or_else(|| {
            Refusal::new(
                "invalid_source_address",
                "the source.address property is not ip:port",
            )
        })?;
        context.insert("source_ip".into(), Value::String(ip.to_string()));
    }
    let from_query = match (&mapping.version_stage_query, query) {
        (Some(name), Some(query)) => path::query_parameter(query, name)?,
        _ => None,
    };
    let from_header = match &mapping.version_stage_header {
        Some(name) => single(headers, name, "malformed_version_stage")?,
        None => None,
    };
    let stage = match (from_query, from_header) {
        (Some(q), Some(h)) if q != h => {
            return Err(Refusal::new(
                "ambiguous_version_stage",
                "the version stage in the query and in the header differ",
            ));
        }
        (q, h) => q.or(h),
    };
    if let Some(stage) = stage {
        context.insert("version_stage".into(), Value::String(stage));
    }
    if let Some(name) = &mapping.mfa_header
        && let Some(mfa) = single(headers, name, "invalid_mfa")?
    {
        let mfa = match mfa.as_str() {
            "true" => true,
            "false" => false,
            _ => {
                return Err(Refusal::new(
                    "invalid_mfa",
                    format!("the {name} header is neither true nor false"),
                ));
            }
        };
        context.insert("mfa".into(), Value::Bool(mfa));
    }
    if let Some(name) = &mapping.mfa_age_header
        && let Some(age) = single(headers, name, "invalid_mfa_age")?
    {
        let age = if age.bytes().all(|b| b.is_ascii_digit()) {
            age.parse::<i64>().ok()
        } else {
            None
        };
        let Some(age) = age else {
            return Err(Refusal::new(
                "invalid_mfa_age",
                format!("the {name} header is not a whole number of seconds"),
            ));
        };
        context.insert("mfa_age_seconds".into(), Value::from(age));
    }
    for attribute in &mapping.attributes {
        let Some(text) = single(headers, &attribute.header, "invalid_attribute")? else {
            continue;
        };
        let value = match attribute.kind {
            AttributeType::String => Some(Value::String(text)),
            AttributeType::Bool => match text.as_str() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            AttributeType::Number => text
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
        };
        let Some(value) = value else {
            return Err(Refusal::new(
                "invalid_attribute",
                format!(
                    "the {} header is not a {:?} (attribute {})",
                    attribute.header, attribute.kind, attribute.name
                ),
            ));
        };
        context.insert(attribute.name.clone(), value);
    }

    let mut request = Map::new();
    request.insert("principal".into(), Value::Object(principal_value));
    request.insert("action".into(), Value::String(action));
    request.insert("resource".into(), Value::Object(resource));
    request.insert("context".into(), Value::Object(context));
    Ok(Value::Object(request).to_string())
}

//! The plugin configuration (`config.schema.json` is its JSON Schema): the
//! JSON that Envoy or Istio passes through `proxy_on_configure`.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The largest plugin configuration read, in bytes (64 MiB, as the core
/// module's load documents).
pub const MAX_CONFIG_BYTES: usize = 64 * 1024 * 1024;

/// The whole plugin configuration. Unknown fields are refused everywhere:
/// a misspelt option must not silently fall back to a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginConfig {
    /// The policy files, compiled together; at least one.
    pub policies: Vec<PolicySource>,
    /// Schema files (optional).
    #[serde(default)]
    pub schema: Vec<PolicySource>,
    /// Tessera's limits (`tessera::Limits`: `{"policy": {...}, "request": {...}}`).
    #[serde(default)]
    pub limits: tessera::Limits,
    /// How an HTTP request becomes a Tessera request.
    #[serde(default)]
    pub request: RequestMapping,
    /// The local reply to a denied request.
    #[serde(default)]
    pub deny: DenyResponse,
    /// A request header added on allow, carrying the decision JSON to the
    /// upstream (absent or null: none).
    #[serde(default)]
    pub decision_header: Option<String>,
    /// Audit records.
    #[serde(default)]
    pub audit: AuditSettings,
}

/// A policy (or schema) file: inline text, named `policy-N.policy` (`N`
/// from 1), or `{"name": ..., "text": ...}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PolicySource {
    /// Just the text.
    Inline(String),
    /// A named file.
    Named(NamedSource),
}

/// A named policy file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedSource {
    /// The name diagnostics use.
    pub name: String,
    /// The text.
    pub text: String,
}

/// How HTTP request headers map to a Tessera request. Header names are
/// matched without regard to case. `null` switches an optional input off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RequestMapping {
    /// The principal id (required in every request).
    pub principal_header: String,
    /// The principal's groups: comma-separated, each percent-decoded;
    /// repeated headers add up.
    pub groups_header: Option<String>,
    /// The principal's tags: comma-separated `name=value`, both
    /// percent-decoded.
    pub principal_tags_header: Option<String>,
    /// The resource's tags, as `principal_tags_header`.
    pub resource_tags_header: Option<String>,
    /// When set, the action is this header's value, and `methods` is not
    /// used.
    pub action_header: Option<String>,
    /// The action for each HTTP method (upper case); a method that is not
    /// listed is denied.
    pub methods: BTreeMap<String, String>,
    /// Stripped from `:path` (after the query string is removed) before
    /// one `/`; a path that does not start with it is denied.
    pub path_prefix: String,
    /// The query parameter that gives `context.version_stage`.
    pub version_stage_query: Option<String>,
    /// The header that gives `context.version_stage`.
    pub version_stage_header: Option<String>,
    /// `context.mfa`: `true` or `false`.
    pub mfa_header: Option<String>,
    /// `context.mfa_age_seconds`: decimal digits.
    pub mfa_age_header: Option<String>,
    /// `context.source_ip` from the `source.address` property.
    pub source_ip: bool,
    /// Custom context attributes from headers.
    pub attributes: Vec<AttributeHeader>,
}

impl Default for RequestMapping {
    fn default() -> RequestMapping {
        let methods = [
            ("GET", "secrets:GetSecretValue"),
            ("HEAD", "secrets:DescribeSecret"),
            ("PUT", "secrets:PutSecretValue"),
            ("POST", "secrets:PutSecretValue"),
            ("DELETE", "secrets:DeleteSecret"),
        ];
        RequestMapping {
            principal_header: "x-tessera-principal".into(),
            groups_header: Some("x-tessera-groups".into()),
            principal_tags_header: Some("x-tessera-principal-tags".into()),
            resource_tags_header: None,
            action_header: None,
            methods: methods
                .iter()
                .map(|(m, a)| ((*m).to_owned(), (*a).to_owned()))
                .collect(),
            path_prefix: "/".into(),
            version_stage_query: Some("versionStage".into()),
            version_stage_header: Some("x-tessera-version-stage".into()),
            mfa_header: Some("x-tessera-mfa".into()),
            mfa_age_header: Some("x-tessera-mfa-age".into()),
            source_ip: true,
            attributes: Vec::new(),
        }
    }
}

/// A custom context attribute read from a header.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeHeader {
    /// The attribute, read by `context.NAME` in policies.
    pub name: String,
    /// The header.
    pub header: String,
    /// How the value is read.
    #[serde(default, rename = "type")]
    pub kind: AttributeType,
}

/// The type of a custom attribute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeType {
    /// The header's text.
    #[default]
    String,
    /// A decimal number.
    Number,
    /// `true` or `false`.
    Bool,
}

/// The local reply to a denied request: the body is the decision JSON (or
/// the filter's own refusal).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DenyResponse {
    /// The HTTP status, 400 to 599 (default 403).
    pub status: u32,
    /// Extra response headers.
    pub headers: BTreeMap<String, String>,
}

impl Default for DenyResponse {
    fn default() -> DenyResponse {
        DenyResponse {
            status: 403,
            headers: BTreeMap::new(),
        }
    }
}

/// Where audit records go, and how they are made.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSettings {
    /// The host log level records are written at (`trace`, `debug`,
    /// `info`, `warn`, `error`, `critical`), or `off`.
    pub log_level: LogLevel,
    /// A shared queue (registered by the filter) each record is also
    /// enqueued to, for a host-side consumer to drain.
    pub queue: Option<String>,
    /// `blocking` (default: a record that cannot be written denies) or
    /// `best_effort`.
    pub mode: AuditMode,
    /// An HMAC key for the chain, in hex (records are then
    /// `hmac-sha256:` chained). Kept out of every log.
    pub key_hex: Option<String>,
    /// Request fields to mask in records (`tessera::audit` selectors).
    pub mask: Vec<String>,
    /// Request fields to leave out of records.
    pub drop: Vec<String>,
}

impl Default for AuditSettings {
    fn default() -> AuditSettings {
        AuditSettings {
            log_level: LogLevel::Info,
            queue: None,
            mode: AuditMode::Blocking,
            key_hex: None,
            mask: Vec::new(),
            drop: Vec::new(),
        }
    }
}

/// `tessera::audit::Mode`, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditMode {
    /// No record, no allow.
    Blocking,
    /// The decision stands when its record is lost.
    BestEffort,
}

/// Proxy-wasm log levels (ABI values 0 to 5), and `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// 0.
    Trace,
    /// 1.
    Debug,
    /// 2.
    Info,
    /// 3.
    Warn,
    /// 4.
    Error,
    /// 5.
    Critical,
    /// Not logged.
    Off,
}

impl LogLevel {
    /// The ABI value, `None` for `off`.
    pub fn abi(self) -> Option<u32> {
        match self {
            LogLevel::Trace => Some(0),
            LogLevel::Debug => Some(1),
            LogLevel::Info => Some(2),
            LogLevel::Warn => Some(3),
            LogLevel::Error => Some(4),
            LogLevel::Critical => Some(5),
            LogLevel::Off => None,
        }
    }
}

/// The context keys the engine reads itself: a custom attribute may not
/// take one of these names (`time` above all: a caller must not choose the
/// instant it is decided at).
const BUILT_IN_CONTEXT: [&str; 5] = [
    "source_ip",
    "mfa",
    "mfa_age_seconds",
    "version_stage",
    "time",
];

impl PluginConfig {
    /// Reads the configuration bytes and checks what serde cannot; the
    /// error says what is wrong (never a value from the configuration,
    /// which may hold a key).
    pub fn parse(bytes: &[u8]) -> Result<PluginConfig, String> {
        if bytes.len() > MAX_CONFIG_BYTES {
            return Err(format!(
                "the plugin configuration is {} bytes; the limit is {MAX_CONFIG_BYTES}",
                bytes.len()
            ));
        }
        let mut config: PluginConfig = serde_json::from_slice(bytes)
            .map_err(|e| format!("the plugin configuration is not valid: {e}"))?;
        config.check()?;
        config.normalize();
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        if self.policies.is_empty() {
            return Err("`policies` is empty: at least one policy file is needed".into());
        }
        if !(400..=599).contains(&self.deny.status) {
            return Err(format!(
                "`deny.status` is {}: a denial must be a 4xx or 5xx status",
                self.deny.status
            ));
        }
        let mapping = &self.request;
        let mut names: Vec<(&str, &str)> = vec![("principal_header", &mapping.principal_header)];
        let optional = [
            ("groups_header", &mapping.groups_header),
            ("principal_tags_header", &mapping.principal_tags_header),
            ("resource_tags_header", &mapping.resource_tags_header),
            ("action_header", &mapping.action_header),
            ("version_stage_header", &mapping.version_stage_header),
            ("mfa_header", &mapping.mfa_header),
            ("mfa_age_header", &mapping.mfa_age_header),
            ("decision_header", &self.decision_header),
        ];
        for (field, value) in optional {
            if let Some(value) = value {
                names.push((field, value));
            }
        }
        for attribute in &mapping.attributes {
            names.push(("attributes[].header", &attribute.header));
        }
        for (field, name) in names {
            if !valid_header_name(name) {
                return Err(format!(
                    "`{field}` is {name:?}: not a header name (letters, digits and !#$%&'*+-.^_`|~)"
                ));
            }
        }
        if mapping.action_header.is_none() && mapping.methods.is_empty() {
            return Err("no action: set `request.action_header` or `request.methods`".into());
        }
        if mapping.path_prefix.is_empty() || !mapping.path_prefix.starts_with('/') {
            return Err("`request.path_prefix` must start with `/`".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for attribute in &mapping.attributes {
            if BUILT_IN_CONTEXT.contains(&attribute.name.as_str()) {
                return Err(format!(
                    "attribute {:?} is a built-in context field; it cannot come from a header",
                    attribute.name
                ));
            }
            if attribute.name.is_empty() || !seen.insert(attribute.name.as_str()) {
                return Err(format!(
                    "attribute {:?} is empty or listed twice",
                    attribute.name
                ));
            }
        }
        for name in self.deny.headers.keys() {
            if !valid_header_name(name) {
                return Err(format!("`deny.headers` has {name:?}: not a header name"));
            }
        }
        if self.audit.log_level == LogLevel::Off && self.audit.queue.is_none() {
            return Err(
                "audit records would go nowhere: set `audit.log_level` or `audit.queue`".into(),
            );
        }
        if self.audit.queue.as_deref() == Some("") {
            return Err("`audit.queue` is empty".into());
        }
        Ok(())
    }

    /// Header names in lower case (as Envoy passes them); methods in upper case.
    fn normalize(&mut self) {
        let mapping = &mut self.request;
        mapping.principal_header.make_ascii_lowercase();
        for name in [
            &mut mapping.groups_header,
            &mut mapping.principal_tags_header,
            &mut mapping.resource_tags_header,
            &mut mapping.action_header,
            &mut mapping.version_stage_header,
            &mut mapping.mfa_header,
            &mut mapping.mfa_age_header,
            &mut self.decision_header,
        ]
        .into_iter()
        .flatten()
        {
            name.make_ascii_lowercase();
        }
        for attribute in &mut mapping.attributes {
            attribute.header.make_ascii_lowercase();
        }
        mapping.methods = std::mem::take(&mut mapping.methods)
            .into_iter()
            .map(|(m, a)| (m.to_ascii_uppercase(), a))
            .collect();
    }

    /// The policy files as `(name, text)`.
    pub fn policy_sources(&self) -> Vec<(String, String)> {
        sources(&self.policies, "policy")
    }

    /// The schema files as `(name, text)`.
    pub fn schema_sources(&self) -> Vec<(String, String)> {
        sources(&self.schema, "schema")
    }
}

fn sources(list: &[PolicySource], extension: &str) -> Vec<(String, String)> {
    list.iter()
        .enumerate()
        .map(|(i, source)| match source {
            PolicySource::Inline(text) => {
                (format!("{extension}-{}.{extension}", i + 1), text.clone())
            }
            PolicySource::Named(named) => (named.name.clone(), named.text.clone()),
        })
        .collect()
}

/// An HTTP token (RFC 9110), the only bytes a header name may have.
fn valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

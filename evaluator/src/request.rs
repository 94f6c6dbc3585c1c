//! The request: who asks to do what on which secret, and in which context.
//!
//! One JSON shape serves every interface; `schema/request.schema.json`
//! documents it. Parsing checks every field and says which one is wrong.
//!
//! The rules every host shares, because they are enforced here:
//!
//! - the text is JSON without a byte-order mark, and no object in it repeats
//!   a key (readers disagree on which copy counts);
//! - numbers fit a 64-bit float (`context.mfa_age_seconds` a signed 64-bit
//!   integer, 0 or more);
//! - the resource path is normalized: no empty, `.` or `..` segment, no
//!   leading or trailing `/`, no ASCII control character. It is matched
//!   byte for byte: percent-escapes and Unicode look-alikes are not decoded
//!   or normalized;
//! - `context.source_ip` has no IPv6 zone id, and an IPv4-mapped IPv6
//!   address (`::ffff:10.0.0.1`) is read as the IPv4 address;
//! - sizes and counts stay within [`RequestLimits`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

/// A request to decide.
///
/// ```
/// use tessera::Request;
/// let request = Request::from_json(r#"{
///   "principal": {"id": "service:payments-api", "groups": ["group:payments"], "tags": {"team": "payments"}},
///   "action": "secrets:GetSecretValue",
///   "resource": {"path": "prod/payment/stripe-key", "tags": {"env": "prod"}},
///   "context": {"source_ip": "10.1.2.3", "mfa": true, "mfa_age_seconds": 120,
///               "version_stage": "AWSCURRENT", "time": "2026-11-25T10:00:00Z"}
/// }"#).unwrap();
/// assert_eq!(request.principal.tags["team"], "payments");
/// assert_eq!(request.context.mfa_age_seconds, Some(120));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    /// Who is asking.
    pub principal: Principal,
    /// What they want to do, such as `secrets:GetSecretValue`.
    pub action: String,
    /// Which secret.
    pub resource: Resource,
    /// Where, when and how.
    pub context: Context,
}

/// The identity making a request.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Principal {
    /// Its id, such as `service:payments-api` or `user:alice`.
    pub id: String,
    /// The groups it belongs to, such as `group:payments-oncall`.
    pub groups: Vec<String>,
    /// Its tags, read by `principal.tags.NAME`.
    pub tags: BTreeMap<String, String>,
}

/// The secret a request is about.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Resource {
    /// Its path, such as `prod/payment/stripe-key`.
    pub path: String,
    /// Its tags, read by `resource.tags.NAME`.
    pub tags: BTreeMap<String, String>,
}

/// Facts about the request; every field may be absent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Context {
    /// The caller's address.
    pub source_ip: Option<IpAddr>,
    /// Whether the caller authenticated with MFA.
    pub mfa: Option<bool>,
    /// Seconds since that MFA.
    pub mfa_age_seconds: Option<i64>,
    /// The secret version stage asked for, such as `AWSCURRENT`.
    pub version_stage: Option<String>,
    /// When the request is made; the evaluator's clock when absent.
    pub time: Option<DateTime<Utc>>,
    /// Every other context key, read by `context.NAME`.
    pub attributes: BTreeMap<String, Attribute>,
}

/// The value of a custom context attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Attribute {
    /// Text.
    String(String),
    /// A number.
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A set of strings, sent as a JSON array of strings (`"scopes":
    /// ["read", "write"]`) and tested with `contains`, `any` and `all`.
    /// Kept as sent: order and repeats do not change what it contains.
    Set(Vec<String>),
    /// A JSON array with an item that is not a string (`[1, "a", true]`):
    /// each item is a string, a number or a boolean. `any` and `all` range
    /// over the items; an item of another type than the literal compared
    /// with is unknown.
    List(Vec<Attribute>),
    /// A JSON object (`"parameters": {"ttl": "1h"}`): `context.A.B` reads
    /// its members, and `any` / `all` range over its member names.
    Object(BTreeMap<String, Attribute>),
}

impl Attribute {
    /// A member of nested objects: `self` for no names, else the member
    /// each name reads in turn; `None` when one is missing or a value on
    /// the way is not an object.
    ///
    /// ```
    /// use tessera::Attribute;
    /// let ttl = Attribute::Object([("ttl".to_string(), Attribute::Number(3600.0))].into());
    /// assert_eq!(ttl.member(["ttl"]), Some(&Attribute::Number(3600.0)));
    /// assert_eq!(ttl.member(["ttl", "x"]), None);
    /// ```
    pub fn member<S: AsRef<str>>(&self, names: impl IntoIterator<Item = S>) -> Option<&Self> {
        names.into_iter().try_fold(self, |value, name| match value {
            Attribute::Object(members) => members.get(name.as_ref()),
            _ => None,
        })
    }
}

/// Limits on the size of a request, enforced when a request is read (at
/// their defaults by every host: the CLI, `policy serve`, the C library and
/// the Wasm modules; in Rust `Request::from_json_with`, and
/// `Request::check_limits` for requests built in code).
///
/// The defaults are far above any realistic request (AWS allows 50 tags of
/// 256 characters; secret paths are short) and keep a hostile one from
/// costing much. Read from a configuration, unknown keys are refused and
/// missing ones take their default:
///
/// There is no depth limit: a valid request nests three levels deep, any
/// deeper value is refused as of the wrong type, and the JSON reader stops
/// at 128 levels.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RequestLimits {
    /// The longest request text, in bytes. Default 16 MiB (16,777,216).
    pub max_bytes: usize,
    /// The longest `resource.path`, in bytes. Default 64 KiB (65,536).
    pub max_path_bytes: usize,
    /// The most segments (`/`-separated parts) in `resource.path`. Default 1,024.
    pub max_path_segments: usize,
    /// The most entries in `principal.groups`, and in each set a custom
    /// context attribute holds. Default 65,536 (the C
    /// library's `TESSERA_MAX_GROUPS`).
    pub max_groups: usize,
    /// The most tags of the principal, and separately of the resource.
    /// Default 1,024.
    pub max_tags: usize,
    /// The most custom context attributes (context keys other than
    /// `source_ip`, `mfa`, `mfa_age_seconds`, `version_stage` and `time`).
    /// Default 1,024.
    pub max_attributes: usize,
    /// The longest string, in bytes: the principal id, the action, each
    /// group, each tag name and value, `context.version_stage`, each custom
    /// attribute name and string value (not the path: `max_path_bytes`).
    /// Default 64 KiB (65,536).
    pub max_value_bytes: usize,
    /// How deeply JSON objects may nest in a custom context attribute:
    /// `{"a": 1}` is one level, `{"a": {"b": 1}}` two. Default 8, the most
    /// names a policy reads after `context.`.
    pub max_attribute_depth: usize,
    /// The most values in all custom context attributes together: each
    /// attribute, each item of an array and each member of an object
    /// counts once. Default 1,048,576.
    pub max_attribute_values: usize,
}

impl RequestLimits {
    /// The default limits, as a constant (for hosts that need them at
    /// compile time).
    pub const DEFAULT: RequestLimits = RequestLimits {
        max_bytes: 16 * 1024 * 1024,
        max_path_bytes: 64 * 1024,
        max_path_segments: 1024,
        max_groups: 65_536,
        max_tags: 1024,
        max_attributes: 1024,
        max_value_bytes: 64 * 1024,
        max_attribute_depth: 8,
        max_attribute_values: 1_048_576,
    };

    /// Checks a number of groups against `max_groups`, with the error
    /// [`Request::check_limits`] gives: for hosts that learn the count
    /// before they read the groups (the C library).
    ///
    /// ```
    /// let error = tessera::RequestLimits::default().check_group_count(70_000).unwrap_err();
    /// assert_eq!(error.to_string(),
    ///     "principal.groups: holds 70000 groups; the limit is 65536 (max_groups)");
    /// ```
    pub fn check_group_count(&self, count: usize) -> Result<(), RequestError> {
        too_many(
            "principal.groups",
            count,
            self.max_groups,
            "groups",
            "max_groups",
        )
    }
}

/// The defaults; read from JSON, missing keys take them:
///
/// ```
/// let limits: tessera::RequestLimits = serde_json::from_str(r#"{"max_groups": 100}"#).unwrap();
/// assert_eq!(limits.max_groups, 100);
/// assert_eq!(limits.max_tags, tessera::RequestLimits::default().max_tags);
/// assert!(serde_json::from_str::<tessera::RequestLimits>(r#"{"max_group": 1}"#).is_err());
/// ```
impl Default for RequestLimits {
    fn default() -> RequestLimits {
        RequestLimits::DEFAULT
    }
}

impl Request {
    /// A request with a principal id, an action and a resource path, and no context.
    ///
    /// ```
    /// let request = tessera::Request::new("user:alice", "secrets:GetSecretValue", "dev/app/db")
    ///     .with_source_ip("10.0.0.7".parse().unwrap())
    ///     .with_mfa(60);
    /// assert_eq!(request.context.mfa, Some(true));
    /// ```
    pub fn new(principal: &str, action: &str, path: &str) -> Request {
        Request {
            principal: Principal {
                id: principal.to_string(),
                ..Principal::default()
            },
            action: action.to_string(),
            resource: Resource {
                path: path.to_string(),
                ..Resource::default()
            },
            context: Context::default(),
        }
    }

    /// Adds a group to the principal.
    pub fn with_group(mut self, group: &str) -> Request {
        self.principal.groups.push(group.to_string());
        self
    }

    /// Sets a principal tag.
    pub fn with_principal_tag(mut self, name: &str, value: &str) -> Request {
        self.principal
            .tags
            .insert(name.to_string(), value.to_string());
        self
    }

    /// Sets a resource tag.
    pub fn with_resource_tag(mut self, name: &str, value: &str) -> Request {
        self.resource
            .tags
            .insert(name.to_string(), value.to_string());
        self
    }

    /// Sets the caller's address; an IPv4-mapped IPv6 address
    /// (`::ffff:10.0.0.1`) is stored as the IPv4 address, as the JSON
    /// request reads it.
    ///
    /// ```
    /// let request = tessera::Request::new("u", "a", "r")
    ///     .with_source_ip("::ffff:10.0.0.1".parse().unwrap());
    /// assert_eq!(request.context.source_ip, Some("10.0.0.1".parse().unwrap()));
    /// ```
    pub fn with_source_ip(mut self, ip: IpAddr) -> Request {
        self.context.source_ip = Some(ip.to_canonical());
        self
    }

    /// Marks the request as MFA-authenticated `age_seconds` ago.
    pub fn with_mfa(mut self, age_seconds: i64) -> Request {
        self.context.mfa = Some(true);
        self.context.mfa_age_seconds = Some(age_seconds);
        self
    }

    /// Sets the version stage.
    pub fn with_version_stage(mut self, stage: &str) -> Request {
        self.context.version_stage = Some(stage.to_string());
        self
    }

    /// Sets the request's time.
    pub fn with_time(mut self, time: DateTime<Utc>) -> Request {
        self.context.time = Some(time);
        self
    }

    /// Sets a custom context attribute.
    pub fn with_attribute(mut self, name: &str, value: Attribute) -> Request {
        self.context.attributes.insert(name.to_string(), value);
        self
    }

    /// Parses and checks the JSON request shape, within the default
    /// [`RequestLimits`]; [`Request::from_json_with`] takes others.
    ///
    /// A bare string is accepted for `principal` (its id) and `resource` (its
    /// path). Context keys other than the known ones become custom attributes.
    /// Refused, each with an error naming the field:
    ///
    /// - text that is not JSON, or starts with a byte-order mark
    ///   ([`RequestErrorKind::Syntax`]);
    /// - a key repeated in any object ([`RequestErrorKind::DuplicateKey`]):
    ///   JSON readers disagree on which copy counts, so a front end could
    ///   read another request than Tessera decides;
    /// - a number too large for a 64-bit float, and every problem
    ///   [`Request::from_value`] reports;
    /// - a request over a limit ([`RequestErrorKind::LimitExceeded`]).
    ///
    /// ```
    /// let err = tessera::Request::from_json(
    ///     r#"{"principal": "user:a", "action": "secrets:Get", "resource": "x",
    ///         "context": {"source_ip": "10.1.2"}}"#).unwrap_err();
    /// assert_eq!(err.field(), "context.source_ip");
    ///
    /// let err = tessera::Request::from_json(
    ///     r#"{"principal": "user:a", "action": "a", "action": "b", "resource": "x"}"#).unwrap_err();
    /// assert_eq!(err.kind(), tessera::RequestErrorKind::DuplicateKey);
    /// assert_eq!(err.field(), "action");
    /// ```
    pub fn from_json(text: &str) -> Result<Request, RequestError> {
        Request::from_json_with(text, &RequestLimits::DEFAULT)
    }

    /// [`Request::from_json`] within the given limits.
    ///
    /// ```
    /// let limits = tessera::RequestLimits { max_groups: 1, ..Default::default() };
    /// let text = r#"{"principal": {"id": "u", "groups": ["a", "b"]}, "action": "a", "resource": "r"}"#;
    /// assert!(tessera::Request::from_json(text).is_ok());
    /// let err = tessera::Request::from_json_with(text, &limits).unwrap_err();
    /// assert_eq!(err.kind(), tessera::RequestErrorKind::LimitExceeded);
    /// assert_eq!(err.to_string(), "principal.groups: holds 2 groups; the limit is 1 (max_groups)");
    /// ```
    pub fn from_json_with(text: &str, limits: &RequestLimits) -> Result<Request, RequestError> {
        check_text(text, limits)?;
        // A valid request is read straight from the text (`fast::parse`);
        // anything else is read again through a `Value`, whose walk says
        // what is wrong. The errors are those of that walk by construction:
        // the limits are checked on the request both paths build alike.
        match fast::parse(text) {
            Some(request) => {
                request.check_limits(limits)?;
                Ok(request)
            }
            None => via_value(text, limits),
        }
    }

    /// The fast path of [`Request::from_json`] alone: the request when the
    /// text is one it reads directly, `None` when `from_json` falls back to
    /// [`Request::from_json_via_value`]. For the tests.
    #[doc(hidden)]
    pub fn from_json_fast_path(text: &str) -> Option<Request> {
        let limits = RequestLimits::DEFAULT;
        check_text(text, &limits).ok()?;
        fast::parse(text).filter(|request| request.check_limits(&limits).is_ok())
    }

    /// [`Request::from_json`] the slow way: the text parsed into a
    /// [`serde_json::Value`] (refusing repeated keys), then checked by
    /// [`Request::from_value`]. It gives every error `from_json` gives; the
    /// tests compare the two.
    #[doc(hidden)]
    pub fn from_json_via_value(text: &str) -> Result<Request, RequestError> {
        let limits = RequestLimits::DEFAULT;
        check_text(text, &limits)?;
        via_value(text, &limits)
    }

    /// Checks an already parsed JSON value, within the default
    /// [`RequestLimits`]; see [`Request::from_json`]. A [`serde_json::Value`]
    /// cannot hold a repeated key (it keeps the last): parse request text
    /// with [`Request::from_json`], which refuses them.
    pub fn from_value(value: &Json) -> Result<Request, RequestError> {
        Request::from_value_with(value, &RequestLimits::DEFAULT)
    }

    /// [`Request::from_value`] within the given limits (`max_bytes` aside:
    /// there is no text).
    pub fn from_value_with(value: &Json, limits: &RequestLimits) -> Result<Request, RequestError> {
        let request = walk(value)?;
        request.check_limits(limits)?;
        Ok(request)
    }

    /// Checks the sizes and counts of a request against `limits` (all but
    /// `max_bytes`, which concerns the text): what [`Request::from_json_with`]
    /// checks once the request is read, for requests built in code or from
    /// the C struct. The first field over a limit is named, with the limit.
    ///
    /// ```
    /// let request = tessera::Request::new("u", "a", &"x/".repeat(2000).trim_end_matches('/'));
    /// let err = request.check_limits(&tessera::RequestLimits::default()).unwrap_err();
    /// assert_eq!(err.to_string(),
    ///     "resource.path: has 2000 segments; the limit is 1024 (max_path_segments)");
    /// ```
    pub fn check_limits(&self, limits: &RequestLimits) -> Result<(), RequestError> {
        let principal = &self.principal;
        value_bytes(&principal.id, limits, || "principal.id".to_string())?;
        limits.check_group_count(principal.groups.len())?;
        for (i, group) in principal.groups.iter().enumerate() {
            value_bytes(group, limits, || format!("principal.groups[{i}]"))?;
        }
        tag_limits(&principal.tags, "principal.tags", limits)?;
        value_bytes(&self.action, limits, || "action".to_string())?;
        let path = &self.resource.path;
        if path.len() > limits.max_path_bytes {
            return Err(RequestError::new(
                RequestErrorKind::LimitExceeded,
                "resource.path",
                format!(
                    "is {} bytes long; the limit is {} bytes (max_path_bytes)",
                    path.len(),
                    limits.max_path_bytes
                ),
            ));
        }
        let segments = path.bytes().filter(|b| *b == b'/').count() + 1;
        if segments > limits.max_path_segments {
            return Err(RequestError::new(
                RequestErrorKind::LimitExceeded,
                "resource.path",
                format!(
                    "has {segments} segments; the limit is {} (max_path_segments)",
                    limits.max_path_segments
                ),
            ));
        }
        tag_limits(&self.resource.tags, "resource.tags", limits)?;
        let context = &self.context;
        if let Some(stage) = &context.version_stage {
            value_bytes(stage, limits, || "context.version_stage".to_string())?;
        }
        too_many(
            "context",
            context.attributes.len(),
            limits.max_attributes,
            "custom attributes",
            "max_attributes",
        )?;
        let mut values = 0usize;
        for (name, value) in &context.attributes {
            name_bytes(name, limits, "context", "a custom attribute name")?;
            match value {
                // The common case, without building the field's name.
                Attribute::String(text) if values < limits.max_attribute_values => {
                    values += 1;
                    value_bytes(text, limits, || format!("context.{name}"))?;
                }
                Attribute::Number(_) | Attribute::Bool(_)
                    if values < limits.max_attribute_values =>
                {
                    values += 1;
                }
                _ => attribute_limits(value, &format!("context.{name}"), 0, &mut values, limits)?,
            }
        }
        Ok(())
    }
}

impl Resource {
    /// Checks a secret path as every host does: not empty, no ASCII control
    /// character, and normalized (no empty, `.` or `..` segment, no leading
    /// or trailing `/`). Tessera resolves nothing: a path that is not
    /// normalized is refused rather than read as another one, since the
    /// secrets manager might resolve it differently (`prod/../dev/x` is not
    /// allowed by a policy on `dev/**`, nor denied by one on `prod/**`). The
    /// path is matched byte for byte; percent-escapes and Unicode are not
    /// decoded or normalized. `field` names the path in the error.
    ///
    /// ```
    /// use tessera::Resource;
    /// assert!(Resource::check_path("prod/db/main", "resource.path").is_ok());
    /// let err = Resource::check_path("prod/../dev/x", "resource.path").unwrap_err();
    /// assert!(err.to_string().starts_with("resource.path: not normalized: segment 2 is `..`"));
    /// assert!(Resource::check_path("prod//x", "resource.path").is_err());
    /// assert!(Resource::check_path("/prod/x", "resource.path").is_err());
    /// assert!(Resource::check_path("prod/x/", "resource.path").is_err());
    /// assert!(Resource::check_path("prod/x\0", "resource.path").is_err());
    /// ```
    pub fn check_path(path: &str, field: &str) -> Result<(), RequestError> {
        if path.is_empty() {
            return Err(invalid(field, "may not be empty".to_string()));
        }
        if let Some((at, c)) = path.char_indices().find(|(_, c)| c.is_ascii_control()) {
            return Err(invalid(
                field,
                format!(
                    "holds the control character U+{:04X} at byte {at}; a secret path is printable text",
                    u32::from(c)
                ),
            ));
        }
        let problem = if path.starts_with('/') {
            Some("it starts with `/`".to_string())
        } else if path.ends_with('/') {
            Some("it ends with `/`".to_string())
        } else {
            path.split('/')
                .enumerate()
                .find_map(|(i, segment)| match segment {
                    "" => Some(format!("segment {} is empty (`//`)", i + 1)),
                    "." | ".." => Some(format!("segment {} is `{segment}`", i + 1)),
                    _ => None,
                })
        };
        match problem {
            Some(problem) => Err(invalid(
                field,
                format!(
                    "not normalized: {problem}; send the path exactly as the secrets manager stores it (Tessera resolves no `.`, `..` or empty segments)"
                ),
            )),
            None => Ok(()),
        }
    }
}

/// What every request text must be before it is read: within `max_bytes`,
/// and without a byte-order mark.
fn check_text(text: &str, limits: &RequestLimits) -> Result<(), RequestError> {
    if text.len() > limits.max_bytes {
        return Err(RequestError::new(
            RequestErrorKind::LimitExceeded,
            "",
            format!(
                "the request is {} bytes long; the limit is {} bytes (max_bytes)",
                text.len(),
                limits.max_bytes
            ),
        ));
    }
    if text.starts_with('\u{FEFF}') {
        return Err(RequestError::new(
            RequestErrorKind::Syntax,
            "",
            "the request starts with a byte-order mark (U+FEFF); send the JSON text without one"
                .to_string(),
        ));
    }
    Ok(())
}

/// The `Value` path: the text read refusing repeated keys, then walked.
fn via_value(text: &str, limits: &RequestLimits) -> Result<Request, RequestError> {
    let value = strict::parse(text)?;
    Request::from_value_with(&value, limits)
}

/// The request a JSON value describes, every field checked.
fn walk(value: &Json) -> Result<Request, RequestError> {
    let object = as_object(value, "")?;
    reject_unknown(object, "", &["principal", "action", "resource", "context"])?;
    let principal =
        match required(object, "principal", "")? {
            Json::String(id) => Principal {
                id: non_empty(id, "principal")?,
                ..Principal::default()
            },
            other => principal_object(other.as_object().ok_or_else(|| {
                wrong_type("principal", "a principal id (a string) or an object")
            })?)?,
        };
    let action = non_empty(as_str(required(object, "action", "")?, "action")?, "action")?;
    let resource = match required(object, "resource", "")? {
        Json::String(path) => Resource {
            path: checked_path(path, "resource")?,
            ..Resource::default()
        },
        other => {
            let o = other
                .as_object()
                .ok_or_else(|| wrong_type("resource", "a resource path (a string) or an object"))?;
            reject_unknown(o, "resource", &["path", "tags"])?;
            Resource {
                path: checked_path(
                    as_str(required(o, "path", "resource")?, "resource.path")?,
                    "resource.path",
                )?,
                tags: tags(o.get("tags"), "resource.tags")?,
            }
        }
    };
    let context = match object.get("context") {
        None | Some(Json::Null) => Context::default(),
        Some(other) => context(as_object(other, "context")?)?,
    };
    Ok(Request {
        principal,
        action,
        resource,
        context,
    })
}

/// `count` items against `limit`, named `what` (`"groups"`) and `name`
/// (`"max_groups"`).
fn too_many(
    field: &str,
    count: usize,
    limit: usize,
    what: &str,
    name: &str,
) -> Result<(), RequestError> {
    if count > limit {
        Err(RequestError::new(
            RequestErrorKind::LimitExceeded,
            field,
            format!("holds {count} {what}; the limit is {limit} ({name})"),
        ))
    } else {
        Ok(())
    }
}

/// A string value against `max_value_bytes`; the field is only named on error.
fn value_bytes(
    text: &str,
    limits: &RequestLimits,
    field: impl FnOnce() -> String,
) -> Result<(), RequestError> {
    if text.len() > limits.max_value_bytes {
        Err(RequestError::new(
            RequestErrorKind::LimitExceeded,
            &field(),
            format!(
                "is {} bytes long; the limit is {} bytes (max_value_bytes)",
                text.len(),
                limits.max_value_bytes
            ),
        ))
    } else {
        Ok(())
    }
}

/// A key (tag or attribute name) against `max_value_bytes`: too long a key
/// is not repeated in the field, the parent is named.
fn name_bytes(
    name: &str,
    limits: &RequestLimits,
    parent: &str,
    what: &str,
) -> Result<(), RequestError> {
    if name.len() > limits.max_value_bytes {
        Err(RequestError::new(
            RequestErrorKind::LimitExceeded,
            parent,
            format!(
                "{what} is {} bytes long; the limit is {} bytes (max_value_bytes)",
                name.len(),
                limits.max_value_bytes
            ),
        ))
    } else {
        Ok(())
    }
}

/// One custom attribute (at `field`, inside `depth` objects) against
/// `max_value_bytes`, `max_groups` (items of an array), `max_attributes`
/// (members of an object), `max_attribute_depth` and, with every value
/// counted in `values`, `max_attribute_values`.
fn attribute_limits(
    value: &Attribute,
    field: &str,
    depth: usize,
    values: &mut usize,
    limits: &RequestLimits,
) -> Result<(), RequestError> {
    let mut count = |n: usize| {
        *values = values.saturating_add(n);
        if *values > limits.max_attribute_values {
            Err(RequestError::new(
                RequestErrorKind::LimitExceeded,
                field,
                format!(
                    "the custom attributes hold more than {} values (max_attribute_values)",
                    limits.max_attribute_values
                ),
            ))
        } else {
            Ok(())
        }
    };
    count(1)?;
    match value {
        Attribute::String(text) => value_bytes(text, limits, || field.to_string()),
        Attribute::Number(_) | Attribute::Bool(_) => Ok(()),
        Attribute::Set(items) => {
            too_many(field, items.len(), limits.max_groups, "items", "max_groups")?;
            count(items.len())?;
            for (i, item) in items.iter().enumerate() {
                value_bytes(item, limits, || format!("{field}[{i}]"))?;
            }
            Ok(())
        }
        Attribute::List(items) => {
            too_many(field, items.len(), limits.max_groups, "items", "max_groups")?;
            for (i, item) in items.iter().enumerate() {
                if matches!(
                    item,
                    Attribute::List(_) | Attribute::Set(_) | Attribute::Object(_)
                ) {
                    return Err(wrong_type(
                        &format!("{field}[{i}]"),
                        "a string, number or boolean",
                    ));
                }
                attribute_limits(item, &format!("{field}[{i}]"), depth, values, limits)?;
            }
            Ok(())
        }
        Attribute::Object(members) => {
            if depth >= limits.max_attribute_depth {
                return Err(RequestError::new(
                    RequestErrorKind::LimitExceeded,
                    field,
                    format!(
                        "nests objects more than {} levels deep (max_attribute_depth)",
                        limits.max_attribute_depth
                    ),
                ));
            }
            too_many(
                field,
                members.len(),
                limits.max_attributes,
                "members",
                "max_attributes",
            )?;
            for (name, member) in members {
                name_bytes(name, limits, field, "a member name")?;
                attribute_limits(
                    member,
                    &format!("{field}.{name}"),
                    depth + 1,
                    values,
                    limits,
                )?;
            }
            Ok(())
        }
    }
}

/// The tags of `field` against `max_tags` and `max_value_bytes`.
fn tag_limits(
    tags: &BTreeMap<String, String>,
    field: &str,
    limits: &RequestLimits,
) -> Result<(), RequestError> {
    too_many(field, tags.len(), limits.max_tags, "tags", "max_tags")?;
    for (name, value) in tags {
        name_bytes(name, limits, field, "a tag name")?;
        value_bytes(value, limits, || format!("{field}.{name}"))?;
    }
    Ok(())
}

/// The fast path of [`Request::from_json`]: the request read straight from
/// the text by serde visitors, with no `Value` in between, borrowing the
/// text's strings until they are stored.
///
/// It builds the request the `Value` path builds, or gives up (`None`) and
/// lets the `Value` path describe the problem: on any syntax error, wrong
/// type, unknown field or bad value. Giving up is always safe; accepting is
/// only done where the `Value` path accepts too, with the same result.
///
/// Repeated keys: any key seen twice in one object (a `null` one included)
/// gives up, and the `Value` path refuses the text.
///
/// Because it never skips a value unread, a text it accepts is JSON of depth
/// 3 at most: the `Value` path reads it too, within the recursion limit.
mod fast {
    use super::{Attribute, Context, Principal, Request, Resource, checked_path, non_empty};
    use chrono::{DateTime, Utc};
    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::borrow::Cow;
    use std::collections::BTreeMap;
    use std::fmt;
    use std::net::IpAddr;

    /// The request in `text`, or `None` when the `Value` path must say why not.
    pub(super) fn parse(text: &str) -> Option<Request> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let request = deserializer.deserialize_map(RequestVisitor).ok()?;
        // Only whitespace may follow, as in `serde_json::from_str`.
        deserializer.end().ok()?;
        Some(request)
    }

    /// Giving up: the error itself is never shown, the `Value` path makes the real one.
    fn give_up<E: de::Error>() -> E {
        E::custom("not a plainly valid request")
    }

    /// The index of a key among the known `names`; an unknown key gives up.
    struct Key(&'static [&'static str]);

    impl<'de> DeserializeSeed<'de> for Key {
        type Value = usize;
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
            deserializer.deserialize_str(self)
        }
    }

    impl Visitor<'_> for Key {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "one of {}", self.0.join(", "))
        }
        fn visit_str<E: de::Error>(self, key: &str) -> Result<usize, E> {
            self.0.iter().position(|k| *k == key).ok_or_else(give_up)
        }
    }

    /// A string, borrowed from the text unless it holds escapes; `null`
    /// and every other type give up.
    struct Text;

    impl<'de> DeserializeSeed<'de> for Text {
        type Value = Cow<'de, str>;
        fn deserialize<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_str(self)
        }
    }

    impl<'de> Visitor<'de> for Text {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(text))
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(text.to_owned()))
        }
    }

    /// Marks key `index` as seen; a second sight gives up.
    fn once<E: de::Error>(seen: &mut [bool], index: usize) -> Result<(), E> {
        match seen.get_mut(index) {
            Some(slot) if !*slot => {
                *slot = true;
                Ok(())
            }
            _ => Err(give_up()),
        }
    }

    /// A non-empty string, as `non_empty` checks it.
    fn non_empty_text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<String, A::Error> {
        let text = map.next_value_seed(Text)?;
        non_empty(&text, "").map_err(|_| give_up())
    }

    struct RequestVisitor;

    impl<'de> Visitor<'de> for RequestVisitor {
        type Value = Request;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a request object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Request, A::Error> {
            const KEYS: &[&str] = &["principal", "action", "resource", "context"];
            let (mut principal, mut action, mut resource) = (None, None, None);
            // Absent or `null`: no context.
            let mut context = Context::default();
            let mut seen = [false; KEYS.len()];
            while let Some(key) = map.next_key_seed(Key(KEYS))? {
                once(&mut seen, key)?;
                match key {
                    0 => principal = Some(map.next_value_seed(PrincipalSeed)?),
                    1 => action = Some(non_empty_text(&mut map)?),
                    2 => resource = Some(map.next_value_seed(ResourceSeed)?),
                    _ => context = map.next_value_seed(ContextSeed)?,
                }
            }
            Ok(Request {
                principal: principal.ok_or_else(give_up)?,
                action: action.ok_or_else(give_up)?,
                resource: resource.ok_or_else(give_up)?,
                context,
            })
        }
    }

    /// `"principal"`: its id as a string, or an object.
    struct PrincipalSeed;

    impl<'de> DeserializeSeed<'de> for PrincipalSeed {
        type Value = Principal;
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Principal, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for PrincipalSeed {
        type Value = Principal;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a principal id or object")
        }
        fn visit_str<E: de::Error>(self, id: &str) -> Result<Principal, E> {
            Ok(Principal {
                id: non_empty(id, "principal").map_err(|_| give_up())?,
                ..Principal::default()
            })
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Principal, A::Error> {
            const KEYS: &[&str] = &["id", "groups", "tags"];
            let (mut id, mut groups, mut tags) = (None, Vec::new(), BTreeMap::new());
            let mut seen = [false; KEYS.len()];
            while let Some(key) = map.next_key_seed(Key(KEYS))? {
                once(&mut seen, key)?;
                match key {
                    0 => id = Some(non_empty_text(&mut map)?),
                    1 => groups = map.next_value_seed(Groups)?,
                    _ => tags = map.next_value_seed(Tags)?,
                }
            }
            Ok(Principal {
                id: id.ok_or_else(give_up)?,
                groups,
                tags,
            })
        }
    }

    /// `"resource"`: its path as a string, or an object.
    struct ResourceSeed;

    impl<'de> DeserializeSeed<'de> for ResourceSeed {
        type Value = Resource;
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Resource, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for ResourceSeed {
        type Value = Resource;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a resource path or object")
        }
        fn visit_str<E: de::Error>(self, path: &str) -> Result<Resource, E> {
            Ok(Resource {
                path: checked_path(path, "resource").map_err(|_| give_up())?,
                ..Resource::default()
            })
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Resource, A::Error> {
            const KEYS: &[&str] = &["path", "tags"];
            let (mut path, mut tags) = (None, BTreeMap::new());
            let mut seen = [false; KEYS.len()];
            while let Some(key) = map.next_key_seed(Key(KEYS))? {
                once(&mut seen, key)?;
                if key == 0 {
                    let text = map.next_value_seed(Text)?;
                    path = Some(checked_path(&text, "").map_err(|_| give_up())?);
                } else {
                    tags = map.next_value_seed(Tags)?;
                }
            }
            Ok(Resource {
                path: path.ok_or_else(give_up)?,
                tags,
            })
        }
    }

    /// `"groups"`: an array of strings, or `null` for none.
    struct Groups;

    impl<'de> DeserializeSeed<'de> for Groups {
        type Value = Vec<String>;
        fn deserialize<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Vec<String>, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Groups {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of strings")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut groups = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(group) = seq.next_element_seed(Text)? {
                groups.push(group.into_owned());
            }
            Ok(groups)
        }
    }

    /// `"tags"`: an object of strings, or `null` for none. A repeated name
    /// gives up.
    struct Tags;

    impl<'de> DeserializeSeed<'de> for Tags {
        type Value = BTreeMap<String, String>;
        fn deserialize<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Tags {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of string values")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut tags = BTreeMap::new();
            while let Some(name) = map.next_key_seed(Text)? {
                let value = map.next_value_seed(Text)?;
                if tags.insert(name.into_owned(), value.into_owned()).is_some() {
                    return Err(give_up());
                }
            }
            Ok(tags)
        }
    }

    /// `"context"`: an object, or `null` for none.
    struct ContextSeed;

    impl<'de> DeserializeSeed<'de> for ContextSeed {
        type Value = Context;
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Context, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    /// A context key: a known one, or a custom attribute's name.
    enum ContextKey {
        SourceIp,
        Mfa,
        MfaAgeSeconds,
        VersionStage,
        Time,
        Custom(String),
    }

    struct ContextKeySeed;

    impl<'de> DeserializeSeed<'de> for ContextKeySeed {
        type Value = ContextKey;
        fn deserialize<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<ContextKey, D::Error> {
            deserializer.deserialize_str(self)
        }
    }

    impl Visitor<'_> for ContextKeySeed {
        type Value = ContextKey;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a context key")
        }
        fn visit_str<E: de::Error>(self, key: &str) -> Result<ContextKey, E> {
            Ok(match key {
                "source_ip" => ContextKey::SourceIp,
                "mfa" => ContextKey::Mfa,
                "mfa_age_seconds" => ContextKey::MfaAgeSeconds,
                "version_stage" => ContextKey::VersionStage,
                "time" => ContextKey::Time,
                other => ContextKey::Custom(other.to_owned()),
            })
        }
    }

    impl<'de> Visitor<'de> for ContextSeed {
        type Value = Context;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a context object")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Context, E> {
            Ok(Context::default())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Context, A::Error> {
            let mut context = Context::default();
            // The known keys seen, and the custom ones seen with `null`
            // (the others are in `context.attributes`).
            let mut seen = [false; 5];
            let mut null_attributes: Vec<String> = Vec::new();
            while let Some(key) = map.next_key_seed(ContextKeySeed)? {
                let known = match &key {
                    ContextKey::SourceIp => Some(0),
                    ContextKey::Mfa => Some(1),
                    ContextKey::MfaAgeSeconds => Some(2),
                    ContextKey::VersionStage => Some(3),
                    ContextKey::Time => Some(4),
                    ContextKey::Custom(name) => {
                        if context.attributes.contains_key(name) || null_attributes.contains(name) {
                            return Err(give_up());
                        }
                        None
                    }
                };
                if let Some(index) = known {
                    once(&mut seen, index)?;
                }
                // A `null` value reads as `None`: the key is absent.
                match key {
                    ContextKey::SourceIp => context.source_ip = map.next_value_seed(SourceIp)?,
                    ContextKey::Mfa => context.mfa = map.next_value_seed(Mfa)?,
                    ContextKey::MfaAgeSeconds => {
                        context.mfa_age_seconds = map.next_value_seed(MfaAgeSeconds)?;
                    }
                    ContextKey::VersionStage => {
                        context.version_stage = map.next_value_seed(VersionStage)?;
                    }
                    ContextKey::Time => context.time = map.next_value_seed(Time)?,
                    ContextKey::Custom(name) => match map.next_value_seed(CustomAttribute)? {
                        Some(attribute) => {
                            context.attributes.insert(name, attribute);
                        }
                        None => null_attributes.push(name),
                    },
                }
            }
            Ok(context)
        }
    }

    /// Declares a seed that reads an optional context value with `deserialize_any`.
    macro_rules! context_value {
        ($name:ident, $value:ty) => {
            struct $name;

            impl<'de> DeserializeSeed<'de> for $name {
                type Value = Option<$value>;
                fn deserialize<D: Deserializer<'de>>(
                    self,
                    deserializer: D,
                ) -> Result<Self::Value, D::Error> {
                    deserializer.deserialize_any(self)
                }
            }
        };
    }

    context_value!(SourceIp, IpAddr);
    context_value!(Mfa, bool);
    context_value!(MfaAgeSeconds, i64);
    context_value!(VersionStage, String);
    context_value!(Time, DateTime<Utc>);
    context_value!(CustomAttribute, Attribute);

    impl<'de> Visitor<'de> for SourceIp {
        type Value = Option<IpAddr>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an IP address")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        // An IPv4-mapped IPv6 address is read as the IPv4 address.
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            text.parse::<IpAddr>()
                .map(|ip| Some(ip.to_canonical()))
                .map_err(|_| give_up())
        }
    }

    impl<'de> Visitor<'de> for Mfa {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, mfa: bool) -> Result<Self::Value, E> {
            Ok(Some(mfa))
        }
    }

    impl<'de> Visitor<'de> for MfaAgeSeconds {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a whole number of seconds")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        // `Value::as_i64` then `>= 0`: an unsigned number up to `i64::MAX`,
        // a signed one from 0; never a float, even a whole one.
        fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<Self::Value, E> {
            i64::try_from(seconds).map(Some).map_err(|_| give_up())
        }
        fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<Self::Value, E> {
            if seconds >= 0 {
                Ok(Some(seconds))
            } else {
                Err(give_up())
            }
        }
    }

    impl<'de> Visitor<'de> for VersionStage {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, stage: &str) -> Result<Self::Value, E> {
            Ok(Some(stage.to_owned()))
        }
    }

    impl<'de> Visitor<'de> for Time {
        type Value = Option<DateTime<Utc>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an RFC 3339 timestamp")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            DateTime::parse_from_rfc3339(text)
                .map(|time| Some(time.with_timezone(&Utc)))
                .map_err(|_| give_up())
        }
    }

    impl<'de> Visitor<'de> for CustomAttribute {
        type Value = Option<Attribute>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, number, boolean or array of strings")
        }
        // Strings only; anything else is left to the `Value` path, which
        // names the item.
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(item) = seq.next_element_seed(Text)? {
                items.push(item.into_owned());
            }
            Ok(Some(Attribute::Set(items)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Some(Attribute::String(text.to_owned())))
        }
        fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
            Ok(Some(Attribute::Bool(value)))
        }
        // As `Number::as_f64` converts them.
        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
            Ok(Some(Attribute::Number(value as f64)))
        }
        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
            Ok(Some(Attribute::Number(value as f64)))
        }
        // serde_json reads no infinite or NaN number; a `Value` would hold
        // one as `null`. Giving up leaves it to the `Value` path.
        fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
            if value.is_finite() {
                Ok(Some(Attribute::Number(value)))
            } else {
                Err(give_up())
            }
        }
    }
}

/// The `Value` path's reader: JSON text into a [`serde_json::Value`], as
/// `serde_json::from_str` reads it (the same syntax errors, at the same
/// places), except that a key repeated in any object is an error (a `Value`
/// would keep the last copy silently), and a number too large for a float
/// is an error naming the field it is in.
mod strict {
    use super::{Json, RequestError, RequestErrorKind, clip, syntax_summary};
    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Number};
    use std::cell::RefCell;
    use std::fmt;

    /// The value of `text`, or the error that the request has.
    ///
    /// Errors, first found first: a syntax error (the reading stops there;
    /// a number out of range is one), then the first repeated key.
    pub(super) fn parse(text: &str) -> Result<Json, RequestError> {
        let tracker = Tracker::default();
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let read = Strict(&tracker)
            .deserialize(&mut deserializer)
            .and_then(|value| deserializer.end().map(|()| value));
        let value = read.map_err(|e| {
            if e.to_string().starts_with("number out of range") {
                // The reading stopped in the number: the path is its field.
                RequestError::new(
                    RequestErrorKind::InvalidValue,
                    &tracker.field(),
                    "number out of range: it does not fit a 64-bit float".to_string(),
                )
            } else {
                RequestError::new(
                    RequestErrorKind::Syntax,
                    "",
                    format!(
                        "invalid JSON at line {} column {}: {}",
                        e.line(),
                        e.column(),
                        syntax_summary(&e)
                    ),
                )
            }
        })?;
        match tracker.duplicate.into_inner() {
            Some((field, key)) => Err(RequestError::new(
                RequestErrorKind::DuplicateKey,
                &field,
                format!(
                    "duplicate key `{}`: a key may appear once in an object (JSON readers disagree on which copy counts)",
                    clip(&key)
                ),
            )),
            None => Ok(value),
        }
    }

    /// One step of the path to the value being read.
    enum Step {
        Key(String),
        Index(usize),
    }

    /// Where the reading is, and the first repeated key found.
    #[derive(Default)]
    struct Tracker {
        path: RefCell<Vec<Step>>,
        /// The repeated key's field (dotted) and the key itself.
        duplicate: RefCell<Option<(String, String)>>,
    }

    impl Tracker {
        /// The path as a field name: `context.x`, `principal.groups[2]`.
        fn field(&self) -> String {
            let mut field = String::new();
            for step in self.path.borrow().iter() {
                match step {
                    Step::Key(key) => {
                        if !field.is_empty() {
                            field.push('.');
                        }
                        field.push_str(key);
                    }
                    Step::Index(i) => field.push_str(&format!("[{i}]")),
                }
            }
            field
        }

        fn enter(&self, step: Step) {
            self.path.borrow_mut().push(step);
        }

        /// Leaves the innermost step. On an error the path is left as it is,
        /// pointing at the value where the reading stopped.
        fn leave(&self) {
            self.path.borrow_mut().pop();
        }
    }

    /// Any JSON value, read as `serde_json::Value` reads it.
    #[derive(Clone, Copy)]
    struct Strict<'t>(&'t Tracker);

    impl<'de> DeserializeSeed<'de> for Strict<'_> {
        type Value = Json;
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Strict<'_> {
        type Value = Json;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
            Ok(Json::Null)
        }
        fn visit_bool<E: de::Error>(self, value: bool) -> Result<Json, E> {
            Ok(Json::Bool(value))
        }
        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Json, E> {
            Ok(Json::Number(value.into()))
        }
        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Json, E> {
            Ok(Json::Number(value.into()))
        }
        // serde_json reads only finite numbers; a `Value` would hold any
        // other as `null`.
        fn visit_f64<E: de::Error>(self, value: f64) -> Result<Json, E> {
            Ok(Number::from_f64(value).map_or(Json::Null, Json::Number))
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<Json, E> {
            Ok(Json::String(value.to_owned()))
        }
        fn visit_string<E: de::Error>(self, value: String) -> Result<Json, E> {
            Ok(Json::String(value))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
            let mut items = Vec::new();
            loop {
                self.0.enter(Step::Index(items.len()));
                let item = seq.next_element_seed(self)?;
                self.0.leave();
                match item {
                    Some(item) => items.push(item),
                    None => return Ok(Json::Array(items)),
                }
            }
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
            let mut object = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                self.0.enter(Step::Key(key.clone()));
                let value = map.next_value_seed(self)?;
                if object.contains_key(&key) {
                    let mut duplicate = self.0.duplicate.borrow_mut();
                    if duplicate.is_none() {
                        *duplicate = Some((self.0.field(), key));
                    }
                } else {
                    object.insert(key, value);
                }
                self.0.leave();
            }
            Ok(Json::Object(object))
        }
    }
}

fn principal_object(o: &Map<String, Json>) -> Result<Principal, RequestError> {
    reject_unknown(o, "principal", &["id", "groups", "tags"])?;
    let id = non_empty(
        as_str(required(o, "id", "principal")?, "principal.id")?,
        "principal.id",
    )?;
    let groups = match o.get("groups") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, g)| as_str(g, &format!("principal.groups[{i}]")).map(str::to_string))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(wrong_type("principal.groups", "an array of strings")),
    };
    Ok(Principal {
        id,
        groups,
        tags: tags(o.get("tags"), "principal.tags")?,
    })
}

fn context(o: &Map<String, Json>) -> Result<Context, RequestError> {
    let mut context = Context::default();
    for (key, value) in o {
        let field = format!("context.{key}");
        if value.is_null() {
            continue;
        }
        match key.as_str() {
            "source_ip" => {
                let text = as_str(value, &field)?;
                context.source_ip =
                    Some(source_ip(text).map_err(|message| invalid(&field, message))?);
            }
            "mfa" => {
                context.mfa = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| wrong_type(&field, "a boolean"))?,
                );
            }
            "mfa_age_seconds" => {
                let seconds = match value.as_i64() {
                    Some(seconds) if seconds >= 0 => seconds,
                    // A whole number past `i64::MAX` (read as a `u64`, or
                    // as a float from 2^63 up).
                    None if value.is_u64()
                        || value.as_f64().is_some_and(|f| f >= i64::MAX as f64) =>
                    {
                        return Err(invalid(
                            &field,
                            format!("number out of range: at most {} seconds", i64::MAX),
                        ));
                    }
                    _ => return Err(wrong_type(&field, "a whole number of seconds, 0 or more")),
                };
                context.mfa_age_seconds = Some(seconds);
            }
            "version_stage" => context.version_stage = Some(as_str(value, &field)?.to_string()),
            "time" => {
                let text = as_str(value, &field)?;
                let time = DateTime::parse_from_rfc3339(text).map_err(|_| RequestError {
                    kind: RequestErrorKind::InvalidValue,
                    field: field.clone(),
                    message: format!(
                        "`{}` is not an RFC 3339 timestamp such as 2026-11-25T10:00:00Z",
                        clip(text)
                    ),
                })?;
                context.time = Some(time.with_timezone(&Utc));
            }
            _ => {
                context
                    .attributes
                    .insert(key.clone(), custom_attribute(value, &field)?);
            }
        }
    }
    Ok(context)
}

/// A custom attribute's value (not `null`, which the caller reads as
/// absent). Arrays hold strings, numbers and booleans; objects nest (the
/// JSON reader bounds how deeply; `max_attribute_depth` is checked on the
/// request built) and a member may not be `null`: a name sent without a
/// value would read as missing to one reader and present to another.
fn custom_attribute(value: &Json, field: &str) -> Result<Attribute, RequestError> {
    let scalar = |value: &Json, field: &str| -> Result<Option<Attribute>, RequestError> {
        Ok(match value {
            Json::String(s) => Some(Attribute::String(s.clone())),
            Json::Bool(b) => Some(Attribute::Bool(*b)),
            Json::Number(n) => Some(Attribute::Number(
                n.as_f64()
                    .ok_or_else(|| wrong_type(field, "a finite number"))?,
            )),
            _ => None,
        })
    };
    if let Some(attribute) = scalar(value, field)? {
        return Ok(attribute);
    }
    match value {
        Json::Array(items) if items.iter().all(Json::is_string) => Ok(Attribute::Set(
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect(),
        )),
        Json::Array(items) => Ok(Attribute::List(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let field = format!("{field}[{i}]");
                    scalar(item, &field)?
                        .ok_or_else(|| wrong_type(&field, "a string, number or boolean"))
                })
                .collect::<Result<_, _>>()?,
        )),
        Json::Object(members) => Ok(Attribute::Object(
            members
                .iter()
                .map(|(name, member)| {
                    let field = format!("{field}.{name}");
                    if member.is_null() {
                        return Err(wrong_type(
                            &field,
                            "a string, number, boolean, array or object (leave out a member that has no value)",
                        ));
                    }
                    Ok((name.clone(), custom_attribute(member, &field)?))
                })
                .collect::<Result<_, _>>()?,
        )),
        _ => Err(wrong_type(
            field,
            "a string, number, boolean, array or object",
        )),
    }
}

fn tags(value: Option<&Json>, field: &str) -> Result<BTreeMap<String, String>, RequestError> {
    match value {
        None | Some(Json::Null) => Ok(BTreeMap::new()),
        Some(Json::Object(o)) => o
            .iter()
            .map(|(k, v)| Ok((k.clone(), as_str(v, &format!("{field}.{k}"))?.to_string())))
            .collect(),
        Some(_) => Err(wrong_type(field, "an object of string values")),
    }
}

/// A path checked by [`Resource::check_path`].
fn checked_path(path: &str, field: &str) -> Result<String, RequestError> {
    Resource::check_path(path, field)?;
    Ok(path.to_string())
}

/// `context.source_ip`: an IPv4 or IPv6 address, an IPv4-mapped IPv6 one
/// read as IPv4; the message says what is wrong otherwise.
fn source_ip(text: &str) -> Result<IpAddr, String> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(ip.to_canonical());
    }
    if let Some((address, zone)) = text.split_once('%')
        && address.parse::<Ipv6Addr>().is_ok()
    {
        return Err(format!(
            "`{}` carries an IPv6 zone id (`%{}`), which names an interface of one host; send the address without it",
            clip(address),
            clip(zone)
        ));
    }
    let octets: Vec<&str> = text.split('.').collect();
    if octets.len() == 4
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()))
        && octets.iter().any(|o| o.len() > 1 && o.starts_with('0'))
    {
        return Err(format!(
            "`{}` has an octet with a leading zero, which some tools read as octal; write the octets without leading zeros",
            clip(text)
        ));
    }
    Err(format!("`{}` is not an IPv4 or IPv6 address", clip(text)))
}

fn non_empty(text: &str, field: &str) -> Result<String, RequestError> {
    if text.is_empty() {
        Err(invalid(field, "may not be empty".to_string()))
    } else {
        Ok(text.to_string())
    }
}

/// An [`RequestErrorKind::InvalidValue`] error.
fn invalid(field: &str, message: String) -> RequestError {
    RequestError::new(RequestErrorKind::InvalidValue, field, message)
}

fn required<'j>(
    o: &'j Map<String, Json>,
    key: &str,
    parent: &str,
) -> Result<&'j Json, RequestError> {
    match o.get(key) {
        Some(value) if !value.is_null() => Ok(value),
        _ => Err(RequestError {
            kind: RequestErrorKind::MissingField,
            field: join(parent, key),
            message: "required field is missing".to_string(),
        }),
    }
}

fn reject_unknown(o: &Map<String, Json>, parent: &str, known: &[&str]) -> Result<(), RequestError> {
    match o.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(RequestError {
            kind: RequestErrorKind::UnknownField,
            field: join(parent, unknown),
            message: format!("unknown field; expected one of {}", known.join(", ")),
        }),
        None => Ok(()),
    }
}

fn as_object<'j>(value: &'j Json, field: &str) -> Result<&'j Map<String, Json>, RequestError> {
    value.as_object().ok_or_else(|| {
        if field.is_empty() {
            RequestError {
                kind: RequestErrorKind::WrongType,
                field: String::new(),
                message: "a request must be a JSON object".to_string(),
            }
        } else {
            wrong_type(field, "an object")
        }
    })
}

fn as_str<'j>(value: &'j Json, field: &str) -> Result<&'j str, RequestError> {
    value.as_str().ok_or_else(|| wrong_type(field, "a string"))
}

fn wrong_type(field: &str, expected: &str) -> RequestError {
    RequestError {
        kind: RequestErrorKind::WrongType,
        field: field.to_string(),
        message: format!("expected {expected}"),
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// At most 64 characters of a rejected value, so errors stay short.
fn clip(text: &str) -> String {
    if text.chars().count() <= 64 {
        text.to_string()
    } else {
        let head: String = text.chars().take(64).collect();
        format!("{head}...")
    }
}

fn syntax_summary(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "malformed JSON",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Io => "read error",
    }
}

/// What is wrong with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RequestErrorKind {
    /// The text is not JSON.
    Syntax,
    /// A required field is absent.
    MissingField,
    /// A field holds the wrong JSON type.
    WrongType,
    /// A field has the right type but an unusable value (bad IP, bad time).
    InvalidValue,
    /// A field the request shape does not have.
    UnknownField,
    /// A key appears twice in one JSON object.
    DuplicateKey,
    /// The request is over one of its [`RequestLimits`].
    LimitExceeded,
}

/// A malformed request: which field, and why. Never a silent deny.
///
/// ```
/// let err = tessera::Request::from_json(r#"{"principal": "user:a", "action": 3, "resource": "x"}"#).unwrap_err();
/// assert_eq!(err.kind(), tessera::RequestErrorKind::WrongType);
/// assert_eq!(err.to_string(), "action: expected a string");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestError {
    kind: RequestErrorKind,
    field: String,
    message: String,
}

impl RequestError {
    pub(crate) fn new(kind: RequestErrorKind, field: &str, message: String) -> RequestError {
        RequestError {
            kind,
            field: field.to_string(),
            message,
        }
    }

    /// The kind of problem.
    pub fn kind(&self) -> RequestErrorKind {
        self.kind
    }
    /// The field at fault, dotted (`context.source_ip`); empty for the whole request.
    pub fn field(&self) -> &str {
        &self.field
    }
    /// What is wrong with it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for RequestError {}

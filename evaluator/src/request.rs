//! The request: who asks to do what on which secret, and in which context.
//!
//! One JSON shape serves every interface; `schema/request.schema.json`
//! documents it. Parsing checks every field and says which one is wrong.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

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

    /// Sets the caller's address.
    pub fn with_source_ip(mut self, ip: IpAddr) -> Request {
        self.context.source_ip = Some(ip);
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

    /// Parses and checks the JSON request shape.
    ///
    /// A bare string is accepted for `principal` (its id) and `resource` (its
    /// path). Context keys other than the known ones become custom attributes.
    ///
    /// ```
    /// let err = tessera::Request::from_json(
    ///     r#"{"principal": "user:a", "action": "secrets:Get", "resource": "x",
    ///         "context": {"source_ip": "10.1.2"}}"#).unwrap_err();
    /// assert_eq!(err.field(), "context.source_ip");
    /// ```
    pub fn from_json(text: &str) -> Result<Request, RequestError> {
        let value: Json = serde_json::from_str(text).map_err(|e| RequestError {
            kind: RequestErrorKind::Syntax,
            field: String::new(),
            message: format!(
                "invalid JSON at line {} column {}: {}",
                e.line(),
                e.column(),
                syntax_summary(&e)
            ),
        })?;
        Request::from_value(&value)
    }

    /// Checks an already parsed JSON value; see [`Request::from_json`].
    pub fn from_value(value: &Json) -> Result<Request, RequestError> {
        let object = as_object(value, "")?;
        reject_unknown(object, "", &["principal", "action", "resource", "context"])?;
        let principal = match required(object, "principal", "")? {
            Json::String(id) => Principal {
                id: non_empty(id, "principal")?,
                ..Principal::default()
            },
            other => principal_object(as_object(other, "principal")?)?,
        };
        let action = non_empty(as_str(required(object, "action", "")?, "action")?, "action")?;
        let resource = match required(object, "resource", "")? {
            Json::String(path) => Resource {
                path: checked_path(path, "resource")?,
                ..Resource::default()
            },
            other => {
                let o = as_object(other, "resource")?;
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
                context.source_ip = Some(text.parse().map_err(|_| RequestError {
                    kind: RequestErrorKind::InvalidValue,
                    field: field.clone(),
                    message: format!("`{}` is not an IPv4 or IPv6 address", clip(text)),
                })?);
            }
            "mfa" => {
                context.mfa = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| wrong_type(&field, "a boolean"))?,
                );
            }
            "mfa_age_seconds" => {
                let seconds = value
                    .as_i64()
                    .filter(|s| *s >= 0)
                    .ok_or_else(|| wrong_type(&field, "a whole number of seconds, 0 or more"))?;
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
                let attribute = match value {
                    Json::String(s) => Attribute::String(s.clone()),
                    Json::Bool(b) => Attribute::Bool(*b),
                    Json::Number(n) => Attribute::Number(
                        n.as_f64()
                            .ok_or_else(|| wrong_type(&field, "a finite number"))?,
                    ),
                    _ => return Err(wrong_type(&field, "a string, number or boolean")),
                };
                context.attributes.insert(key.clone(), attribute);
            }
        }
    }
    Ok(context)
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

fn checked_path(path: &str, field: &str) -> Result<String, RequestError> {
    let path = non_empty(path, field)?;
    if path
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return Err(RequestError {
            kind: RequestErrorKind::InvalidValue,
            field: field.to_string(),
            message: "a secret path may not hold `.` or `..` segments".to_string(),
        });
    }
    Ok(path)
}

fn non_empty(text: &str, field: &str) -> Result<String, RequestError> {
    if text.is_empty() {
        Err(RequestError {
            kind: RequestErrorKind::InvalidValue,
            field: field.to_string(),
            message: "may not be empty".to_string(),
        })
    } else {
        Ok(text.to_string())
    }
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

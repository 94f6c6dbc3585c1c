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
    /// Text that is not JSON is a [`RequestErrorKind::Syntax`] error; any
    /// other problem is reported as [`Request::from_value`] reports it, and
    /// of repeated keys the last one counts.
    ///
    /// ```
    /// let err = tessera::Request::from_json(
    ///     r#"{"principal": "user:a", "action": "secrets:Get", "resource": "x",
    ///         "context": {"source_ip": "10.1.2"}}"#).unwrap_err();
    /// assert_eq!(err.field(), "context.source_ip");
    /// ```
    pub fn from_json(text: &str) -> Result<Request, RequestError> {
        // A valid request is read straight from the text (`fast::parse`);
        // anything else is read again through a `Value`, whose walk says
        // what is wrong. The errors are those of that walk by construction.
        match fast::parse(text) {
            Some(request) => Ok(request),
            None => Request::from_json_via_value(text),
        }
    }

    /// The fast path of [`Request::from_json`] alone: the request when the
    /// text is one it reads directly, `None` when `from_json` falls back to
    /// [`Request::from_json_via_value`]. For the tests.
    #[doc(hidden)]
    pub fn from_json_fast_path(text: &str) -> Option<Request> {
        fast::parse(text)
    }

    /// [`Request::from_json`] the slow way: the text parsed into a
    /// [`serde_json::Value`], then checked by [`Request::from_value`]. It
    /// gives every error `from_json` gives; the tests compare the two.
    #[doc(hidden)]
    pub fn from_json_via_value(text: &str) -> Result<Request, RequestError> {
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

/// The fast path of [`Request::from_json`]: the request read straight from
/// the text by serde visitors, with no `Value` in between, borrowing the
/// text's strings until they are stored.
///
/// It builds the request the `Value` path builds, or gives up (`None`) and
/// lets the `Value` path describe the problem: on any syntax error, wrong
/// type, unknown field or bad value. Giving up is always safe; accepting is
/// only done where the `Value` path accepts too, with the same result.
///
/// Repeated keys: a `Value` keeps the last of equal keys (at the first's
/// place, which only matters for which error comes first). Here every field
/// is assigned as it is read, so the last one wins too: a `null` known
/// context key resets its field to `None`, a `null` custom attribute removes
/// an earlier one, and a repeated `null` `groups`, `tags` or `context` resets
/// it to empty. An earlier invalid value gives up, and the `Value` path,
/// which never sees it, decides.
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
            while let Some(key) = map.next_key_seed(Key(KEYS))? {
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
            while let Some(key) = map.next_key_seed(Key(KEYS))? {
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
            while let Some(key) = map.next_key_seed(Key(KEYS))? {
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

    /// `"tags"`: an object of strings, or `null` for none. Of repeated
    /// names the last counts, as in a `Value`.
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
                tags.insert(name.into_owned(), value.into_owned());
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
            while let Some(key) = map.next_key_seed(ContextKeySeed)? {
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
                        None => {
                            context.attributes.remove(&name);
                        }
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
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            text.parse().map(Some).map_err(|_| give_up())
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
            f.write_str("a string, number or boolean")
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

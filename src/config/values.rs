//! The values of [`CorsConfig`](super::CorsConfig) fields that are more than a list or a
//! flag, with the spellings each accepts in a file.

use std::fmt;

use serde::{
    de::{self, SeqAccess, Visitor},
    Deserialize, Deserializer, Serialize, Serializer,
};

/// Strict or permissive: which builder a [`CorsConfig`](super::CorsConfig) becomes,
/// [`Cors::strict`](crate::Cors::strict) or [`Cors::permissive`](crate::Cors::permissive).
///
/// Written `"strict"` or `"permissive"`; a configuration that does not say is strict, so a
/// forgotten `mode` never opens an API to every website.
///
/// ```
/// use actix_scoped_cors::config::{CorsConfig, CorsMode};
///
/// let config: CorsConfig = serde_json::from_str(r#"{ "mode": "permissive" }"#).unwrap();
/// assert_eq!(config.mode, CorsMode::Permissive);
/// assert_eq!(CorsConfig::default().mode, CorsMode::Strict);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CorsMode {
    /// [`Cors::strict`](crate::Cors::strict): only the configured origins, reflected, with
    /// credentials unless `credentials = false`.
    #[default]
    Strict,
    /// [`Cors::permissive`](crate::Cors::permissive): every origin, `*`, never credentials.
    Permissive,
}

impl CorsMode {
    /// The spelling in a configuration file: `"strict"` or `"permissive"`.
    ///
    /// ```
    /// use actix_scoped_cors::config::CorsMode;
    ///
    /// assert_eq!(CorsMode::Permissive.as_str(), "permissive");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            CorsMode::Strict => "strict",
            CorsMode::Permissive => "permissive",
        }
    }
}

/// A list of header names, or `"*"` for any.
///
/// In `allow_headers`, `"*"` is [`Cors::allow_any_header`](crate::Cors::allow_any_header); in
/// `expose_headers` it is [`Cors::expose_any_header`](crate::Cors::expose_any_header), which
/// browsers honour only without credentials (a strict configuration without
/// `credentials = false` reports
/// [`ConfigProblem::WildcardHeader`](crate::ConfigProblem::WildcardHeader)). Any other single
/// string is refused when the file is read: write a list.
///
/// ```
/// use actix_scoped_cors::config::{CorsConfig, HeaderNames};
///
/// let config: CorsConfig = toml::from_str(
///     r#"
///     allow_headers = "*"
///     expose_headers = ["x-request-id"]
///     "#,
/// )
/// .unwrap();
/// assert_eq!(config.allow_headers, Some(HeaderNames::Any));
/// assert_eq!(
///     config.expose_headers,
///     Some(HeaderNames::List(vec!["x-request-id".to_owned()]))
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HeaderNames {
    /// `"*"`: any header.
    Any,
    /// These names (case-insensitive, as header names are).
    List(Vec<String>),
}

impl Serialize for HeaderNames {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            HeaderNames::Any => serializer.serialize_str("*"),
            HeaderNames::List(names) => names.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for HeaderNames {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(HeaderNamesVisitor)
    }
}

struct HeaderNamesVisitor;

impl<'de> Visitor<'de> for HeaderNamesVisitor {
    type Value = HeaderNames;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of header names, or \"*\" for any")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        if value == "*" {
            Ok(HeaderNames::Any)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(value), &self))
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut names = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(name) = seq.next_element::<String>()? {
            names.push(name);
        }
        Ok(HeaderNames::List(names))
    }
}

/// `Access-Control-Max-Age`: a number of seconds, or none at all.
///
/// Written as a whole number of seconds (`600`), or `false` / `"none"` for
/// [`Cors::no_max_age`](crate::Cors::no_max_age) (TOML has no `null`; in JSON and YAML a
/// `null` means "not given", i.e. the mode's default). The bounds are the builder's:
/// more than 86400 s is [`ConfigProblem::MaxAgeTooLong`](crate::ConfigProblem::MaxAgeTooLong).
///
/// ```
/// use actix_scoped_cors::config::{CorsConfig, MaxAge};
///
/// let config: CorsConfig = toml::from_str("max_age = 600").unwrap();
/// assert_eq!(config.max_age, Some(MaxAge::Seconds(600)));
/// let config: CorsConfig = toml::from_str("max_age = false").unwrap();
/// assert_eq!(config.max_age, Some(MaxAge::Disabled));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaxAge {
    /// Send `Access-Control-Max-Age` with this many seconds.
    Seconds(u64),
    /// Send no `Access-Control-Max-Age` (browsers then cache a preflight for 5 s).
    Disabled,
}

impl Serialize for MaxAge {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MaxAge::Seconds(secs) => serializer.serialize_u64(*secs),
            MaxAge::Disabled => serializer.serialize_bool(false),
        }
    }
}

impl<'de> Deserialize<'de> for MaxAge {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MaxAgeVisitor)
    }
}

struct MaxAgeVisitor;

impl MaxAgeVisitor {
    const EXPECTED: &'static str = "a whole number of seconds, or false or \"none\" for no max-age";
}

impl<'de> Visitor<'de> for MaxAgeVisitor {
    type Value = MaxAge;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTED)
    }

    fn visit_u64<E: de::Error>(self, secs: u64) -> Result<Self::Value, E> {
        Ok(MaxAge::Seconds(secs))
    }

    fn visit_i64<E: de::Error>(self, secs: i64) -> Result<Self::Value, E> {
        u64::try_from(secs)
            .map(MaxAge::Seconds)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(secs), &self))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        if value {
            Err(E::invalid_value(de::Unexpected::Bool(true), &self))
        } else {
            Ok(MaxAge::Disabled)
        }
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        if value == "none" {
            Ok(MaxAge::Disabled)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(value), &self))
        }
    }
}

impl MaxAge {
    /// Reads the environment spelling: seconds, `none` or `false`.
    pub(super) fn parse(value: &str) -> Option<MaxAge> {
        match value {
            "none" | "false" => Some(MaxAge::Disabled),
            secs => secs.parse().ok().map(MaxAge::Seconds),
        }
    }
}

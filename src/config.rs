//! Policies from configuration files and environment variables: a [`CorsConfig`] is the
//! data half of the [`Cors`] builder, read by any serde format (TOML, JSON, YAML, ...) or by
//! [`CorsConfig::from_env`], and built into a [`Policy`] with the same [`ConfigError`] as
//! the builder.
//!
//! ```
//! use actix_scoped_cors::config::CorsConfig;
//!
//! let config: CorsConfig = toml::from_str(
//!     r#"
//!     mode = "strict"
//!     origins = ["https://app.example.com", "https://*.tenant.example.com"]
//!     allow_methods = ["GET", "POST", "PUT", "DELETE"]
//!     allow_headers = ["content-type", "authorization"]
//!     expose_headers = ["x-request-id"]
//!     "#,
//! )
//! .expect("a well-formed file");
//! let policy = config.try_build().expect("a valid policy");
//! assert!(policy.allows_origin("https://acme.tenant.example.com"));
//! ```
//!
//! # The fields
//!
//! Every field is optional; a missing one keeps the builder's default
//! ([`Cors`] lists them). Unknown fields are errors when the file is read, so a misspelt
//! setting is never silently dropped.
//!
//! | field | builder method | modes |
//! | --- | --- | --- |
//! | `mode`: `"strict"` (default) or `"permissive"` | [`Cors::strict`], [`Cors::permissive`] | |
//! | `origins`: exact origins and patterns | [`Cors::strict`] | strict |
//! | `origin_regexes` | [`Cors::allow_origin_regex`] | strict |
//! | `allow_methods` | [`Cors::allow_methods`] | both |
//! | `allow_headers`: a list, or `"*"` | [`Cors::allow_headers`], [`Cors::allow_any_header`] | both |
//! | `expose_headers`: a list, or `"*"` | [`Cors::expose_headers`], [`Cors::expose_any_header`] | both (`"*"` without credentials) |
//! | `max_age`: seconds, or `false` / `"none"` ([`MaxAge`]) | [`Cors::max_age`], [`Cors::no_max_age`] | both |
//! | `credentials`: `true` (strict default) or `false` | `false`: [`Cors::without_credentials`] | strict (`false` also permissive) |
//! | `block_disallowed` | [`Cors::block_disallowed`] | strict |
//! | `allow_private_network` | [`Cors::allow_private_network`] | strict |
//! | `allow_insecure_http_origins` | [`Cors::allow_insecure_http_origins`] | strict |
//! | `allow_null_origin_insecure` | [`Cors::allow_null_origin_insecure`] | strict |
//! | `defer_to_inner_policies` | [`Cors::defer_to_inner_policies`] | both |
//! | `preflight_status`: `204` (default) or `200` | [`Cors::preflight_status`] | both |
//!
//! **Every field either acts or is an error.** A strict-only field in a permissive
//! configuration is [`ConfigProblem::StrictOnlySetting`] whatever its value, and
//! `credentials = true` there is [`ConfigProblem::CredentialsWithPermissive`]: a permissive
//! policy answers `*`, and `*` with credentials stays impossible to write, in code or in data.
//! Every other boolean field set to `false` asks for the builder's default.
//!
//! # What stays in code
//!
//! Predicates ([`Cors::allow_origin_fn`], [`Cors::allow_origin_async`]), live lists
//! ([`Cors::allow_shared_origins`]) and hooks ([`Cors::on_reject`]) are code, not data. Take
//! the builder with [`CorsConfig::into_builder`], add them, and build:
//!
//! ```
//! use actix_scoped_cors::config::{CorsBuilder, CorsConfig};
//!
//! let config: CorsConfig = toml::from_str(r#"origins = ["https://app.example.com"]"#).unwrap();
//! let policy = match config.into_builder().unwrap() {
//!     CorsBuilder::Strict(cors) => cors
//!         .allow_origin_fn(|origin, _head| origin.host() == "partner.example.org")
//!         .try_build(),
//!     CorsBuilder::Permissive(cors) => cors.try_build(),
//! }
//! .unwrap();
//! assert!(policy.allows_origin("https://partner.example.org"));
//! ```
//!
//! # Errors
//!
//! [`CorsConfig::try_build`] reports every problem at once in one [`ConfigError`]: those of
//! the configuration as a whole (a setting the mode does not have) first, then the builder's
//! own, each naming its input. Problems of the file's syntax and types (a misspelt field, a
//! string where a list belongs) are the format crate's error, from reading the file.
//!
//! # Environment variables
//!
//! [`CorsConfig::from_env`] reads the same fields from variables named by a prefix and the
//! field's name in uppercase (`CORS_ORIGINS`, `CORS_MAX_AGE`, ...); lists are comma-separated
//! ([`split_list`]).

mod env;
mod values;

use std::time::Duration;

use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};

pub use self::{
    env::split_list,
    values::{CorsMode, HeaderNames, MaxAge},
};
use crate::{builder::Mode, ConfigError, ConfigProblem, Cors, Permissive, Policy, Strict};

/// A CORS policy as data: what a configuration file or the environment says, before it is
/// validated.
///
/// Deserializes with serde from any format; unknown fields are refused. Build it with
/// [`try_build`](CorsConfig::try_build) (or `Policy::try_from(config)`), or take the builder
/// with [`into_builder`](CorsConfig::into_builder) to add what only code can give. The
/// [module docs](self) map each field to its builder method.
///
/// The fields are public, so a configuration can also be written or adjusted in code;
/// the struct is `#[non_exhaustive]`, so start from [`CorsConfig::default()`] (strict,
/// nothing allowed yet).
///
/// ```
/// use actix_scoped_cors::config::CorsConfig;
///
/// let mut config = CorsConfig::default();
/// config.origins = Some(vec!["https://app.example.com".to_owned()]);
/// config.allow_methods = Some(vec!["GET".to_owned(), "PUT".to_owned()]);
/// let policy = config.try_build().unwrap();
/// assert!(policy.allows_origin("https://app.example.com"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CorsConfig {
    /// Strict (the default) or permissive.
    #[serde(default)]
    pub mode: CorsMode,
    /// Strict: exact origins and patterns, as for [`Cors::strict`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origins: Option<Vec<String>>,
    /// Strict: regexes, each as for [`Cors::allow_origin_regex`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_regexes: Option<Vec<String>>,
    /// The methods a preflight may ask for ([`Cors::allow_methods`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_methods: Option<Vec<String>>,
    /// The request headers a preflight may ask for, or any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_headers: Option<HeaderNames>,
    /// The response headers scripts may read, or any (`"*"`: permissive, or strict with
    /// `credentials = false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expose_headers: Option<HeaderNames>,
    /// `Access-Control-Max-Age`, or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<MaxAge>,
    /// Strict: `false` is [`Cors::without_credentials`], an allowlist that sends no
    /// `Access-Control-Allow-Credentials`. `true` in a permissive configuration is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<bool>,
    /// Strict: [`Cors::block_disallowed`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_disallowed: Option<bool>,
    /// Strict: [`Cors::allow_private_network`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_private_network: Option<bool>,
    /// Strict: [`Cors::allow_insecure_http_origins`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_insecure_http_origins: Option<bool>,
    /// Strict: [`Cors::allow_null_origin_insecure`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_null_origin_insecure: Option<bool>,
    /// [`Cors::defer_to_inner_policies`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defer_to_inner_policies: Option<bool>,
    /// The status of a successful preflight answer, `204` (the default) or `200`
    /// ([`Cors::preflight_status`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight_status: Option<u16>,
}

/// The builder a [`CorsConfig`] becomes, in its mode: match on it to add what only code can
/// give (predicates, shared lists, hooks), then build.
///
/// ```
/// use actix_scoped_cors::config::{CorsBuilder, CorsConfig};
///
/// let config: CorsConfig = serde_json::from_str(r#"{ "mode": "permissive" }"#).unwrap();
/// let builder = config.into_builder().unwrap();
/// assert!(matches!(builder, CorsBuilder::Permissive(_)));
/// let policy = builder.try_build().unwrap();
/// assert!(policy.allows_origin("https://anyone.example.net"));
/// ```
#[derive(Debug, Clone)]
#[must_use = "a CORS builder does nothing until it is built"]
pub enum CorsBuilder {
    /// `mode = "strict"`.
    Strict(Cors<Strict>),
    /// `mode = "permissive"`.
    Permissive(Cors<Permissive>),
}

impl CorsBuilder {
    /// Validates and builds the policy, as [`Cors::try_build`].
    ///
    /// # Errors
    ///
    /// The builder's [`ConfigError`], listing every problem.
    pub fn try_build(self) -> Result<Policy, ConfigError> {
        match self {
            CorsBuilder::Strict(cors) => cors.try_build(),
            CorsBuilder::Permissive(cors) => cors.try_build(),
        }
    }
}

impl CorsConfig {
    /// Validates the configuration and builds the [`Policy`].
    ///
    /// # Errors
    ///
    /// One [`ConfigError`] with every problem: first those of the configuration as a whole
    /// (see [`into_builder`](CorsConfig::into_builder)), then every problem the builder
    /// finds in the values.
    ///
    /// ```
    /// use actix_scoped_cors::{config::CorsConfig, ConfigProblem};
    ///
    /// let config: CorsConfig = toml::from_str(
    ///     r#"
    ///     mode = "permissive"
    ///     origins = ["https://app.example.com"]
    ///     allow_methods = ["TRACE"]
    ///     "#,
    /// )
    /// .unwrap();
    /// let err = config.try_build().unwrap_err();
    /// assert_eq!(
    ///     err.problems(),
    ///     [
    ///         ConfigProblem::StrictOnlySetting { field: "origins" },
    ///         ConfigProblem::ForbiddenMethod { input: "TRACE".to_owned() },
    ///     ]
    /// );
    /// ```
    pub fn try_build(self) -> Result<Policy, ConfigError> {
        let config_problems = self.config_problems();
        let built = self.builder().try_build();
        match (config_problems.is_empty(), built) {
            (true, built) => built,
            (false, Ok(_)) => Err(ConfigError::new(config_problems)),
            (false, Err(error)) => Err(ConfigError::new(
                config_problems
                    .into_iter()
                    .chain(error.problems().iter().cloned())
                    .collect(),
            )),
        }
    }

    /// The builder this configuration describes, for adding predicates, shared lists or
    /// hooks in code before building.
    ///
    /// # Errors
    ///
    /// The problems no code can fix: settings the mode does not have
    /// ([`ConfigProblem::StrictOnlySetting`], [`ConfigProblem::CredentialsWithPermissive`]),
    /// and a `preflight_status` that is no HTTP status code at all
    /// ([`ConfigProblem::PreflightStatus`], as the builder reports `201`). The values themselves are checked when the builder is built, together with what the
    /// code added (a strict configuration without origins is fine here, if the code adds a
    /// predicate).
    ///
    /// ```
    /// use actix_scoped_cors::config::{CorsBuilder, CorsConfig};
    ///
    /// let config = CorsConfig::default(); // strict, no origins
    /// let CorsBuilder::Strict(cors) = config.into_builder().unwrap() else {
    ///     unreachable!("the default mode is strict")
    /// };
    /// let policy = cors
    ///     .allow_origin_fn(|origin, _head| origin.host().ends_with(".partner.example.org"))
    ///     .try_build()
    ///     .unwrap();
    /// assert!(policy.allows_origin("https://a.partner.example.org"));
    /// ```
    pub fn into_builder(self) -> Result<CorsBuilder, ConfigError> {
        let problems = self.config_problems();
        if problems.is_empty() {
            Ok(self.builder())
        } else {
            Err(ConfigError::new(problems))
        }
    }

    /// What the builder cannot be told: settings this configuration's mode does not have,
    /// in field order, and a status that no `StatusCode` holds.
    fn config_problems(&self) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if self.mode == CorsMode::Permissive {
            self.permissive_problems(&mut problems);
        }
        if let Some(status) = self.preflight_status {
            if StatusCode::from_u16(status).is_err() {
                problems.push(ConfigProblem::PreflightStatus { status });
            }
        }
        problems
    }

    fn permissive_problems(&self, problems: &mut Vec<ConfigProblem>) {
        let strict_only = [
            ("origins", self.origins.is_some()),
            ("origin_regexes", self.origin_regexes.is_some()),
            ("block_disallowed", self.block_disallowed.is_some()),
            (
                "allow_private_network",
                self.allow_private_network.is_some(),
            ),
            (
                "allow_insecure_http_origins",
                self.allow_insecure_http_origins.is_some(),
            ),
            (
                "allow_null_origin_insecure",
                self.allow_null_origin_insecure.is_some(),
            ),
        ];
        for (field, present) in strict_only {
            if present {
                problems.push(ConfigProblem::StrictOnlySetting { field });
            }
        }
        if self.credentials == Some(true) {
            problems.push(ConfigProblem::CredentialsWithPermissive);
        }
    }

    /// The builder, with every setting its mode has. Settings of the other mode are left
    /// out here and reported by [`config_problems`](Self::config_problems).
    fn builder(self) -> CorsBuilder {
        match self.mode {
            CorsMode::Strict => {
                let mut cors = Cors::strict(self.origins.iter().flatten());
                if self.credentials == Some(false) {
                    cors = cors.without_credentials();
                }
                for regex in self.origin_regexes.iter().flatten() {
                    cors = cors.allow_origin_regex(regex.as_str());
                }
                if self.block_disallowed == Some(true) {
                    cors = cors.block_disallowed();
                }
                if self.allow_private_network == Some(true) {
                    cors = cors.allow_private_network();
                }
                if self.allow_insecure_http_origins == Some(true) {
                    cors = cors.allow_insecure_http_origins();
                }
                if self.allow_null_origin_insecure == Some(true) {
                    cors = cors.allow_null_origin_insecure();
                }
                if let Some(HeaderNames::Any) = self.expose_headers {
                    // `*` without credentials; with them, the builder refuses it with its
                    // own hint (browsers ignore `*` there).
                    cors = cors.expose_headers(["*"]);
                }
                CorsBuilder::Strict(self.common(cors))
            }
            CorsMode::Permissive => {
                let mut cors = Cors::permissive();
                if let Some(HeaderNames::Any) = self.expose_headers {
                    cors = cors.expose_any_header();
                }
                CorsBuilder::Permissive(self.common(cors))
            }
        }
    }

    /// The settings both modes have.
    fn common<M: Mode>(&self, mut cors: Cors<M>) -> Cors<M> {
        if let Some(methods) = &self.allow_methods {
            cors = cors.allow_methods(methods);
        }
        match &self.allow_headers {
            Some(HeaderNames::Any) => cors = cors.allow_any_header(),
            Some(HeaderNames::List(names)) => cors = cors.allow_headers(names),
            None => {}
        }
        if let Some(HeaderNames::List(names)) = &self.expose_headers {
            cors = cors.expose_headers(names);
        }
        match self.max_age {
            Some(MaxAge::Seconds(secs)) => cors = cors.max_age(Duration::from_secs(secs)),
            Some(MaxAge::Disabled) => cors = cors.no_max_age(),
            None => {}
        }
        if self.defer_to_inner_policies == Some(true) {
            cors = cors.defer_to_inner_policies();
        }
        // A number no `StatusCode` holds is reported by `config_problems`.
        if let Some(Ok(status)) = self.preflight_status.map(StatusCode::from_u16) {
            cors = cors.preflight_status(status);
        }
        cors
    }
}

impl TryFrom<CorsConfig> for Policy {
    type Error = ConfigError;

    /// [`CorsConfig::try_build`].
    fn try_from(config: CorsConfig) -> Result<Self, Self::Error> {
        config.try_build()
    }
}

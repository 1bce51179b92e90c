//! [`CorsConfig`] from environment variables, and the list splitting they share with any
//! other comma-separated setting.

use std::ffi::OsString;

use super::{CorsConfig, CorsMode, HeaderNames, MaxAge};
use crate::{ConfigError, ConfigProblem};

/// Splits a comma-separated list, as environment variables carry them: each entry trimmed of
/// surrounding whitespace, empty entries dropped.
///
/// So `"a, b,,c ,"` and `" a,b , c"` are both `["a", "b", "c"]`, and an empty or blank value
/// is an empty list. Nothing else is interpreted: no quoting, no escapes (origins, methods and
/// header names never contain a comma).
///
/// ```
/// use actix_scoped_cors::{config::split_list, Cors};
///
/// assert_eq!(
///     split_list(" https://app.example.com, http://localhost:5173,, "),
///     ["https://app.example.com", "http://localhost:5173"]
/// );
/// assert!(split_list(" , ").is_empty());
///
/// // For one variable of your own, next to code-built policies:
/// let origins = std::env::var("ALLOWED_ORIGINS").unwrap_or_else(|_| "http://localhost:3000".into());
/// let policy = Cors::strict(split_list(&origins)).try_build().unwrap();
/// # drop(policy);
/// ```
pub fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The settings, as the variable names spell them after the prefix.
const SETTINGS: [&str; 14] = [
    "MODE",
    "ORIGINS",
    "ORIGIN_REGEXES",
    "ALLOW_METHODS",
    "ALLOW_HEADERS",
    "EXPOSE_HEADERS",
    "MAX_AGE",
    "CREDENTIALS",
    "BLOCK_DISALLOWED",
    "ALLOW_PRIVATE_NETWORK",
    "ALLOW_INSECURE_HTTP_ORIGINS",
    "ALLOW_NULL_ORIGIN_INSECURE",
    "DEFER_TO_INNER_POLICIES",
    "PREFLIGHT_STATUS",
];

const EXPECTED_MODE: &str = "`strict` or `permissive`";
const EXPECTED_BOOL: &str = "`true` or `false`";
const EXPECTED_MAX_AGE: &str = "a whole number of seconds, or `none` or `false` for no max-age";
const EXPECTED_STATUS: &str = "a status code, `204` or `200`";
const EXPECTED_UTF8: &str = "UTF-8 text";

impl CorsConfig {
    /// Reads a configuration from the environment variables whose names start with
    /// `prefix`: `{prefix}` and a field's name in uppercase, e.g. with `"CORS_"`:
    ///
    /// | variable | value |
    /// | --- | --- |
    /// | `CORS_MODE` | `strict` or `permissive` |
    /// | `CORS_ORIGINS`, `CORS_ALLOW_METHODS` | comma-separated ([`split_list`]) |
    /// | `CORS_ORIGIN_REGEXES` | separated by whitespace, because a regex can contain a comma (`[0-9]{1,3}`) and an origin never contains whitespace |
    /// | `CORS_ALLOW_HEADERS`, `CORS_EXPOSE_HEADERS` | comma-separated, or `*` |
    /// | `CORS_MAX_AGE` | seconds, or `none` / `false` |
    /// | `CORS_PREFLIGHT_STATUS` | `204` or `200` |
    /// | `CORS_CREDENTIALS`, `CORS_BLOCK_DISALLOWED`, `CORS_ALLOW_PRIVATE_NETWORK`, `CORS_ALLOW_INSECURE_HTTP_ORIGINS`, `CORS_ALLOW_NULL_ORIGIN_INSECURE`, `CORS_DEFER_TO_INNER_POLICIES` | `true` or `false` |
    ///
    /// An unset variable keeps the builder's default. A set one means what it says: an empty
    /// list variable is an empty list (`CORS_ALLOW_HEADERS=` allows no request headers), and
    /// an empty scalar is an error; unset a variable to get the default. Values are trimmed
    /// of surrounding whitespace, and are otherwise case-sensitive, as in a file.
    ///
    /// The result is checked as a file's is, by [`try_build`](CorsConfig::try_build) or
    /// [`into_builder`](CorsConfig::into_builder); a prefix that is the only source of CORS
    /// settings is all this reads.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] with every variable that cannot be read, in the order of their
    /// names: [`ConfigProblem::EnvVarValue`] (a value its setting does not take, naming the
    /// variable, the value and what it takes) and [`ConfigProblem::UnknownEnvVar`] (a
    /// variable with the prefix that names no setting, so that `CORS_ORIGIN=...` is not
    /// silently ignored: give unrelated variables another prefix).
    ///
    /// ```
    /// use actix_scoped_cors::{config::CorsConfig, ConfigProblem};
    ///
    /// std::env::set_var("DOC_CORS_ORIGINS", "https://app.example.com, https://*.tenant.example.com");
    /// std::env::set_var("DOC_CORS_MAX_AGE", "600");
    /// let policy = CorsConfig::from_env("DOC_CORS_").unwrap().try_build().unwrap();
    /// assert!(policy.allows_origin("https://acme.tenant.example.com"));
    ///
    /// std::env::set_var("DOC_CORS_MAX_AGE", "ten minutes");
    /// let err = CorsConfig::from_env("DOC_CORS_").unwrap_err();
    /// assert!(matches!(
    ///     &err.problems()[0],
    ///     ConfigProblem::EnvVarValue { name, value, .. }
    ///         if name == "DOC_CORS_MAX_AGE" && value == "ten minutes"
    /// ));
    /// ```
    pub fn from_env(prefix: &str) -> Result<CorsConfig, ConfigError> {
        from_vars(prefix, std::env::vars_os())
    }
}

/// [`CorsConfig::from_env`] over any set of variables.
fn from_vars(
    prefix: &str,
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Result<CorsConfig, ConfigError> {
    let mut ours: Vec<(OsString, OsString)> = vars
        .into_iter()
        .filter(|(name, _)| name.as_encoded_bytes().starts_with(prefix.as_bytes()))
        .collect();
    ours.sort();

    let mut config = CorsConfig::default();
    let mut problems = Vec::new();
    for (name, value) in ours {
        let name = name.to_string_lossy().into_owned();
        let setting = &name[prefix.len()..];
        if !SETTINGS.contains(&setting) {
            problems.push(ConfigProblem::UnknownEnvVar { name });
            continue;
        }
        let Some(value) = value.to_str() else {
            problems.push(ConfigProblem::EnvVarValue {
                value: value.to_string_lossy().into_owned(),
                name,
                expected: EXPECTED_UTF8,
            });
            continue;
        };
        if let Err(expected) = config.set(setting, value) {
            problems.push(ConfigProblem::EnvVarValue {
                name,
                value: value.to_owned(),
                expected,
            });
        }
    }
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError::new(problems))
    }
}

impl CorsConfig {
    /// Sets one of the [`SETTINGS`] from its variable's value, or says what it takes.
    fn set(&mut self, setting: &str, value: &str) -> Result<(), &'static str> {
        let trimmed = value.trim();
        match setting {
            "MODE" => {
                self.mode = match trimmed {
                    "strict" => CorsMode::Strict,
                    "permissive" => CorsMode::Permissive,
                    _ => return Err(EXPECTED_MODE),
                }
            }
            "ORIGINS" => self.origins = Some(split_list(value)),
            "ORIGIN_REGEXES" => {
                self.origin_regexes = Some(value.split_whitespace().map(str::to_owned).collect())
            }
            "ALLOW_METHODS" => self.allow_methods = Some(split_list(value)),
            "ALLOW_HEADERS" => self.allow_headers = Some(header_names(value)),
            "EXPOSE_HEADERS" => self.expose_headers = Some(header_names(value)),
            "MAX_AGE" => self.max_age = Some(MaxAge::parse(trimmed).ok_or(EXPECTED_MAX_AGE)?),
            "CREDENTIALS" => self.credentials = Some(flag(trimmed)?),
            "BLOCK_DISALLOWED" => self.block_disallowed = Some(flag(trimmed)?),
            "ALLOW_PRIVATE_NETWORK" => self.allow_private_network = Some(flag(trimmed)?),
            "ALLOW_INSECURE_HTTP_ORIGINS" => {
                self.allow_insecure_http_origins = Some(flag(trimmed)?)
            }
            "ALLOW_NULL_ORIGIN_INSECURE" => self.allow_null_origin_insecure = Some(flag(trimmed)?),
            "DEFER_TO_INNER_POLICIES" => self.defer_to_inner_policies = Some(flag(trimmed)?),
            "PREFLIGHT_STATUS" => {
                self.preflight_status = Some(trimmed.parse().map_err(|_| EXPECTED_STATUS)?)
            }
            _ => unreachable!("only SETTINGS are set"),
        }
        Ok(())
    }
}

fn header_names(value: &str) -> HeaderNames {
    if value.trim() == "*" {
        HeaderNames::Any
    } else {
        HeaderNames::List(split_list(value))
    }
}

fn flag(value: &str) -> Result<bool, &'static str> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(EXPECTED_BOOL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_named_in_the_unknown_variable_message() {
        let text = ConfigProblem::UnknownEnvVar {
            name: "CORS_X".to_owned(),
        }
        .to_string();
        for setting in SETTINGS {
            let listed =
                text.contains(&format!(" {setting},")) || text.contains(&format!(" {setting})"));
            assert!(listed, "{setting} in {text}");
        }
    }
}

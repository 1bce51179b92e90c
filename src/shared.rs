//! [`SharedOrigins`]: an allowlist the application can replace while it serves requests.

use std::{fmt, sync::Arc};

use arc_swap::ArcSwap;

use crate::{
    error::ConfigError,
    origin::Origin,
    pattern::{parse_origin_entries, OriginSafety},
    table::{counted_value, OriginTable, UntrustedHasher},
};

/// A live-reloadable set of allowed origins and wildcard patterns.
///
/// Give a clone to [`Cors::allow_shared_origins`](crate::Cors::allow_shared_origins), keep
/// another, and call [`replace`](Self::replace) when a tenant signs up or an origin is
/// revoked: the next request sees the new list, without a restart.
///
/// - **Validated on replace**: the new list goes through the same checks as
///   [`Cors::strict`](crate::Cors::strict) (canonical form, no `*`, no `null`, no plain
///   `http` except loopback, no wildcard over a public suffix); on error the old list stays.
/// - **No torn reads**: a request sees either the whole old list or the whole new one.
/// - **No lock on the request path**: reads are an atomic pointer load (`arc-swap`); only
///   writers pay for building the new list.
///
/// Cloning is cheap and every clone refers to the same list.
///
/// # Example
///
/// ```
/// use actix_scoped_cors::{Cors, SharedOrigins};
///
/// let tenants = SharedOrigins::new(["https://acme.example.com"]).unwrap();
/// let policy = Cors::strict_empty()
///     .allow_shared_origins(tenants.clone())
///     .try_build()
///     .unwrap();
///
/// assert!(tenants.contains("https://acme.example.com"));
/// tenants.replace(["https://acme.example.com", "https://*.globex.example.com"]).unwrap();
/// assert!(tenants.contains("https://eu.globex.example.com"));
///
/// // A bad list is refused as a whole; the previous one stays in force.
/// assert!(tenants.replace(["https://acme.example.com/"]).is_err());
/// assert!(tenants.contains("https://eu.globex.example.com"));
/// # drop(policy);
/// ```
#[derive(Clone)]
pub struct SharedOrigins {
    current: Arc<ArcSwap<OriginTable<UntrustedHasher>>>,
}

impl SharedOrigins {
    /// Creates a shared allowlist from exact origins and `*.` / `:*` patterns.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] listing every invalid entry.
    pub fn new<I, S>(origins: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let matcher = compile(origins)?;
        Ok(SharedOrigins {
            current: Arc::new(ArcSwap::from_pointee(matcher)),
        })
    }

    /// Replaces the whole list, atomically.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] listing every invalid entry; the previous list stays in force.
    pub fn replace<I, S>(&self, origins: I) -> Result<(), ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let matcher = compile(origins)?;
        self.current.store(Arc::new(matcher));
        Ok(())
    }

    /// Whether `origin` (a serialized origin, as a browser sends it) is on the list now.
    pub fn contains(&self, origin: &str) -> bool {
        Origin::parse(origin).is_some_and(|origin| self.matches(&origin))
    }

    /// A consistent view of the list as it is now: later [`replace`](Self::replace) calls do
    /// not affect it. Use it to ask several questions of one version of the list.
    ///
    /// ```
    /// use actix_scoped_cors::SharedOrigins;
    ///
    /// let shared = SharedOrigins::new(["https://a.example.com"]).unwrap();
    /// let before = shared.snapshot();
    /// shared.replace(["https://b.example.com"]).unwrap();
    /// assert!(before.contains("https://a.example.com"));
    /// assert!(!shared.contains("https://a.example.com"));
    /// ```
    pub fn snapshot(&self) -> OriginsSnapshot {
        OriginsSnapshot(self.current.load_full())
    }

    pub(crate) fn matches(&self, origin: &Origin<'_>) -> bool {
        self.current.load().matches(origin)
    }
}

/// One version of a [`SharedOrigins`] list, from [`SharedOrigins::snapshot`].
#[derive(Clone)]
pub struct OriginsSnapshot(Arc<OriginTable<UntrustedHasher>>);

impl OriginsSnapshot {
    /// Whether `origin` (a serialized origin, as a browser sends it) is on this version of
    /// the list.
    pub fn contains(&self, origin: &str) -> bool {
        Origin::parse(origin).is_some_and(|origin| self.0.matches(&origin))
    }
}

impl fmt::Debug for OriginsSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OriginsSnapshot").field(&*self.0).finish()
    }
}

impl fmt::Debug for SharedOrigins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedOrigins")
            .field(&*self.current.load())
            .finish()
    }
}

fn compile<I, S>(origins: I) -> Result<OriginTable<UntrustedHasher>, ConfigError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut problems = Vec::new();
    let mut matcher = OriginTable::<UntrustedHasher>::default();
    for pattern in parse_origin_entries(origins, OriginSafety::default(), &mut problems) {
        matcher.add(pattern, counted_value);
    }
    if problems.is_empty() {
        Ok(matcher)
    } else {
        Err(ConfigError::new(problems))
    }
}

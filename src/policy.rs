//! The [`Cors`] builder and the validated, immutable [`Policy`] it builds.
//!
//! The builder is a typestate: [`Cors<Strict>`] (credentialed, origins validated and
//! reflected) and [`Cors<Permissive>`] (anonymous, `*`) share the methods that make sense for
//! both, and each has its own. There is no method that adds credentials to a permissive
//! policy, and no method that makes a strict policy answer `*`:
//!
//! ```compile_fail
//! use actix_scoped_cors::Cors;
//! // A permissive policy can never be credentialed: this does not compile.
//! let _ = Cors::permissive().allow_origin_fn(|_, _| true);
//! ```
//!
//! Nor can a permissive policy open the private network to every website (Private Network
//! Access grants the reach to *any* origin `*` covers):
//!
//! ```compile_fail
//! use actix_scoped_cors::Cors;
//! // Private network access is only for named origins: this does not compile.
//! let _ = Cors::permissive().allow_private_network();
//! ```
//!
//! Every input is parsed once, in [`Cors::try_build`]; the resulting [`Policy`] holds only
//! parsed values and precomputed header values, so the request path never re-checks a string.

use std::{fmt, future::Future, marker::PhantomData, sync::Arc, time::Duration};

use actix_web::{
    dev::RequestHead,
    http::{
        header::{HeaderName, ORIGIN},
        Method,
    },
};
use futures_util::future::LocalBoxFuture;
use regex::Regex;

use crate::{
    decision::{Rejection, RejectionHook},
    error::{ConfigError, ConfigProblem, HeaderList},
    header_names::{is_cors_safelisted_response_header_name, is_forbidden_request_header_name},
    headers::Precomputed,
    matcher::{OriginMatcher, OriginPredicate},
    origin::{Origin, OriginPattern},
    origin_regex,
    public_suffix::{open_domain, OpenDomain},
    shared::SharedOrigins,
};

/// Typestate marker for a credentialed policy that reflects allowed origins.
#[derive(Debug, Clone, Copy)]
pub struct Strict;

/// Typestate marker for an anonymous policy that answers `*`.
#[derive(Debug, Clone, Copy)]
pub struct Permissive;

/// The longest preflight cache any browser honours (Firefox), in seconds.
const MAX_AGE_LIMIT: u64 = 86_400;

/// A CORS policy under construction.
///
/// Start with [`Cors::strict`] for private, credentialed routes or [`Cors::permissive`] for
/// public, anonymous ones; chain the builder methods; then either call
/// [`try_build`](Cors::try_build) to get a validated [`Policy`] (recommended: the error is a
/// value you can print or test) or pass the builder straight to `.wrap(...)`, in which case an
/// invalid configuration stops the server from starting and prints the [`ConfigError`].
///
/// # Defaults
///
/// | | strict | permissive |
/// | --- | --- | --- |
/// | origins | only those listed, matched or accepted by a predicate | any (`*`) |
/// | credentials | yes (`Access-Control-Allow-Credentials: true`) | never |
/// | methods | `GET, HEAD, POST, PUT, PATCH, DELETE` | any (`*`) |
/// | request headers | `content-type, authorization` | any (`*`, plus `authorization` when asked) |
/// | exposed headers | none | none |
/// | max age | 600 s | 7200 s |
/// | disallowed actual requests | served without CORS headers (browser blocks the read) | — |
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use actix_scoped_cors::Cors;
/// use actix_web::{web, App};
///
/// let api = Cors::strict(["https://app.example.com", "https://*.tenant.example.com"])
///     .allow_methods(["GET", "POST", "PUT", "DELETE"])
///     .allow_headers(["content-type", "authorization"])
///     .expose_headers(["x-request-id"])
///     .max_age(Duration::from_secs(600))
///     .try_build()
///     .expect("valid CORS policy");
///
/// let app = App::new()
///     .service(web::scope("/api").wrap(api.clone()))
///     .service(web::scope("/public").wrap(Cors::permissive()));
/// # drop(app);
/// ```
#[must_use = "a CORS builder does nothing until it is built or passed to `.wrap()`"]
pub struct Cors<M> {
    config: Config,
    mode: PhantomData<M>,
}

#[derive(Clone, Default)]
struct Config {
    origins: Vec<String>,
    regexes: Vec<String>,
    predicates: Vec<OriginPredicate>,
    async_predicate: Option<AsyncOriginPredicate>,
    shared: Vec<SharedOrigins>,
    methods: Option<Vec<String>>,
    headers: Option<Vec<String>>,
    any_header: bool,
    expose: Vec<String>,
    max_age: Option<Duration>,
    block_disallowed: bool,
    on_reject: Option<RejectionHook>,
    private_network: bool,
    defers_to_inner: bool,
    safety: OriginSafety,
}

/// The strict-mode safety opt-outs, each named for its risk.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OriginSafety {
    pub(crate) allow_null: bool,
    pub(crate) allow_insecure_http: bool,
}

impl<M> Clone for Cors<M> {
    fn clone(&self) -> Self {
        Cors {
            config: self.config.clone(),
            mode: PhantomData,
        }
    }
}

impl<M> fmt::Debug for Cors<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cors")
            .field("mode", &std::any::type_name::<M>())
            .field("origins", &self.config.origins)
            .field("regexes", &self.config.regexes)
            .field("methods", &self.config.methods)
            .field("headers", &self.config.headers)
            .finish_non_exhaustive()
    }
}

impl Cors<Strict> {
    /// A credentialed policy that allows exactly the given origins and patterns.
    ///
    /// Each entry is either a serialized origin in the exact form browsers send
    /// (`https://app.example.com`, `http://localhost:3000`), a subdomain wildcard
    /// (`https://*.example.com`: one or more labels, never the apex), or a port wildcard
    /// (`https://example.com:*`). See [`OriginPattern`](crate::origin) for the rules. Entries
    /// are checked in [`try_build`](Cors::try_build): `*`, `null`, non-canonical spellings,
    /// plain `http` for non-loopback hosts and wildcards over public suffixes are errors.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// let policy = Cors::strict(["https://app.example.com", "https://*.tenant.example.com"])
    ///     .try_build()
    ///     .unwrap();
    /// assert!(policy.allows_origin("https://acme.tenant.example.com"));
    /// assert!(!policy.allows_origin("https://tenant.example.com"));
    /// ```
    pub fn strict<I, S>(origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Cors {
            config: Config {
                origins: origins.into_iter().map(|s| s.as_ref().to_owned()).collect(),
                max_age: Some(Duration::from_secs(600)),
                ..Config::default()
            },
            mode: PhantomData,
        }
    }

    /// Also allows origins for which `predicate` returns `true`.
    ///
    /// The predicate sees only well-formed origins (never `null`, never an oversized or
    /// malformed value) and the request head; it runs after the exact list and the patterns
    /// failed to match, for preflights and actual requests alike, so keep it cheap and
    /// non-blocking.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .allow_origin_fn(|origin, _head| origin.host() == "partner.example.org")
    ///     .try_build()
    ///     .unwrap();
    /// # drop(policy);
    /// ```
    pub fn allow_origin_fn<F>(mut self, predicate: F) -> Self
    where
        F: Fn(&Origin<'_>, &RequestHead) -> bool + Send + Sync + 'static,
    {
        self.config.predicates.push(Arc::new(predicate));
        self
    }

    /// Also allows origins for which the asynchronous `predicate` resolves to `true`: for
    /// allowlists that live in a database or another service.
    ///
    /// Its answer decides preflights and actual requests alike. It is called only for
    /// well-formed origins that no synchronous rule (exact list, patterns, regexes,
    /// [`allow_origin_fn`](Cors::allow_origin_fn), shared lists) allowed, with the origin as
    /// an owned `String`; one policy has at most one (a second call replaces the first).
    ///
    /// **Cost.** Every CORS request from such an origin waits for the future: a database
    /// round trip per preflight *and* per actual request. Cache inside the closure (e.g. a map
    /// of recent answers with an expiry) or, better, keep the list in memory with
    /// [`SharedOrigins`] and refresh it when it changes. The guards and
    /// [`Policy::allows_origin`] cannot await, so they do not consult it.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// async fn tenant_exists(origin: &str) -> bool {
    ///     // e.g. `SELECT 1 FROM tenants WHERE origin = $1`
    ///     origin.ends_with(".customers.example.com")
    /// }
    ///
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .allow_origin_async(|origin| async move { tenant_exists(&origin).await })
    ///     .try_build()
    ///     .unwrap();
    /// # drop(policy);
    /// ```
    pub fn allow_origin_async<F, Fut>(mut self, predicate: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + 'static,
    {
        self.config.async_predicate = Some(Arc::new(move |origin| {
            Box::pin(predicate(origin)) as LocalBoxFuture<'static, bool>
        }));
        self
    }

    /// Also allows origins matched by the regular expression `regex`, which always matches
    /// the **whole** origin (it is anchored for you: `https://[a-z]+\.example\.com` cannot
    /// match `https://a.example.com.evil.net`).
    ///
    /// All regexes of a policy are compiled into one set and tried in a single pass.
    ///
    /// # What is refused
    ///
    /// [`try_build`](Cors::try_build) judges each regex by its structure: it unfolds the
    /// parsed regex into its alternatives and requires of every origin they can match what it
    /// requires of exact entries and wildcards. Each alternative must spell out its scheme
    /// (`https?://` is fine, `[a-z]+://` is not; `http` needs
    /// [`allow_insecure_http_origins`](Cors::allow_insecure_http_origins) unless the host is
    /// loopback), and its host must be fixed, or end in `\.` plus a domain after its last
    /// varying part, a domain that is neither a public suffix nor has public suffixes beneath
    /// it (the Public Suffix List decides, as for `https://*.domain`). So these are errors,
    /// each naming the fix:
    ///
    /// | regex | why |
    /// | --- | --- |
    /// | `https://pr-[0-9]+.preview.example.com` | the unescaped `.` also matches `https://pr-0.previewzexample.com`; the error gives the escaped regex |
    /// | `https://.*example\.com` | matches `https://evilexample.com`, directly under `com` |
    /// | `https://[a-z0-9-]+\.github\.io` | anyone can register under `github.io` |
    /// | `https://app\.example\.com.*` | the host does not end in a fixed domain |
    /// | `http://app\.example\.com` | plain http without the opt-in |
    /// | `app\.example\.com` | matches no origin (an origin starts with its scheme) |
    ///
    /// Only canonical origins ever reach a regex, so `(?i)` and classes such as `[Aa]` are
    /// judged by the lowercase characters browsers send.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// let policy = Cors::strict(Vec::<&str>::new())
    ///     .allow_origin_regex(r"https://pr-[0-9]+\.preview\.example\.com")
    ///     .try_build()
    ///     .unwrap();
    /// assert!(policy.allows_origin("https://pr-42.preview.example.com"));
    /// assert!(!policy.allows_origin("https://pr-42.preview.example.com.evil.net"));
    /// ```
    pub fn allow_origin_regex(mut self, regex: impl Into<String>) -> Self {
        self.config.regexes.push(regex.into());
        self
    }

    /// Also allows the origins in a live-reloadable [`SharedOrigins`] list.
    pub fn allow_shared_origins(mut self, origins: SharedOrigins) -> Self {
        self.config.shared.push(origins);
        self
    }

    /// Answers actual requests from disallowed origins with `403 Forbidden` before the
    /// handler runs, instead of serving them without CORS headers.
    ///
    /// Same-origin requests (whose `Origin` equals the request's own scheme and host, as
    /// reported by actix-web's `ConnectionInfo`) are never blocked, and never reported as
    /// refusals (with or without blocking). Note that blocking is no
    /// CSRF protection either: requests without `Origin` still reach the handler.
    ///
    /// **Behind a TLS-terminating proxy** the request reaches actix-web over plain http, so
    /// its own scheme is `http` unless the proxy names the original one in
    /// `X-Forwarded-Proto: https` or `Forwarded: proto=https` (and, if it rewrites `Host`,
    /// the original host in `X-Forwarded-Host` or `Forwarded: host=`). Without those headers
    /// the same-origin exemption fails: the browser's same-origin `POST` from
    /// `https://api.example.com` does not match `http://api.example.com` and is answered `403`.
    /// Configure the proxy to send them (and to overwrite any a client sent).
    ///
    /// Combined with [`defer_to_inner_policies`](Cors::defer_to_inner_policies) it is a
    /// [`ConfigProblem::BlockWhileDeferring`]: a deferring policy decides only after the route
    /// ran, too late to keep a handler from running. Put `block_disallowed()` on the
    /// innermost policies, which decide before the handler runs.
    pub fn block_disallowed(mut self) -> Self {
        self.config.block_disallowed = true;
        self
    }

    /// Accepts `Origin: null` — from sandboxed iframes, `data:` and `file:` documents and
    /// cross-origin redirects, i.e. from **anyone** — with credentials.
    ///
    /// Almost never what you want; it exists so that the risk is written out in the code.
    pub fn allow_null_origin_insecure(mut self) -> Self {
        self.config.safety.allow_null = true;
        self
    }

    /// Accepts plain `http://` origins for non-loopback hosts with credentials, although
    /// anyone on the network path can read and forge such pages.
    ///
    /// Loopback origins (`http://localhost:3000`, `http://127.0.0.1:8080`,
    /// `http://[::1]:5173`) are allowed without this.
    pub fn allow_insecure_http_origins(mut self) -> Self {
        self.config.safety.allow_insecure_http = true;
        self
    }

    /// Answers Private Network Access preflights
    /// (`Access-Control-Request-Private-Network: true`) from allowed origins with
    /// `Access-Control-Allow-Private-Network: true`. Preflights only, never actual responses.
    ///
    /// A draft that Chromium is replacing with a permission prompt; enable it only if a
    /// public page must reach this server on a private network. Strict policies only: on a
    /// permissive policy it would let every website on the internet reach the private
    /// network, so [`Cors<Permissive>`] has no such method.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .allow_private_network()
    ///     .try_build()
    ///     .unwrap();
    /// # drop(policy);
    /// ```
    pub fn allow_private_network(mut self) -> Self {
        self.config.private_network = true;
        self
    }
}

impl Cors<Permissive> {
    /// An anonymous policy: `Access-Control-Allow-Origin: *` on every response, no
    /// credentials, any method and any request header unless restricted.
    ///
    /// Browsers refuse to expose a `*` response to a credentialed request, which is the
    /// point: a page can read public data, but never with the user's cookies.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    /// use actix_web::{web, App};
    ///
    /// let app = App::new().service(web::scope("/public").wrap(Cors::permissive()));
    /// # drop(app);
    /// ```
    pub fn permissive() -> Self {
        Cors {
            config: Config {
                any_header: true,
                max_age: Some(Duration::from_secs(7200)),
                ..Config::default()
            },
            mode: PhantomData,
        }
    }

    /// Exposes every response header to scripts (`Access-Control-Expose-Headers: *`), which
    /// browsers honour for anonymous requests. `Set-Cookie` is never exposed.
    pub fn expose_any_header(mut self) -> Self {
        self.config.expose = vec!["*".to_owned()];
        self
    }
}

impl<M: Mode> Cors<M> {
    /// Restricts the methods a preflight may ask for. Matching is byte-exact, as in browsers:
    /// `"PATCH"` does not allow a script's lowercase `patch`. The CORS-safelisted `GET`, `HEAD`
    /// and `POST` are always allowed, listed or not, because browsers never check them against
    /// `Access-Control-Allow-Methods` (and send them without a preflight when they can).
    ///
    /// Accepts `&str`, `String` or [`Method`]. Forbidden methods (`CONNECT`, `TRACE`,
    /// `TRACK`), lowercase spellings of the methods browsers uppercase and `*` (strict) are
    /// configuration errors.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    /// use actix_web::http::Method;
    ///
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .allow_methods([Method::GET, Method::POST, Method::PATCH])
    ///     .try_build()
    ///     .unwrap();
    /// # drop(policy);
    /// ```
    pub fn allow_methods<I, T>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.config.methods = Some(methods.into_iter().map(|m| m.as_ref().to_owned()).collect());
        self
    }

    /// Restricts the request headers a preflight may ask for (case-insensitive, as header
    /// names are). Replaces the default list; of this and
    /// [`allow_any_header`](Cors::allow_any_header), the last call wins.
    ///
    /// Names scripts can never set are refused ([`ConfigProblem::ForbiddenRequestHeader`]):
    /// the Fetch standard's forbidden request-headers (`Cookie`, `Host`, `Origin`,
    /// `Content-Length`, `Accept-Encoding`, ... and every `Proxy-*` and `Sec-*` name) are set
    /// by the browser itself and never appear in a preflight. Cookies need no listing: a
    /// strict policy is credentialed already.
    ///
    /// ```
    /// use actix_scoped_cors::{ConfigProblem, Cors};
    ///
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .allow_headers(["content-type", "authorization", "x-request-id"])
    ///     .try_build();
    /// assert!(policy.is_ok());
    ///
    /// let err = Cors::strict(["https://app.example.com"])
    ///     .allow_headers(["Cookie"])
    ///     .try_build()
    ///     .unwrap_err();
    /// assert!(matches!(
    ///     &err.problems()[0],
    ///     ConfigProblem::ForbiddenRequestHeader { input } if input == "cookie"
    /// ));
    /// ```
    pub fn allow_headers<I, H>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = H>,
        H: AsRef<str>,
    {
        self.config.headers = Some(
            headers
                .into_iter()
                .map(|h| h.as_ref().to_ascii_lowercase())
                .collect(),
        );
        self.config.any_header = false;
        self
    }

    /// Allows any request header a preflight asks for.
    ///
    /// Without credentials the answer is `*` (plus `authorization` when asked, because `*`
    /// never covers it). With credentials `*` means nothing to browsers, so the validated
    /// request list is echoed instead.
    ///
    /// Of this and [`allow_headers`](Cors::allow_headers), the last call wins.
    pub fn allow_any_header(mut self) -> Self {
        self.config.any_header = true;
        self
    }

    /// Response headers scripts may read, beyond the CORS-safelisted ones
    /// (`Cache-Control`, `Content-Language`, `Content-Length`, `Content-Type`, `Expires`,
    /// `Last-Modified`, `Pragma`). Replaces any earlier list. Refused: the safelisted names
    /// themselves ([`ConfigProblem::SafelistedResponseHeader`]: always readable, listing them
    /// does nothing), `Set-Cookie` (browsers never expose it), and `*` on a strict policy
    /// (browsers ignore it with credentials).
    ///
    /// ```
    /// use actix_scoped_cors::{ConfigProblem, Cors};
    ///
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .expose_headers(["x-request-id", "etag"])
    ///     .try_build();
    /// assert!(policy.is_ok());
    ///
    /// let err = Cors::strict(["https://app.example.com"])
    ///     .expose_headers(["Content-Type"])
    ///     .try_build()
    ///     .unwrap_err();
    /// assert!(matches!(
    ///     &err.problems()[0],
    ///     ConfigProblem::SafelistedResponseHeader { input } if input == "content-type"
    /// ));
    /// ```
    pub fn expose_headers<I, H>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = H>,
        H: AsRef<str>,
    {
        self.config.expose = headers
            .into_iter()
            .map(|h| h.as_ref().to_ascii_lowercase())
            .collect();
        self
    }

    /// How long browsers may cache a successful preflight (`Access-Control-Max-Age`).
    /// Browsers cap it: Chromium at 7200 s, Firefox at 86400 s, WebKit at 600 s.
    ///
    /// Exactly what is sent: the header carries whole seconds, so `max_age` must be a whole
    /// number of seconds from `0` to `86400`, and is sent as that number.
    /// `Duration::ZERO` sends `Access-Control-Max-Age: 0`, which asks browsers not to cache.
    /// Anything with a nonzero fraction of a second (`Duration::from_millis(1500)`, and every
    /// duration between zero and one second) is refused by [`try_build`](Cors::try_build)
    /// with [`ConfigProblem::MaxAgeNotWholeSeconds`], whose hint gives the whole-second value
    /// to write, rather than silently sent as another value; more than 86400 s is
    /// [`ConfigProblem::MaxAgeTooLong`]. [`no_max_age`](Cors::no_max_age) sends no header.
    ///
    /// ```
    /// use std::time::Duration;
    /// use actix_scoped_cors::{ConfigProblem, Cors};
    ///
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .max_age(Duration::from_secs(600))
    ///     .try_build();
    /// assert!(policy.is_ok());
    ///
    /// let err = Cors::strict(["https://app.example.com"])
    ///     .max_age(Duration::from_millis(500))
    ///     .try_build()
    ///     .unwrap_err();
    /// assert!(matches!(
    ///     err.problems()[0],
    ///     ConfigProblem::MaxAgeNotWholeSeconds { secs: 1, .. }
    /// ));
    /// ```
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.config.max_age = Some(max_age);
        self
    }

    /// Sends no `Access-Control-Max-Age`: browsers then cache preflights for 5 s.
    pub fn no_max_age(mut self) -> Self {
        self.config.max_age = None;
        self
    }

    /// Calls `hook` for every refused CORS request, with the reason, the origin and the path.
    ///
    /// Refusals are also logged with `log::debug!`; the hook is for metrics or your own
    /// logging. It runs on the request path: keep it cheap. Same-origin requests that carry
    /// `Origin` (browsers send it on same-origin `POST`, `PUT`, `PATCH` and `DELETE`) are not
    /// refusals and are never reported.
    ///
    /// Each refusal is reported once, by the policy whose decision the response carries: when
    /// policies that do not defer nest, the outermost one; a policy beneath it reports only
    /// the requests it blocks ([`block_disallowed`](Cors::block_disallowed)) although the
    /// outer one allowed them. To know that, a policy marks each actual CORS request it
    /// decides in the request's extensions, which can cost an allocation per such request;
    /// it does so only while some mounted policy has a hook or the crate's debug log is
    /// enabled.
    ///
    /// ```
    /// use actix_scoped_cors::{Cors, Reason};
    ///
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .on_reject(|rejection| {
    ///         if rejection.reason() == Reason::OriginNotAllowed {
    ///             eprintln!("refused {:?} on {}", rejection.origin(), rejection.path());
    ///         }
    ///     })
    ///     .try_build()
    ///     .unwrap();
    /// # drop(policy);
    /// ```
    pub fn on_reject<F>(mut self, hook: F) -> Self
    where
        F: Fn(&Rejection<'_>) + Send + Sync + 'static,
    {
        self.config.on_reject = Some(Arc::new(hook));
        self
    }

    /// Lets policies mounted beneath this one decide the requests they cover — preflights,
    /// actual requests and errors alike — and decides only the rest. For app-wide or
    /// scope-wide defaults around more specific policies.
    ///
    /// Without it, a policy decides every request that passes through it, and a policy
    /// nested inside it is overruled. With it, this policy passes every request down,
    /// preflights included: where no inner policy covers the path, the route answers first
    /// (a handler without a method guard runs for the `OPTIONS` preflight) and this policy then
    /// replaces that answer with its own. For the same reason it cannot be combined with
    /// [`block_disallowed`](Cors::block_disallowed), which would act only after the route ran:
    /// [`try_build`](Cors::try_build) refuses the pair with
    /// [`ConfigProblem::BlockWhileDeferring`]. See "Composing policies" in the crate docs.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    /// use actix_web::{web, App, HttpResponse};
    ///
    /// let app = App::new()
    ///     .wrap(Cors::permissive().defer_to_inner_policies())
    ///     .service(
    ///         web::scope("/api")
    ///             .wrap(Cors::strict(["https://app.example.com"]))
    ///             .route("/me", web::get().to(HttpResponse::Ok)),
    ///     );
    /// # drop(app);
    /// ```
    pub fn defer_to_inner_policies(mut self) -> Self {
        self.config.defers_to_inner = true;
        self
    }

    /// Validates the configuration and builds the immutable, shareable [`Policy`].
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] listing **every** problem, each with the offending input and a fix.
    pub fn try_build(self) -> Result<Policy, ConfigError> {
        build(self.config, M::CREDENTIALED)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Strict {}
    impl Sealed for super::Permissive {}
}

/// The two builder modes, [`Strict`] and [`Permissive`]. Sealed: no other mode exists.
pub trait Mode: sealed::Sealed {
    /// Whether policies of this mode send `Access-Control-Allow-Credentials: true`.
    const CREDENTIALED: bool;
}

impl Mode for Strict {
    const CREDENTIALED: bool = true;
}

impl Mode for Permissive {
    const CREDENTIALED: bool = false;
}

/// Which origins a policy allows.
#[derive(Debug)]
pub(crate) enum AllowedOrigins {
    Any,
    Matching(Box<OriginMatcher>),
}

/// Which methods a preflight may ask for.
#[derive(Debug)]
pub(crate) enum AllowedMethods {
    Any,
    List(Vec<Method>),
}

/// Which request headers a preflight may ask for.
#[derive(Debug)]
pub(crate) enum AllowedHeaders {
    Any,
    List(Vec<HeaderName>),
}

/// A validated, immutable CORS policy: `Send + Sync`, and cheap to clone (one `Arc`).
///
/// Build it once, outside the `HttpServer::new` closure, and `.wrap(policy.clone())` in
/// every worker. Obtained from [`Cors::try_build`].
#[derive(Clone)]
pub struct Policy {
    pub(crate) inner: Arc<PolicyInner>,
}

pub(crate) struct PolicyInner {
    pub(crate) origins: AllowedOrigins,
    pub(crate) credentialed: bool,
    pub(crate) methods: AllowedMethods,
    pub(crate) headers: AllowedHeaders,
    pub(crate) values: Precomputed,
    pub(crate) block_disallowed: bool,
    pub(crate) private_network: bool,
    pub(crate) defers_to_inner: bool,
    pub(crate) on_reject: Option<RejectionHook>,
    pub(crate) async_origin: Option<AsyncOriginPredicate>,
}

/// An asynchronous origin predicate, as given to [`Cors::allow_origin_async`].
pub(crate) type AsyncOriginPredicate =
    Arc<dyn Fn(String) -> LocalBoxFuture<'static, bool> + Send + Sync>;

impl Policy {
    /// Whether this policy allows `origin` (as a browser would send it) on a request without
    /// further context. Origin predicates see a default request head.
    pub fn allows_origin(&self, origin: &str) -> bool {
        match &self.inner.origins {
            AllowedOrigins::Any => true,
            AllowedOrigins::Matching(matcher) => {
                let head = RequestHead::default();
                matcher.matches(origin, &head)
            }
        }
    }

    /// Whether the request's single `Origin` header is allowed by this policy (for a
    /// permissive policy: whether there is one).
    pub(crate) fn origin_is_allowed(&self, head: &RequestHead) -> bool {
        let origins = head.headers.get_all(ORIGIN);
        match (&self.inner.origins, origins.as_slice()) {
            (_, []) => false,
            (AllowedOrigins::Any, _) => true,
            (AllowedOrigins::Matching(matcher), [origin]) => origin
                .to_str()
                .is_ok_and(|origin| matcher.matches(origin, head)),
            (AllowedOrigins::Matching(_), _) => false,
        }
    }

    /// Whether responses carry `Access-Control-Allow-Credentials: true`.
    pub fn is_credentialed(&self) -> bool {
        self.inner.credentialed
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Policy")
            .field("origins", &inner.origins)
            .field("credentialed", &inner.credentialed)
            .field("methods", &inner.methods)
            .field("headers", &inner.headers)
            .field("block_disallowed", &inner.block_disallowed)
            .field("private_network", &inner.private_network)
            .field("defers_to_inner", &inner.defers_to_inner)
            .finish_non_exhaustive()
    }
}

impl<M: Mode> TryFrom<Cors<M>> for Policy {
    type Error = ConfigError;

    fn try_from(cors: Cors<M>) -> Result<Self, Self::Error> {
        cors.try_build()
    }
}

fn build(config: Config, credentialed: bool) -> Result<Policy, ConfigError> {
    let mut problems = Vec::new();

    let origins = if credentialed {
        AllowedOrigins::Matching(Box::new(build_matcher(&config, &mut problems)))
    } else {
        AllowedOrigins::Any
    };
    let methods = build_methods(config.methods.as_deref(), credentialed, &mut problems);
    let headers = if config.any_header {
        AllowedHeaders::Any
    } else {
        let names = config
            .headers
            .as_deref()
            .unwrap_or(&["content-type".to_owned(), "authorization".to_owned()])
            .to_vec();
        AllowedHeaders::List(parse_header_names(
            &names,
            HeaderList::Allowed,
            &mut problems,
        ))
    };
    let expose = build_expose(&config.expose, credentialed, &mut problems);
    if let Some(problem) = config.max_age.and_then(max_age_problem) {
        problems.push(problem);
    }
    if config.block_disallowed && config.defers_to_inner {
        problems.push(ConfigProblem::BlockWhileDeferring);
    }
    if !problems.is_empty() {
        return Err(ConfigError::new(problems));
    }

    let values = Precomputed::new(&methods, &headers, &expose, config.max_age);
    Ok(Policy {
        inner: Arc::new(PolicyInner {
            origins,
            credentialed,
            methods,
            headers,
            values,
            block_disallowed: config.block_disallowed,
            private_network: config.private_network,
            defers_to_inner: config.defers_to_inner,
            on_reject: config.on_reject,
            async_origin: config.async_predicate,
        }),
    })
}

/// What is wrong with a max-age, if anything. `Access-Control-Max-Age` is a number of whole
/// seconds (Fetch, "HTTP new-header syntax": `delta-seconds`), so a fraction cannot be sent;
/// the hint rounds to the nearest second, but never down to `0`, which means "do not cache".
fn max_age_problem(max_age: Duration) -> Option<ConfigProblem> {
    let secs = max_age.as_secs();
    if secs > MAX_AGE_LIMIT {
        return Some(ConfigProblem::MaxAgeTooLong { secs });
    }
    let nanos = max_age.subsec_nanos();
    if nanos == 0 {
        return None;
    }
    let rounded = if nanos >= 500_000_000 { secs + 1 } else { secs };
    Some(ConfigProblem::MaxAgeNotWholeSeconds {
        configured: max_age,
        secs: rounded.clamp(1, MAX_AGE_LIMIT),
    })
}

fn build_matcher(config: &Config, problems: &mut Vec<ConfigProblem>) -> OriginMatcher {
    let mut matcher = OriginMatcher::default();
    for pattern in parse_origin_entries(&config.origins, config.safety, problems) {
        matcher.add_pattern(pattern);
    }
    if config.safety.allow_null {
        matcher.allow_null();
    }
    // Each regex is checked on its own, so an error names it; then all of them are compiled
    // as one anchored alternation, matched in a single pass.
    let mut anchored_regexes = Vec::with_capacity(config.regexes.len());
    for regex in &config.regexes {
        match checked_regex(regex, config.safety) {
            Ok(anchored) => anchored_regexes.push(anchored),
            Err(problem) => problems.push(problem),
        }
    }
    if !anchored_regexes.is_empty() {
        match Regex::new(&anchored_regexes.join("|")) {
            Ok(regex) => matcher.set_regex(Some(regex)),
            Err(error) => problems.push(ConfigProblem::InvalidRegex {
                input: config.regexes.join(" | "),
                error: error.to_string(),
            }),
        }
    }
    for predicate in &config.predicates {
        matcher.add_predicate(predicate.clone());
    }
    for shared in &config.shared {
        matcher.add_shared(shared.clone());
    }
    if matcher.is_empty() && config.async_predicate.is_none() && problems.is_empty() {
        problems.push(ConfigProblem::NothingAllowed);
    }
    matcher
}

/// Parses, checks and anchors one configured regex.
///
/// The anchors go around the *parsed* expression, printed back as a regex: pasting `^(?:` and
/// `)$` around the text would let a regex that is invalid on its own (`a)|(.*`) become a
/// valid, unanchored one, and would break regexes that end in an `(?x)` comment.
///
/// Safety comes from the regex's structure ([`origin_regex::check`]): every origin it can
/// match must spell out its scheme and have a fixed host or one under a domain that is not
/// open to strangers. Probes with origins no strict policy may accept unasked (`null`, and
/// hosts under the reserved `.invalid` domain, RFC 6761, over https and plain http) run
/// first, as a second line that also gives the clearest example for the grossest mistakes
/// (`.*`, `https://.*`).
fn checked_regex(input: &str, safety: OriginSafety) -> Result<String, ConfigProblem> {
    let invalid = |error: String| ConfigProblem::InvalidRegex {
        input: input.to_owned(),
        error,
    };
    let hir = regex_syntax::Parser::new()
        .parse(input)
        .map_err(|error| invalid(error.to_string()))?;
    let anchored = format!("^(?:{hir})$");
    let regex = Regex::new(&anchored).map_err(|error| invalid(error.to_string()))?;
    let mut probes = vec![
        "https://cors-probe.invalid",
        "https://a.b.cors-probe.invalid",
    ];
    if !safety.allow_insecure_http {
        probes.push("http://cors-probe.invalid");
    }
    if !safety.allow_null {
        probes.push("null");
    }
    if let Some(probe) = probes.into_iter().find(|probe| regex.is_match(probe)) {
        return Err(ConfigProblem::RegexTooBroad {
            input: input.to_owned(),
            example: probe.to_owned(),
        });
    }
    origin_regex::check(input, &hir, safety)?;
    Ok(anchored)
}

/// Parses allowlist entries under the strict-mode safety rules, collecting every problem.
pub(crate) fn parse_origin_entries<I, S>(
    entries: I,
    safety: OriginSafety,
    problems: &mut Vec<ConfigProblem>,
) -> Vec<OriginPattern>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut patterns = Vec::new();
    for entry in entries {
        let input = entry.as_ref();
        if input == "null" && safety.allow_null {
            continue; // handled by the matcher's own flag
        }
        let pattern = match OriginPattern::parse(input) {
            Ok(pattern) => pattern,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let (scheme, host) = pattern.scheme_and_host();
        let loopback = crate::origin::is_loopback_host(host);
        if scheme == "http" && !loopback && !safety.allow_insecure_http {
            problems.push(ConfigProblem::InsecureOrigin {
                input: input.to_owned(),
            });
            continue;
        }
        if let OriginPattern::Subdomains { suffix, .. } = &pattern {
            match open_domain(suffix) {
                None => {}
                Some(OpenDomain::PublicSuffix { suffix, .. }) => {
                    problems.push(ConfigProblem::PublicSuffixWildcard {
                        input: input.to_owned(),
                        suffix,
                    });
                    continue;
                }
                Some(OpenDomain::HasPublicSuffixesBeneath { domain }) => {
                    problems.push(ConfigProblem::PublicSuffixesBeneath {
                        input: input.to_owned(),
                        domain,
                    });
                    continue;
                }
            }
        }
        patterns.push(pattern);
    }
    patterns
}

fn build_methods(
    methods: Option<&[String]>,
    credentialed: bool,
    problems: &mut Vec<ConfigProblem>,
) -> AllowedMethods {
    let Some(methods) = methods else {
        return if credentialed {
            AllowedMethods::List(vec![
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
        } else {
            AllowedMethods::Any
        };
    };
    let mut list: Vec<Method> = Vec::with_capacity(methods.len());
    for input in methods {
        if input == "*" {
            if credentialed {
                problems.push(ConfigProblem::WildcardMethod);
                continue;
            }
            return AllowedMethods::Any;
        }
        let upper = input.to_ascii_uppercase();
        if matches!(upper.as_str(), "CONNECT" | "TRACE" | "TRACK") {
            problems.push(ConfigProblem::ForbiddenMethod {
                input: input.clone(),
            });
            continue;
        }
        // Browsers normalise these six to uppercase (Fetch, "normalize a method").
        let normalised = matches!(
            upper.as_str(),
            "DELETE" | "GET" | "HEAD" | "OPTIONS" | "POST" | "PUT"
        );
        if normalised && upper != *input {
            problems.push(ConfigProblem::NonCanonicalMethod {
                input: input.clone(),
                canonical: upper,
            });
            continue;
        }
        match Method::from_bytes(input.as_bytes()) {
            Ok(method) if !list.contains(&method) => list.push(method),
            Ok(_) => {}
            Err(_) => problems.push(ConfigProblem::InvalidMethod {
                input: input.clone(),
            }),
        }
    }
    AllowedMethods::List(list)
}

/// Which response headers a policy exposes: none, all (`*`, anonymous policies only), or a list.
pub(crate) enum Expose {
    Nothing,
    Any,
    List(Vec<HeaderName>),
}

fn build_expose(
    expose: &[String],
    credentialed: bool,
    problems: &mut Vec<ConfigProblem>,
) -> Expose {
    if expose.iter().any(|name| name == "*") {
        if credentialed {
            problems.push(ConfigProblem::WildcardHeader {
                list: HeaderList::Exposed,
            });
        }
        return Expose::Any;
    }
    for name in expose {
        if name == "set-cookie" || name == "set-cookie2" {
            problems.push(ConfigProblem::UnexposableHeader {
                input: name.clone(),
            });
        }
    }
    let names = parse_header_names(expose, HeaderList::Exposed, problems);
    if names.is_empty() {
        Expose::Nothing
    } else {
        Expose::List(names)
    }
}

fn parse_header_names(
    names: &[String],
    list: HeaderList,
    problems: &mut Vec<ConfigProblem>,
) -> Vec<HeaderName> {
    let mut parsed: Vec<HeaderName> = Vec::with_capacity(names.len());
    for input in names {
        if input == "*" {
            problems.push(ConfigProblem::WildcardHeader { list });
            continue;
        }
        if let Some(problem) = pointless_header_name(input, list) {
            problems.push(problem);
            continue;
        }
        match HeaderName::from_bytes(input.as_bytes()) {
            Ok(name) if !parsed.contains(&name) => parsed.push(name),
            Ok(_) => {}
            Err(_) => problems.push(ConfigProblem::InvalidHeaderName {
                input: input.clone(),
                list,
            }),
        }
    }
    parsed
}

/// A header name that can never take effect in `list`: one scripts may not set (so no
/// preflight ever asks for it), or one scripts may always read (Fetch, "forbidden
/// request-header" and "CORS-safelisted response-header name").
fn pointless_header_name(input: &str, list: HeaderList) -> Option<ConfigProblem> {
    match list {
        HeaderList::Allowed if is_forbidden_request_header_name(input) => {
            Some(ConfigProblem::ForbiddenRequestHeader {
                input: input.to_owned(),
            })
        }
        HeaderList::Exposed if is_cors_safelisted_response_header_name(input) => {
            Some(ConfigProblem::SafelistedResponseHeader {
                input: input.to_owned(),
            })
        }
        _ => None,
    }
}

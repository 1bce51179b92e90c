//! The [`Cors`] builder and the validated, immutable [`Policy`] it builds.
//!
//! The builder is a typestate: [`Cors<Strict>`] (origins validated and reflected,
//! credentialed unless [`Cors::without_credentials`]) and [`Cors<Permissive>`] (anonymous, `*`) share the methods that make sense for
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

use std::{
    fmt,
    future::Future,
    marker::PhantomData,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use actix_web::{dev::RequestHead, http::StatusCode};
use futures_util::future::LocalBoxFuture;

use crate::{
    compile::{self, Config},
    error::ConfigError,
    origin::Origin,
    policy::Policy,
    rejection::Rejection,
    shared::SharedOrigins,
};

/// Typestate marker for a policy that reflects allowed origins (credentialed unless
/// [`Cors::without_credentials`]).
#[derive(Debug, Clone, Copy)]
pub struct Strict;

/// Typestate marker for an anonymous policy that answers `*`.
#[derive(Debug, Clone, Copy)]
pub struct Permissive;

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
/// | credentials | yes (`Access-Control-Allow-Credentials: true`), unless [`without_credentials`](Cors::without_credentials) | never |
/// | methods | `GET, HEAD, POST, PUT, PATCH, DELETE` | any (`*`) |
/// | request headers | `content-type, authorization` | any (`*`, plus `authorization` when asked) |
/// | exposed headers | none | none |
/// | max age | 600 s | 7200 s |
/// | disallowed actual requests | served without CORS headers (browser blocks the read) | — |
/// | preflight answer | `204`, or `200` with [`preflight_status`](Cors::preflight_status) | the same |
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
    /// The policy this builder (and every unmodified clone of it) builds, once it was asked
    /// for by `.wrap()`; any builder method detaches from it.
    built: Arc<OnceLock<Result<Policy, ConfigError>>>,
    mode: PhantomData<M>,
}

impl<M> Clone for Cors<M> {
    fn clone(&self) -> Self {
        Cors {
            config: self.config.clone(),
            built: Arc::clone(&self.built),
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
    /// A credentialed policy (unless [`without_credentials`](Cors::without_credentials)) that
    /// allows exactly the given origins and patterns.
    ///
    /// Each entry is either a serialized origin in the exact form browsers send
    /// (`https://app.example.com`, `http://localhost:3000`), a subdomain wildcard
    /// (`https://*.example.com`: one or more labels, never the apex), or a port wildcard
    /// (`https://example.com:*`). See [Allowlist entries](crate#allowlist-entries) for the rules. Entries
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
                max_age: Some(compile::STRICT_MAX_AGE),
                ..Config::default()
            },
            built: Arc::default(),
            mode: PhantomData,
        }
    }

    /// A strict policy whose allowlist starts empty, for policies that allow origins
    /// only by regex, predicate or shared list (the same as `Cors::strict` with an empty list,
    /// without spelling out its type). A policy that can allow nothing at all is still a
    /// [`ConfigProblem::NothingAllowed`](crate::ConfigProblem::NothingAllowed).
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// let policy = Cors::strict_empty()
    ///     .allow_origin_fn(|origin, _head| origin.host() == "partner.example.org")
    ///     .try_build()
    ///     .unwrap();
    /// assert!(policy.allows_origin("https://partner.example.org"));
    /// assert!(Cors::strict_empty().try_build().is_err());
    /// ```
    pub fn strict_empty() -> Self {
        Cors::strict(std::iter::empty::<&str>())
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
        self.built = Arc::default();
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
        self.built = Arc::default();
        self.config.async_predicate = Some(Arc::new(move |origin| {
            Box::pin(predicate(origin)) as LocalBoxFuture<'static, bool>
        }));
        self
    }

    /// Also allows origins matched by the regular expression `regex`, which always matches
    /// the **whole** origin (it is anchored for you: `https://[a-z]+\.example\.com` cannot
    /// match `https://a.example.com.evil.net`).
    ///
    /// All regexes of a policy are compiled into one set and tried in a single pass. When
    /// every origin the set can match is `http://` or `https://` and a host name (no port, no
    /// address), which [`try_build`](Cors::try_build) proves on the compiled set, a match of
    /// an origin of at most 70 bytes needs no further check that the origin is well-formed. A single regex that is a
    /// literal, a middle and a literal (as `https://pr-[0-9]+\.preview\.example\.com` is)
    /// compares its literals and reads only its middle; so do up to eight such regexes, one
    /// after the other, where the set cannot be read in one pass this way.
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
    /// let policy = Cors::strict_empty()
    ///     .allow_origin_regex(r"https://pr-[0-9]+\.preview\.example\.com")
    ///     .try_build()
    ///     .unwrap();
    /// assert!(policy.allows_origin("https://pr-42.preview.example.com"));
    /// assert!(!policy.allows_origin("https://pr-42.preview.example.com.evil.net"));
    /// ```
    pub fn allow_origin_regex(mut self, regex: impl Into<String>) -> Self {
        self.built = Arc::default();
        self.config.regexes.push(regex.into());
        self
    }

    /// Also allows the origins in a live-reloadable [`SharedOrigins`] list.
    ///
    /// ```
    /// use actix_scoped_cors::{Cors, SharedOrigins};
    ///
    /// let tenants = SharedOrigins::new(["https://acme.example.com"]).unwrap();
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .allow_shared_origins(tenants.clone())
    ///     .try_build()
    ///     .unwrap();
    /// assert!(policy.allows_origin("https://acme.example.com"));
    ///
    /// // Later, from an admin endpoint or a reload task: takes effect on the next request.
    /// tenants.replace(["https://globex.example.com"]).unwrap();
    /// assert!(policy.allows_origin("https://globex.example.com"));
    /// assert!(!policy.allows_origin("https://acme.example.com"));
    /// ```
    pub fn allow_shared_origins(mut self, origins: SharedOrigins) -> Self {
        self.built = Arc::default();
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
    /// [`ConfigProblem::BlockWhileDeferring`](crate::ConfigProblem::BlockWhileDeferring): a deferring policy decides only after the route
    /// ran, too late to keep a handler from running. Put `block_disallowed()` on the
    /// innermost policies, which decide before the handler runs.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    /// use actix_web::{http::StatusCode, test, web, App, HttpResponse};
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .block_disallowed()
    ///     .try_build()
    ///     .unwrap();
    /// let app = test::init_service(
    ///     App::new().service(
    ///         web::scope("/api")
    ///             .wrap(policy)
    ///             .route("/transfer", web::post().to(HttpResponse::Ok)),
    ///     ),
    /// )
    /// .await;
    /// let req = test::TestRequest::post()
    ///     .uri("/api/transfer")
    ///     .insert_header(("Origin", "https://evil.example.net"))
    ///     .to_request();
    /// let res = test::call_service(&app, req).await;
    /// assert_eq!(res.status(), StatusCode::FORBIDDEN);
    /// # });
    /// ```
    pub fn block_disallowed(mut self) -> Self {
        self.built = Arc::default();
        self.config.block_disallowed = true;
        self
    }

    /// Accepts `Origin: null` — from sandboxed iframes, `data:` and `file:` documents and
    /// cross-origin redirects, i.e. from **anyone** — with credentials.
    ///
    /// Almost never what you want; it exists so that the risk is written out in the code.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// // A kiosk app that loads its pages from local files, and so sends `Origin: null`.
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .allow_null_origin_insecure()
    ///     .try_build()
    ///     .unwrap();
    /// assert!(policy.allows_origin("null"));
    /// ```
    pub fn allow_null_origin_insecure(mut self) -> Self {
        self.built = Arc::default();
        self.config.safety.allow_null = true;
        self
    }

    /// Accepts plain `http://` origins for non-loopback hosts with credentials, although
    /// anyone on the network path can read and forge such pages.
    ///
    /// Loopback origins (`http://localhost:3000`, `http://127.0.0.1:8080`,
    /// `http://[::1]:5173`) are allowed without this.
    ///
    /// ```
    /// use actix_scoped_cors::{ConfigProblem, Cors};
    ///
    /// let err = Cors::strict(["http://intranet.example.com"]).try_build().unwrap_err();
    /// assert!(matches!(err.problems()[0], ConfigProblem::InsecureOrigin { .. }));
    ///
    /// let policy = Cors::strict(["http://intranet.example.com"])
    ///     .allow_insecure_http_origins()
    ///     .try_build()
    ///     .unwrap();
    /// assert!(policy.allows_origin("http://intranet.example.com"));
    /// ```
    pub fn allow_insecure_http_origins(mut self) -> Self {
        self.built = Arc::default();
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
        self.built = Arc::default();
        self.config.private_network = true;
        self
    }

    /// An allowlist without credentials, for APIs that authenticate with a bearer token and
    /// send no cookies: allowed origins are still reflected (with `Vary: Origin`) and
    /// everything else is refused as before, but no `Access-Control-Allow-Credentials` is
    /// sent, so browsers withhold the response to a `credentials: "include"` request from the
    /// script, and stop such a request at its preflight when it needs one. A simple request
    /// (a `GET` or a form-like `POST`) with cookies still reaches the server; keep CSRF
    /// defences (`SameSite` cookies, tokens) as with any CORS policy.
    ///
    /// Without credentials, browsers honour `*` in the method and exposed-header lists, so
    /// `allow_methods(["*"])` and `expose_headers(["*"])` are accepted here, and
    /// [`allow_any_header`](Cors::allow_any_header) answers `*` (plus `authorization` when
    /// asked). The origin is never `*`: that is [`Cors::permissive`].
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .without_credentials()
    ///     .allow_headers(["authorization", "content-type"])
    ///     .try_build()
    ///     .unwrap();
    /// assert!(!policy.is_credentialed());
    /// assert!(policy.allows_origin("https://app.example.com"));
    /// assert!(!policy.allows_origin("https://evil.example.net"));
    /// ```
    pub fn without_credentials(mut self) -> Self {
        self.built = Arc::default();
        self.config.without_credentials = true;
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
                max_age: Some(compile::PERMISSIVE_MAX_AGE),
                ..Config::default()
            },
            built: Arc::default(),
            mode: PhantomData,
        }
    }

    /// Exposes every response header to scripts (`Access-Control-Expose-Headers: *`), which
    /// browsers honour for anonymous requests. `Set-Cookie` is never exposed.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// let public = Cors::permissive().expose_any_header().try_build().unwrap();
    /// # drop(public);
    /// ```
    pub fn expose_any_header(mut self) -> Self {
        self.built = Arc::default();
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
    /// Accepts `&str`, `String` or [`Method`](actix_web::http::Method). Forbidden methods (`CONNECT`, `TRACE`,
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
        self.built = Arc::default();
        self.config.methods = Some(methods.into_iter().map(|m| m.as_ref().to_owned()).collect());
        self
    }

    /// Restricts the request headers a preflight may ask for (case-insensitive, as header
    /// names are). Replaces the default list; of this and
    /// [`allow_any_header`](Cors::allow_any_header), the last call wins.
    ///
    /// Names scripts can never set are refused ([`ConfigProblem::ForbiddenRequestHeader`](crate::ConfigProblem::ForbiddenRequestHeader)):
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
        self.built = Arc::default();
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
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// // Whatever headers the frontend's SDK adds, now and in its next release.
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .allow_any_header()
    ///     .try_build()
    ///     .unwrap();
    /// # drop(policy);
    /// ```
    pub fn allow_any_header(mut self) -> Self {
        self.built = Arc::default();
        self.config.any_header = true;
        self
    }

    /// Response headers scripts may read, beyond the CORS-safelisted ones
    /// (`Cache-Control`, `Content-Language`, `Content-Length`, `Content-Type`, `Expires`,
    /// `Last-Modified`, `Pragma`). Replaces any earlier list. Refused: the safelisted names
    /// themselves ([`ConfigProblem::SafelistedResponseHeader`](crate::ConfigProblem::SafelistedResponseHeader): always readable, listing them
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
        self.built = Arc::default();
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
    /// with [`ConfigProblem::MaxAgeNotWholeSeconds`](crate::ConfigProblem::MaxAgeNotWholeSeconds), whose hint gives the whole-second value
    /// to write, rather than silently sent as another value; more than 86400 s is
    /// [`ConfigProblem::MaxAgeTooLong`](crate::ConfigProblem::MaxAgeTooLong). [`no_max_age`](Cors::no_max_age) sends no header.
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
        self.built = Arc::default();
        self.config.max_age = Some(max_age);
        self
    }

    /// Sends no `Access-Control-Max-Age`: browsers then cache preflights for 5 s.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// // While the policy is being changed often: every fetch asks again after 5 s.
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .no_max_age()
    ///     .try_build()
    ///     .unwrap();
    /// # drop(policy);
    /// ```
    pub fn no_max_age(mut self) -> Self {
        self.built = Arc::default();
        self.config.max_age = None;
        self
    }

    /// The status of a preflight answer that grants (or explains a refusal to an allowed
    /// origin): `204 No Content` by default; `200 OK` for legacy clients and proxies that
    /// mishandle `204`. Browsers accept either (any status from 200 to 299). Any other status
    /// is refused by [`try_build`](Cors::try_build) with
    /// [`ConfigProblem::PreflightStatus`](crate::ConfigProblem::PreflightStatus). Refused
    /// preflights from other origins are still `403`.
    ///
    /// ```
    /// use actix_scoped_cors::{ConfigProblem, Cors};
    /// use actix_web::http::StatusCode;
    ///
    /// let policy = Cors::strict(["https://app.example.com"])
    ///     .preflight_status(StatusCode::OK)
    ///     .try_build();
    /// assert!(policy.is_ok());
    ///
    /// let err = Cors::permissive()
    ///     .preflight_status(StatusCode::ACCEPTED)
    ///     .try_build()
    ///     .unwrap_err();
    /// assert!(matches!(
    ///     err.problems()[0],
    ///     ConfigProblem::PreflightStatus { status: 202 }
    /// ));
    /// ```
    pub fn preflight_status(mut self, status: StatusCode) -> Self {
        self.built = Arc::default();
        self.config.preflight_status = Some(status);
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
        self.built = Arc::default();
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
    /// [`ConfigProblem::BlockWhileDeferring`](crate::ConfigProblem::BlockWhileDeferring). See "Composing policies" in the crate docs.
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
        self.built = Arc::default();
        self.config.defers_to_inner = true;
        self
    }

    /// Validates the configuration and builds the immutable, shareable [`Policy`].
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] listing **every** problem, each with the offending input and a fix.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// let err = Cors::strict(["https://app.example.com/", "*"])
    ///     .allow_methods(["TRACE"])
    ///     .try_build()
    ///     .unwrap_err();
    /// // All three problems at once, each with its input and its fix.
    /// assert_eq!(err.problems().len(), 3);
    /// println!("{err}");
    /// ```
    pub fn try_build(self) -> Result<Policy, ConfigError> {
        compile::build(self.config, M::REFLECTS)
    }

    /// The policy `.wrap()` uses: built on the first call, shared by clones.
    pub(crate) fn built(&self) -> &Result<Policy, ConfigError> {
        self.built
            .get_or_init(|| compile::build(self.config.clone(), M::REFLECTS))
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Strict {}
    impl Sealed for super::Permissive {}
}

/// The two builder modes, [`Strict`] and [`Permissive`]. Sealed: no other mode exists.
pub trait Mode: sealed::Sealed {
    /// Whether policies of this mode reflect allowed origins (and may send
    /// `Access-Control-Allow-Credentials: true`) rather than answer `*`.
    const REFLECTS: bool;
}

impl Mode for Strict {
    const REFLECTS: bool = true;
}

impl Mode for Permissive {
    const REFLECTS: bool = false;
}

impl<M: Mode> TryFrom<Cors<M>> for Policy {
    type Error = ConfigError;

    fn try_from(cors: Cors<M>) -> Result<Self, Self::Error> {
        cors.try_build()
    }
}

/// Prints why the server cannot start, once per distinct error in this process: every worker
/// wraps its own builder, and the same text a dozen times hides nothing but the rest of the
/// log.
pub(crate) fn report_start_failure(error: &ConfigError) {
    static REPORTED: Mutex<Vec<ConfigError>> = Mutex::new(Vec::new());
    let mut reported = REPORTED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if reported.contains(error) {
        return;
    }
    reported.push(error.clone());
    log::error!(target: "actix_scoped_cors", "the server cannot start: {error}");
    eprintln!("actix-scoped-cors: the server cannot start: {error}");
}

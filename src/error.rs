//! Configuration errors: every problem with a policy, each naming the offending input and
//! the fix.
//!
//! A [`ConfigError`] is produced by [`Cors::try_build`](crate::Cors::try_build) and lists
//! *all* problems found, not just the first, so a configuration can be fixed in one pass.

use std::fmt;

use derive_more::{Display, Error};

/// An invalid CORS configuration: the list of every problem found while building it.
///
/// # Example
///
/// ```
/// use actix_scoped_cors::{ConfigProblem, Cors};
///
/// let err = Cors::strict(["https://app.example.com/", "*"])
///     .allow_methods(["GET", "TRACE"])
///     .try_build()
///     .unwrap_err();
///
/// assert_eq!(err.problems().len(), 3);
/// assert!(matches!(err.problems()[1], ConfigProblem::WildcardOrigin));
/// // The text names each input and says how to fix it.
/// let text = err.to_string();
/// assert!(text.contains("\"https://app.example.com/\""));
/// assert!(text.contains("write \"https://app.example.com\""));
/// assert!(text.contains("TRACE"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct ConfigError {
    problems: Vec<ConfigProblem>,
}

impl ConfigError {
    pub(crate) fn new(problems: Vec<ConfigProblem>) -> Self {
        debug_assert!(!problems.is_empty());
        ConfigError { problems }
    }

    /// Every problem found, in the order the configuration was written.
    pub fn problems(&self) -> &[ConfigProblem] {
        &self.problems
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        write!(f, "invalid CORS configuration ({count} {noun}):")?;
        for (index, problem) in self.problems.iter().enumerate() {
            write!(f, "\n  {}. {problem}", index + 1)?;
        }
        Ok(())
    }
}

/// One problem with a CORS configuration.
#[derive(Debug, Clone, PartialEq, Eq, Display)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// An allowlist entry that is not a canonical serialized origin or a valid pattern.
    #[display("allowed origin {input:?}: {problem}")]
    Origin {
        /// The entry as written.
        input: String,
        /// What is wrong with it, and the canonical spelling where there is one.
        problem: OriginProblem,
    },
    /// `*` in a strict allowlist.
    #[display(
        "allowed origin \"*\": a strict policy sends credentials, and browsers refuse `*` with \
         credentials; list the origins, use a pattern such as \"https://*.example.com\", or \
         use Cors::permissive() for anonymous access"
    )]
    WildcardOrigin,
    /// `null` in a strict allowlist without the explicit opt-in.
    #[display(
        "allowed origin \"null\": any sandboxed iframe or local file can send `Origin: null`, \
         so trusting it trusts everyone; remove it, or call allow_null_origin_insecure() if \
         you really mean it"
    )]
    NullOrigin,
    /// An `http://` origin other than loopback in a credentialed policy.
    #[display(
        "allowed origin {input:?}: plain http (other than localhost) can be read and forged \
         on the network, and this policy sends credentials; use \"https://...\", or call \
         allow_insecure_http_origins() to accept the risk"
    )]
    InsecureOrigin {
        /// The entry as written.
        input: String,
    },
    /// A wildcard directly over a public suffix (`https://*.com`, `https://*.github.io`).
    #[display(
        "allowed origin {input:?}: the wildcard sits directly over the public suffix \
         {suffix:?}, so anyone can register a matching origin; put the wildcard under a \
         domain you control, e.g. \"https://*.yourname.{suffix}\""
    )]
    PublicSuffixWildcard {
        /// The entry as written.
        input: String,
        /// The public suffix it would cover.
        suffix: String,
    },
    /// An origin regex that does not compile.
    #[display("origin regex {input:?} does not compile: {error}")]
    InvalidRegex {
        /// The regex as written.
        input: String,
        /// The regex crate's message.
        error: String,
    },
    /// An origin regex that accepts origins nobody configured (`null`, a host under the
    /// reserved `.invalid` domain, or plain `http` without the opt-in).
    #[display(
        "origin regex {input:?} also matches {example:?}, so it accepts origins you never \
         meant to trust; narrow it to your own hosts (escape dots as `\\.`, spell out the \
         scheme as `https://`)"
    )]
    RegexTooBroad {
        /// The regex as written.
        input: String,
        /// An origin it should not match.
        example: String,
    },
    /// An origin regex whose `.` matches any character where a literal dot was meant, so
    /// that it matches hosts under domains anyone can register.
    #[display(
        "origin regex {input:?}: an unescaped `.` matches any character, not only a dot{}; \
         write {escaped:?}",
        example.as_ref().map(|e| format!(", so it also matches {e:?}")).unwrap_or_default()
    )]
    RegexUnescapedDot {
        /// The regex as written.
        input: String,
        /// The same regex with its lone dots escaped, which passes every check.
        escaped: String,
        /// An origin the regex matches that its escaped form does not, when one was found.
        example: Option<String>,
    },
    /// An origin regex that does not spell out the scheme (and the `://` after it).
    #[display(
        "origin regex {input:?}: the scheme is not spelled out, so it can match origins of \
         any scheme; start every alternative with the scheme, e.g. \"https://\""
    )]
    RegexSchemeVaries {
        /// The regex as written.
        input: String,
    },
    /// An origin regex whose host does not end in a fixed domain after its last varying part
    /// (`https://app\.example\.com.*`, `https://[a-z]+`).
    #[display(
        "origin regex {input:?}: the host it matches does not end in a fixed domain, so it \
         matches hosts under domains you do not control; after the last varying part write \
         `\\.` and your domain, e.g. \"https://[a-z0-9-]+\\.example\\.com\""
    )]
    RegexHostNotFixed {
        /// The regex as written.
        input: String,
    },
    /// An origin regex that matches hosts directly under a public suffix
    /// (`https://[a-z]+\.github\.io`, `https://.*\.com`).
    #[display(
        "origin regex {input:?}: it matches names directly under the public suffix \
         {suffix:?}, which anyone can register; put the varying part under a domain you \
         control, e.g. \"https://[a-z0-9-]+\\.yourname\\.{suffix}\""
    )]
    RegexOverPublicSuffix {
        /// The regex as written.
        input: String,
        /// The public suffix its hosts sit under.
        suffix: String,
    },
    /// A wildcard or regex over a domain beneath which the Public Suffix List has public
    /// suffixes (`https://*.us-east-1.amazonaws.com` reaches every customer bucket under
    /// `s3.us-east-1.amazonaws.com`).
    #[display(
        "allowed origin {input:?}: the Public Suffix List has public suffixes beneath \
         {domain:?}, under which anyone can register names, and this entry reaches them; \
         list the exact origins, or put the wildcard under a name you control"
    )]
    PublicSuffixesBeneath {
        /// The entry or regex as written.
        input: String,
        /// The domain the entry's hosts sit under.
        domain: String,
    },
    /// An origin regex that can match no origin a browser sends (no scheme, uppercase
    /// letters, a path).
    #[display(
        "origin regex {input:?}: it matches no origin a browser sends (browsers send \
         lowercase \"scheme://host[:port]\", nothing more); write e.g. \
         \"https://app\\.example\\.com\""
    )]
    RegexMatchesNoOrigin {
        /// The regex as written.
        input: String,
    },
    /// A method that is not an HTTP token.
    #[display("allowed method {input:?}: not a valid HTTP method token (letters, digits, `!#$%&'*+-.^_`|~`)")]
    InvalidMethod {
        /// The method as written.
        input: String,
    },
    /// A method the Fetch standard forbids scripts to use (CONNECT, TRACE, TRACK).
    #[display("allowed method {input:?}: browsers never send it (a forbidden method in the Fetch standard); remove it")]
    ForbiddenMethod {
        /// The method as written.
        input: String,
    },
    /// A lowercase spelling of a method browsers normalise to uppercase.
    #[display(
        "allowed method {input:?}: browsers send {canonical:?} (they uppercase DELETE, GET, \
         HEAD, OPTIONS, POST and PUT), and the method check is byte-exact; write {canonical:?}"
    )]
    NonCanonicalMethod {
        /// The method as written.
        input: String,
        /// The spelling browsers send.
        canonical: String,
    },
    /// `*` in the allowed methods of a strict policy.
    #[display(
        "allowed method \"*\": browsers ignore `*` in Access-Control-Allow-Methods when \
         credentials are sent; list the methods"
    )]
    WildcardMethod,
    /// A header name that is not an HTTP token.
    #[display("{list} header {input:?}: not a valid header name")]
    InvalidHeaderName {
        /// The name as written.
        input: String,
        /// `allowed` or `exposed`.
        list: HeaderList,
    },
    /// `*` written as a header name.
    #[display("{list} header \"*\": {}", match list {
        HeaderList::Allowed => "use allow_any_header() instead of listing `*`",
        HeaderList::Exposed => "browsers ignore `*` in Access-Control-Expose-Headers when credentials are sent; list the headers the page may read",
    })]
    WildcardHeader {
        /// `allowed` or `exposed`.
        list: HeaderList,
    },
    /// A response header browsers never expose (`Set-Cookie`, `Set-Cookie2`).
    #[display("exposed header {input:?}: browsers never let scripts read it; remove it")]
    UnexposableHeader {
        /// The name as written.
        input: String,
    },
    /// A forbidden request-header name (Fetch, "forbidden request-header": `Cookie`, `Host`,
    /// `Origin`, `Content-Length`, `Proxy-*`, `Sec-*`, ...) in the allowed headers: scripts can
    /// never set it, so allowing it does nothing.
    #[display(
        "allowed header {input:?}: scripts can never set it (a forbidden request-header in the \
         Fetch standard), the browser sets it itself; remove it{}",
        match input.as_str() {
            "cookie" | "cookie2" => "; cookies are credentials, and a strict policy already \
                lets the browser send them (Access-Control-Allow-Credentials: true)",
            _ => "",
        }
    )]
    ForbiddenRequestHeader {
        /// The name as written, lowercased.
        input: String,
    },
    /// A CORS-safelisted response-header name (`Cache-Control`, `Content-Language`,
    /// `Content-Length`, `Content-Type`, `Expires`, `Last-Modified`, `Pragma`) in the exposed
    /// headers: scripts can always read it, so exposing it does nothing.
    #[display(
        "exposed header {input:?}: always readable by scripts (a CORS-safelisted \
         response-header in the Fetch standard); remove it"
    )]
    SafelistedResponseHeader {
        /// The name as written, lowercased.
        input: String,
    },
    /// A max-age with a nonzero fraction of a second: `Access-Control-Max-Age` is whole
    /// seconds, so it would be sent as another value (under a second: `0`, do not cache).
    #[display(
        "max_age of {configured:?}: Access-Control-Max-Age is whole seconds, so it would be \
         sent as {} s; write Duration::from_secs({secs})",
        configured.as_secs()
    )]
    MaxAgeNotWholeSeconds {
        /// The configured value.
        configured: std::time::Duration,
        /// The nearest whole number of seconds that still caches (at least 1, at most 86400).
        secs: u64,
    },
    /// A max-age longer than any browser keeps a preflight.
    #[display(
        "max_age of {secs} s: browsers cap preflight caching (Chromium at 7200 s, Firefox at \
         86400 s); use at most 86400 s"
    )]
    MaxAgeTooLong {
        /// The configured value, in seconds.
        secs: u64,
    },
    /// [`block_disallowed`](crate::Cors::block_disallowed) on a policy that
    /// [defers to inner policies](crate::Cors::defer_to_inner_policies): it could only act
    /// after the route ran, so it would block nothing.
    #[display(
        "block_disallowed() with defer_to_inner_policies(): a deferring policy passes every \
         request down and decides only after the route ran, so on paths no inner policy \
         covers the handler would run and its response go out unblocked; remove \
         block_disallowed() here and put it on the innermost policies, which decide before the \
         handler runs"
    )]
    BlockWhileDeferring,
    /// A [`preflight_status`](crate::Cors::preflight_status) other than `200` or `204`.
    #[display(
        "preflight_status({status}): a preflight answer must have an ok status for browsers to \
         read its grant, and clients expect 204 No Content or 200 OK; use StatusCode::NO_CONTENT \
         (the default) or StatusCode::OK"
    )]
    PreflightStatus {
        /// The configured status code.
        status: u16,
    },
    /// A strict policy that can never allow any origin.
    #[display(
        "no allowed origins: a strict policy needs at least one origin, pattern, regex or \
         predicate"
    )]
    NothingAllowed,
}

/// Which header list a [`ConfigProblem`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Display)]
pub enum HeaderList {
    /// [`Cors::allow_headers`](crate::Cors::allow_headers).
    #[display("allowed")]
    Allowed,
    /// [`Cors::expose_headers`](crate::Cors::expose_headers).
    #[display("exposed")]
    Exposed,
}

/// Why a configured origin is not a canonical serialized origin.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OriginProblem {
    /// The entry is empty.
    Empty,
    /// Not `scheme://host[:port]` at all.
    NotAnOrigin {
        /// The URL standard's serialization of its origin, if it has one.
        canonical: Option<String>,
    },
    /// Ends with `/`.
    TrailingSlash {
        /// The spelling browsers send.
        canonical: Option<String>,
    },
    /// Has a path, a query or a fragment.
    PathQueryOrFragment {
        /// The spelling browsers send.
        canonical: Option<String>,
    },
    /// Has `user:password@`.
    Userinfo {
        /// The spelling browsers send.
        canonical: Option<String>,
    },
    /// Spells out the scheme's default port.
    DefaultPort {
        /// The spelling browsers send.
        canonical: Option<String>,
    },
    /// Has uppercase letters.
    Uppercase {
        /// The spelling browsers send.
        canonical: Option<String>,
    },
    /// An internationalised host not written in punycode.
    NotPunycode {
        /// The spelling browsers send.
        canonical: Option<String>,
    },
    /// An IPv6 host not written as the URL standard serializes it (dotted IPv4 notation, a
    /// zero run left uncompressed, leading zeros).
    NonCanonicalIpv6 {
        /// The spelling browsers send.
        canonical: Option<String>,
    },
    /// The host ends with a dot.
    TrailingDot,
    /// `*` anywhere but as the whole first label of the host, or as the whole port.
    MisplacedWildcard,
    /// A subdomain wildcard over an IP address.
    WildcardOverAddress,
    /// A scheme whose pages have opaque origins (`file:`, `data:`, `blob:`, `about:`,
    /// `javascript:`): browsers send `Origin: null` for them.
    OpaqueScheme,
}

impl fmt::Display for OriginProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, canonical) = match self {
            OriginProblem::Empty => return f.write_str("empty; write \"https://host[:port]\""),
            OriginProblem::TrailingDot => {
                return f.write_str(
                    "the host ends with a dot, which browsers keep as a distinct origin; remove the dot",
                )
            }
            OriginProblem::MisplacedWildcard => {
                return f.write_str(
                    "`*` may only be the whole first label of the host (\"https://*.example.com\") \
                     or the whole port (\"https://example.com:*\")",
                )
            }
            OriginProblem::OpaqueScheme => {
                return f.write_str(
                    "pages of this scheme have an opaque origin and send `Origin: null`, so no \
                     request ever carries this origin; remove it (allow_null_origin_insecure() \
                     trusts every null-origin page, not just yours)",
                )
            }
            OriginProblem::WildcardOverAddress => {
                return f.write_str("a subdomain wildcard needs a domain name, not an IP address")
            }
            OriginProblem::NotAnOrigin { canonical } => ("not a serialized origin", canonical),
            OriginProblem::TrailingSlash { canonical } => ("has a trailing slash", canonical),
            OriginProblem::PathQueryOrFragment { canonical } => {
                ("has a path, query or fragment, which an Origin never carries", canonical)
            }
            OriginProblem::Userinfo { canonical } => {
                ("has userinfo (user:password@), which an Origin never carries", canonical)
            }
            OriginProblem::DefaultPort { canonical } => (
                "spells out the default port, which browsers omit",
                canonical,
            ),
            OriginProblem::Uppercase { canonical } => (
                "has uppercase letters; browsers send scheme and host in lowercase and the match is byte-exact",
                canonical,
            ),
            OriginProblem::NonCanonicalIpv6 { canonical } => (
                "spells the IPv6 address differently from browsers, which send lowercase hex \
                 pieces with the first longest run of zeros compressed to `::` and never \
                 dotted IPv4 (URL standard, \"IPv6 serializer\")",
                canonical,
            ),
            OriginProblem::NotPunycode { canonical } => (
                "has a non-ASCII host; browsers send internationalised hosts in punycode",
                canonical,
            ),
        };
        match canonical {
            Some(canonical) => write!(f, "{what}; write {canonical:?}"),
            None => write!(f, "{what}; write \"scheme://host[:port]\""),
        }
    }
}

//! The pure core: [`decide`] classifies a request head and judges it against a [`Policy`].
//!
//! Nothing here knows about actix services, so the middleware, the [guards](crate::guard) and
//! the [testing](crate::testing) module all ask the same question and get the same answer.
//!
//! | request | [`Decision`] |
//! | --- | --- |
//! | no `Origin` | [`Decision::NotCors`] |
//! | `OPTIONS` with `Origin` and `Access-Control-Request-Method` | [`Decision::Preflight`] |
//! | anything else with `Origin` | [`Decision::Actual`] |

use actix_web::{
    dev::RequestHead,
    http::{
        header::{
            HeaderValue, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
        },
        Method,
    },
};

use crate::{
    header_names::{ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK, ANY, ANY_AND_AUTHORIZATION},
    origin::{is_visible_ascii, MAX_ORIGIN_LEN},
    policy::{AllowedHeaders, AllowedMethods, AllowedOrigins, Policy, PolicyInner},
    rejection::Reason,
};

/// The most bytes of `Access-Control-Request-Headers` (all lines together) looked at.
///
/// Browsers send one short line of lowercase names; a longer value is refused as a whole
/// before any name is compared, which bounds the work a hostile preflight can cause.
pub const MAX_REQUEST_HEADERS_LEN: usize = 4096;

/// The most header names one preflight may ask for.
///
/// Empty list elements (`a,,b`, which proxies sometimes produce) are tolerated, but count
/// toward a bound of twice this many elements, so a list of commas is refused as quickly as a
/// list of names.
pub const MAX_REQUEST_HEADER_NAMES: usize = 64;

/// The `Access-Control-Allow-Origin` a granted request gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowOrigin {
    /// `*` (permissive policies).
    Any,
    /// The request's own `Origin`, byte for byte (strict policies).
    Reflect(HeaderValue),
}

impl AllowOrigin {
    /// The header value to send.
    pub fn to_header_value(&self) -> HeaderValue {
        match self {
            AllowOrigin::Any => ANY,
            AllowOrigin::Reflect(origin) => origin.clone(),
        }
    }

    /// The header value to send, without a reference count for the reflected origin.
    pub(crate) fn into_header_value(self) -> HeaderValue {
        match self {
            AllowOrigin::Any => ANY,
            AllowOrigin::Reflect(origin) => origin,
        }
    }
}

/// What a successful preflight answer carries beyond the policy's precomputed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightGrant {
    /// The `Access-Control-Allow-Origin` value.
    pub allow_origin: AllowOrigin,
    /// The `Access-Control-Allow-Headers` value, if any.
    pub allow_headers: Option<HeaderValue>,
    /// Whether to send `Access-Control-Allow-Private-Network: true`.
    pub private_network: bool,
}

/// Why a preflight was refused, and what its answer may carry.
///
/// The answer is the bare `403` (no CORS headers) unless [`explanation`](Self::explanation)
/// is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightRefusal {
    /// Why.
    pub reason: Reason,
    /// The refused method ([`Reason::MethodNotAllowed`]) or request header name
    /// ([`Reason::HeaderNotAllowed`]), as the request spelled it; `None` for other reasons.
    pub refused: Option<HeaderValue>,
    /// For an allowed origin refused a method or header by the policy's lists: what a `2xx`
    /// answer carries so that the browser's own check names the refused item. `None` for a
    /// disallowed or malformed origin, a malformed request, and an
    /// [`allow_any_header`](crate::Cors::allow_any_header) policy refusing a header. Not
    /// boxed, so that an explained refusal allocates nothing; a preflight's decision is
    /// answered at once, never carried through the request.
    pub explanation: Option<Explanation>,
}

/// The grant of the origin and the allowed lists, without the refused item, that a refused
/// preflight from an allowed origin is answered with (see [`PreflightRefusal`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The `Access-Control-Allow-Origin` value.
    pub allow_origin: AllowOrigin,
    /// The `Access-Control-Allow-Headers` value, if any; never names a refused header.
    pub allow_headers: Option<HeaderValue>,
}

impl PreflightRefusal {
    fn bare(reason: Reason) -> Self {
        PreflightRefusal {
            reason,
            refused: None,
            explanation: None,
        }
    }
}

impl From<Reason> for PreflightRefusal {
    fn from(reason: Reason) -> Self {
        PreflightRefusal::bare(reason)
    }
}

/// The verdict on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No `Origin` header: not a CORS request; served as usual.
    NotCors,
    /// A CORS request other than a preflight: the handler runs either way.
    Actual(Result<AllowOrigin, Reason>),
    /// A CORS preflight: answered by the middleware, `204` (or the configured `200`) with the
    /// grant or with an [`Explanation`] of a refusal, or a bare `403`.
    Preflight(Result<PreflightGrant, PreflightRefusal>),
}

/// Judges a request head against a policy. Pure: no I/O, no logging, no hooks.
///
/// Cost: one lookup of each CORS request header in the head, one hash lookup for exact
/// origins, one pass over `Access-Control-Request-Headers` (bounded by
/// [`MAX_REQUEST_HEADERS_LEN`]); no allocation except when a credentialed policy with
/// [`allow_any_header`](crate::Cors::allow_any_header) echoes a request list that needed
/// cleaning up.
///
/// # Example
///
/// ```
/// use actix_scoped_cors::{testing::{decide, Decision}, Cors, Reason};
/// use actix_web::test::TestRequest;
///
/// let policy = Cors::strict(["https://app.example.com"]).try_build().unwrap();
/// let req = TestRequest::get()
///     .insert_header(("Origin", "https://evil.example.net"))
///     .to_srv_request();
/// assert_eq!(
///     decide(&policy, req.head()),
///     Decision::Actual(Err(Reason::OriginNotAllowed))
/// );
/// ```
pub fn decide(policy: &Policy, head: &RequestHead) -> Decision {
    decide_with(&policy.inner, head, OriginCheck::Match, Naming::Always)
}

/// Whether a preflight refused for a request header names it
/// ([`PreflightRefusal::refused`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Naming {
    /// Always: for [`decide`], and whenever the refusal is reported.
    Always,
    /// Never: nobody hears the refusal (no hook, no debug log), and the answer never names
    /// the refused item, so the copy of the name (an allocation) is not made.
    Never,
}

/// How [`decide_with`] judges the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OriginCheck {
    /// By the policy's synchronous rules.
    Match,
    /// Already accepted (by the asynchronous predicate): reflect it if well-formed.
    Vouched,
}

/// The verdict on a request's origin: `None` without `Origin` ([`Decision::NotCors`]). All an
/// actual request needs ([`Decision::Actual`]); small, for the middleware's common path.
#[inline]
pub(crate) fn origin_verdict(
    policy: &PolicyInner,
    head: &RequestHead,
    check: OriginCheck,
) -> Option<Result<AllowOrigin, Reason>> {
    let origins = head.headers.get_all(ORIGIN);
    if origins.len() == 0 {
        return None;
    }
    Some(check_origin(policy, origins.as_slice(), head, check))
}

pub(crate) fn decide_with(
    policy: &PolicyInner,
    head: &RequestHead,
    check: OriginCheck,
    naming: Naming,
) -> Decision {
    let Some(origin) = origin_verdict(policy, head, check) else {
        return Decision::NotCors;
    };
    // `is_preflight`, with `Origin` known to be there and `Access-Control-Request-Method`
    // looked up once for both questions.
    let requested_methods = match head.method == Method::OPTIONS {
        true => head.headers.get_all(ACCESS_CONTROL_REQUEST_METHOD),
        false => return Decision::Actual(origin),
    };
    if requested_methods.len() == 0 {
        return Decision::Actual(origin);
    }
    let allow_origin = match origin {
        Ok(allow_origin) => allow_origin,
        Err(reason) => return Decision::Preflight(Err(PreflightRefusal::bare(reason))),
    };
    Decision::Preflight(check_preflight(
        policy,
        head,
        requested_methods.as_slice(),
        allow_origin,
        naming,
    ))
}

/// Judges the method and request headers of a preflight from an allowed origin.
// The refusal is returned by value on purpose: boxing its explanation would allocate on
// every explained refusal, and the value goes straight into the answer.
#[allow(clippy::result_large_err)]
fn check_preflight(
    policy: &PolicyInner,
    head: &RequestHead,
    requested_methods: &[HeaderValue],
    allow_origin: AllowOrigin,
    naming: Naming,
) -> Result<PreflightGrant, PreflightRefusal> {
    let method = check_method(policy, requested_methods);
    let headers = check_request_headers(policy, head, naming);
    let refusal = match (method, headers) {
        (Ok(()), Ok(allow_headers)) => {
            let private_network = policy.private_network
                && head
                    .headers
                    .get(ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK)
                    .is_some_and(|v| v == "true");
            return Ok(PreflightGrant {
                allow_origin,
                allow_headers,
                private_network,
            });
        }
        (Err(MethodRefusal::Invalid), _) => return Err(Reason::InvalidRequestMethod.into()),
        // The browser checks the method first, and so does the answer: the headers are
        // named as the policy would grant them (or, refused too, as the policy lists them).
        // A malformed header list is never explained.
        (Err(MethodRefusal::NotAllowed(method)), headers) => {
            let allow_headers = match headers {
                Ok(allow_headers) => Some(allow_headers),
                Err(HeaderRefusal::NotAllowed(_)) => listed_headers(policy),
                Err(HeaderRefusal::Invalid) => None,
            };
            (Reason::MethodNotAllowed, Some(method), allow_headers)
        }
        (Ok(()), Err(HeaderRefusal::Invalid)) => return Err(Reason::InvalidRequestHeaders.into()),
        (Ok(()), Err(HeaderRefusal::NotAllowed(name))) => {
            (Reason::HeaderNotAllowed, name, listed_headers(policy))
        }
    };
    let (reason, refused, allow_headers) = refusal;
    Err(PreflightRefusal {
        reason,
        refused,
        explanation: allow_headers.map(|allow_headers| Explanation {
            allow_origin,
            allow_headers,
        }),
    })
}

/// The `Access-Control-Allow-Headers` a policy with a header list sends (`None` inside when
/// the list is empty); `None` for an [`AllowedHeaders::Any`] policy, whose answer would echo
/// the request's list, refused name included: such a refusal is not explained.
fn listed_headers(policy: &PolicyInner) -> Option<Option<HeaderValue>> {
    match &policy.headers {
        AllowedHeaders::List(_) => Some(policy.values.allow_headers.clone()),
        AllowedHeaders::Any => None,
    }
}

/// Why [`check_method`] refused.
enum MethodRefusal {
    /// Not a single method token: [`Reason::InvalidRequestMethod`].
    Invalid,
    /// Not allowed: [`Reason::MethodNotAllowed`], with the method asked for.
    NotAllowed(HeaderValue),
}

/// Why [`check_request_headers`] refused.
enum HeaderRefusal {
    /// Malformed or over the limits: [`Reason::InvalidRequestHeaders`].
    Invalid,
    /// Well-formed, but this name (the first refused one; `None` for [`Naming::Never`]) is
    /// not allowed: [`Reason::HeaderNotAllowed`].
    NotAllowed(Option<HeaderValue>),
}

/// Whether `head` is a CORS preflight: `OPTIONS` with `Origin` and
/// `Access-Control-Request-Method` (Fetch, "CORS-preflight request").
pub(crate) fn is_preflight(head: &RequestHead) -> bool {
    head.method == Method::OPTIONS
        && head.headers.contains_key(ORIGIN)
        && head.headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
}

/// Whether the request's `Origin` is allowed by `policy`, by the same rules [`decide`]
/// applies (for a permissive policy: whether there is one).
pub(crate) fn origin_is_allowed(policy: &PolicyInner, head: &RequestHead) -> bool {
    let origins = head.headers.get_all(ORIGIN);
    origins.len() > 0 && check_origin(policy, origins.as_slice(), head, OriginCheck::Match).is_ok()
}

/// What the response to an actual request (or to one without `Origin`) is decorated with:
/// the part of a [`Decision`] that travels with the request through the wrapped service,
/// kept small because it lives in the middleware's future.
#[derive(Debug, Clone)]
pub(crate) enum ActualGrant {
    /// No `Origin`: not a CORS request.
    NotCors,
    /// Allowed, with this `Access-Control-Allow-Origin`.
    Allowed(AllowOrigin),
    /// Refused; or a preflight, which is answered, never decorated, and granted nothing
    /// should it be decorated.
    Refused,
}

impl Decision {
    /// The part of this decision a response is decorated with.
    pub(crate) fn into_actual(self) -> ActualGrant {
        match self {
            Decision::NotCors => ActualGrant::NotCors,
            Decision::Actual(Ok(allow_origin)) => ActualGrant::Allowed(allow_origin),
            Decision::Actual(Err(_)) | Decision::Preflight(_) => ActualGrant::Refused,
        }
    }

    /// Whether the only thing standing in the way is the origin, which an asynchronous
    /// predicate may still accept.
    pub(crate) fn awaits_origin_predicate(&self) -> bool {
        matches!(
            self,
            Decision::Actual(Err(Reason::OriginNotAllowed))
                | Decision::Preflight(Err(PreflightRefusal {
                    reason: Reason::OriginNotAllowed,
                    ..
                }))
        )
    }
}

#[inline]
fn check_origin(
    policy: &PolicyInner,
    origins: &[HeaderValue],
    head: &RequestHead,
    check: OriginCheck,
) -> Result<AllowOrigin, Reason> {
    let matcher = match &policy.origins {
        AllowedOrigins::Any => return Ok(AllowOrigin::Any),
        AllowedOrigins::Matching(matcher) => matcher,
    };
    let [origin] = origins else {
        return Err(Reason::InvalidOrigin);
    };
    let bytes = origin.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_ORIGIN_LEN {
        return Err(Reason::InvalidOrigin);
    }
    // The common case first: an exact match needs no further validation (configured origins
    // are visible ASCII), and is reflected with the list's own value, equal to `origin`.
    if let Some(reflected) = matcher.exact_value(bytes) {
        return Ok(AllowOrigin::Reflect(reflected.clone()));
    }
    // Whatever the other rules accept is visible ASCII (a parsed origin, or `null`), so the
    // check that tells a malformed value from a refused one is needed only to refuse.
    let allowed = match check {
        OriginCheck::Match => matcher.matches_beyond_exact(bytes, head),
        OriginCheck::Vouched => is_visible_ascii(bytes),
    };
    if allowed {
        Ok(AllowOrigin::Reflect(origin.clone()))
    } else if is_visible_ascii(bytes) {
        Err(Reason::OriginNotAllowed)
    } else {
        Err(Reason::InvalidOrigin)
    }
}

/// Judges the `Access-Control-Request-Method` lines of a preflight.
fn check_method(policy: &PolicyInner, lines: &[HeaderValue]) -> Result<(), MethodRefusal> {
    let [line] = lines else {
        return Err(MethodRefusal::Invalid);
    };
    let requested = line.as_bytes();
    if requested.is_empty() || !is_token(requested) {
        return Err(MethodRefusal::Invalid);
    }
    // CORS-safelisted methods pass the browser's method check whatever the answer lists
    // (Fetch, "CORS-preflight fetch", step 7), just as simple requests with them are never
    // preflighted: refusing them here would only break requests a header made preflighted.
    if matches!(requested, b"GET" | b"HEAD" | b"POST") {
        return Ok(());
    }
    match &policy.methods {
        AllowedMethods::Any => Ok(()),
        // Byte-exact, like the browser's own check: `patch` is not `PATCH`. Method names are
        // short: compared inline rather than by a call to `memcmp`.
        AllowedMethods::List(_)
            if policy
                .values
                .method_names
                .iter()
                .any(|name| name.len() == requested.len() && same_bytes(name, requested)) =>
        {
            Ok(())
        }
        AllowedMethods::List(_) => Err(MethodRefusal::NotAllowed(line.clone())),
    }
}

/// Checks `Access-Control-Request-Headers` in one bounded pass and returns the
/// `Access-Control-Allow-Headers` value to send.
///
/// Tolerates what proxies do to the list (spaces, empty elements, several lines, any case);
/// refuses names that are not tokens, and lists over the size or count limits. A list with a
/// name that is not allowed is still read to its end, so that a malformed list is always
/// refused as malformed (never explained).
fn check_request_headers(
    policy: &PolicyInner,
    head: &RequestHead,
    naming: Naming,
) -> Result<Option<HeaderValue>, HeaderRefusal> {
    let lines = head.headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS);
    let total: usize = lines.clone().map(HeaderValue::len).sum();
    if total > MAX_REQUEST_HEADERS_LEN {
        return Err(HeaderRefusal::Invalid);
    }
    // The first name not allowed, as the request spelled it.
    let mut refused: Option<&[u8]> = None;
    let mut count = 0;
    // Empty elements count too: a list of 4,000 commas is as much work as 4,000 names.
    let mut elements = 0;
    // What browsers send, one line of allowed names spelled as listed and joined by bare
    // commas, is read by a tighter loop; the reading below goes on where that one stops.
    let mut read = 0;
    if let (AllowedHeaders::List(_), [line]) = (&policy.headers, lines.as_slice()) {
        let (names, bytes) = allowed_names_first(&policy.values.header_names, line.as_bytes());
        if bytes > line.len() {
            return Ok(policy.values.allow_headers.clone());
        }
        (count, elements, read) = (names, names, bytes);
    }
    // Only an `allow_any_header` policy's answer depends on the names' spelling: whether
    // `authorization` is among them, and whether the list can be echoed as it is (a single
    // line of lowercase names separated by bare commas).
    let listed = match &policy.headers {
        AllowedHeaders::List(_) => Some(&*policy.values.header_names),
        AllowedHeaders::Any => None,
    };
    let mut authorization = false;
    let mut echo_as_is = lines.len() == 1;
    for line in lines.clone() {
        // Each element, between commas, is optional whitespace, a token and optional
        // whitespace; anything else makes the list malformed.
        let bytes = line.as_bytes();
        let mut at = std::mem::take(&mut read);
        while at <= bytes.len() {
            let rest = &bytes[at..];
            elements += 1;
            if elements > 2 * MAX_REQUEST_HEADER_NAMES {
                return Err(HeaderRefusal::Invalid);
            }
            // An empty element (`a,,b`), the whole of a hostile list of commas: passed over
            // at once.
            if rest.first() == Some(&b',') {
                echo_as_is = false;
                at += 1;
                continue;
            }
            // Past the allowed names `allowed_names_first` read, an element that is a token
            // straight up to a comma or the end, as browsers write names, is found and checked
            // in one pass; anything else (whitespace, a byte no token has) is cut at the comma
            // and trimmed, and checked below.
            let token = rest
                .iter()
                .position(|&b| !is_tchar(b))
                .unwrap_or(rest.len());
            let (end, checked) = match rest.get(token) {
                None | Some(b',') => (token, true),
                Some(_) => {
                    let end = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
                    (end, false)
                }
            };
            let element = &rest[..end];
            at += end + 1;
            let name = if checked {
                element
            } else {
                trim_whitespace(element)
            };
            if name.is_empty() {
                echo_as_is = false;
                continue;
            }
            count += 1;
            if count > MAX_REQUEST_HEADER_NAMES {
                return Err(HeaderRefusal::Invalid);
            }
            let allowed = refused.is_none()
                && listed.is_some_and(|allowed| allowed.iter().any(|a| is_same_name(a, name)));
            if allowed {
                continue;
            }
            // A name the list does not hold is checked in full, even past a refusal, so that
            // a malformed list is always refused as malformed (never explained).
            if !checked && !is_token(name) {
                return Err(HeaderRefusal::Invalid);
            }
            if refused.is_some() {
                continue;
            }
            match listed {
                Some(_) => refused = Some(name),
                // Echoed with credentials, `*` would be a literal name to browsers, but a `*`
                // next to credentials is what a policy never sends.
                None if name == b"*" && policy.credentialed => refused = Some(name),
                None => {
                    echo_as_is &=
                        name.len() == element.len() && !name.iter().any(u8::is_ascii_uppercase);
                    authorization |= name.eq_ignore_ascii_case(b"authorization");
                }
            }
        }
    }
    if let Some(name) = refused {
        let name = (naming == Naming::Always).then(|| {
            HeaderValue::from_bytes(name).expect("token characters form a valid header value")
        });
        return Err(HeaderRefusal::NotAllowed(name));
    }
    Ok(match &policy.headers {
        AllowedHeaders::List(_) => policy.values.allow_headers.clone(),
        AllowedHeaders::Any if !policy.credentialed => Some(if authorization {
            ANY_AND_AUTHORIZATION
        } else {
            ANY
        }),
        // With credentials `*` is a literal name to browsers: echo the validated list.
        AllowedHeaders::Any if count == 0 => None,
        AllowedHeaders::Any if echo_as_is => lines.as_slice().first().cloned(),
        AllowedHeaders::Any => Some(normalised_list(lines.as_slice())),
    })
}

/// `bytes` without leading and trailing spaces and tabs (the only whitespace a header value
/// can hold).
fn trim_whitespace(bytes: &[u8]) -> &[u8] {
    let is_whitespace = |b: &u8| matches!(b, b' ' | b'\t');
    let start = bytes
        .iter()
        .position(|b| !is_whitespace(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_whitespace(b))
        .map_or(start, |at| at + 1);
    &bytes[start..end]
}

/// How many of the `allowed` names, each spelled exactly as listed and followed by a comma or
/// the end, `list` starts with (at most [`MAX_REQUEST_HEADER_NAMES`]), and how many bytes they
/// take with their commas: more than `list` holds when they are the whole list.
#[inline]
fn allowed_names_first(allowed: &[Box<[u8]>], list: &[u8]) -> (usize, usize) {
    let mut at = 0;
    for names in 0..MAX_REQUEST_HEADER_NAMES {
        // `list.get(at..)` is `None` only past the end: after a last name, `at` is its end
        // plus one.
        let Some(len) = list
            .get(at..)
            .and_then(|rest| spelled_as_allowed(allowed, rest))
        else {
            return (names, at);
        };
        at += len + 1;
    }
    (MAX_REQUEST_HEADER_NAMES, at)
}

/// The length of the allowed name `list` starts with, if one is followed by a comma or the
/// end: the element is that name, spelled exactly.
#[inline]
fn spelled_as_allowed(allowed: &[Box<[u8]>], list: &[u8]) -> Option<usize> {
    let first = *list.first()?;
    allowed.iter().find_map(|name| {
        let len = name.len();
        let fits = name[0] == first
            && list.len() >= len
            && matches!(list.get(len), None | Some(b','))
            && same_bytes(name, &list[..len]);
        fits.then_some(len)
    })
}

/// `a == b` for slices of equal length, eight bytes at a time: header names and methods are
/// short, and a call to `memcmp` costs more than comparing them inline. A length that is not
/// a multiple of eight ends with the last eight bytes (overlapping what was compared), or
/// for shorter slices their first and last four, or two, bytes: no byte-by-byte tail.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    match len {
        8.. => {
            let (mut x, mut y) = (a, b);
            while let (Some((wx, rx)), Some((wy, ry))) =
                (x.split_first_chunk::<8>(), y.split_first_chunk::<8>())
            {
                if wx != wy {
                    return false;
                }
                (x, y) = (rx, ry);
            }
            x.is_empty() || a.last_chunk::<8>() == b.last_chunk::<8>()
        }
        4.. => {
            a.first_chunk::<4>() == b.first_chunk::<4>()
                && a.last_chunk::<4>() == b.last_chunk::<4>()
        }
        2.. => {
            a.first_chunk::<2>() == b.first_chunk::<2>()
                && a.last_chunk::<2>() == b.last_chunk::<2>()
        }
        _ => a == b,
    }
}

/// Whether a requested name is an allowed (lowercase) one: byte for byte, as browsers send
/// it, or ignoring case.
fn is_same_name(allowed: &[u8], name: &[u8]) -> bool {
    allowed.len() == name.len() && (same_bytes(allowed, name) || allowed.eq_ignore_ascii_case(name))
}

/// The names of a validated request list, lowercased and joined by `,`.
fn normalised_list(lines: &[HeaderValue]) -> HeaderValue {
    let mut list = Vec::with_capacity(lines.iter().map(HeaderValue::len).sum());
    for name in lines
        .iter()
        .flat_map(|line| line.as_bytes().split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
        .filter(|name| !name.is_empty())
    {
        if !list.is_empty() {
            list.push(b',');
        }
        list.extend(name.iter().map(u8::to_ascii_lowercase));
    }
    HeaderValue::from_bytes(&list).expect("validated token characters form a valid header value")
}

/// `tchar` of RFC 9110: the characters of a method or header-name token. Shared with the
/// `testing` simulation's protocol rules.
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// Whether every byte is a [`tchar`](is_tchar): one table lookup a byte.
fn is_token(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| is_tchar(b))
}

/// [`is_tchar`] as a table, built from the RFC's definition at compile time.
static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || {
            let specials = b"!#$%&'*+-.^_`|~";
            let mut i = 0;
            let mut found = false;
            while i < specials.len() {
                found |= specials[i] == byte;
                i += 1;
            }
            found
        };
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;
    use crate::Cors;

    fn preflight(policy: &Policy, headers: &[(&str, &str)]) -> Decision {
        let mut req = TestRequest::default()
            .method(Method::OPTIONS)
            .insert_header(("Origin", "https://app.example.com"))
            .insert_header(("Access-Control-Request-Method", "PUT"));
        for &(name, value) in headers {
            req = req.append_header((name, value));
        }
        decide(policy, req.to_srv_request().head())
    }

    fn acah(decision: Decision) -> Option<HeaderValue> {
        match decision {
            Decision::Preflight(Ok(grant)) => grant.allow_headers,
            other => panic!("not granted: {other:?}"),
        }
    }

    /// Whatever path a list takes (allowed names spelled exactly, found by their spelling;
    /// anything else read element by element), the answer is the list's.
    #[test]
    fn request_header_lists_are_judged_alike_however_they_are_spelled() {
        let policy = Cors::strict(["https://app.example.com"])
            .allow_methods(["PUT"])
            .allow_headers(["content-type", "x-requested-with"])
            .try_build()
            .unwrap();
        let refused = |name: Option<&str>| {
            Decision::Preflight(Err(PreflightRefusal {
                reason: Reason::HeaderNotAllowed,
                refused: name.map(|n| HeaderValue::from_str(n).unwrap()),
                explanation: Some(Explanation {
                    allow_origin: AllowOrigin::Reflect(HeaderValue::from_static(
                        "https://app.example.com",
                    )),
                    allow_headers: policy.inner.values.allow_headers.clone(),
                }),
            }))
        };
        let invalid = Decision::Preflight(Err(Reason::InvalidRequestHeaders.into()));
        for list in [
            "content-type",
            "content-type,x-requested-with",
            "x-requested-with,content-type,content-type",
            "Content-Type,X-Requested-With",
            " content-type ,\tx-requested-with\t",
            "content-type,,x-requested-with,",
            ",content-type",
            "",
            " ",
        ] {
            let decision = preflight(&policy, &[("Access-Control-Request-Headers", list)]);
            assert!(
                matches!(decision, Decision::Preflight(Ok(_))),
                "{list:?}: {decision:?}"
            );
        }
        for (list, refused_name) in [
            // A prefix of an allowed name, or an allowed name as a prefix: neither is it.
            ("content-typo", "content-typo"),
            ("content-type-x", "content-type-x"),
            ("content", "content"),
            ("content-type,x-api-key", "x-api-key"),
            ("x-api-key,content-type", "x-api-key"),
            ("content-type, X-Api-Key ,x-requested-with", "X-Api-Key"),
        ] {
            let decision = preflight(&policy, &[("Access-Control-Request-Headers", list)]);
            assert_eq!(decision, refused(Some(refused_name)), "{list:?}");
        }
        for list in [
            "content-type x",
            "content type",
            "content-type;",
            "content-type,(x)",
            // Malformed after a refusal, or after allowed names: still malformed.
            "x-api-key,bad name",
            "x-api-key,content-type,bad name",
            "content-type,x-requested-with,bad name",
        ] {
            let decision = preflight(&policy, &[("Access-Control-Request-Headers", list)]);
            assert_eq!(decision, invalid, "{list:?}");
        }
        // The limit on names holds on every path: allowed names spelled as listed (read by
        // the tight loop), with an empty element after them, or the reading going on after
        // that loop stopped at a name it does not know.
        let names = |n: usize| vec!["content-type"; n].join(",");
        for (list, granted) in [
            (names(MAX_REQUEST_HEADER_NAMES), true),
            (names(MAX_REQUEST_HEADER_NAMES) + ",", true),
            (names(MAX_REQUEST_HEADER_NAMES + 1), false),
            (names(MAX_REQUEST_HEADER_NAMES) + ",x-api-key", false),
            (names(MAX_REQUEST_HEADER_NAMES - 1) + ",Content-Type", true),
            (names(MAX_REQUEST_HEADER_NAMES) + ",Content-Type", false),
        ] {
            let decision = preflight(&policy, &[("Access-Control-Request-Headers", &list)]);
            let expected = match granted {
                true => matches!(decision, Decision::Preflight(Ok(_))),
                false => decision == invalid,
            };
            assert!(expected, "{} names: {decision:?}", list.split(',').count());
        }
        let decision = preflight(
            &policy,
            &[("Access-Control-Request-Headers", "content-type,content-typ")],
        );
        assert_eq!(decision, refused(Some("content-typ")));
    }

    #[test]
    fn same_bytes_is_slice_equality() {
        let text = b"access-control-request-headers";
        for len in 0..=text.len() {
            let a = &text[..len];
            assert!(same_bytes(a, a));
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 0x20;
                assert!(!same_bytes(a, &b), "{len} {at}");
            }
        }
    }

    #[test]
    fn the_tchar_table_is_the_rfc_definition() {
        for b in 0..=255u8 {
            let rfc = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            assert_eq!(is_tchar(b), rfc, "{b:#04x}");
        }
    }

    #[test]
    fn request_header_lists_are_normalised_before_echo() {
        let policy = Cors::strict(["https://app.example.com"])
            .allow_any_header()
            .try_build()
            .unwrap();
        let clean = ("Access-Control-Request-Headers", "content-type,x-custom");
        assert_eq!(
            acah(preflight(&policy, &[clean])).unwrap(),
            "content-type,x-custom"
        );
        let messy = (
            "Access-Control-Request-Headers",
            " Content-Type ,, X-Custom ,",
        );
        assert_eq!(
            acah(preflight(&policy, &[messy])).unwrap(),
            "content-type,x-custom"
        );
        let split = [
            ("Access-Control-Request-Headers", "content-type"),
            ("Access-Control-Request-Headers", "x-custom"),
        ];
        assert_eq!(
            acah(preflight(&policy, &split)).unwrap(),
            "content-type,x-custom"
        );
        assert_eq!(acah(preflight(&policy, &[])), None);
    }

    #[test]
    fn safelisted_methods_pass_whatever_the_method_list_says() {
        let policy = Cors::strict(["https://app.example.com"])
            .allow_methods(["PUT", "DELETE"])
            .try_build()
            .unwrap();
        let ask = |method: &str| {
            let req = TestRequest::default()
                .method(Method::OPTIONS)
                .insert_header(("Origin", "https://app.example.com"))
                .insert_header(("Access-Control-Request-Method", method))
                .insert_header(("Access-Control-Request-Headers", "authorization"))
                .to_srv_request();
            decide(&policy, req.head())
        };
        for method in ["GET", "HEAD", "POST", "PUT", "DELETE"] {
            assert!(
                matches!(ask(method), Decision::Preflight(Ok(_))),
                "{method}"
            );
        }
        for method in ["PATCH", "get", "OPTIONS"] {
            let Decision::Preflight(Err(refusal)) = ask(method) else {
                panic!("{method} granted");
            };
            assert_eq!(refusal.reason, Reason::MethodNotAllowed, "{method}");
            assert_eq!(refusal.refused.unwrap(), method);
        }
    }

    #[test]
    fn refusals_name_the_refused_item_and_explain_only_for_allowed_origins() {
        let policy = Cors::strict(["https://app.example.com"])
            .allow_headers(["content-type"])
            .try_build()
            .unwrap();
        let refusal = |headers: &[(&str, &str)]| match preflight(&policy, headers) {
            Decision::Preflight(Err(refusal)) => refusal,
            other => panic!("granted: {other:?}"),
        };
        let asked = (
            "Access-Control-Request-Headers",
            "content-type,X-Api-Key,x-other",
        );
        let header = refusal(&[asked]);
        assert_eq!(header.reason, Reason::HeaderNotAllowed);
        assert_eq!(header.refused.unwrap(), "X-Api-Key");
        let explanation = header.explanation.unwrap();
        assert_eq!(explanation.allow_headers.unwrap(), "content-type");
        assert_eq!(
            explanation.allow_origin,
            AllowOrigin::Reflect(HeaderValue::from_static("https://app.example.com"))
        );
        let malformed = refusal(&[("Access-Control-Request-Headers", "x-api-key,a b")]);
        assert_eq!(malformed.reason, Reason::InvalidRequestHeaders);
        assert_eq!((malformed.refused, malformed.explanation), (None, None));

        let req = TestRequest::default()
            .method(Method::OPTIONS)
            .insert_header(("Origin", "https://evil.example.net"))
            .insert_header(("Access-Control-Request-Method", "PROPFIND"))
            .to_srv_request();
        assert_eq!(
            decide(&policy, req.head()),
            Decision::Preflight(Err(Reason::OriginNotAllowed.into()))
        );
    }

    #[test]
    fn permissive_any_header_names_authorization_when_asked() {
        let policy = Cors::permissive().try_build().unwrap();
        let asked = ("Access-Control-Request-Headers", "authorization,x-custom");
        assert_eq!(
            acah(preflight(&policy, &[asked])).unwrap(),
            "*, authorization"
        );
        let other = ("Access-Control-Request-Headers", "x-custom");
        assert_eq!(acah(preflight(&policy, &[other])).unwrap(), "*");
    }
}

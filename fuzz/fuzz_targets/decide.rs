//! `decide()` over arbitrary request heads, on a few fixed policies, against a reference
//! model written here from the spec (CONFORMANCE.md), and the middleware's response against
//! a browser's checks.
//!
//! The model decides each request on its own (origin, then method, then request headers),
//! and `decide()` must reach the same verdict: the same kind (not CORS, actual, preflight),
//! grant or refusal, and for a refusal the same subject (origin, method or headers). On top:
//! - a strict policy never answers `*`; its reflection is byte-equal to the one `Origin`
//!   line; two `Origin` lines, `null` without the opt-in, a malformed origin: no grant;
//! - the middleware's answer to a granted preflight passes a browser's preflight checks
//!   (2xx, one ACAO, ACAC `true` with credentials, the method safelisted or listed
//!   byte-exactly, every requested header listed case-insensitively, `*` only without
//!   credentials and never for `authorization`); a refused one does not, and from a refused
//!   origin it is a `403` without `Access-Control-Allow-Origin`;
//! - actual requests: a grant passes the browser's CORS check, a refusal carries no ACAO.

#![no_main]

mod common;

use std::sync::OnceLock;

use actix_scoped_cors::{
    testing::{
        decide, AllowOrigin, Decision, PreflightRefusal, MAX_REQUEST_HEADERS_LEN,
        MAX_REQUEST_HEADER_NAMES,
    },
    Cors, Policy, Reason,
};
use actix_web::{
    dev::{fn_service, Service, ServiceRequest, ServiceResponse, Transform},
    http::{
        header::{
            HeaderMap, HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN,
            ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
        },
        Method,
    },
    test::TestRequest,
    Error, HttpResponse,
};
use libfuzzer_sys::fuzz_target;
use regex::Regex;

// ---------------------------------------------------------------------------------------------
// The policies, and the model's view of each
// ---------------------------------------------------------------------------------------------

/// Which ports a wildcard accepts, in the model.
#[derive(Clone, Copy)]
enum Port {
    Default,
    Exactly(u16),
}

struct Model {
    credentialed: bool,
    exact: &'static [&'static str],
    /// `scheme://*.suffix[:port]`: one or more labels in front of `suffix`.
    subdomains: &'static [(&'static str, &'static str, Port)],
    /// `scheme://host:*`.
    any_port: &'static [(&'static str, &'static str)],
    regex: Option<Regex>,
    allow_null: bool,
    /// `None`: any method.
    methods: Option<&'static [&'static str]>,
    /// `None`: any header.
    headers: Option<&'static [&'static str]>,
    private_network: bool,
}

struct Case {
    policy: Policy,
    model: Model,
}

const PREVIEW_REGEX: &str = r"https://pr-[0-9]+\.preview\.example\.com";

fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        const EXACT: &[&str] = &[
            "https://app.example.com",
            "https://admin.example.com:8443",
            "http://localhost:3000",
        ];
        const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "X-Purge"];
        const HEADERS: &[&str] = &["content-type", "authorization", "x-requested-with"];
        const DEFAULT_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
        const DEFAULT_HEADERS: &[&str] = &["content-type", "authorization"];
        vec![
            Case {
                policy: Cors::strict(EXACT)
                    .allow_methods(METHODS)
                    .allow_headers(HEADERS)
                    .expose_headers(["x-request-id"])
                    .try_build()
                    .expect("exact policy"),
                model: Model {
                    exact: EXACT,
                    methods: Some(METHODS),
                    headers: Some(HEADERS),
                    ..strict_model_of(METHODS, HEADERS)
                },
            },
            Case {
                policy: Cors::strict([
                    "https://*.tenant.example.com",
                    "https://example.com:*",
                    "https://*.dev.example.com:8443",
                ])
                .try_build()
                .expect("wildcard policy"),
                model: Model {
                    subdomains: &[
                        ("https", "tenant.example.com", Port::Default),
                        ("https", "dev.example.com", Port::Exactly(8443)),
                    ],
                    any_port: &[("https", "example.com")],
                    ..strict_model_of(DEFAULT_METHODS, DEFAULT_HEADERS)
                },
            },
            Case {
                policy: Cors::strict(["https://app.example.com"])
                    .allow_origin_regex(PREVIEW_REGEX)
                    .allow_null_origin_insecure()
                    .allow_methods(["PUT"])
                    .allow_headers(["X-Custom"])
                    .try_build()
                    .expect("regex policy"),
                model: Model {
                    exact: &["https://app.example.com"],
                    regex: Some(Regex::new(&format!("^(?:{PREVIEW_REGEX})$")).unwrap()),
                    allow_null: true,
                    methods: Some(&["PUT"]),
                    headers: Some(&["x-custom"]),
                    ..strict_model_of(DEFAULT_METHODS, DEFAULT_HEADERS)
                },
            },
            Case {
                policy: Cors::permissive().try_build().expect("permissive policy"),
                model: Model {
                    credentialed: false,
                    methods: None,
                    headers: None,
                    ..strict_model_of(DEFAULT_METHODS, DEFAULT_HEADERS)
                },
            },
            Case {
                policy: Cors::strict(["https://app.example.com"])
                    .allow_any_header()
                    .allow_private_network()
                    .try_build()
                    .expect("any-header policy"),
                model: Model {
                    exact: &["https://app.example.com"],
                    headers: None,
                    private_network: true,
                    ..strict_model_of(DEFAULT_METHODS, DEFAULT_HEADERS)
                },
            },
            Case {
                policy: Cors::permissive()
                    .allow_methods(["PUT", "patch"])
                    .allow_headers(["x-custom", "authorization"])
                    .try_build()
                    .expect("restricted permissive policy"),
                model: Model {
                    credentialed: false,
                    methods: Some(&["PUT", "patch"]),
                    headers: Some(&["x-custom", "authorization"]),
                    ..strict_model_of(DEFAULT_METHODS, DEFAULT_HEADERS)
                },
            },
        ]
    })
}

fn strict_model_of(methods: &'static [&'static str], headers: &'static [&'static str]) -> Model {
    Model {
        credentialed: true,
        exact: &[],
        subdomains: &[],
        any_port: &[],
        regex: None,
        allow_null: false,
        methods: Some(methods),
        headers: Some(headers),
        private_network: false,
    }
}

// ---------------------------------------------------------------------------------------------
// The input
// ---------------------------------------------------------------------------------------------

/// The input, as text: the policy (a digit), the request method, then header lines
/// (`Name: value`, any bytes in the value), one per line, in the order they are sent.
///
/// ```text
/// 0
/// OPTIONS
/// Origin: https://app.example.com
/// Access-Control-Request-Method: PUT
/// Access-Control-Request-Headers: content-type,authorization
/// ```
struct Input {
    policy: usize,
    method: Method,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// The most header lines looked at: enough for every duplicate and split the checks care
/// about, few enough that each run stays short.
const MAX_LINES: usize = 12;

impl Input {
    fn parse(data: &[u8]) -> Option<Input> {
        let mut lines = data.split(|&b| b == b'\n');
        let policy = usize::from(*lines.next()?.first()?);
        let method = Method::from_bytes(common::trim_ows(lines.next()?)).ok()?;
        let headers = lines
            .take(MAX_LINES)
            .filter_map(|line| {
                let colon = line.iter().position(|&b| b == b':')?;
                let name = HeaderName::from_bytes(common::trim_ows(&line[..colon])).ok()?;
                let value = common::header_value(common::trim_ows(&line[colon + 1..]));
                Some((name, value))
            })
            .collect();
        Some(Input {
            policy,
            method,
            headers,
        })
    }

    fn values(&self, name: &HeaderName) -> Vec<HeaderValue> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn request(&self) -> ServiceRequest {
        let mut req = TestRequest::default().method(self.method.clone());
        for header in &self.headers {
            req = req.append_header(header.clone());
        }
        req.to_srv_request()
    }
}

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

/// What a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Origin,
    Method,
    Headers,
}

#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    NotCors,
    Actual(Result<AllowOrigin, Subject>),
    Preflight(Result<AllowOrigin, Subject>),
}

fn subject(reason: Reason) -> Subject {
    match reason {
        Reason::OriginNotAllowed | Reason::InvalidOrigin => Subject::Origin,
        Reason::MethodNotAllowed | Reason::InvalidRequestMethod => Subject::Method,
        Reason::HeaderNotAllowed | Reason::InvalidRequestHeaders => Subject::Headers,
        other => panic!("a reason the model does not know: {other:?}"),
    }
}

fn verdict_of(decision: &Decision) -> Verdict {
    let map = |r: &Result<AllowOrigin, Reason>| r.clone().map_err(subject);
    match decision {
        Decision::NotCors => Verdict::NotCors,
        Decision::Actual(result) => Verdict::Actual(map(result)),
        Decision::Preflight(result) => Verdict::Preflight(
            result
                .clone()
                .map(|grant| grant.allow_origin)
                .map_err(|refusal| subject(refusal.reason)),
        ),
    }
}

struct Head<'a> {
    method: &'a Method,
    origins: &'a [HeaderValue],
    acrm: &'a [HeaderValue],
    acrh: &'a [HeaderValue],
}

impl Model {
    fn decide(&self, head: &Head<'_>) -> Verdict {
        if head.origins.is_empty() {
            return Verdict::NotCors;
        }
        let origin = self.origin(head.origins);
        // Fetch: a preflight is an OPTIONS request with Access-Control-Request-Method.
        if *head.method != Method::OPTIONS || head.acrm.is_empty() {
            return Verdict::Actual(origin);
        }
        Verdict::Preflight(origin.and_then(|allow| {
            self.method(head.acrm)?;
            self.request_headers(head.acrh)?;
            Ok(allow)
        }))
    }

    fn origin(&self, lines: &[HeaderValue]) -> Result<AllowOrigin, Subject> {
        if !self.credentialed {
            return Ok(AllowOrigin::Any);
        }
        // Two lines (even identical) are no origin a browser sent.
        let [line] = lines else {
            return Err(Subject::Origin);
        };
        let Ok(text) = std::str::from_utf8(line.as_bytes()) else {
            return Err(Subject::Origin);
        };
        if self.allows(text) {
            Ok(AllowOrigin::Reflect(line.clone()))
        } else {
            Err(Subject::Origin)
        }
    }

    fn allows(&self, text: &str) -> bool {
        if self.exact.contains(&text) {
            return true;
        }
        if text == "null" {
            return self.allow_null;
        }
        let Some(origin) = common::reference_origin(text) else {
            return false;
        };
        let subdomain = self.subdomains.iter().any(|(scheme, suffix, port)| {
            let port_ok = match port {
                Port::Default => origin.port.is_none(),
                Port::Exactly(p) => origin.port == Some(*p),
            };
            *scheme == origin.scheme
                && port_ok
                && origin.is_domain
                && origin
                    .host
                    .strip_suffix(suffix)
                    .is_some_and(|front| front.len() > 1 && front.ends_with('.'))
        });
        let any_port = self
            .any_port
            .iter()
            .any(|(scheme, host)| *scheme == origin.scheme && *host == origin.host);
        subdomain || any_port || self.regex.as_ref().is_some_and(|r| r.is_match(text))
    }

    fn method(&self, lines: &[HeaderValue]) -> Result<(), Subject> {
        let [line] = lines else {
            return Err(Subject::Method);
        };
        let method = line.as_bytes();
        if method.is_empty() || !method.iter().all(|&b| common::is_tchar(b)) {
            return Err(Subject::Method);
        }
        // Fetch, "CORS-preflight fetch": safelisted methods pass whatever ACAM says.
        let safelisted = matches!(method, b"GET" | b"HEAD" | b"POST");
        let listed = match self.methods {
            None => true,
            Some(list) => list.iter().any(|m| m.as_bytes() == method),
        };
        if safelisted || listed {
            Ok(())
        } else {
            Err(Subject::Method)
        }
    }

    fn request_headers(&self, lines: &[HeaderValue]) -> Result<(), Subject> {
        let total: usize = lines.iter().map(HeaderValue::len).sum();
        let elements: usize = lines
            .iter()
            .map(|v| v.as_bytes().iter().filter(|&&b| b == b',').count() + 1)
            .sum();
        let names = common::list_elements(lines.iter().map(HeaderValue::as_bytes));
        let valid = total <= MAX_REQUEST_HEADERS_LEN
            && elements <= 2 * MAX_REQUEST_HEADER_NAMES
            && names.len() <= MAX_REQUEST_HEADER_NAMES
            && names.iter().all(|n| n.iter().all(|&b| common::is_tchar(b)));
        let allowed = match self.headers {
            None => true,
            Some(list) => names
                .iter()
                .all(|n| list.iter().any(|a| a.as_bytes().eq_ignore_ascii_case(n))),
        };
        if valid && allowed {
            Ok(())
        } else {
            Err(Subject::Headers)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The middleware, called without a runtime
// ---------------------------------------------------------------------------------------------

type Answer = (u16, HeaderMap);
type Served = Box<dyn Fn(ServiceRequest) -> Answer>;

thread_local! {
    static SERVICES: Vec<Served> = cases().iter().map(|case| serve(&case.policy)).collect();
}

fn serve(policy: &Policy) -> Served {
    async fn ok(req: ServiceRequest) -> Result<ServiceResponse, Error> {
        Ok(req.into_response(HttpResponse::Ok().finish()))
    }
    let service = common::now(policy.new_transform(fn_service(ok))).expect("middleware");
    Box::new(move |req| match common::now(service.call(req)) {
        Ok(res) => (res.status().as_u16(), res.headers().clone()),
        Err(err) => panic!("the middleware returned Err over an infallible service: {err}"),
    })
}

// ---------------------------------------------------------------------------------------------
// The target
// ---------------------------------------------------------------------------------------------

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::parse(data) else {
        return;
    };
    let case = &cases()[input.policy % cases().len()];
    let method = input.method.clone();
    let origins = input.values(&ORIGIN);
    let acrm = input.values(&ACCESS_CONTROL_REQUEST_METHOD);
    let acrh = input.values(&ACCESS_CONTROL_REQUEST_HEADERS);
    let private_network = input.values(&REQUEST_PRIVATE_NETWORK).into_iter().next();

    let req = input.request();
    let decision = decide(&case.policy, req.head());
    let head = Head {
        method: &method,
        origins: &origins,
        acrm: &acrm,
        acrh: &acrh,
    };
    let mut expected = case.model.decide(&head);
    // A name `*` from a credentialed any-header preflight: refusing it (as decide() does, for
    // HeaderNotAllowed) is as good an answer as echoing it (which the browser checks below
    // would then judge).
    if case.model.credentialed
        && case.model.headers.is_none()
        && common::list_elements(acrh.iter().map(HeaderValue::as_bytes)).contains(&&b"*"[..])
        && matches!(
            &decision,
            Decision::Preflight(Err(PreflightRefusal {
                reason: Reason::InvalidRequestHeaders | Reason::HeaderNotAllowed,
                ..
            }))
        )
        && matches!(expected, Verdict::Preflight(Ok(_)))
    {
        expected = Verdict::Preflight(Err(Subject::Headers));
    }
    assert_eq!(
        verdict_of(&decision),
        expected,
        "decide() against the model: {decision:?}"
    );

    // The promises, on decide() itself.
    let granted_origin = match &decision {
        Decision::Actual(Ok(origin)) => Some(origin),
        Decision::Preflight(Ok(grant)) => Some(&grant.allow_origin),
        _ => None,
    };
    match granted_origin {
        Some(AllowOrigin::Any) => assert!(!case.model.credentialed, "`*` with credentials"),
        Some(AllowOrigin::Reflect(value)) => {
            let [line] = &origins[..] else {
                panic!("granted with {} Origin lines", origins.len());
            };
            assert_eq!(
                value.as_bytes(),
                line.as_bytes(),
                "reflection not byte-equal"
            );
            let text = std::str::from_utf8(value.as_bytes()).expect("granted a non-UTF-8 origin");
            if text == "null" {
                assert!(case.model.allow_null, "null granted without the opt-in");
            } else if !case.model.exact.contains(&text) {
                assert!(
                    common::reference_origin(text).is_some(),
                    "malformed origin granted"
                );
            }
        }
        None => {}
    }
    if let Decision::Preflight(Ok(grant)) = &decision {
        let expected_pna =
            case.model.private_network && private_network.as_ref().is_some_and(|v| v == "true");
        assert_eq!(grant.private_network, expected_pna, "private network grant");
    }

    // The middleware's answer, as a browser reads it.
    let (status, headers) =
        SERVICES.with(|services| services[input.policy % services.len()](input.request()));
    let credentialed = case.model.credentialed;
    match &decision {
        Decision::NotCors => {
            let acao = headers
                .get_all(ACCESS_CONTROL_ALLOW_ORIGIN)
                .collect::<Vec<_>>();
            if credentialed {
                assert!(acao.is_empty(), "ACAO without Origin: {acao:?}");
            } else {
                assert_eq!(
                    acao,
                    [&HeaderValue::from_static("*")],
                    "permissive without Origin"
                );
            }
        }
        Decision::Actual(result) => {
            let origin = origins[0].as_bytes();
            let passes = common::browser_cors_check(&headers, origin, credentialed);
            if result.is_ok() {
                assert!(
                    passes || origins.len() > 1,
                    "granted actual request fails the CORS check"
                );
            } else {
                assert!(
                    !headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN),
                    "ACAO on a refusal"
                );
            }
        }
        Decision::Preflight(result) => {
            let names = common::list_elements(acrh.iter().map(HeaderValue::as_bytes));
            let check = common::browser_preflight_check(
                status,
                &headers,
                origins[0].as_bytes(),
                credentialed,
                acrm[0].as_bytes(),
                &names,
            );
            match result {
                Ok(_) if origins.len() == 1 || !credentialed => {
                    if let Err(why) = check {
                        panic!("granted preflight fails the browser's checks: {why}; {status} {headers:?}");
                    }
                }
                Ok(_) => unreachable!("checked above: a strict grant has one Origin line"),
                Err(refusal) => {
                    let reason = &refusal.reason;
                    // A browser sends one ACRM line; with more, "the method" is undefined.
                    assert!(
                        check.is_err() || acrm.len() > 1,
                        "refused preflight ({reason:?}) passes the browser's checks"
                    );
                    // Only an allowed origin refused a method or header by the lists gets
                    // the explaining `204`; everything else the bare `403`.
                    if refusal.explanation.is_some() {
                        assert!(
                            matches!(reason, Reason::MethodNotAllowed | Reason::HeaderNotAllowed),
                            "explained refusal for {reason:?}"
                        );
                        assert_eq!(status, 204, "explained refusal");
                    } else {
                        assert_eq!(status, 403, "bare refusal");
                        assert!(
                            !headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN),
                            "ACAO on a bare refusal"
                        );
                    }
                    if subject(*reason) == Subject::Origin {
                        assert_eq!(status, 403, "preflight from a refused origin");
                        assert!(
                            !headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN),
                            "ACAO on a refused origin"
                        );
                    }
                }
            }
        }
    }
});

const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");

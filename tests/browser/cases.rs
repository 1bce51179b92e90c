//! The case table: what a page of a given origin fetches, and what must happen.
//!
//! Cases are data so that the same table can be run through Chromium, Firefox and WebKit,
//! over http and https, and through the crate's browser-faithful simulation playing each of
//! them. Where an engine legitimately differs, the case says what that engine must do
//! ([`Case::expected_in`]). Hosts are symbolic (`app.test`); the port comes from the
//! [`Server`] the page or the request goes to. Expectations come from docs/CONFORMANCE.md and
//! DESIGN.md, never from what the middleware happens to do.

use super::{
    engine::{Engine, Scheme},
    server::{Server, Via},
};

/// Where the `fetch()` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// A page loaded from `http://{host}:{port of server}/page`.
    At(&'static str, Server),
    /// A `<iframe sandbox="allow-scripts" srcdoc=...>` inside such a page: an opaque
    /// origin, so the browser sends `Origin: null`.
    SandboxedIn(&'static str, Server),
}

impl Page {
    pub fn host(self) -> (&'static str, Server) {
        match self {
            Page::At(host, server) | Page::SandboxedIn(host, server) => (host, server),
        }
    }
}

/// `fetch()`'s `credentials` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    Omit,
    SameOrigin,
    Include,
}

impl Credentials {
    pub fn as_js(self) -> &'static str {
        match self {
            Credentials::Omit => "omit",
            Credentials::SameOrigin => "same-origin",
            Credentials::Include => "include",
        }
    }
}

/// What the page's script must see.
#[derive(Debug, Clone)]
pub enum Expected {
    /// The fetch resolves: this status, these headers readable through `response.headers`,
    /// those not, and a body containing `body` (if given).
    Allowed {
        status: u16,
        readable: &'static [&'static str],
        hidden: &'static [&'static str],
        body: Option<&'static str>,
    },
    /// The fetch rejects with a `TypeError`, and the engine logs a CORS error for the URL
    /// (where its console can be read).
    Blocked,
    /// The fetch rejects with a `TypeError` before anything is sent (mixed content): no CORS
    /// error, nothing reaches the server.
    NotSent,
}

/// What a preflight from an allowed origin was refused, which the engine must name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The method, as the script spelled it.
    Method(&'static str),
    /// The request header name, lowercase.
    Header(&'static str),
}

impl Refused {
    /// The text the engine's console line for the case must contain, as each engine printed
    /// it (Chromium 156, Firefox ESR 153, WebKit; Firefox does not name the method, WebKit
    /// names headers it knows in their canonical spelling, `Accept-Language`).
    pub fn console_text(self, engine: Engine) -> String {
        match (self, engine) {
            (Refused::Method(method), Engine::Chromium) => format!(
                "Method {method} is not allowed by Access-Control-Allow-Methods in preflight \
                 response."
            ),
            (Refused::Method(_), Engine::Firefox) => {
                "(Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’)."
                    .to_owned()
            }
            (Refused::Method(method), Engine::WebKit) => {
                format!("Method {method} is not allowed by Access-Control-Allow-Methods.")
            }
            (Refused::Header(name), Engine::Chromium) => format!(
                "Request header field {name} is not allowed by Access-Control-Allow-Headers in \
                 preflight response."
            ),
            (Refused::Header(name), Engine::Firefox) => format!(
                "(Reason: header ‘{name}’ is not allowed according to header \
                 ‘Access-Control-Allow-Headers’ from CORS preflight response)."
            ),
            (Refused::Header(name), Engine::WebKit) => {
                let name = match name {
                    "accept-language" => "Accept-Language",
                    other => other,
                };
                format!(
                    "Request header field {name} is not allowed by Access-Control-Allow-Headers."
                )
            }
        }
    }
}

/// How many requests of a case must reach the server (over all its fetches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hits {
    /// `OPTIONS` preflights.
    pub preflights: usize,
    /// The most preflights allowed, when an engine is not consistent (else `preflights`).
    pub preflights_up_to: usize,
    /// Requests with the case's own method.
    pub actual: usize,
}

/// Whether the actual request must carry the session cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieSent {
    Yes,
    No,
    Unchecked,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub name: &'static str,
    pub page: Page,
    pub method: &'static str,
    /// The request's host and server (`api.test` on the main server unless said otherwise).
    pub target: (&'static str, Server),
    pub path: &'static str,
    pub headers: &'static [(&'static str, &'static str)],
    pub credentials: Credentials,
    pub body: Option<&'static str>,
    /// How many times the same fetch runs, one after the other (for the preflight cache).
    pub fetches: usize,
    pub expected: Expected,
    pub hits: Hits,
    pub cookie: CookieSent,
    /// For a preflight refused to an allowed origin: the method or header the engine's
    /// console must name (the answer lets the browser's own check explain the refusal).
    pub refused: Option<Refused>,
    /// A crate bug this case exposes: reported, but not part of the pass condition.
    pub known_bug: Option<&'static str>,
    /// The page's scheme: the run's, or plain http (then the case runs in https runs only).
    pub page_via: Via,
    /// The request's scheme, likewise.
    pub target_via: Via,
    /// Where an engine legitimately differs from the table's expectation: that engine's
    /// expected outcome and hits instead (see the README's table of engine differences).
    pub engines: Vec<(Engine, Expected, Hits)>,
}

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];
/// 129 bytes: one more than a CORS-safelisted request-header value may have.
pub const LONG_LANGUAGE: &str = "en-US,en;q=0.9,de;q=0.8,fr;q=0.7,it;q=0.6,es;q=0.5,pt;q=0.4,\
     nl;q=0.3,sv;q=0.2,da;q=0.1,fi;q=0.1,no;q=0.1,pl;q=0.1,cs;q=0.1,hu;q=0";
const ITEM: Option<&str> = Some(r#"{"name":"pen"}"#);
const APP: Page = Page::At("app.test", Server::Main);
const EVIL: Page = Page::At("evil.test", Server::Main);
const SAME: Page = Page::At("api.test", Server::Main);
const API: (&str, Server) = ("api.test", Server::Main);
const OUTER_API: (&str, Server) = ("api.test", Server::Outer);

fn case(name: &'static str, page: Page, method: &'static str, path: &'static str) -> Case {
    Case {
        name,
        page,
        method,
        target: API,
        path,
        headers: &[],
        credentials: Credentials::Omit,
        body: None,
        fetches: 1,
        expected: Expected::Blocked,
        hits: Hits {
            preflights: 0,
            preflights_up_to: 0,
            actual: 0,
        },
        cookie: CookieSent::Unchecked,
        refused: None,
        known_bug: None,
        page_via: Via::Run,
        target_via: Via::Run,
        engines: Vec::new(),
    }
}

impl Case {
    /// Whether the case runs over `scheme` (plain-http crossings need an https run).
    pub fn applies_to(&self, scheme: Scheme) -> bool {
        scheme == Scheme::Https || (self.page_via == Via::Run && self.target_via == Via::Run)
    }

    /// What `engine` must do with the case: the table's expectation unless the case states
    /// another one for that engine.
    pub fn expected_in(&self, engine: Engine) -> (&Expected, Hits) {
        self.engines
            .iter()
            .find(|(e, ..)| *e == engine)
            .map_or((&self.expected, self.hits), |(_, expected, hits)| {
                (expected, *hits)
            })
    }

    /// In `engine`, the same outcome as in the table, but between `preflights` and
    /// `preflights_up_to` preflights (an engine not consistent from run to run).
    fn hits_in(
        mut self,
        engine: Engine,
        preflights: std::ops::RangeInclusive<usize>,
        actual: usize,
    ) -> Self {
        let expected = self.expected.clone();
        let hits = Hits {
            preflights: *preflights.start(),
            preflights_up_to: *preflights.end(),
            actual,
        };
        self.engines.push((engine, expected, hits));
        self
    }

    fn page_over_plain_http(mut self) -> Self {
        self.page_via = Via::PlainHttp;
        self
    }

    fn target_over_plain_http(mut self) -> Self {
        self.target_via = Via::PlainHttp;
        self
    }

    fn not_sent(mut self) -> Self {
        self.expected = Expected::NotSent;
        self.hits = Hits {
            preflights: 0,
            preflights_up_to: 0,
            actual: 0,
        };
        self
    }

    fn on(mut self, target: (&'static str, Server)) -> Self {
        self.target = target;
        self
    }
    fn headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }
    fn json(self) -> Self {
        let mut case = self.headers(JSON);
        case.body = ITEM;
        case
    }
    fn body(mut self, body: &'static str) -> Self {
        self.body = Some(body);
        self
    }
    /// `credentials: "include"`, and the session cookie must be sent.
    fn credentialed(mut self) -> Self {
        self.credentials = Credentials::Include;
        self.cookie = CookieSent::Yes;
        self
    }
    /// `credentials: "omit"` (the default), and the session cookie must not be sent.
    fn anonymous(mut self) -> Self {
        self.credentials = Credentials::Omit;
        self.cookie = CookieSent::No;
        self
    }
    fn same_origin_credentials(mut self) -> Self {
        self.credentials = Credentials::SameOrigin;
        self
    }
    fn fetches(mut self, n: usize) -> Self {
        self.fetches = n;
        self
    }
    fn allowed(mut self, status: u16) -> Self {
        self.expected = Expected::Allowed {
            status,
            readable: &[],
            hidden: &[],
            body: None,
        };
        self
    }
    fn readable(mut self, names: &'static [&'static str]) -> Self {
        if let Expected::Allowed { readable, .. } = &mut self.expected {
            *readable = names;
        }
        self
    }
    fn hidden(mut self, names: &'static [&'static str]) -> Self {
        if let Expected::Allowed { hidden, .. } = &mut self.expected {
            *hidden = names;
        }
        self
    }
    fn body_has(mut self, text: &'static str) -> Self {
        if let Expected::Allowed { body, .. } = &mut self.expected {
            *body = Some(text);
        }
        self
    }
    fn blocked(mut self) -> Self {
        self.expected = Expected::Blocked;
        self
    }
    /// Blocked at a preflight that refused `refused` to an allowed origin, which the
    /// engine's console names.
    fn blocked_refusing(mut self, refused: Refused) -> Self {
        self.expected = Expected::Blocked;
        self.refused = Some(refused);
        self
    }
    fn hits(mut self, preflights: usize, actual: usize) -> Self {
        self.hits = Hits {
            preflights,
            preflights_up_to: preflights,
            actual,
        };
        self
    }
    #[allow(dead_code)] // used whenever a case exposes a crate bug
    fn known_bug(mut self, what: &'static str) -> Self {
        self.known_bug = Some(what);
        self
    }
}

/// Every case, in the order they run (within one page, in table order).
pub fn table() -> Vec<Case> {
    let exposed: &[&str] = &["x-request-id", "content-type"];
    let unexposed: &[&str] = &["x-secret", "set-cookie", "access-control-allow-origin"];
    vec![
        // --- strict /api: origins -------------------------------------------------------
        case("allowed_origin_simple_get", APP, "GET", "/api/me?x=1")
            .anonymous()
            .allowed(200)
            .readable(exposed)
            .hidden(unexposed)
            .body_has("browser-suite")
            .hits(0, 1),
        case(
            "allowed_origin_credentialed_get_sends_cookie",
            APP,
            "GET",
            "/api/me",
        )
        .credentialed()
        .allowed(200)
        .readable(exposed)
        .hidden(unexposed)
        .body_has("sid=browser-suite-session")
        .hits(0, 1),
        case("head_from_allowed_origin", APP, "HEAD", "/api/me")
            .credentialed()
            .allowed(200)
            .readable(&["x-request-id"])
            .hidden(&["x-secret"])
            .hits(0, 1),
        case(
            "tenant_wildcard_origin_allowed",
            Page::At("x.tenant.test", Server::Main),
            "GET",
            "/api/me",
        )
        .credentialed()
        .allowed(200)
        .readable(exposed)
        .body_has("sid=browser-suite-session")
        .hits(0, 1),
        case(
            "tenant_wildcard_nested_subdomain_allowed",
            Page::At("a.b.tenant.test", Server::Main),
            "GET",
            "/api/me",
        )
        .credentialed()
        .allowed(200)
        .readable(exposed)
        .hits(0, 1),
        case(
            "tenant_apex_not_covered_by_wildcard",
            Page::At("tenant.test", Server::Main),
            "GET",
            "/api/me",
        )
        .credentialed()
        .blocked()
        .hits(0, 1),
        case(
            "tenant_lookalike_without_dot_blocked",
            Page::At("xtenant.test", Server::Main),
            "GET",
            "/api/me",
        )
        .credentialed()
        .blocked()
        .hits(0, 1),
        case(
            "disallowed_origin_credentialed_get_reaches_handler_but_is_blocked",
            EVIL,
            "GET",
            "/api/me",
        )
        .credentialed()
        .blocked()
        .hits(0, 1),
        case(
            "disallowed_origin_anonymous_get_blocked",
            EVIL,
            "GET",
            "/api/me",
        )
        .anonymous()
        .blocked()
        .hits(0, 1),
        case(
            "lookalike_allowed_origin_as_subdomain_of_evil_blocked",
            Page::At("app.test.evil.test", Server::Main),
            "GET",
            "/api/me",
        )
        .credentialed()
        .blocked()
        .hits(0, 1),
        case(
            "lookalike_prefixed_host_blocked",
            Page::At("xapp.test", Server::Main),
            "GET",
            "/api/me",
        )
        .credentialed()
        .blocked()
        .hits(0, 1),
        case(
            "scheme_mismatch_http_page_against_https_allowlist_blocked",
            APP,
            "GET",
            "/api/me",
        )
        .page_over_plain_http()
        .credentials_include_unchecked()
        .blocked()
        .hits(0, 1),
        case(
            "mixed_content_https_page_to_http_api_not_sent",
            APP,
            "GET",
            "/public/feed",
        )
        .target_over_plain_http()
        .anonymous()
        .not_sent(),
        case(
            "allowed_host_on_other_port_blocked",
            Page::At("app.test", Server::Outer),
            "GET",
            "/api/me",
        )
        .credentialed()
        .blocked()
        .hits(0, 1),
        // --- strict /api: simple and preflighted requests ------------------------------
        case(
            "text_plain_post_is_not_preflighted",
            APP,
            "POST",
            "/api/echo",
        )
        .credentialed()
        .headers(&[("content-type", "text/plain")])
        .body("hello")
        .allowed(200)
        .body_has("hello")
        .hits(0, 1),
        case(
            "text_plain_post_from_disallowed_origin_reaches_handler",
            EVIL,
            "POST",
            "/api/echo",
        )
        .credentialed()
        .headers(&[("content-type", "text/plain")])
        .body("csrf")
        .blocked()
        .hits(0, 1),
        case("preflighted_json_post_allowed", APP, "POST", "/api/items")
            .credentialed()
            .json()
            .allowed(201)
            .readable(exposed)
            .hidden(unexposed)
            .body_has("pen")
            .hits(1, 1),
        case(
            "preflighted_json_post_with_charset_allowed",
            APP,
            "POST",
            "/api/items",
        )
        .credentialed()
        .headers(&[("content-type", "application/json; charset=utf-8")])
        .body(r#"{"name":"ink"}"#)
        .allowed(201)
        .body_has("ink")
        .hits(1, 1),
        case("preflighted_put_allowed", APP, "PUT", "/api/items/7")
            .credentialed()
            .json()
            .allowed(200)
            .readable(exposed)
            .body_has("\"id\":\"7\"")
            .hits(1, 1),
        case("preflighted_delete_allowed", APP, "DELETE", "/api/items/7")
            .credentialed()
            .allowed(204)
            .hits(1, 1),
        case(
            "preflighted_json_post_from_tenant_allowed",
            Page::At("x.tenant.test", Server::Main),
            "POST",
            "/api/items",
        )
        .credentialed()
        .json()
        .allowed(201)
        .hits(1, 1),
        case(
            "patch_not_in_allowed_methods_blocked_at_preflight",
            APP,
            "PATCH",
            "/api/items/7",
        )
        .credentialed()
        .json()
        .blocked_refusing(Refused::Method("PATCH"))
        .hits(1, 0),
        case(
            "uppercase_patch_allowed_when_listed",
            APP,
            "PATCH",
            "/patchy/items/7",
        )
        .credentialed()
        .json()
        .allowed(200)
        .hits(1, 1),
        case(
            "lowercase_patch_blocked_even_when_patch_listed",
            APP,
            "patch",
            "/patchy/items/7",
        )
        .credentialed()
        .json()
        .blocked_refusing(Refused::Method("patch"))
        .hits(1, 0),
        case(
            "unlisted_request_header_blocked_at_preflight",
            APP,
            "GET",
            "/api/me",
        )
        .credentialed()
        .headers(&[("x-unlisted", "1")])
        .blocked_refusing(Refused::Header("x-unlisted"))
        .hits(1, 0),
        // --- safelisting details ---------------------------------------------------------
        case("single_range_header_is_safelisted", APP, "GET", "/api/me")
            .credentialed()
            .headers(&[("range", "bytes=0-")])
            .allowed(200)
            .hits(0, 1),
        case(
            "accept_language_over_128_bytes_is_preflighted",
            APP,
            "GET",
            "/api/me",
        )
        .credentialed()
        .headers(&[("accept-language", LONG_LANGUAGE)])
        .blocked_refusing(Refused::Header("accept-language"))
        .hits(1, 0),
        case(
            "content_type_with_unsafe_byte_is_preflighted",
            APP,
            "POST",
            "/api/echo",
        )
        .credentialed()
        .headers(&[("content-type", "text/plain; x=\"(\"")])
        .body("unsafe byte")
        .allowed(200)
        .body_has("unsafe byte")
        .hits(1, 1),
        case("listed_request_header_allowed", APP, "GET", "/api/me")
            .credentialed()
            .headers(&[("X-Allowed", "1")])
            .allowed(200)
            .hits(1, 1),
        case(
            "authorization_header_allowed_when_listed",
            APP,
            "GET",
            "/api/me",
        )
        .credentialed()
        .headers(&[("authorization", "Bearer browser-token")])
        .allowed(200)
        .body_has("Bearer browser-token")
        .hits(1, 1),
        case(
            "preflight_from_disallowed_origin_rejected",
            EVIL,
            "PUT",
            "/api/items/7",
        )
        .credentialed()
        .json()
        .blocked()
        .hits(1, 0),
        case(
            "preflight_from_lookalike_origin_rejected",
            Page::At("app.test.evil.test", Server::Main),
            "DELETE",
            "/api/items/7",
        )
        .credentialed()
        .blocked()
        .hits(1, 0),
        // --- cookies and readable headers ----------------------------------------------
        case(
            "cookie_set_by_credentialed_cors_response",
            APP,
            "GET",
            "/api/set-cookie",
        )
        .credentialed()
        .allowed(200)
        .readable(&["x-request-id"])
        .hidden(&["set-cookie", "x-secret"])
        .hits(0, 1),
        case(
            "cookie_from_cors_response_is_sent_back",
            APP,
            "GET",
            "/api/me",
        )
        .credentialed()
        .allowed(200)
        .body_has("sid2=set-by-cors-response")
        .hits(0, 1),
        case("anonymous_fetch_sends_no_cookie", APP, "GET", "/api/me")
            .anonymous()
            .allowed(200)
            .body_has("\"cookie\":null")
            .hits(0, 1),
        // --- errors stay readable --------------------------------------------------------
        case("handler_404_readable", APP, "GET", "/api/missing")
            .credentialed()
            .allowed(404)
            .readable(&["x-request-id"])
            .body_has("no such item")
            .hits(0, 1),
        case("handler_500_readable", APP, "GET", "/api/fail")
            .credentialed()
            .allowed(500)
            .readable(&["x-request-id"])
            .hidden(&["x-secret"])
            .body_has("something went wrong")
            .hits(0, 1),
        case("handler_err_readable", APP, "GET", "/api/err")
            .credentialed()
            .allowed(409)
            .body_has("conflict")
            .hits(0, 1),
        case("inner_middleware_err_readable", APP, "GET", "/api/guarded")
            .credentialed()
            .allowed(401)
            .body_has("inner middleware refused")
            .hits(0, 1),
        case(
            "extractor_error_readable_after_preflight",
            APP,
            "POST",
            "/api/items",
        )
        .credentialed()
        .headers(JSON)
        .body("{not json")
        .allowed(400)
        .hits(1, 1),
        case(
            "unknown_route_under_scope_404_readable",
            APP,
            "GET",
            "/api/nowhere",
        )
        .credentialed()
        .allowed(404)
        .hits(0, 1),
        case(
            "unknown_route_under_scope_preflight_answered",
            APP,
            "PUT",
            "/api/nowhere",
        )
        .credentialed()
        .json()
        .allowed(404)
        .hits(1, 1),
        case(
            "wrong_method_on_existing_route_405_readable",
            APP,
            "DELETE",
            "/api/me",
        )
        .credentialed()
        .allowed(405)
        .hits(1, 1),
        case(
            "error_from_disallowed_origin_blocked",
            EVIL,
            "GET",
            "/api/fail",
        )
        .credentialed()
        .blocked()
        .hits(0, 1),
        // --- same origin -----------------------------------------------------------------
        case("same_origin_json_post", SAME, "POST", "/api/items")
            .same_origin_credentials()
            .json()
            .allowed(201)
            .readable(&["x-request-id", "x-secret"])
            .hits(0, 1),
        case(
            "same_origin_patch_not_preflighted",
            SAME,
            "PATCH",
            "/api/items/7",
        )
        .same_origin_credentials()
        .json()
        .allowed(200)
        .hits(0, 1),
        case("same_origin_unlisted_header", SAME, "GET", "/api/me")
            .same_origin_credentials()
            .headers(&[("x-unlisted", "1")])
            .allowed(200)
            .body_has("sid=browser-suite-session")
            .hits(0, 1),
        // --- Origin: null from a sandboxed iframe ------------------------------------------
        case(
            "sandboxed_iframe_null_origin_blocked",
            Page::SandboxedIn("app.test", Server::Main),
            "GET",
            "/api/me",
        )
        .anonymous()
        .blocked()
        .hits(0, 1),
        case(
            "sandboxed_iframe_null_origin_credentialed_blocked",
            Page::SandboxedIn("app.test", Server::Main),
            "GET",
            "/api/me",
        )
        .credentials_include_unchecked()
        .blocked()
        .hits(0, 1),
        case(
            "sandboxed_iframe_null_origin_preflight_rejected",
            Page::SandboxedIn("app.test", Server::Main),
            "PUT",
            "/api/items/7",
        )
        .json()
        .blocked()
        .hits(1, 0),
        case(
            "sandboxed_iframe_public_feed_allowed",
            Page::SandboxedIn("app.test", Server::Main),
            "GET",
            "/public/feed",
        )
        .anonymous()
        .allowed(200)
        .readable(&["x-request-id"])
        .hits(0, 1),
        // --- permissive /public --------------------------------------------------------------
        case("public_get_from_any_origin", EVIL, "GET", "/public/feed")
            .anonymous()
            .allowed(200)
            .readable(&["x-request-id", "content-type"])
            .hidden(&["x-secret"])
            .body_has("public")
            .hits(0, 1),
        case(
            "public_credentialed_get_blocked",
            EVIL,
            "GET",
            "/public/feed",
        )
        .credentialed()
        .blocked()
        .hits(0, 1),
        case(
            "public_credentialed_get_from_app_blocked",
            APP,
            "GET",
            "/public/feed",
        )
        .credentialed()
        .blocked()
        .hits(0, 1),
        case("public_json_post_preflighted", EVIL, "POST", "/public/feed")
            .anonymous()
            .json()
            .allowed(201)
            .hits(1, 1),
        case(
            "public_credentialed_preflight_blocked",
            EVIL,
            "POST",
            "/public/feed",
        )
        .credentials_include_unchecked()
        .json()
        .blocked()
        .hits(1, 0),
        case("public_any_custom_header", EVIL, "GET", "/public/feed")
            .anonymous()
            .headers(&[("x-anything", "1")])
            .allowed(200)
            .hits(1, 1),
        case(
            "public_authorization_header_named",
            EVIL,
            "GET",
            "/public/feed",
        )
        .anonymous()
        .headers(&[("authorization", "Bearer public")])
        .allowed(200)
        .hits(1, 1),
        case("public_delete", EVIL, "DELETE", "/public/feed")
            .anonymous()
            .allowed(204)
            .hits(1, 1),
        case("public_patch", EVIL, "PATCH", "/public/feed")
            .anonymous()
            .json()
            .allowed(201)
            .hits(1, 1),
        // --- preflight cache -----------------------------------------------------------------
        // Firefox ESR 153 reused the cached preflight in some runs and sent it again before
        // every fetch in others (over https every time, so far): both are accepted there.
        case("preflight_cached_by_max_age", APP, "PUT", "/api/items/9")
            .credentialed()
            .json()
            .fetches(2)
            .allowed(200)
            .hits(1, 2)
            .hits_in(Engine::Firefox, 1..=2, 2),
        case(
            "max_age_zero_preflight_not_cached",
            APP,
            "PUT",
            "/nocache/items/9",
        )
        .credentialed()
        .json()
        .fetches(2)
        .allowed(200)
        .hits(2, 2),
        // --- /bearer: an allowlist without credentials, preflights answered 200 ---------
        case(
            "bearer_api_put_with_authorization_allowed",
            APP,
            "PUT",
            "/bearer/items/5",
        )
        .anonymous()
        .json()
        .headers(&[
            ("content-type", "application/json"),
            ("authorization", "Bearer browser-suite-token"),
        ])
        .allowed(200)
        .readable(&["x-request-id"])
        .hidden(&["x-secret"])
        .hits(1, 1),
        case(
            "bearer_api_credentialed_get_blocked",
            APP,
            "GET",
            "/bearer/me",
        )
        .credentialed()
        .blocked()
        .hits(0, 1),
        case(
            "bearer_api_disallowed_origin_blocked",
            EVIL,
            "GET",
            "/bearer/me",
        )
        .anonymous()
        .blocked()
        .hits(0, 1),
        case("public_preflight_cached", EVIL, "PUT", "/public/feed")
            .anonymous()
            .json()
            .fetches(3)
            .allowed(201)
            .hits(1, 3)
            .hits_in(Engine::Firefox, 1..=3, 3),
        // --- nested policies: the innermost decides ---------------------------------------
        case(
            "scope_strict_in_permissive_scope_credentialed_allowed",
            APP,
            "GET",
            "/nested/strict/me",
        )
        .credentialed()
        .allowed(200)
        .readable(&["x-request-id"])
        .hidden(&["x-secret"])
        .hits(0, 1),
        case(
            "scope_strict_in_permissive_scope_blocks_other_origin",
            EVIL,
            "GET",
            "/nested/strict/me",
        )
        .anonymous()
        .blocked()
        .hits(0, 1),
        case(
            "scope_strict_in_permissive_scope_preflight_allowed",
            APP,
            "PUT",
            "/nested/strict/items/3",
        )
        .credentialed()
        .json()
        .allowed(200)
        .hits(1, 1),
        case(
            "scope_strict_in_permissive_scope_preflight_rejected",
            EVIL,
            "PUT",
            "/nested/strict/items/3",
        )
        .anonymous()
        .json()
        .blocked()
        .hits(1, 0),
        case(
            "permissive_scope_route_outside_inner_strict",
            EVIL,
            "GET",
            "/nested/open",
        )
        .anonymous()
        .allowed(200)
        .hits(0, 1),
        case(
            "resource_permissive_in_strict_scope_allows_any_origin",
            EVIL,
            "GET",
            "/res/open",
        )
        .anonymous()
        .allowed(200)
        .body_has("public")
        .hits(0, 1),
        case(
            "resource_permissive_in_strict_scope_preflight_allowed",
            EVIL,
            "PUT",
            "/res/open",
        )
        .anonymous()
        .json()
        .allowed(201)
        .hits(1, 1),
        case(
            "resource_permissive_in_strict_scope_blocks_credentials",
            APP,
            "GET",
            "/res/open",
        )
        .credentialed()
        .blocked()
        .hits(0, 1),
        case(
            "strict_scope_sibling_of_permissive_resource_still_strict",
            EVIL,
            "GET",
            "/res/closed",
        )
        .anonymous()
        .blocked()
        .hits(0, 1),
        case(
            "app_permissive_scope_strict_credentialed_allowed",
            APP,
            "GET",
            "/api/me",
        )
        .on(OUTER_API)
        .credentialed()
        .allowed(200)
        .readable(&["x-request-id"])
        .body_has("sid=browser-suite-session")
        .hits(0, 1),
        case(
            "app_permissive_scope_strict_blocks_other_origin",
            EVIL,
            "GET",
            "/api/me",
        )
        .on(OUTER_API)
        .anonymous()
        .blocked()
        .hits(0, 1),
        case(
            "app_permissive_scope_strict_preflight_allowed",
            APP,
            "PUT",
            "/api/items/5",
        )
        .on(OUTER_API)
        .credentialed()
        .json()
        .allowed(200)
        .hits(1, 1),
        case(
            "app_permissive_scope_strict_preflight_rejected",
            EVIL,
            "PUT",
            "/api/items/5",
        )
        .on(OUTER_API)
        .anonymous()
        .json()
        .blocked()
        .hits(1, 0),
        case(
            "app_permissive_route_outside_strict_scope",
            EVIL,
            "GET",
            "/open",
        )
        .on(OUTER_API)
        .anonymous()
        .allowed(200)
        .hits(0, 1),
    ]
}

impl Case {
    /// `credentials: "include"` where the cookie is irrelevant (opaque or refused origins).
    fn credentials_include_unchecked(mut self) -> Self {
        self.credentials = Credentials::Include;
        self.cookie = CookieSent::Unchecked;
        self
    }
}

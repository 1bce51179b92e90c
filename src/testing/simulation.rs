//! [`Page`]: fetches against an actix service, with a preflight cache and a virtual clock.

use std::{sync::Mutex, time::Duration};

use actix_http::Request;

use actix_service::Service;
use actix_web::{
    body::{self, BodySize, MessageBody},
    dev::ServiceResponse,
    http::{
        header::{HeaderValue, CONTENT_LENGTH, TRANSFER_ENCODING},
        Method,
    },
    test::TestRequest,
    web::Bytes,
    HttpResponse,
};

use super::{
    engine::Engine,
    flow::Flow,
    protocol::{HeaderList, PreflightResult},
    FetchOutcome, FetchReport, FetchRequest, Preflight, ReceivedResponse, SentRequest,
};

/// A web page at one origin, as seen by the network: it sends fetches, keeps Chromium's
/// preflight cache, and holds cookies.
///
/// Time is virtual: it starts at zero and moves only with [`advance_time`](Page::advance_time),
/// so cache expiry is deterministic in tests.
///
/// ```
/// use std::time::Duration;
///
/// use actix_scoped_cors::{testing::{FetchRequest, Page}, Cors};
/// use actix_web::{test, web, App, HttpResponse};
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(
///     App::new()
///         .wrap(Cors::permissive().no_max_age())
///         .route("/items", web::delete().to(HttpResponse::NoContent)),
/// )
/// .await;
/// let page = Page::new("https://app.example.com");
/// let delete = FetchRequest::delete("https://api.example.com/items");
///
/// assert!(page.fetch(&app, delete.clone()).await.preflight_sent());
/// // Without Max-Age, Chromium caches a preflight for 5 seconds.
/// assert!(!page.fetch(&app, delete.clone()).await.preflight_sent());
/// page.advance_time(Duration::from_secs(5));
/// assert!(page.fetch(&app, delete).await.preflight_sent());
/// # });
/// ```
#[derive(Debug)]
pub struct Page {
    origin: String,
    engine: Engine,
    cookie: Option<String>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    now: Duration,
    cache: Vec<CacheEntry>,
}

/// Chromium keys its preflight cache by origin and URL (and network isolation key); the
/// entry remembers the credentials mode it was made for.
#[derive(Debug)]
struct CacheEntry {
    origin: String,
    url: String,
    result: PreflightResult,
    expires: Duration,
}

impl Page {
    /// A page whose documents have `origin` (`https://app.example.com`), or `"null"` for an
    /// opaque origin (a sandboxed iframe, a `data:` or `file:` document), which is
    /// cross-origin to everything, sends `Origin: null`, and must fetch absolute URLs.
    ///
    /// ```
    /// use actix_scoped_cors::{testing::{FetchRequest, Page}, Cors};
    /// use actix_web::{test, web, App, HttpResponse};
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let app = test::init_service(
    ///     App::new().service(
    ///         web::scope("/api")
    ///             .wrap(Cors::strict(["https://app.example.com"]))
    ///             .route("/me", web::get().to(HttpResponse::Ok)),
    ///     ),
    /// )
    /// .await;
    /// let sandboxed = Page::new("null");
    /// let report = sandboxed
    ///     .fetch(&app, FetchRequest::get("https://api.example.com/api/me"))
    ///     .await;
    /// assert!(!report.is_allowed());
    /// # });
    /// ```
    pub fn new(origin: impl Into<String>) -> Self {
        Page {
            origin: origin.into(),
            engine: Engine::default(),
            cookie: None,
            state: Mutex::new(State::default()),
        }
    }

    /// Adds a cookie (`name=value`) sent with every request whose credentials mode allows
    /// it: same-origin requests unless `omit`, cross-origin ones with `include`. Never with
    /// a preflight.
    pub fn with_cookie(mut self, cookie: impl AsRef<str>) -> Self {
        let cookie = cookie.as_ref();
        self.cookie = Some(match self.cookie.take() {
            Some(existing) => format!("{existing}; {cookie}"),
            None => cookie.to_owned(),
        });
        self
    }

    /// Makes the page behave like `engine` (Chromium by default): its preflight-cache cap,
    /// its `TypeError` text and its console messages.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use actix_scoped_cors::{testing::{Engine, FetchRequest, Page}, Cors};
    /// use actix_web::{test, web, App, HttpResponse};
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let app = test::init_service(
    ///     App::new()
    ///         .wrap(Cors::permissive().max_age(Duration::from_secs(86_400)))
    ///         .route("/items", web::delete().to(HttpResponse::NoContent)),
    /// )
    /// .await;
    /// let delete = FetchRequest::delete("https://api.example.com/items");
    /// let firefox = Page::new("https://app.example.com").with_engine(Engine::Firefox);
    /// let webkit = Page::new("https://app.example.com").with_engine(Engine::WebKit);
    /// for page in [&firefox, &webkit] {
    ///     page.fetch(&app, delete.clone()).await;
    ///     page.advance_time(Duration::from_secs(601));
    /// }
    /// // WebKit keeps a preflight 10 minutes at most, Firefox 24 hours.
    /// assert!(!firefox.fetch(&app, delete.clone()).await.preflight_sent());
    /// assert!(webkit.fetch(&app, delete).await.preflight_sent());
    /// # });
    /// ```
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// The engine the page behaves like.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The page's origin, as given.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Moves the page's clock forward, expiring cached preflights.
    pub fn advance_time(&self, by: Duration) {
        self.state().now += by;
    }

    /// Forgets every cached preflight.
    pub fn clear_preflight_cache(&self) {
        self.state().cache.clear();
    }

    /// Fetches `request` from `app`, as the page's engine (Chromium unless
    /// [`with_engine`](Page::with_engine) said otherwise) would from this page.
    ///
    /// `app` is what [`actix_web::test::init_service`] returns. Errors from the service are
    /// rendered into responses, as actix-web's server does.
    pub async fn fetch<S, B>(&self, app: &S, request: FetchRequest) -> FetchReport
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let (flow, mut report) = match self.begin(request) {
            Ok(begun) => begun,
            Err(refused) => return *refused,
        };

        if flow.needs_preflight() {
            if self.cached_preflight_allows(&flow) {
                report.preflight = Preflight::Cached;
            } else {
                let request = flow.preflight_request();
                let response = match send(app, &request, None).await {
                    Ok(response) => response,
                    Err(message) => {
                        report.outcome = FetchOutcome::TypeError { message };
                        return report;
                    }
                };
                if !self.judge_preflight(&flow, &mut report, request, response) {
                    return report;
                }
            }
        }

        let request = flow.actual_request(self.cookie.as_deref());
        match send(app, &request, flow.body.clone()).await {
            Ok(response) => {
                report.outcome = flow.outcome(&response);
                report.actual = Some(Flow::exchange(request, response));
            }
            Err(message) => report.outcome = FetchOutcome::TypeError { message },
        }
        report
    }

    /// Fetches `request` as the page's engine would from this page, over any transport: `send` puts
    /// each request the browser sends (the preflight, when one is needed and not cached,
    /// then the actual request, with its body) on the wire and returns the whole response.
    ///
    /// `send` may add the headers its transport writes (`Content-Length`, ...) to the
    /// request, so the report shows them. It must not follow redirects: the browser judges
    /// a redirected preflight itself. The first error it returns ends the fetch. This is
    /// what the `cors-doctor` tool runs against live servers.
    ///
    /// ```
    /// use actix_scoped_cors::testing::{FetchRequest, Page, ReceivedResponse};
    /// use actix_web::http::header::{HeaderName, HeaderValue};
    ///
    /// let page = Page::new("https://app.example.com");
    /// let report = page
    ///     .fetch_with(FetchRequest::get("https://api.example.com/feed"), |request, _body| {
    ///         assert_eq!(request.method, "GET");
    ///         Ok::<_, std::convert::Infallible>(ReceivedResponse {
    ///             status: 200,
    ///             headers: vec![(
    ///                 HeaderName::from_static("access-control-allow-origin"),
    ///                 HeaderValue::from_static("*"),
    ///             )],
    ///             body: "[]".into(),
    ///         })
    ///     })
    ///     .unwrap();
    /// assert!(report.is_allowed());
    /// ```
    ///
    /// # Errors
    ///
    /// The first error `send` returns. A request `fetch()` itself refuses is not an error:
    /// its report's outcome is [`FetchOutcome::TypeError`], and nothing is sent.
    pub fn fetch_with<E>(
        &self,
        request: FetchRequest,
        mut send: impl FnMut(&mut SentRequest, Option<&Bytes>) -> Result<ReceivedResponse, E>,
    ) -> Result<FetchReport, E> {
        let (flow, mut report) = match self.begin(request) {
            Ok(begun) => begun,
            Err(refused) => return Ok(*refused),
        };
        if flow.needs_preflight() {
            if self.cached_preflight_allows(&flow) {
                report.preflight = Preflight::Cached;
            } else {
                let mut request = flow.preflight_request();
                let response = send(&mut request, None)?;
                if !self.judge_preflight(&flow, &mut report, request, response) {
                    return Ok(report);
                }
            }
        }
        let mut request = flow.actual_request(self.cookie.as_deref());
        let response = send(&mut request, flow.body.as_ref())?;
        report.outcome = flow.outcome(&response);
        report.actual = Some(Flow::exchange(request, response));
        Ok(report)
    }

    /// What both fetches do before sending anything: the flow in this page's engine and its
    /// report, or the finished report of a request refused before any traffic (a `fetch()`
    /// argument error, mixed content).
    fn begin(&self, request: FetchRequest) -> Result<(Flow, FetchReport), Box<FetchReport>> {
        let flow = match Flow::new(&self.origin, &request) {
            Ok(flow) => flow.in_engine(self.engine),
            Err(error) => return Err(Box::new(self.refused(request, error.to_string()))),
        };
        let mut report = flow.report();
        if flow.is_mixed_content() {
            report.outcome = FetchOutcome::TypeError {
                message: self.engine.type_error_message().to_owned(),
            };
            return Err(Box::new(report));
        }
        Ok((flow, report))
    }

    /// Records the sent preflight in `report` and judges it: `true` when it allows the
    /// actual request (and is cached), `false` when `report` is now blocked.
    fn judge_preflight(
        &self,
        flow: &Flow,
        report: &mut FetchReport,
        request: SentRequest,
        response: ReceivedResponse,
    ) -> bool {
        let verdict = flow.check_preflight(&response);
        report.preflight = Preflight::Sent(Flow::exchange(request, response));
        match verdict {
            Ok(result) => {
                self.remember(flow, result);
                true
            }
            Err(reason) => {
                report.outcome = flow.blocked(reason, report_status(report));
                false
            }
        }
    }

    /// The report of a request `fetch()` refuses before sending anything.
    fn refused(&self, request: FetchRequest, message: String) -> FetchReport {
        FetchReport {
            url: request.url,
            origin: self.origin.clone(),
            same_origin: false,
            preflight: Preflight::NotNeeded,
            actual: None,
            outcome: FetchOutcome::TypeError { message },
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves only a cache behind: keep using it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn cached_preflight_allows(&self, flow: &Flow) -> bool {
        let state = self.state();
        let url = flow.url();
        state.cache.iter().any(|entry| {
            entry.origin == flow.origin
                && entry.url == url
                && entry.expires > state.now
                && entry
                    .result
                    .allows(flow.credentials, &flow.method, &flow.headers)
        })
    }

    fn remember(&self, flow: &Flow, result: PreflightResult) {
        let mut state = self.state();
        let url = flow.url();
        let expires = state.now + result.max_age_in(self.engine);
        // One entry per origin and URL: a newer preflight replaces the older.
        state
            .cache
            .retain(|entry| !(entry.origin == flow.origin && entry.url == url));
        state.cache.push(CacheEntry {
            origin: flow.origin.clone(),
            url,
            result,
            expires,
        });
    }
}

/// The status of the preflight response in `report`.
fn report_status(report: &FetchReport) -> u16 {
    report
        .preflight_exchange()
        .map_or(0, |exchange| exchange.response.status)
}

/// Sends one request to the service and reads the whole response.
async fn send<S, B>(
    app: &S,
    request: &SentRequest,
    body: Option<Bytes>,
) -> Result<ReceivedResponse, String>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let method = Method::from_bytes(request.method.as_bytes())
        .map_err(|_| format!("invalid method {}", request.method))?;
    let target = url::Url::parse(&request.url)
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
        .map_err(|_| format!("invalid URL {}", request.url))?;
    let mut test_request = TestRequest::default().method(method.clone()).uri(&target);
    for (name, value) in &request.headers {
        test_request = test_request.append_header((name.clone(), value.clone()));
    }
    if let Some(body) = body {
        test_request = test_request.set_payload(body);
    }
    let service_request = test_request.to_request();

    let (status, headers, body) = match app.call(service_request).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let mut headers = header_list(response.headers());
            add_framing_headers(&mut headers, status, response.response().body().size());
            let body = body::to_bytes(response.into_body())
                .await
                .map_err(|error| {
                    let error: Box<dyn std::error::Error> = error.into();
                    format!("Failed to fetch (body: {error})")
                })?;
            (status, headers, body)
        }
        Err(error) => {
            let response: HttpResponse = error.error_response();
            let status = response.status().as_u16();
            let mut headers = header_list(response.headers());
            add_framing_headers(&mut headers, status, response.body().size());
            let body = body::to_bytes(response.into_body())
                .await
                .map_err(|error| format!("Failed to fetch (body: {error})"))?;
            (status, headers, body)
        }
    };
    Ok(ReceivedResponse {
        status,
        headers,
        body: if method == Method::HEAD {
            Bytes::new()
        } else {
            body
        },
    })
}

/// Adds the `Content-Length` or `Transfer-Encoding` that actix-web's HTTP/1.1 encoder would
/// write (they are not in the response's `HeaderMap`), so scripts can read `Content-Length`.
fn add_framing_headers(headers: &mut HeaderList, status: u16, size: BodySize) {
    let no_body = status < 200 || status == 204 || status == 304;
    let framed = headers
        .iter()
        .any(|(name, _)| name == CONTENT_LENGTH || name == TRANSFER_ENCODING);
    if no_body || framed {
        return;
    }
    match size {
        BodySize::Sized(len) => headers.push((CONTENT_LENGTH, HeaderValue::from(len))),
        BodySize::Stream => headers.push((TRANSFER_ENCODING, HeaderValue::from_static("chunked"))),
        BodySize::None => {}
    }
}

fn header_list(headers: &actix_web::http::header::HeaderMap) -> HeaderList {
    headers
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

//! The bound: a lower limit on what any layer that *checks* a request before granting it
//! can add, measured rather than argued (`benches/callgrind.sh` prints it beside the floor).
//!
//! It is the [`Floor`] (the scenario's grant headers, `'static`, appended) plus only the
//! steps the scenario's decision cannot do without, each done the cheapest way at hand:
//! looking up the request's CORS headers in actix-web's `HeaderMap`, and matching the
//! `Origin` value with one comparison, one FxHash lookup, a regex's literal prefix and suffix
//! and a DFA of what lies between them (the walk ends in a table of which states match at
//! the end, as this crate's cut does), a DFA of the regexes over the whole value laid out as
//! one table of state bytes after `https://` compared as a word (as this crate walks a set of
//! regexes, and a regex it does not cut, when it proves their matches of the commonest
//! canonical shape), or one call of the predicate. "At hand" is
//! not "least possible": a perfect hash could beat FxHash, and the async predicate is asked
//! as this crate's API asks it (an owned `String`, a boxed future), which another API need
//! not; so on those rows the bound measures this crate's choices, not every layer's. It
//! validates nothing (no canonical form, no header-list grammar, no length limits),
//! reflects nothing (its values are the floor's `'static` ones), scans no response for
//! grant headers a handler set, merges no `Vary`, and reports no refusal; a preflight's
//! request-header list is compared whole with the configured one, in the order the
//! scenario sends it. So it is not a correct CORS layer: it only shows what even a layer
//! that skipped every check this crate makes would cost, on each row where the floor
//! exists.

use std::{future::Future, pin::Pin};

use actix_web::{
    dev::{Service, ServiceRequest, ServiceResponse},
    http::header,
    Error, HttpResponse,
};
use regex_automata::{
    dfa::{dense, Automaton},
    util::{primitives::StateID, start},
    Anchored,
};
use rustc_hash::FxHashSet;

use super::{
    exact_origins, wildcard_suffixes, FloorAnswer, FloorFuture, Kind, Origins, Scenario, ALLOWED,
    PARTNER_HOST, REGEX, REGEXES, REQUEST_HEADERS, UNCUT_REGEX,
};

/// An asynchronous predicate's future.
type Asked = Pin<Box<dyn Future<Output = bool>>>;

/// What the bound checks before it appends the floor's headers.
enum Check {
    /// Nothing: `*` grants any origin without looking at it.
    Nothing,
    /// The `Origin` value equals the one configured origin.
    Exact(&'static [u8]),
    /// The `Origin` value is in an FxHash set of the configured origins.
    Hashed(FxHashSet<Box<[u8]>>),
    /// The value is `https://`, a label, a dot and the one configured suffix.
    Suffix(Box<[u8]>),
    /// The value is `https://`, a label, a dot and a suffix in an FxHash set.
    Suffixes(FxHashSet<Box<[u8]>>),
    /// The value is the regex's literal prefix, a middle its DFA (of the middle alone)
    /// matches, then its literal suffix: the regex cut as this crate cuts one, which reads
    /// fewer bytes than the DFA of the whole regex.
    Cut(Cut),
    /// The value, whole, matched by a DFA of the regexes laid out as one table: what a layer
    /// that checks nothing else must do for a regex it does not cut. For two regexes, it is
    /// cheaper than their cuts one after the other, the second matching.
    Table(Table),
    /// A predicate, called through a pointer as any configured one is, on the value as text.
    Predicate(Box<dyn Fn(&str) -> bool>),
    /// An asynchronous predicate: its future, made from an owned copy of the value and
    /// boxed (it is ready at once here, so it is polled in `call`).
    Async(Box<dyn Fn(String) -> Asked>),
    /// A preflight: the origin as [`Check::Exact`], `Access-Control-Request-Method` among
    /// the configured methods and `Access-Control-Request-Headers` equal to the configured
    /// list.
    Preflight(&'static [u8]),
}

impl Check {
    fn for_scenario(scenario: &Scenario) -> Check {
        if scenario.kind == Kind::Preflight {
            return Check::Preflight(ALLOWED.as_bytes());
        }
        let host_suffix = |suffix: &str| suffix.as_bytes()[1..].into();
        match scenario.origins {
            Origins::Permissive => Check::Nothing,
            Origins::Exact(1) => Check::Exact(ALLOWED.as_bytes()),
            Origins::Exact(n) => {
                Check::Hashed(exact_origins(n).map(|o| o.into_bytes().into()).collect())
            }
            Origins::Wildcards(1) => Check::Suffix(host_suffix(&wildcard_suffixes(1)[0])),
            Origins::Wildcards(n) => Check::Suffixes(
                wildcard_suffixes(n)
                    .iter()
                    .map(|suffix| host_suffix(suffix))
                    .collect(),
            ),
            Origins::Regex => Check::Cut(Cut::of(REGEX, REGEX_CUT)),
            Origins::Regexes => Check::Table(Table::new(&REGEXES.join("|"))),
            Origins::UncutRegex => Check::Table(Table::new(UNCUT_REGEX)),
            Origins::Predicate => Check::Predicate(Box::new(|origin: &str| {
                origin.strip_prefix("https://") == Some(PARTNER_HOST)
            })),
            Origins::AsyncPredicate => Check::Async(Box::new(|origin: String| {
                Box::pin(async move { origin.strip_prefix("https://") == Some(PARTNER_HOST) })
            })),
        }
    }

    fn passes(&self, req: &ServiceRequest) -> bool {
        if let Check::Nothing = self {
            return true;
        }
        let Some(origin) = req.headers().get(header::ORIGIN) else {
            return false;
        };
        let origin = origin.as_bytes();
        match self {
            Check::Nothing => true,
            Check::Exact(allowed) => origin == *allowed,
            Check::Hashed(set) => set.contains(origin),
            Check::Suffix(suffix) => under(origin).is_some_and(|s| s == &**suffix),
            Check::Suffixes(set) => under(origin).is_some_and(|s| set.contains(s)),
            Check::Cut(cut) => cut.matches(origin),
            Check::Table(table) => table.matches(origin),
            Check::Predicate(allow) => std::str::from_utf8(origin).is_ok_and(allow),
            Check::Async(ask) => {
                let Ok(text) = std::str::from_utf8(origin) else {
                    return false;
                };
                super::now(ask(text.to_owned()))
            }
            Check::Preflight(allowed) => {
                let headers = req.headers();
                origin == *allowed
                    && headers
                        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
                        .is_some_and(|method| {
                            let method = method.as_bytes();
                            METHOD_NAMES
                                .iter()
                                .any(|m| m.len() == method.len() && *m == method)
                        })
                    && headers
                        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
                        .is_some_and(|list| list.as_bytes() == REQUEST_HEADERS.as_bytes())
            }
        }
    }
}

/// A DFA of a regex anchored at both ends, walked byte by byte from its anchored start, and
/// whether each state it can reach (by index: the ID shifted by `stride2`) matches at the end.
struct Walk {
    dfa: Box<dense::DFA<Vec<u32>>>,
    start: StateID,
    ends: Vec<bool>,
    stride2: usize,
}

impl Walk {
    fn new(regex: &str) -> Self {
        let dfa = dense::Builder::new()
            .configure(dense::Config::new().start_kind(regex_automata::dfa::StartKind::Anchored))
            .build(&format!("^(?:{regex})$"))
            .expect("the regex builds a DFA");
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .expect("an anchored start state");
        let stride2 = dfa.stride2();
        let mut ends = vec![false; 1 + (start.as_usize() >> stride2)];
        let mut seen = std::collections::HashSet::from([start]);
        let mut todo = vec![start];
        while let Some(state) = todo.pop() {
            let at = state.as_usize() >> stride2;
            ends.resize(ends.len().max(at + 1), false);
            ends[at] = dfa.is_match_state(dfa.next_eoi_state(state));
            for byte in 0..=u8::MAX {
                let next = dfa.next_state(state, byte);
                if seen.insert(next) {
                    todo.push(next);
                }
            }
        }
        Walk {
            dfa: Box::new(dfa),
            start,
            ends,
            stride2,
        }
    }

    /// Whether the regex matches all of `bytes`.
    #[inline(always)]
    fn matches(&self, bytes: &[u8]) -> bool {
        let mut state = self.start;
        for &byte in bytes {
            state = self.dfa.next_state(state, byte);
        }
        self.ends[state.as_usize() >> self.stride2]
    }
}

/// A [`Walk`]'s DFA laid out as one table from a state's number (its index) and a byte to
/// the next state's number, which a walk reads with no bounds check and no byte class, as
/// this crate lays out regexes it proves to match only origins of the commonest canonical
/// shape. Every match of the regex starts with `https://` (checked), compared first, as this
/// crate compares the bytes every match starts with.
struct Table {
    next: Box<[u8; 1 << 16]>,
    ends: [bool; 256],
    /// The state after `https://`.
    after_scheme: u8,
}

impl Table {
    fn new(regex: &str) -> Self {
        let walk = Walk::new(regex);
        let number = |state: StateID| {
            u8::try_from(state.as_usize() >> walk.stride2).expect("at most 256 states")
        };
        let mut next = vec![0; 1 << 16];
        let mut ends = [false; 256];
        for (index, &end) in walk.ends.iter().enumerate() {
            let state = StateID::new(index << walk.stride2).expect("a state");
            ends[index] = end;
            for byte in 0..=u8::MAX {
                next[index << 8 | usize::from(byte)] = number(walk.dfa.next_state(state, byte));
            }
        }
        // Every match starts with `https://`: any other byte on the way is the dead state's.
        let after_scheme = b"https://".iter().fold(walk.start, |state, &byte| {
            assert!((0..=u8::MAX)
                .all(|other| other == byte
                    || walk.dfa.is_dead_state(walk.dfa.next_state(state, other))));
            walk.dfa.next_state(state, byte)
        });
        Table {
            next: next.into_boxed_slice().try_into().expect("64 KiB"),
            ends,
            after_scheme: number(after_scheme),
        }
    }

    /// Whether the regex matches all of `origin`.
    #[inline(always)]
    fn matches(&self, origin: &[u8]) -> bool {
        let Some(rest) = origin.strip_prefix(b"https://") else {
            return false;
        };
        let mut state = self.after_scheme;
        for &byte in rest {
            state = self.next[usize::from(state) << 8 | usize::from(byte)];
        }
        self.ends[usize::from(state)]
    }
}

/// [`REGEX`] as a literal prefix, a middle and a literal suffix.
const REGEX_CUT: (&str, &str, &str) = ("https://pr-", "[0-9]+", ".preview.example.com");

/// A regex cut into a literal prefix, a middle and a literal suffix.
struct Cut {
    prefix: &'static [u8],
    suffix: &'static [u8],
    middle: Walk,
}

impl Cut {
    /// `regex` cut as `(prefix, middle, suffix)`, checked to be the same regex.
    fn of(regex: &str, (prefix, middle, suffix): (&'static str, &str, &'static str)) -> Self {
        let parse = |regex: &str| regex_syntax::parse(regex).expect("a regex");
        assert_eq!(
            parse(&format!(
                "{}{middle}{}",
                regex_syntax::escape(prefix),
                regex_syntax::escape(suffix)
            )),
            parse(regex),
            "the cut is of the benchmark's regex"
        );
        Cut {
            prefix: prefix.as_bytes(),
            suffix: suffix.as_bytes(),
            middle: Walk::new(middle),
        }
    }

    /// Whether `origin` is the prefix, a middle the DFA matches, then the suffix.
    #[inline(always)]
    fn matches(&self, origin: &[u8]) -> bool {
        origin
            .strip_prefix(self.prefix)
            .and_then(|rest| rest.strip_suffix(self.suffix))
            .is_some_and(|between| self.middle.matches(between))
    }
}

/// The configured methods as a request names them, compared without `Method::as_str`.
const METHOD_NAMES: [&[u8]; 4] = [b"GET", b"POST", b"PUT", b"DELETE"];

/// The host of an `https://` value past its first label and dot.
fn under(origin: &[u8]) -> Option<&[u8]> {
    let host = origin.strip_prefix(b"https://")?;
    let dot = host.iter().position(|&b| b == b'.')?;
    Some(&host[dot + 1..])
}

/// The bound's service: [`Check::passes`], then the floor's answer, or the inner service's
/// response untouched.
pub struct Bound<S> {
    service: S,
    answer: FloorAnswer,
    check: Check,
}

impl<S> Bound<S> {
    /// The bound for `scenario`, where it has a floor.
    pub fn new(service: S, scenario: &Scenario) -> Option<Self> {
        Some(Bound {
            service,
            answer: scenario.floor()?,
            check: Check::for_scenario(scenario),
        })
    }
}

impl<S, B> Service<ServiceRequest> for Bound<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<actix_web::body::EitherBody<B>>;
    type Error = Error;
    type Future = FloorFuture<S::Future, B>;

    actix_service::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let answer = match self.check.passes(&req) {
            true => self.answer,
            false => FloorAnswer {
                preflight: self.answer.preflight,
                headers: &[],
            },
        };
        if answer.preflight {
            let mut response = HttpResponse::new(actix_web::http::StatusCode::NO_CONTENT);
            super::append_all(response.headers_mut(), &answer);
            return FloorFuture::Answered {
                answer: Some(req.into_response(response).map_into_right_body()),
            };
        }
        FloorFuture::Inner {
            inner: self.service.call(req),
            answer,
        }
    }
}

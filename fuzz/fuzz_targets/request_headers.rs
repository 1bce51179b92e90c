//! The `Access-Control-Request-Headers` parser, reached through `decide()` on preflights
//! with arbitrary ACRH values on one or several lines, optionally blown up to 64 KiB or
//! thousands of lines: never panics, allocates at most a few KiB whatever the input's size,
//! refuses exactly what a reference reading of the list refuses, and a granted
//! `Access-Control-Allow-Headers` only names tokens the policy allows and covers every
//! requested name.
//!
//! Input: byte 0 picks the policy, byte 1 the blow-up (bits 0-4: repeat 2^n times, n at
//! most 16; bit 7 clear: the last line's bytes, up to 64 KiB; set: the last line itself, up
//! to 4096 lines), the rest is the lines, split at `\n`.

#![no_main]

mod common;

use std::{
    alloc::{GlobalAlloc, Layout, System},
    cell::Cell,
    sync::OnceLock,
};

use actix_scoped_cors::{
    testing::{
        decide, Decision, PreflightRefusal, MAX_REQUEST_HEADERS_LEN, MAX_REQUEST_HEADER_NAMES,
    },
    Cors, Policy, Reason,
};
use actix_web::{
    http::{
        header::{HeaderValue, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD},
        Method,
    },
    test::TestRequest,
};
use libfuzzer_sys::fuzz_target;

/// The largest blown-up line: 64 KiB, 16 times what `decide()` reads.
const MAX_BLOWN_UP: usize = 1 << 16;

/// The most copies of the last line: far more lines than any HTTP/1 parser lets through.
const MAX_LINE_COPIES: usize = 4096;

/// What one `decide()` may allocate, whatever the size of the request: the normalised echo
/// of a list of at most `MAX_REQUEST_HEADERS_LEN` bytes (its buffer may double once: a list
/// split over lines gains a comma per line), and its `HeaderValue` copy.
const MAX_DECIDE_ALLOC_BYTES: usize = 4 * MAX_REQUEST_HEADERS_LEN + 256;

enum Allowed {
    /// These names, case-insensitively.
    List(&'static [&'static str]),
    /// Any; with credentials the request list is echoed, without them `*`.
    Any,
}

struct Case {
    policy: Policy,
    allowed: Allowed,
    credentialed: bool,
}

fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        const LIST: &[&str] = &[
            "content-type",
            "authorization",
            "x-custom",
            "x-requested-with",
        ];
        let strict = || Cors::strict(["https://app.example.com"]);
        vec![
            Case {
                policy: strict().allow_headers(LIST).try_build().unwrap(),
                allowed: Allowed::List(LIST),
                credentialed: true,
            },
            Case {
                policy: strict().allow_any_header().try_build().unwrap(),
                allowed: Allowed::Any,
                credentialed: true,
            },
            Case {
                policy: Cors::permissive().try_build().unwrap(),
                allowed: Allowed::Any,
                credentialed: false,
            },
            Case {
                policy: Cors::permissive()
                    .allow_headers(["X-Custom"])
                    .try_build()
                    .unwrap(),
                allowed: Allowed::List(&["x-custom"]),
                credentialed: false,
            },
            Case {
                policy: strict()
                    .allow_headers(Vec::<&str>::new())
                    .try_build()
                    .unwrap(),
                allowed: Allowed::List(&[]),
                credentialed: true,
            },
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let [pick, blow_up, rest @ ..] = data else {
        return;
    };
    let case = &cases()[usize::from(*pick) % cases().len()];
    let mut values: Vec<HeaderValue> = rest
        .split(|&b| b == b'\n')
        .map(common::header_value)
        .collect();
    let times = 1usize << (blow_up & 0x1f).min(16);
    if times > 1 {
        // Repeating valid header-value bytes keeps them valid; `repeat` copies whole slices,
        // so the harness itself stays cheap on huge inputs.
        let last = values.pop().expect("split yields at least one line");
        if blow_up & 0x80 == 0 {
            let times = times.min(MAX_BLOWN_UP / last.len().max(1)).max(1);
            let value = HeaderValue::from_bytes(&last.as_bytes().repeat(times))
                .expect("repeated header-value bytes");
            values.push(value);
        } else {
            values.extend(std::iter::repeat_n(last, times.min(MAX_LINE_COPIES)));
        }
    }

    let mut req = TestRequest::default()
        .method(Method::OPTIONS)
        .insert_header(("Origin", "https://app.example.com"))
        .insert_header((ACCESS_CONTROL_REQUEST_METHOD, "PUT"));
    for value in &values {
        req = req.append_header((ACCESS_CONTROL_REQUEST_HEADERS, value.clone()));
    }
    let req = req.to_srv_request();

    let before = Counted::take();
    let decision = decide(&case.policy, req.head());
    let allocated = Counted::take() - before;
    assert!(
        allocated.bytes <= MAX_DECIDE_ALLOC_BYTES as u64 && allocated.count <= 4,
        "decide() allocated {allocated:?} for a list of {} bytes on {} lines",
        values.iter().map(HeaderValue::len).sum::<usize>(),
        values.len()
    );

    let expected = reference(case, &values);
    match (decision, expected) {
        (Decision::Preflight(Ok(grant)), Ok(names)) => {
            check_grant(case, &names, grant.allow_headers)
        }
        (Decision::Preflight(Err(refusal)), Err(())) => assert!(
            matches!(
                refusal.reason,
                Reason::InvalidRequestHeaders | Reason::HeaderNotAllowed
            ),
            "refused for {refusal:?}"
        ),
        // A name `*` from a credentialed any-header preflight: echoed, it is a literal name
        // to browsers but still `*` with credentials; refusing it is as good an answer.
        (
            Decision::Preflight(Err(PreflightRefusal {
                reason: Reason::InvalidRequestHeaders | Reason::HeaderNotAllowed,
                ..
            })),
            Ok(names),
        ) if star_with_credentials(case, &names) => {}
        (decision, expected) => panic!("decide() gave {decision:?}, the reference {expected:?}"),
    }
});

/// The names a preflight asks for, or `Err` when the list must be refused: over the byte
/// limit, more elements than twice the name limit (empty ones count), a name that is not a
/// token, more names than the limit, or a name the policy does not list.
fn reference<'a>(case: &Case, values: &'a [HeaderValue]) -> Result<Vec<&'a [u8]>, ()> {
    let total: usize = values.iter().map(HeaderValue::len).sum();
    if total > MAX_REQUEST_HEADERS_LEN {
        return Err(());
    }
    let elements: usize = values
        .iter()
        .map(|v| v.as_bytes().iter().filter(|&&b| b == b',').count() + 1)
        .sum();
    if elements > 2 * MAX_REQUEST_HEADER_NAMES {
        return Err(());
    }
    let names = common::list_elements(values.iter().map(HeaderValue::as_bytes));
    if names.len() > MAX_REQUEST_HEADER_NAMES
        || names
            .iter()
            .any(|n| !n.iter().all(|&b| common::is_tchar(b)))
    {
        return Err(());
    }
    if let Allowed::List(list) = case.allowed {
        if !names
            .iter()
            .all(|n| list.iter().any(|a| a.as_bytes().eq_ignore_ascii_case(n)))
        {
            return Err(());
        }
    }
    Ok(names)
}

fn star_with_credentials(case: &Case, names: &[&[u8]]) -> bool {
    case.credentialed && matches!(case.allowed, Allowed::Any) && names.contains(&&b"*"[..])
}

fn check_grant(case: &Case, names: &[&[u8]], acah: Option<HeaderValue>) {
    let tokens: Vec<&[u8]> = acah
        .as_ref()
        .map(|v| common::list_elements([v.as_bytes()]))
        .unwrap_or_default();
    for token in &tokens {
        assert!(token.iter().all(|&b| common::is_tchar(b)), "ACAH {acah:?}");
        let allowed = match case.allowed {
            Allowed::List(list) => list
                .iter()
                .any(|a| a.as_bytes().eq_ignore_ascii_case(token)),
            Allowed::Any if case.credentialed => {
                names.iter().any(|n| n.eq_ignore_ascii_case(token))
            }
            Allowed::Any => *token == b"*" || *token == b"authorization",
        };
        assert!(allowed, "ACAH {acah:?} names {:?}", common::show(token));
    }
    // Every requested name is covered, as the browser checks it.
    for name in names {
        let listed = tokens.iter().any(|t| t.eq_ignore_ascii_case(name));
        let star = !case.credentialed
            && !name.eq_ignore_ascii_case(b"authorization")
            && tokens.contains(&&b"*"[..]);
        assert!(
            listed || star,
            "{:?} not covered by ACAH {acah:?}",
            common::show(name)
        );
    }
    if case.credentialed {
        // Finding `star-echo`: a requested name `*` is echoed into ACAH with credentials.
        assert!(
            !tokens.contains(&&b"*"[..]) || common::tolerated("star-echo"),
            "`*` with credentials: {acah:?}"
        );
    }
}

/// Bytes and blocks this thread allocated.
#[derive(Debug, Clone, Copy)]
struct Counted {
    bytes: u64,
    count: u64,
}

impl std::ops::Sub for Counted {
    type Output = Counted;
    fn sub(self, other: Counted) -> Counted {
        Counted {
            bytes: self.bytes - other.bytes,
            count: self.count - other.count,
        }
    }
}

thread_local! {
    static BYTES: Cell<u64> = const { Cell::new(0) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

impl Counted {
    fn take() -> Counted {
        Counted {
            bytes: BYTES.with(Cell::get),
            count: COUNT.with(Cell::get),
        }
    }

    fn add(bytes: usize) {
        // `try_with`: allocations during thread teardown find the counters gone.
        let _ = BYTES.try_with(|b| b.set(b.get() + bytes as u64));
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
    }
}

/// Counts this thread's allocations, then forwards to the system allocator.
struct CountingAlloc;

// SAFETY: every method forwards to `System` unchanged; counting touches only thread-local
// cells with constant initialisers, which never allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Counted::add(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Counted::add(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Counted::add(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

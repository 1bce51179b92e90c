//! [`OriginMatcher`]: every way a strict policy can allow an origin, compiled once.
//!
//! Matching order, cheapest first: the exact origins and the `*.` / `:*` patterns (an
//! [`OriginTable`]), the regexes (one pass over the origin, all at once, or for some shapes
//! only what lies between each regex's literals; a set proven to match only origins of the
//! commonest [`Shape`] needs no canonical check of a short origin), the shared lists, then the
//! predicates in the order they were added.

use std::{fmt, sync::Arc};

use actix_web::{dev::RequestHead, http::header::HeaderValue};
use regex::Regex;
use regex_automata::{
    dfa::{dense, Automaton, StartKind},
    nfa::thompson::{self, WhichCaptures},
    util::{primitives::StateID, start},
    Anchored, Input,
};
use regex_syntax::hir::{Class, Hir, HirKind, Literal, Look};

use crate::{
    decision::same_bytes,
    origin::{
        frame_lengths, is_label_byte, prefix_word, Origin, Parts, Shape, MAX_HOST_LEN,
        MAX_LABEL_LEN, MAX_ORIGIN_LEN, SHAPED_MAX_LEN,
    },
    pattern::OriginPattern,
    shared::SharedOrigins,
    table::OriginTable,
};

/// A synchronous origin predicate, as given to
/// [`Cors::allow_origin_fn`](crate::Cors::allow_origin_fn).
pub(crate) type OriginPredicate = Arc<dyn Fn(&Origin<'_>, &RequestHead) -> bool + Send + Sync>;

/// Compiled origin rules of a strict policy.
#[derive(Clone, Default)]
pub(crate) struct OriginMatcher {
    table: OriginTable,
    /// All regexes, anchored: one alternation, or their cuts.
    regex: Option<OriginRegex>,
    predicates: Vec<OriginPredicate>,
    shared: Vec<SharedOrigins>,
    allow_null: bool,
}

impl OriginMatcher {
    /// Adds `pattern`; an exact origin is reflected with `reflected(origin)`.
    pub(crate) fn add_pattern(
        &mut self,
        pattern: OriginPattern,
        reflected: fn(String) -> HeaderValue,
    ) {
        self.table.add(pattern, reflected);
    }

    /// Sets the regexes: `regex`, their anchored alternation, and `each` of them anchored
    /// (the alternatives `regex` joins, in order).
    pub(crate) fn set_regex(&mut self, regex: Regex, each: &[String]) {
        self.regex = Some(OriginRegex::new(regex, each));
    }

    pub(crate) fn add_predicate(&mut self, predicate: OriginPredicate) {
        self.predicates.push(predicate);
    }

    pub(crate) fn add_shared(&mut self, shared: SharedOrigins) {
        self.shared.push(shared);
    }

    pub(crate) fn allow_null(&mut self) {
        self.allow_null = true;
    }

    /// Whether nothing at all can match.
    pub(crate) fn is_empty(&self) -> bool {
        !self.table.has_exact() && !self.allow_null && !self.has_rules_beyond_exact()
    }

    /// Whether anything but the exact list (and `null`) can match.
    fn has_rules_beyond_exact(&self) -> bool {
        self.table.has_patterns() || self.has_rules_beyond_table()
    }

    /// Whether anything but the table (exact origins and patterns) can match: what needs the
    /// origin parsed.
    fn has_rules_beyond_table(&self) -> bool {
        self.regex.is_some() || !self.predicates.is_empty() || !self.shared.is_empty()
    }

    /// Whether the `Origin` value `origin` (as received, not normalised) is allowed.
    ///
    /// Cost: bounded by [`MAX_ORIGIN_LEN`]; no allocation unless a predicate allocates.
    pub(crate) fn matches(&self, origin: &str, head: &RequestHead) -> bool {
        if origin.len() > MAX_ORIGIN_LEN {
            return false;
        }
        self.contains_exact(origin.as_bytes()) || self.matches_beyond_exact(origin.as_bytes(), head)
    }

    /// [`matches`](Self::matches) for the bytes of an `Origin` value already looked up on the
    /// exact list and not found there (and no longer than [`MAX_ORIGIN_LEN`]): `null`, then
    /// the patterns (on the bytes: see [`OriginTable::matches_patterns`]), then regexes whose
    /// matches are canonical by their shape ([`OriginRegex::canonical_match`]), then, for an
    /// origin checked canonical on its bytes, the other regexes (on the same bytes), shared
    /// lists and predicates (on the parsed origin). Whatever it accepts is visible ASCII (a
    /// canonical origin, or `null`).
    #[inline(always)]
    pub(crate) fn matches_beyond_exact(&self, origin: &[u8], head: &RequestHead) -> bool {
        if origin == b"null" {
            return self.allow_null;
        }
        if !self.has_rules_beyond_exact() {
            return false;
        }
        if self.table.matches_patterns(origin) {
            return true;
        }
        if !self.has_rules_beyond_table() {
            return false;
        }
        // A regex whose matches are canonical origins by their shape answers first.
        let regex_answered = match self.regex.as_ref().map(|r| r.canonical_match(origin)) {
            Some(Some(true)) => return true,
            Some(Some(false)) if self.shared.is_empty() && self.predicates.is_empty() => {
                return false
            }
            Some(Some(false)) => true,
            _ => false,
        };
        // Only a canonical origin is matched further: one pass over the bytes.
        let Some(parts) = Parts::canonical(origin) else {
            return false;
        };
        if !regex_answered
            && self
                .regex
                .as_ref()
                .is_some_and(|regex| regex.is_match(origin))
        {
            return true;
        }
        if self.shared.is_empty() && self.predicates.is_empty() {
            return false;
        }
        // Shared lists and predicates read a parsed `Origin`, which borrows the value as
        // text. A canonical origin is ASCII, so this never refuses.
        let Some(text) = crate::origin::ascii_text(origin) else {
            return false;
        };
        let parsed = Origin::from_parts(text, parts);
        self.shared.iter().any(|shared| shared.matches(&parsed))
            || self.predicates.iter().any(|allow| allow(&parsed, head))
    }

    /// Whether `origin` is on the exact list.
    pub(crate) fn contains_exact(&self, origin: &[u8]) -> bool {
        self.table.contains_exact(origin)
    }

    /// The value reflecting `origin`, if it is on the exact list: equal to `origin`, byte for
    /// byte.
    #[inline(always)]
    pub(crate) fn exact_value(&self, origin: &[u8]) -> Option<&HeaderValue> {
        self.table.exact_value(origin)
    }
}

impl fmt::Debug for OriginMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginMatcher")
            .field("table", &self.table)
            .field("regex", &self.regex.as_ref().map(|r| r.regex.as_str()))
            .field(
                "regex_dfa",
                &self.regex.as_ref().is_some_and(|r| r.dfa.is_some()),
            )
            .field("predicates", &self.predicates.len())
            .field("shared", &self.shared.len())
            .field("allow_null", &self.allow_null)
            .finish()
    }
}

/// The largest dense DFA built for the origin regexes, in bytes; past it (or for what a DFA
/// cannot do, such as Unicode word boundaries) the regex crate's engine runs instead.
const DFA_SIZE_LIMIT: usize = 256 * 1024;

/// The configured regexes as one anchored alternation: `regex::Regex`, and, when a small one
/// exists, a dense DFA of the same expression, built from the same syntax (Unicode, UTF-8)
/// by the regex crate's own automata library; or, for one regex that is a literal, a middle
/// and a literal, or a few such regexes that each tell a canonical match (and cannot be
/// walked as one, below), only a DFA of each middle ([`Framed`]). A DFA steps one table entry
/// a byte, where the regex crate picks an engine and builds its lazy DFA as it goes. Where
/// the DFA of two or more regexes, or of one that is not cut, is proven to match only values
/// of the [`Shape`] and has at most 256 states, it is also laid out as a [`ByteWalk`], which
/// tells a canonical match of a short value. (The proof is only made where it may be used:
/// not for one cut regex that tells a canonical match itself.)
#[derive(Clone)]
struct OriginRegex {
    regex: Regex,
    dfa: Option<Arc<dense::DFA<Vec<u32>>>>,
    /// Each regex cut into a literal prefix, a middle and a literal suffix, in the order
    /// configured: one regex of that shape ([`Framed::of`]), or up to [`MAX_CUT_REGEXES`]
    /// that each also tell a canonical match without the parse ([`Framed::canonical`]).
    framed: Option<Box<[Framed]>>,
    /// Whether every value the regexes match was proven to have the [`Shape`] of a
    /// canonical origin ([`only_shaped_matches`]), and how they are then matched: a match no
    /// longer than [`SHAPED_MAX_LEN`] is a canonical origin.
    shaped: Shaped,
}

/// Whether, and how, a match of a short value is told to be a canonical origin by the
/// [`Shape`] of every value the regexes match.
#[derive(Clone)]
enum Shaped {
    /// Not proven: the regexes can match values of another shape, have no DFA, or are one
    /// cut regex that tells a canonical match itself (nothing to prove then).
    No,
    /// Proven, for one regex that is cut but does not tell a canonical match itself: its cut
    /// answers ([`OriginRegex::framed_match`]).
    Cut,
    /// Proven, for a DFA of the whole regexes with at most 256 states: a walk of it, laid
    /// out again as a [`ByteWalk`], answers.
    Whole(Arc<ByteWalk>),
}

/// The most regexes matched one by one through their cuts ([`Framed`]) rather than by one
/// DFA of them all, where they cannot be walked as one ([`ByteWalk`]). Measured with
/// callgrind on
/// [`Policy::allows_origin`](crate::Policy::allows_origin):
/// a cut that does not match costs about 50 to 75 instructions, so eight of them, the last
/// matching, cost about 500 more than one regex (about 1,300 a call), still under the one-DFA
/// pass over nine such regexes with its canonical check (about 1,500).
const MAX_CUT_REGEXES: usize = 8;

impl OriginRegex {
    /// `regex` is the anchored alternation of `each`.
    fn new(regex: Regex, each: &[String]) -> Self {
        // The DFA of them all, and whether every value it matches has the shape; only built
        // where it may be used (a cut that tells a canonical match always answers).
        let whole = || {
            let whole = dense_dfa(regex.as_str());
            let proven = whole.as_ref().is_some_and(only_shaped_matches);
            (whole, proven)
        };
        let walk = |whole: &Option<dense::DFA<Vec<u32>>>, proven: bool| match (whole, proven) {
            (Some(whole), true) => ByteWalk::of(whole).map(|walk| Shaped::Whole(Arc::new(walk))),
            _ => None,
        };
        // One regex is cut where it can be: two comparisons and a walk of its middle read
        // fewer bytes than a walk of the whole origin. Several are walked as one where they
        // can be, which costs the same whichever matches (and less than two cuts, the
        // second matching); else, a few that each tell a canonical match are tried in turn
        // (one that cannot would leave a value between its literals to the canonical check
        // and a second walk of every cut, where the DFA of them all reads it once).
        let (framed, shaped, whole): (Option<Box<[Framed]>>, _, _) = match each {
            [one] => match Framed::of(one) {
                Some(framed) if framed.canonical.is_some() => {
                    (Some(Box::new([framed])), Shaped::No, None)
                }
                Some(framed) => {
                    let (whole, proven) = whole();
                    let shaped = match proven {
                        true => Shaped::Cut,
                        false => Shaped::No,
                    };
                    (Some(Box::new([framed])), shaped, whole)
                }
                None => {
                    let (whole, proven) = whole();
                    let shaped = walk(&whole, proven).unwrap_or(Shaped::No);
                    (None, shaped, whole)
                }
            },
            several => {
                let (whole, proven) = whole();
                match walk(&whole, proven) {
                    Some(walk) => (None, walk, whole),
                    None if several.len() <= MAX_CUT_REGEXES => {
                        let framed = several
                            .iter()
                            .map(|one| Framed::of(one).filter(|framed| framed.canonical.is_some()))
                            .collect::<Option<Box<[Framed]>>>();
                        (framed, Shaped::No, whole)
                    }
                    None => (None, Shaped::No, whole),
                }
            }
        };
        // Cut regexes never fall back to the whole regex's DFA: their middles' DFAs have no
        // quit bytes (no Unicode word boundary), so the regex crate would decide, were it
        // ever needed.
        let dfa = match framed {
            Some(_) => None,
            None => whole.map(Arc::new),
        };
        OriginRegex {
            regex,
            dfa,
            framed,
            shaped,
        }
    }

    /// Whether `origin` (the bytes of a canonical origin, hence ASCII) matches: the DFAs read
    /// the bytes; the regex crate, where there is no DFA, reads them as text.
    fn is_match(&self, origin: &[u8]) -> bool {
        self.framed_match(origin)
            .or_else(|| self.dfa_match(origin))
            .unwrap_or_else(|| {
                crate::origin::ascii_text(origin).is_some_and(|text| self.regex.is_match(text))
            })
    }

    /// The cut regexes' answer, one after the other, if the regexes are cut and none of them
    /// gives up.
    fn framed_match(&self, origin: &[u8]) -> Option<bool> {
        for framed in self.framed.as_deref()? {
            if framed.is_match(origin)? {
                return Some(true);
            }
        }
        Some(false)
    }

    /// Whether `origin` is a canonical origin one of the regexes matches, where that is told
    /// without parsing it: by the cuts ([`Framed::canonical_match`]; inlined for one regex,
    /// the common case, which is a call to it), or, for regexes that match only values of
    /// the [`Shape`], by a match of a value no longer than [`SHAPED_MAX_LEN`].
    #[inline(always)]
    fn canonical_match(&self, origin: &[u8]) -> Option<bool> {
        let told = match self.framed.as_deref() {
            Some([one]) => one.canonical_match(origin),
            Some(several) => Self::canonical_match_of(several, origin),
            None => None,
        };
        match told {
            None if origin.len() <= SHAPED_MAX_LEN => self.shaped_match(origin),
            told => told,
        }
    }

    /// Whether the regexes match `origin`, if every value they match has the [`Shape`]
    /// (`None` if not proven). Inlined: 9 fewer instructions on the rows that walk the table,
    /// none more on the cut one.
    #[inline(always)]
    fn shaped_match(&self, origin: &[u8]) -> Option<bool> {
        match &self.shaped {
            Shaped::No => None,
            Shaped::Cut => self.framed_match(origin),
            Shaped::Whole(walk) => Some(walk.matches(origin)),
        }
    }

    /// [`canonical_match`](Self::canonical_match) for several cut regexes, each of which
    /// tells a canonical match: the first that does answers; `None` only if a DFA gives up
    /// (none does on what a middle may hold).
    #[inline(always)]
    fn canonical_match_of(several: &[Framed], origin: &[u8]) -> Option<bool> {
        for framed in several {
            // Most values a regex does not match fail at its literals, without a walk.
            let Some(middle) = framed.middle_of(origin) else {
                continue;
            };
            if framed.canonical_match_between(origin, middle)? {
                return Some(true);
            }
        }
        Some(false)
    }

    /// The DFA's answer, if there is a DFA and it answers. Every alternative is anchored at
    /// both ends, so an anchored search that finds any match answers. A DFA gives up only on
    /// what it cannot decide (no regex it was built for makes it do so on ASCII); the regex
    /// crate then decides.
    fn dfa_match(&self, origin: &[u8]) -> Option<bool> {
        let dfa = self.dfa.as_ref()?;
        let input = Input::new(origin).anchored(Anchored::Yes);
        dfa.try_search_fwd(&input).ok().map(|found| found.is_some())
    }
}

/// Whether every value `hir` matches is label bytes (`[a-z0-9_-]`) alone.
fn only_label_bytes(hir: &Hir) -> bool {
    let all_label_bytes = |start: u32, end: u32| {
        end <= 0x7f && (start..=end).all(|b| u8::try_from(b).is_ok_and(is_label_byte))
    };
    match hir.kind() {
        HirKind::Empty => true,
        HirKind::Literal(Literal(bytes)) => bytes.iter().all(|&b| is_label_byte(b)),
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .all(|r| all_label_bytes(u32::from(r.start()), u32::from(r.end()))),
        HirKind::Class(Class::Bytes(class)) => class
            .ranges()
            .iter()
            .all(|r| all_label_bytes(u32::from(r.start()), u32::from(r.end()))),
        HirKind::Look(_) => false,
        HirKind::Repetition(repetition) => only_label_bytes(&repetition.sub),
        HirKind::Capture(capture) => only_label_bytes(&capture.sub),
        HirKind::Concat(items) | HirKind::Alternation(items) => items.iter().all(only_label_bytes),
    }
}

/// The builder of the dense DFAs: anchored searches only, within [`DFA_SIZE_LIMIT`].
fn dfa_builder() -> dense::Builder {
    let mut builder = dense::Builder::new();
    builder.configure(
        dense::Config::new()
            .start_kind(StartKind::Anchored)
            .dfa_size_limit(Some(DFA_SIZE_LIMIT))
            // Building takes more than the finished DFA holds.
            .determinize_size_limit(Some(4 * DFA_SIZE_LIMIT)),
    );
    builder
}

/// The dense DFA of `regex`, if one within the limits exists.
fn dense_dfa(regex: &str) -> Option<dense::DFA<Vec<u32>>> {
    dfa_builder().build(regex).ok()
}

/// A regex `^(?:P M S)$` whose `P` and `S` are literals and whose `M` asserts nothing about
/// what surrounds it (no `^`, `$` or word boundary): it matches exactly the values that
/// start with `P`, end with `S` (not overlapping it) and have between them a value `M`
/// matches whole. Preview deployments are written this way
/// (`https://pr-[0-9]+\.preview\.example\.com`): two comparisons, then a DFA over a few
/// bytes rather than over the whole origin.
#[derive(Clone)]
struct Framed {
    prefix: Box<[u8]>,
    suffix: Box<[u8]>,
    /// The DFA of `M$`, walked over the middle's bytes.
    middle: Arc<dense::DFA<Vec<u32>>>,
    /// Where the walk starts (the middle is walked as a haystack of its own: `M` looks at
    /// nothing before it) and what its end says.
    walk: Walk,
    /// Where `M` matches only label bytes and the literals frame a host's first label
    /// ([`frame_lengths`]): the lengths that make a match a canonical origin, so that one
    /// is told without parsing it.
    canonical: Option<(usize, usize)>,
}

impl Framed {
    /// `regex` (one configured regex, anchored as [`OriginRegex`] gets each) cut this way,
    /// if it is of this shape and the middle's DFA builds.
    fn of(regex: &str) -> Option<Framed> {
        let hir = regex_syntax::Parser::new().parse(regex).ok()?;
        let HirKind::Concat(items) = hir.kind() else {
            return None;
        };
        let [start, prefix, middle @ .., suffix, end] = items.as_slice() else {
            return None;
        };
        let (HirKind::Look(Look::Start), HirKind::Look(Look::End)) = (start.kind(), end.kind())
        else {
            return None;
        };
        let (HirKind::Literal(Literal(prefix)), HirKind::Literal(Literal(suffix))) =
            (prefix.kind(), suffix.kind())
        else {
            return None;
        };
        let middle = Hir::concat(middle.to_vec());
        if !middle.properties().look_set().is_empty() {
            return None;
        }
        let canonical = only_label_bytes(&middle)
            .then(|| frame_lengths(prefix, suffix))
            .flatten();
        // `M$`, so that the anchored search matches only the whole middle.
        let middle = Hir::concat(vec![middle, Hir::look(Look::End)]);
        let nfa = thompson::Compiler::new()
            .configure(thompson::Config::new().which_captures(WhichCaptures::None))
            .build_from_hir(&middle)
            .ok()?;
        let middle = dfa_builder().build_from_nfa(&nfa).ok()?;
        // A walk over the cut middle starts as a search of it as the whole haystack does.
        let start = middle
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .ok()?;
        let walk = Walk::of(&middle, start);
        Some(Framed {
            prefix: prefix.clone(),
            suffix: suffix.clone(),
            middle: Arc::new(middle),
            walk,
            canonical,
        })
    }

    /// Whether `origin` is a canonical origin this regex matches, where that is told without
    /// parsing it (`None` where it is not, or if the DFA gives up).
    fn canonical_match(&self, origin: &[u8]) -> Option<bool> {
        self.canonical?;
        match self.middle_of(origin) {
            Some(middle) => self.canonical_match_between(origin, middle),
            None => Some(false),
        }
    }

    /// [`canonical_match`](Self::canonical_match) for a value whose `middle` (what lies
    /// between the literals, [`middle_of`](Self::middle_of)) is known.
    #[inline(always)]
    fn canonical_match_between(&self, origin: &[u8], middle: &[u8]) -> Option<bool> {
        let (first_label, rest_of_host) = self.canonical?;
        // The lengths first: a value too long to be canonical is refused without a walk of
        // its middle (at most a label's length is walked).
        let label = first_label + middle.len();
        if origin.len() > MAX_ORIGIN_LEN
            || !(1..=MAX_LABEL_LEN).contains(&label)
            || label + rest_of_host > MAX_HOST_LEN
        {
            return Some(false);
        }
        self.middle_matches(middle)
    }

    /// What lies between the literals, if `origin` starts with the prefix and ends with the
    /// suffix (not overlapping it): most values a regex does not match fail here.
    #[inline(always)]
    fn middle_of<'o>(&self, origin: &'o [u8]) -> Option<&'o [u8]> {
        let (p, s) = (self.prefix.len(), self.suffix.len());
        let framed = origin.len() >= p + s
            && same_bytes(&origin[..p], &self.prefix)
            && same_bytes(&origin[origin.len() - s..], &self.suffix);
        framed.then(|| &origin[p..origin.len() - s])
    }

    /// The answer on `origin`, unless the DFA gives up (it does not on ASCII).
    fn is_match(&self, origin: &[u8]) -> Option<bool> {
        match self.middle_of(origin) {
            Some(middle) => self.middle_matches(middle),
            None => Some(false),
        }
    }

    /// Whether the middle's DFA matches all of `middle`, unless it gives up.
    ///
    /// The middle is short (the few bytes a preview number or branch name takes): the DFA is
    /// walked a byte at a time, where a search would first pay for its set-up.
    #[inline(always)]
    fn middle_matches(&self, middle: &[u8]) -> Option<bool> {
        let dfa = &*self.middle;
        let mut state = self.walk.start;
        for &byte in middle {
            state = dfa.next_state(state, byte);
            if dfa.is_special_state(state) {
                if dfa.is_dead_state(state) {
                    return Some(false);
                }
                if dfa.is_quit_state(state) {
                    return None;
                }
            }
        }
        self.walk.end(state)
    }
}

/// Whether every value `dfa` matches (searched anchored, from the start of the haystack)
/// has the [`Shape`] of a canonical origin and is matched only at its end, proven by
/// walking both automata side by side: every pair of states reachable on the same bytes is
/// visited once (at most [`Shape::COUNT`] per state of the DFA); no pair where the DFA
/// matches at the end may have the shape's automaton refuse, and no byte may lead to a
/// match (one that ends before it: a walk to the end would miss it). A DFA that may give up
/// (a quit byte) proves nothing. So a walk to the end of a value answers as a search does.
fn only_shaped_matches(dfa: &dense::DFA<Vec<u32>>) -> bool {
    const _: () = assert!(Shape::COUNT <= u16::BITS as usize, "a shape state is a bit");
    let Ok(start) = dfa.start_state(&start::Config::new().anchored(Anchored::Yes)) else {
        return false;
    };
    let stride2 = dfa.stride2();
    // For each DFA state (by its index), the shape states already visited with it.
    let mut seen: Vec<u16> = Vec::new();
    let mut next = vec![(start, Shape::START)];
    while let Some((state, shape)) = next.pop() {
        let index = state.as_usize() >> stride2;
        if seen.len() <= index {
            seen.resize(index + 1, 0);
        }
        if seen[index] & shape.bit() != 0 {
            continue;
        }
        seen[index] |= shape.bit();
        if dfa.is_match_state(dfa.next_eoi_state(state)) && !shape.accepts() {
            return false;
        }
        for byte in 0..=u8::MAX {
            let to = dfa.next_state(state, byte);
            // A match state after a byte is a match that ended before it (matches are
            // delayed by a byte in these DFAs).
            if dfa.is_quit_state(to) || dfa.is_match_state(to) {
                return false;
            }
            if !dfa.is_dead_state(to) {
                next.push((to, shape.step(byte)));
            }
        }
    }
    true
}

/// A DFA with at most 256 states reachable from its anchored start, laid out again as one
/// table of 256 next states for each of 256 state numbers: a walk looks up a state and a
/// byte with no bounds check (both are bytes) and no byte class, in half the instructions
/// of a walk of the DFA itself. 64 KiB, whatever the DFA's size. For a DFA with no quit
/// byte and no match before the end of a value ([`only_shaped_matches`]), where a walk to
/// the end answers as a search does.
///
/// The bytes every match starts with (up to eight: `https://`, say) are compared as one
/// word, and the walk goes on from where they lead.
struct ByteWalk {
    /// The next state's number after state `s` reads byte `b`, at `s << 8 | b`.
    next: Box<[u8; 1 << 16]>,
    /// Whether a value that leads to each state matches.
    ends: [bool; 256],
    /// The bytes every match starts with, as a word and its mask ([`prefix_word`]; both 0
    /// if there are none), how many there are, and the state they lead to.
    prefix: (u64, u64),
    prefix_len: usize,
    after_prefix: u8,
    /// The start state's number.
    start: u8,
}

impl ByteWalk {
    /// `dfa` laid out again, if the states reachable from its anchored start are numbered
    /// below 256 where [`Walk`] numbers them (the ID shifted right by `stride2`).
    fn of(dfa: &dense::DFA<Vec<u32>>) -> Option<ByteWalk> {
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .ok()?;
        let walk = Walk::of(dfa, start);
        let number = |state: StateID| u8::try_from(state.as_usize() >> walk.stride2).ok();
        let mut next = vec![0; 1 << 16];
        let mut ends = [false; 256];
        let mut dead = None;
        for (index, &end) in walk.ends.iter().enumerate() {
            let state = StateID::new(index << walk.stride2).ok()?;
            *ends.get_mut(index)? = end;
            for byte in 0..=u8::MAX {
                let to = dfa.next_state(state, byte);
                if dfa.is_dead_state(to) {
                    dead = number(to);
                }
                next[index << 8 | usize::from(byte)] = number(to)?;
            }
        }
        // The prefix: while a state has one byte only that leads anywhere but to the dead
        // state, that byte starts every match that gets there.
        let start = number(start)?;
        let mut prefix = Vec::new();
        let mut after_prefix = start;
        while prefix.len() < 8 {
            let row = &next[usize::from(after_prefix) << 8..][..256];
            let mut live = (0..=u8::MAX).filter(|&byte| Some(row[usize::from(byte)]) != dead);
            let (Some(byte), None) = (live.next(), live.next()) else {
                break;
            };
            prefix.push(byte);
            after_prefix = row[usize::from(byte)];
        }
        Some(ByteWalk {
            next: next.into_boxed_slice().try_into().ok()?,
            ends,
            prefix: match prefix.is_empty() {
                true => (0, 0),
                false => prefix_word(&prefix),
            },
            prefix_len: prefix.len(),
            after_prefix,
            start,
        })
    }

    /// Whether the DFA matches all of `value`.
    #[inline(always)]
    fn matches(&self, value: &[u8]) -> bool {
        let (mut state, rest) = match value.first_chunk::<8>() {
            Some(head) if u64::from_le_bytes(*head) & self.prefix.1 == self.prefix.0 => {
                (self.after_prefix, &value[self.prefix_len..])
            }
            _ => (self.start, value),
        };
        for &byte in rest {
            state = self.next[usize::from(state) << 8 | usize::from(byte)];
        }
        self.ends[usize::from(state)]
    }
}

/// A walk of a DFA a byte at a time, as an anchored search from the start of a haystack
/// would walk it: its start state, and for each state it can reach (by its index, the ID
/// shifted right by `stride2`), whether the value matches when it ends there. The DFA's
/// end-of-input transition is taken once per state here, where a walk would work out the
/// end-of-input class on every value.
#[derive(Clone)]
struct Walk {
    start: StateID,
    ends: Box<[bool]>,
    stride2: usize,
}

impl Walk {
    /// Every state reachable from `start` is visited once (a middle's DFA has a few dozen),
    /// its end-of-input transition taken.
    fn of(dfa: &dense::DFA<Vec<u32>>, start: StateID) -> Walk {
        let stride2 = dfa.stride2();
        let index = |state: StateID| state.as_usize() >> stride2;
        let mut ends: Vec<Option<bool>> = Vec::new();
        let mut next = vec![start];
        while let Some(state) = next.pop() {
            if ends.len() <= index(state) {
                ends.resize(index(state) + 1, None);
            }
            if ends[index(state)].is_some() {
                continue;
            }
            ends[index(state)] = Some(dfa.is_match_state(dfa.next_eoi_state(state)));
            next.extend((0..=u8::MAX).map(|byte| dfa.next_state(state, byte)));
        }
        // A state the walk cannot reach is never looked up.
        let ends = ends.into_iter().map(|end| end.unwrap_or(false)).collect();
        Walk {
            start,
            ends,
            stride2,
        }
    }

    /// Whether a value that leads the walk to `state` matches.
    #[inline(always)]
    fn end(&self, state: StateID) -> Option<bool> {
        let end = self.ends.get(state.as_usize() >> self.stride2).copied();
        debug_assert!(
            end.is_some(),
            "every state a walk reaches has its end answer"
        );
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As `compile` joins them: each regex anchored, then one alternation.
    fn anchored(regexes: &[&str]) -> Regex {
        Regex::new(&each_anchored(regexes).join("|")).unwrap()
    }

    /// Each regex anchored, as `compile` hands them to [`OriginRegex::new`].
    fn each_anchored(regexes: &[&str]) -> Vec<String> {
        regexes.iter().map(|r| format!("^(?:{r})$")).collect()
    }

    /// `seed` and the values near it: each byte removed, `a` or `.` inserted anywhere, each
    /// byte replaced by `-`, `1`, `A` or `:`.
    fn near(seed: &str) -> Vec<String> {
        let mut values = vec![seed.to_owned()];
        for at in 0..=seed.len() {
            let (front, back) = seed.split_at(at);
            let cut = back.get(1..).unwrap_or("");
            values.push(format!("{front}{cut}"));
            values.extend(['a', '.'].map(|c| format!("{front}{c}{back}")));
            values.extend(['-', '1', 'A', ':'].map(|c| format!("{front}{c}{cut}")));
        }
        values
    }

    /// The regexes compiled as `compile` compiles them.
    fn compiled(regexes: &[&str]) -> OriginRegex {
        OriginRegex::new(anchored(regexes), &each_anchored(regexes))
    }

    /// The DFA answers as `regex::Regex` on every ASCII value near a matching one, for
    /// regexes that exercise classes, repetition, alternation, case folding (also into
    /// ASCII from a non-ASCII escape) and Unicode classes; what a DFA cannot build (Unicode
    /// word boundaries) or only past the size limit runs on the regex crate alone.
    #[test]
    fn the_dfa_answers_as_the_regex_crate() {
        // The regexes; whether they make a DFA; whether they are one literal, a middle and
        // a literal ([`Framed`]).
        let cases: [(&[&str], bool, bool); 15] = [
            (&[r"https://pr-[0-9]+\.preview\.example\.com"], true, true),
            // Walked as one: the DFA of both is kept.
            (
                &[
                    r"https://pr-[0-9]+\.preview\.example\.com",
                    r"https://[a-z0-9-]+\.staging\.example\.com",
                ],
                true,
                false,
            ),
            // With a port, not of the shape a walk needs: each cut, matched one after the
            // other.
            (
                &[
                    r"https://pr-[0-9]+\.preview\.example\.com:8443",
                    r"https://[a-z0-9-]+\.staging\.example\.com:8443",
                ],
                true,
                true,
            ),
            // One of them is not: one DFA of both.
            (
                &[
                    r"https://pr-[0-9]+\.preview\.example\.com",
                    r"https://bb17\.example\.com(?::8443)?",
                ],
                true,
                false,
            ),
            (
                &[
                    r"(?i)https://app\.example\.com",
                    r"https://(?:a|bb|c)[0-9]{1,3}\.example\.com(?::8443)?",
                ],
                true,
                false,
            ),
            (&[r"(?i)https://\x{212A}\.example\.com"], true, false),
            (
                &[r"https://[^/.]+\.example\.com", r"http://localhost:[0-9]+"],
                true,
                false,
            ),
            (&[r"https://.+\.example\.com"], true, true),
            // Leftmost-first would stop after `a`: the middle must match to its end.
            (&[r"https://(?:a|ab|abb)[0-9]*\.example\.com"], true, true),
            (&[r"https://bb17\.example\.com(?::8443)?"], true, false),
            (
                &[r"https://[a-z]+(?:-[0-9]+)?\.example\.com:8443"],
                true,
                true,
            ),
            // A word boundary between the literal and the middle looks at the literal: not
            // cut (it would see the start of a cut middle instead).
            (&[r"https://x(?-u:\b)[a-z]*\.example\.com"], true, false),
            // So does an end of text between the literals: no value matches.
            (&[r"https://a[a-z](?:b|$)c\.com"], true, false),
            // Unicode `\w` makes a DFA past the size limit; alone between the literals, it
            // does not.
            (&[r"https://[\w-]+\.example\.com"], false, true),
            (&[r"https://\b[a-z]+\.example\.com"], false, false),
        ];
        let seeds = [
            "https://pr-42.preview.example.com",
            "https://pr-7.staging.example.com",
            "https://app.example.com",
            "https://APP.Example.com",
            "https://bb17.example.com:8443",
            "https://k.example.com",
            "https://K.example.com",
            "https://x_y-z.example.com",
            "http://localhost:3000",
            "https://a.b.example.com",
            "https://ab.example.com",
            "https://abb12.example.com",
            "https://bb17.example.com",
            "https://app-7.example.com:8443",
            "https://pr-42.preview.example.com:8443",
            "https://x.example.com",
            "https://xab.example.com",
            "https://axbc.com",
            "https://axc.com",
        ];
        for (regexes, has_dfa, framed) in cases {
            let regex = anchored(regexes);
            let compiled = compiled(regexes);
            // A cut regex keeps no DFA of the whole.
            let has_dfa = has_dfa && !framed;
            assert_eq!(compiled.dfa.is_some(), has_dfa, "{regexes:?}");
            assert_eq!(compiled.framed.is_some(), framed, "{regexes:?}");
            let mut matched = 0;
            let mut tried = 0;
            for seed in seeds {
                for at in 0..=seed.len() {
                    let (head, tail) = seed.split_at(at);
                    let mut variants = vec![seed.to_owned()];
                    for c in ['a', 'K', '.', '-', '_', '/', ':', '0', ' '] {
                        variants.push(format!("{head}{c}{tail}"));
                        variants.push(format!("{head}{c}{}", tail.get(1..).unwrap_or("")));
                    }
                    variants.push(format!("{head}{}", tail.get(1..).unwrap_or("")));
                    for variant in variants {
                        let expected = regex.is_match(&variant);
                        // The DFA itself answers, where there is one (a search it refused
                        // would fall back unseen).
                        let by_dfa = compiled.dfa_match(variant.as_bytes());
                        assert_eq!(by_dfa, has_dfa.then_some(expected), "{variant:?}");
                        let by_frame = compiled.framed_match(variant.as_bytes());
                        assert_eq!(by_frame, framed.then_some(expected), "{variant:?}");
                        assert_eq!(
                            compiled.is_match(variant.as_bytes()),
                            expected,
                            "{regexes:?} {variant:?}"
                        );
                        matched += usize::from(expected);
                        tried += 1;
                    }
                }
            }
            assert!(
                matched > 0 && matched < tried,
                "{regexes:?}: {matched} of {tried}"
            );
        }
    }

    /// A cut regex whose middle matches label bytes alone, between a prefix that starts the
    /// host's first label and a suffix of whole labels, tells a canonical match without the
    /// parse: always what parsing and then matching say, with the first label and the host
    /// around their limits and every value near those. Other shapes are not told this way.
    #[test]
    fn a_cut_regex_tells_a_canonical_match_as_the_parser_would() {
        let a = |n: usize| "a".repeat(n);
        // Regex, values with `{}` where the middle goes, the middle's alphabet, whether it
        // is told without the parse by its cut, and whether by its matches' shape (then only
        // on values of at most `SHAPED_MAX_LEN` bytes).
        let cases: Vec<(String, String, &str, bool, bool)> = vec![
            (
                r"https://pr-[0-9]+\.preview\.example\.com".into(),
                "https://pr-{}.preview.example.com".into(),
                "0123456789",
                true,
                true,
            ),
            (
                r"https://[a-z0-9_-]*\.example\.com:8443".into(),
                "https://{}.example.com:8443".into(),
                "az09_-",
                true,
                false,
            ),
            (
                // 213 bytes after the first label: the host reaches 253 bytes first.
                format!(r"http://x[a-z]*\.{0}\.{0}\.{0}\.{1}", a(63), a(20)),
                format!("http://x{{}}.{0}.{0}.{0}.{1}", a(63), a(20)),
                "abc",
                true,
                true,
            ),
            (
                r"https://[a-z]+\.example\.com:443".into(),
                "https://{}.example.com:443".into(),
                "ab",
                false,
                false,
            ),
            (
                r"https://[a-zA-Z]+\.example\.com".into(),
                "https://{}.example.com".into(),
                "aB",
                false,
                false,
            ),
            (
                r"https://[a-z.]+\.example\.com".into(),
                "https://{}.example.com".into(),
                "a.",
                false,
                false,
            ),
            (
                r"https://[a-z]+\.example\.12".into(),
                "https://{}.example.12".into(),
                "ab",
                false,
                false,
            ),
            (
                r"https://a\.[a-z]+\.example\.com".into(),
                "https://a.{}.example.com".into(),
                "ab",
                false,
                true,
            ),
            (
                r"file://[a-z]+\.example\.com".into(),
                "file://{}.example.com".into(),
                "ab",
                false,
                false,
            ),
            (
                format!(r"https://[a-z]+\.{}\.com", a(64)),
                format!("https://{{}}.{}.com", a(64)),
                "ab",
                false,
                true,
            ),
            (
                r"https://(?-u:[a-z0-9])+\.example\.com".into(),
                "https://{}.example.com".into(),
                "a0",
                true,
                true,
            ),
            (
                r"https://(?-u:[\x21-\x7e])+\.example\.com".into(),
                "https://{}.example.com".into(),
                "a:",
                false,
                false,
            ),
        ];
        let head = RequestHead::default();
        for (regex_text, template, alphabet, told, shaped) in cases {
            let regex = anchored(&[&regex_text]);
            let compiled = compiled(&[&regex_text]);
            let mut matcher = OriginMatcher::default();
            matcher.set_regex(regex.clone(), &each_anchored(&[&regex_text]));
            let Some([cut]) = compiled.framed.as_deref() else {
                panic!("not cut: {regex_text}");
            };
            assert_eq!(cut.canonical.is_some(), told, "{regex_text}");
            // The shape is only proven where the cut cannot tell.
            let proven = !matches!(compiled.shaped, Shaped::No);
            assert_eq!(proven, shaped && !told, "{regex_text}");
            let alphabet: Vec<char> = alphabet.chars().collect();
            let mut values = Vec::new();
            for len in 0..=70 {
                let middle: String = (0..len).map(|i| alphabet[i % alphabet.len()]).collect();
                values.push(template.replace("{}", &middle));
            }
            let near: Vec<String> = values[..8]
                .iter()
                .flat_map(|value| {
                    (0..=value.len()).flat_map(move |at| {
                        let (head, tail) = value.split_at(at);
                        ['a', '.', 'Z', ':', '-', '1'].map(|c| format!("{head}{c}{tail}"))
                    })
                })
                .collect();
            let mut matched = 0;
            for value in values.iter().chain(&near) {
                let expected = Origin::parse(value).is_some() && regex.is_match(value);
                let answer = compiled.canonical_match(value.as_bytes());
                let short = value.len() <= SHAPED_MAX_LEN;
                assert_eq!(
                    answer,
                    (told || shaped && short).then_some(expected),
                    "{regex_text} on {value:?}"
                );
                // And the matcher, told this way or not, answers the same.
                let by_matcher = matcher.matches_beyond_exact(value.as_bytes(), &head);
                assert_eq!(by_matcher, expected, "{regex_text} on {value:?}");
                matched += usize::from(expected);
            }
            // Not a vacuous agreement where the shortcut is taken.
            assert!(matched > 10 || !told, "{regex_text}: {matched}");
        }
    }

    /// A set of cut regexes, each of which tells a canonical match, tells one as the parser
    /// would: a match one of them tells answers, and a refusal needs them all. A set with a
    /// regex that cannot tell is not cut. The matcher answers the same in every case. (With
    /// ports, these sets are not of the [`Shape`] a walk of them all needs.)
    #[test]
    fn a_set_of_cut_regexes_tells_a_canonical_match_where_each_does() {
        let preview = r"https://pr-[0-9]+\.preview\.example\.com:8443";
        let staging = r"https://[a-z0-9-]+\.staging\.example\.com:8443";
        // Cut, but not told without the parse (`:443` is not canonical for https).
        let untold = r"https://[a-z]+\.example\.com:443";
        let seeds = [
            "https://pr-42.preview.example.com:8443",
            "https://pr-7.staging.example.com:8443",
            "https://ci.staging.example.com:8443",
            "https://ab.example.com:443",
            "https://ab.example.com",
        ];
        let head = RequestHead::default();
        for (regexes, all_told) in [(&[preview, staging][..], true), (&[preview, untold], false)] {
            let regex = anchored(regexes);
            let compiled = compiled(regexes);
            // A set with a regex that cannot tell is matched by one DFA of them all.
            let cut = compiled.framed.as_deref().map(<[_]>::len);
            assert_eq!(cut, all_told.then_some(2), "{regexes:?}");
            assert_eq!(compiled.dfa.is_some(), !all_told, "{regexes:?}");
            let mut matcher = OriginMatcher::default();
            matcher.set_regex(regex.clone(), &each_anchored(regexes));
            let mut told_matches = 0;
            for value in seeds.into_iter().flat_map(near) {
                let expected = Origin::parse(&value).is_some() && regex.is_match(&value);
                let told = compiled.canonical_match(value.as_bytes());
                let want = all_told.then_some(expected);
                assert_eq!(told, want, "{regexes:?} on {value:?}");
                told_matches += usize::from(told == Some(true));
                let by_matcher = matcher.matches_beyond_exact(value.as_bytes(), &head);
                assert_eq!(by_matcher, expected, "{regexes:?} on {value:?}");
            }
            // Not a vacuous agreement where the sets are cut.
            assert!(told_matches > 3 || !all_told, "{regexes:?}: {told_matches}");
        }
    }

    /// Regexes that are not cut, but whose every match has the [`Shape`] of a canonical
    /// origin, tell a canonical match of a value no longer than [`SHAPED_MAX_LEN`] without
    /// the parse, as the parser and the regex would; regexes that can match anything else
    /// (a port, an address, an empty label, uppercase, any byte) tell nothing this way. The
    /// matcher answers the same in every case.
    #[test]
    fn regexes_that_match_only_the_shape_tell_a_canonical_match() {
        let long_label = "a".repeat(MAX_LABEL_LEN + 1);
        let nine: Vec<String> = (0..=MAX_CUT_REGEXES)
            .map(|i| format!(r"https://pr-[0-9]+\.env{i}\.example\.com"))
            .collect();
        let nine: Vec<&str> = nine.iter().map(String::as_str).collect();
        // Regexes, whether they match only the shape.
        let cases: [(&[&str], bool); 12] = [
            (&[r"https://[a-z0-9-]+\.example\.(?:com|org)"], true),
            (&[r"https?://(?:[a-z_]+\.)*example\.com"], true),
            (&[r"https://[a-z-]+(?:\.[a-z0-9-]+)*\.[a-z]+"], true),
            (
                &[
                    r"https://pr-[0-9]+\.preview\.example\.com",
                    r"https://[a-z0-9-]+\.staging\.example\.com",
                ],
                true,
            ),
            (&nine, true),
            (&[r"https://[a-z0-9-]+\.example\.com(?::8443)?"], false),
            (&[r"(?i)https://app\.example\.(?:com|org)"], false),
            (&[r"https://[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+"], false),
            (&[r"https://[a-z]*\.example\.(?:com|org)"], false),
            (&[r"https://.+\.example\.(?:com|org)"], false),
            (
                &[
                    r"https://[a-z]+\.example\.(?:com|org)",
                    r"https://[a-z0-9]+",
                ],
                false,
            ),
            // Of the shape, but its DFA has more than 256 states: not laid out again.
            (
                &[r"https://[a-z0-9]*a[a-z0-9]{8}\.example\.(?:com|org)"],
                false,
            ),
        ];
        let seeds = [
            "https://shop.example.org".to_owned(),
            "http://a_b.example.com".to_owned(),
            "https://pr-7.env8.example.com".to_owned(),
            "https://ci-7.staging.example.com".to_owned(),
            format!("https://{long_label}.staging.example.com"),
            "https://1.2.3.4".to_owned(),
            "https://app.example.com:8443".to_owned(),
            format!("https://{long_label}.example.com"),
            format!("https://a.{long_label}.example.org"),
            format!(
                "https://pr-{}.env8.example.com",
                "1".repeat(MAX_LABEL_LEN - 2)
            ),
        ];
        let head = RequestHead::default();
        for (regexes, shaped) in cases {
            let regex = anchored(regexes);
            let compiled = compiled(regexes);
            // Cut or not, no cut tells it.
            let cuts = compiled.framed.as_deref().unwrap_or_default();
            assert!(
                cuts.iter().all(|cut| cut.canonical.is_none()),
                "{regexes:?}"
            );
            assert_eq!(
                !matches!(compiled.shaped, Shaped::No),
                shaped,
                "{regexes:?}"
            );
            let mut matcher = OriginMatcher::default();
            matcher.set_regex(regex.clone(), &each_anchored(regexes));
            let (mut told, mut long) = (0, 0);
            for value in seeds.iter().flat_map(|seed| near(seed)) {
                let expected = Origin::parse(&value).is_some() && regex.is_match(&value);
                let short = value.len() <= SHAPED_MAX_LEN;
                let answer = compiled.canonical_match(value.as_bytes());
                assert_eq!(
                    answer,
                    (shaped && short).then_some(expected),
                    "{regexes:?} on {value:?}"
                );
                told += usize::from(answer == Some(true));
                long += usize::from(!short && regex.is_match(&value));
                let by_matcher = matcher.matches_beyond_exact(value.as_bytes(), &head);
                assert_eq!(by_matcher, expected, "{regexes:?} on {value:?}");
            }
            // Not a vacuous agreement: matches told, and values too long to be told that the
            // regex matches (labels one byte too long among them).
            assert!(!shaped || told > 3, "{regexes:?}: {told}");
            assert!(!shaped || long > 0, "{regexes:?}: {long}");
        }
    }

    /// The proof looks at every match the DFA can report: at the end of the value, where
    /// the value must have the shape, and before a byte (a match that needs what follows it,
    /// which no regex this crate anchors has), which no walk to the end would see.
    #[test]
    fn the_shape_proof_sees_every_match() {
        let shaped = |regex: &str| only_shaped_matches(&dense_dfa(regex).unwrap());
        assert!(shaped(r"^https://a[a-z]*\.example\.com$"));
        // At the end, where the last label starts with a digit.
        assert!(!shaped(r"^https://a\.0$"));
        // Before a byte: a match that a word byte must follow. A walk to the end would miss
        // it, even where its value has the shape.
        assert!(!shaped(r"^https://a(?-u:\B)"));
        assert!(!shaped(r"^https://a\.0(?-u:\B)"));
        // Proven, but with more than 256 states: not laid out again.
        let big = r"^(?:https://[a-z0-9]*a[a-z0-9]{8}\.example\.(?:com|org))$";
        assert!(shaped(big));
        assert!(ByteWalk::of(&dense_dfa(big).unwrap()).is_none());
        assert!(ByteWalk::of(
            &dense_dfa(r"^(?:https://[a-z0-9]*a[a-z0-9]{4}\.example\.com)$").unwrap()
        )
        .is_some());
    }

    /// A walk skips, as one word, the bytes that every match starts with, and only those:
    /// up to eight of them, fewer where the regexes part ways.
    #[test]
    fn a_walk_skips_the_bytes_every_match_starts_with() {
        let skipped = |regexes: &[&str]| {
            let walk = ByteWalk::of(&dense_dfa(anchored(regexes).as_str()).unwrap()).unwrap();
            let len = walk.prefix_len;
            let bytes = walk.prefix.0.to_le_bytes();
            String::from_utf8(bytes[..len].to_vec()).unwrap()
        };
        assert_eq!(
            skipped(&[r"https://[a-z]+\.example\.(?:com|org)"]),
            "https://"
        );
        assert_eq!(skipped(&[r"https://app\.example\.com"]), "https://");
        assert_eq!(skipped(&[r"https?://app\.example\.com"]), "http");
        assert_eq!(
            skipped(&[r"https://a\.example\.com", r"https://b\.example\.com"]),
            "https://"
        );
        assert_eq!(
            skipped(&[r"https://a\.example\.com", r"wss://a\.example\.com"]),
            ""
        );
    }

    /// Up to [`MAX_CUT_REGEXES`] cut regexes that cannot be walked as one (with a port, not
    /// of the [`Shape`]) are matched one by one; more are matched by one DFA of them all,
    /// with the same answers.
    #[test]
    fn only_a_few_regexes_are_matched_one_by_one() {
        let regexes: Vec<String> = (0..=MAX_CUT_REGEXES)
            .map(|i| format!(r"https://pr-[0-9]+\.env{i}\.example\.com:8443"))
            .collect();
        for count in [MAX_CUT_REGEXES, MAX_CUT_REGEXES + 1] {
            let set: Vec<&str> = regexes[..count].iter().map(String::as_str).collect();
            let compiled = compiled(&set);
            let cut = count <= MAX_CUT_REGEXES;
            assert_eq!(compiled.framed.is_some(), cut, "{count}");
            assert_eq!(compiled.dfa.is_some(), !cut, "{count}");
            for i in [0, count - 1, count] {
                let value = format!("https://pr-7.env{i}.example.com:8443");
                assert_eq!(compiled.is_match(value.as_bytes()), i < count, "{value}");
            }
        }
    }
}

//! Origin regexes, judged by their structure: which origins can a regex match at all?
//!
//! A configured regex is only ever matched against canonical serialized origins
//! (`scheme://host[:port]`, lowercase, see [`Origin`](crate::Origin)), and always as a whole.
//! So what matters is the *shape* of the origins it can match, which this module reads off
//! the regex's parsed form (`regex-syntax`'s HIR), not off a few probe strings:
//!
//! 1. The regex is unfolded into its alternatives, each a sequence of fixed characters and
//!    *varying parts* (a varying part stands for any string over the characters it can
//!    produce: a sound over-approximation of classes and repetitions).
//! 2. Every alternative must spell out its scheme and `://`.
//! 3. The host of every alternative is either fixed (it is then checked like an exact
//!    allowlist entry), or ends in fixed text `….D` after its last varying part, so that
//!    every host it matches lies under the domain `D` (it is then checked like the wildcard
//!    `scheme://*.D`: `D` must not be open to strangers, see [`crate::public_suffix`]).
//!    Anything else (`https://.*example\.com`, `https://app\.example\.com.*`,
//!    `https://pr-[0-9]+.preview.example.com` with its unescaped dots) can match hosts
//!    under domains nobody configured.
//!
//! Because only canonical origins reach the regex, characters that can never occur in one
//! (uppercase letters, `/` after the host, anything outside ASCII) cut an alternative off,
//! and a class such as `[Aa]` from `(?i)` counts as the one character that can occur.

use regex_syntax::{
    ast::{self, Ast},
    hir::{Class, Hir, HirKind},
};

use crate::{
    error::ConfigProblem,
    origin::{is_loopback_host, Origin},
    pattern::OriginSafety,
    public_suffix::{open_domain, OpenDomain},
};

/// More alternatives than this are folded into one varying part (which can only make the
/// analysis stricter, never looser).
const MAX_ALTERNATIVES: usize = 256;

/// A set of ASCII characters, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Chars(u128);

impl Chars {
    const EMPTY: Chars = Chars(0);

    /// The ASCII bytes among `bytes` (the others occur in no origin).
    const fn of(bytes: &[u8]) -> Chars {
        let mut bits = 0u128;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] < 128 {
                bits |= 1 << bytes[i];
            }
            i += 1;
        }
        Chars(bits)
    }

    fn contains(self, byte: u8) -> bool {
        byte < 128 && self.0 & (1 << byte) != 0
    }

    fn union(self, other: Chars) -> Chars {
        Chars(self.0 | other.0)
    }

    fn intersect(self, other: Chars) -> Chars {
        Chars(self.0 & other.0)
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn single(self) -> Option<u8> {
        (self.0.count_ones() == 1).then(|| self.0.trailing_zeros() as u8)
    }

    fn bytes(self) -> impl Iterator<Item = u8> {
        (0u8..128).filter(move |&b| self.contains(b))
    }
}

/// Every character a canonical serialized origin can contain.
const ORIGIN_CHARS: Chars = Chars::of(b"abcdefghijklmnopqrstuvwxyz0123456789+-._:/[]");
/// Every character a canonical host name (not a bracketed address) can contain.
const HOST_CHARS: Chars = Chars::of(b"abcdefghijklmnopqrstuvwxyz0123456789-_.");

/// One element of an unfolded alternative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// Exactly this character.
    Char(u8),
    /// Any string, possibly empty, over these characters.
    Vary(Chars),
}

type Alternative = Vec<Piece>;

/// The characters `hir` can produce inside a canonical origin.
fn chars(hir: &Hir) -> Chars {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Chars::EMPTY,
        HirKind::Literal(literal) => Chars::of(&literal.0).intersect(ORIGIN_CHARS),
        HirKind::Class(class) => class_chars(class),
        HirKind::Repetition(repetition) => chars(&repetition.sub),
        HirKind::Capture(capture) => chars(&capture.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs
            .iter()
            .fold(Chars::EMPTY, |acc, sub| acc.union(chars(sub))),
    }
}

fn class_chars(class: &Class) -> Chars {
    let in_class = |byte: u8| match class {
        Class::Unicode(class) => class
            .ranges()
            .iter()
            .any(|range| range.start() <= char::from(byte) && char::from(byte) <= range.end()),
        Class::Bytes(class) => class
            .ranges()
            .iter()
            .any(|range| range.start() <= byte && byte <= range.end()),
    };
    let mut bits = 0u128;
    for byte in ORIGIN_CHARS.bytes() {
        if in_class(byte) {
            bits |= 1 << byte;
        }
    }
    Chars(bits)
}

/// The alternatives of `hir`: every string it matches inside a canonical origin is matched
/// by one of them (the converse need not hold).
fn unfold(hir: &Hir) -> Vec<Alternative> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![Vec::new()],
        HirKind::Literal(literal) => {
            // A character no origin contains (uppercase, non-ASCII) cuts the alternative off.
            if literal.0.iter().all(|&b| ORIGIN_CHARS.contains(b)) {
                vec![literal.0.iter().map(|&b| Piece::Char(b)).collect()]
            } else {
                Vec::new()
            }
        }
        HirKind::Class(class) => {
            let chars = class_chars(class);
            match chars.single() {
                _ if chars.is_empty() => Vec::new(),
                Some(byte) => vec![vec![Piece::Char(byte)]],
                None => vec![vec![Piece::Vary(chars)]],
            }
        }
        HirKind::Capture(capture) => unfold(&capture.sub),
        HirKind::Repetition(repetition) => {
            if repetition.max == Some(0) {
                return vec![Vec::new()];
            }
            let once = unfold(&repetition.sub);
            if repetition.max == Some(1) {
                let mut alternatives = once;
                if repetition.min == 0 {
                    alternatives.push(Vec::new());
                }
                return normalise(alternatives);
            }
            // Two or more repetitions are "anything the sub-expression can produce, then
            // one last repetition": that keeps what the repetition ends with (the `\.` of
            // `([a-z]+\.)*`), which is what the host analysis needs.
            let anything = Piece::Vary(chars(&repetition.sub));
            let mut alternatives: Vec<Alternative> = once
                .iter()
                .map(|last| {
                    std::iter::once(anything)
                        .chain(last.iter().copied())
                        .collect()
                })
                .collect();
            alternatives.extend(once);
            if repetition.min == 0 {
                alternatives.push(Vec::new());
            }
            normalise(alternatives)
        }
        HirKind::Concat(subs) => {
            let mut alternatives = vec![Vec::new()];
            for sub in subs {
                let mut next = unfold(sub);
                if alternatives.len() * next.len() > MAX_ALTERNATIVES {
                    next = vec![vec![Piece::Vary(chars(sub))]];
                }
                alternatives = alternatives
                    .iter()
                    .flat_map(|head| {
                        next.iter()
                            .map(move |tail| head.iter().chain(tail).copied().collect())
                    })
                    .collect();
                alternatives = normalise(alternatives);
            }
            alternatives
        }
        HirKind::Alternation(subs) => {
            let mut alternatives: Vec<Alternative> = Vec::new();
            for sub in subs {
                alternatives.extend(unfold(sub));
                if alternatives.len() > MAX_ALTERNATIVES {
                    return vec![vec![Piece::Vary(chars(hir))]];
                }
            }
            normalise(alternatives)
        }
    }
}

/// Merges neighbouring varying parts, drops empty ones, and removes duplicates.
fn normalise(alternatives: Vec<Alternative>) -> Vec<Alternative> {
    let mut out: Vec<Alternative> = Vec::with_capacity(alternatives.len());
    for alternative in alternatives {
        let mut merged: Alternative = Vec::with_capacity(alternative.len());
        for piece in alternative {
            match (merged.last_mut(), piece) {
                (_, Piece::Vary(chars)) if chars.is_empty() => {}
                (Some(Piece::Vary(last)), Piece::Vary(chars)) => *last = last.union(chars),
                _ => merged.push(piece),
            }
        }
        if !out.contains(&merged) {
            out.push(merged);
        }
    }
    out
}

/// What the origins one alternative matches look like.
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    /// It matches no canonical origin.
    Dead,
    /// The scheme (or the `://` after it) can vary.
    SchemeVaries,
    /// `scheme://host[:port]` with this host.
    Origin { scheme: String, host: Host },
}

#[derive(Debug, PartialEq, Eq)]
enum Host {
    /// Always exactly this host.
    Fixed(String),
    /// One or more labels, then `.domain`.
    Under(String),
    /// Anything else: the host does not end in a fixed domain.
    Open,
}

fn shape(alternative: &[Piece]) -> Shape {
    let mut pieces = alternative.iter().copied().peekable();
    let mut scheme = String::new();
    loop {
        match pieces.next() {
            None => return Shape::Dead,
            Some(Piece::Char(b':')) => break,
            Some(Piece::Char(byte)) => scheme.push(char::from(byte)),
            // A varying scheme, unless no `://` can follow at all (then nothing it matches
            // is an origin: `([a-z]+\.)*example\.com` without its scheme).
            Some(Piece::Vary(_)) => {
                let can_make = |piece: &Piece, byte: u8| match piece {
                    Piece::Char(b) => *b == byte,
                    Piece::Vary(chars) => chars.contains(byte),
                };
                let separator_follows = alternative.windows(2).any(|pair| {
                    can_make(&pair[0], b':') && can_make(&pair[1], b'/')
                }) || alternative.iter().any(|piece| {
                    matches!(piece, Piece::Vary(c) if c.contains(b':') && c.contains(b'/'))
                });
                return if separator_follows {
                    Shape::SchemeVaries
                } else {
                    Shape::Dead
                };
            }
        }
    }
    for expected in [b'/', b'/'] {
        match pieces.next() {
            Some(Piece::Char(byte)) if byte == expected => {}
            Some(Piece::Vary(chars)) if chars.contains(expected) => return Shape::SchemeVaries,
            _ => return Shape::Dead,
        }
    }
    let scheme_ok = scheme
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_lowercase)
        && scheme
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Shape::Dead;
    }

    // The host runs up to the port's `:` (or the end); a varying part that can produce a
    // `:` may end it anywhere.
    let mut host: Vec<Piece> = Vec::new();
    let mut port = false;
    if pieces.peek() == Some(&Piece::Char(b'[')) {
        // A bracketed IPv6 address: only ever fixed.
        let mut address = String::new();
        for piece in pieces.by_ref() {
            match piece {
                Piece::Char(byte) => {
                    address.push(char::from(byte));
                    if byte == b']' {
                        break;
                    }
                }
                Piece::Vary(_) => {
                    return Shape::Origin {
                        scheme,
                        host: Host::Open,
                    }
                }
            }
        }
        return Shape::Origin {
            scheme,
            host: Host::Fixed(address),
        };
    }
    let rest: Vec<Piece> = pieces.collect();
    for (index, &piece) in rest.iter().enumerate() {
        match piece {
            Piece::Char(b':') => {
                port = true;
                break;
            }
            Piece::Char(byte) if HOST_CHARS.contains(byte) => host.push(piece),
            Piece::Char(_) => return Shape::Dead,
            Piece::Vary(chars) => {
                let in_host = chars.intersect(HOST_CHARS);
                if !in_host.is_empty() {
                    host.push(Piece::Vary(in_host));
                }
                // The port's `:` can come from this part only if nothing but digits can
                // follow it.
                let only_digits_follow = rest[index + 1..]
                    .iter()
                    .all(|piece| !matches!(piece, Piece::Char(byte) if !byte.is_ascii_digit()));
                if chars.contains(b':') && only_digits_follow {
                    break;
                }
            }
        }
    }
    if port {
        let after = rest
            .iter()
            .skip_while(|piece| **piece != Piece::Char(b':'))
            .skip(1);
        if after
            .clone()
            .any(|piece| matches!(piece, Piece::Char(byte) if !byte.is_ascii_digit()))
        {
            return Shape::Dead;
        }
    }
    Shape::Origin {
        scheme,
        host: classify_host(&normalise(vec![host]).pop().unwrap_or_default()),
    }
}

fn classify_host(host: &[Piece]) -> Host {
    // Only ever called on runs of fixed characters.
    let fixed_tail = |pieces: &[Piece]| -> String {
        pieces
            .iter()
            .filter_map(|piece| match piece {
                Piece::Char(byte) => Some(char::from(*byte)),
                Piece::Vary(_) => None,
            })
            .collect()
    };
    match host
        .iter()
        .rposition(|piece| matches!(piece, Piece::Vary(_)))
    {
        None => Host::Fixed(fixed_tail(host)),
        Some(last_varying) => {
            let tail = fixed_tail(&host[last_varying + 1..]);
            match tail.split_once('.') {
                Some((_, domain)) if !domain.is_empty() => Host::Under(domain.to_owned()),
                _ => Host::Open,
            }
        }
    }
}

/// Checks one configured regex by its structure, under the strict-mode safety rules.
///
/// `input` is the regex as written and `hir` its parsed form. The first problem found is
/// returned; a regex whose only fault is an unescaped `.` gets the escaped regex as its fix.
pub(crate) fn check(input: &str, hir: &Hir, safety: OriginSafety) -> Result<(), ConfigProblem> {
    let Err(problem) = check_shape(input, hir, safety) else {
        return Ok(());
    };
    if let Some(escaped) = escape_bare_dots(input) {
        let fixed = regex_syntax::Parser::new().parse(&escaped);
        if fixed.is_ok_and(|fixed| check_shape(&escaped, &fixed, safety).is_ok()) {
            let example = unescaped_dot_example(input, &escaped);
            return Err(ConfigProblem::RegexUnescapedDot {
                input: input.to_owned(),
                escaped,
                example,
            });
        }
    }
    Err(problem)
}

fn check_shape(input: &str, hir: &Hir, safety: OriginSafety) -> Result<(), ConfigProblem> {
    let mut live = 0;
    for alternative in unfold(hir) {
        let (scheme, host) = match shape(&alternative) {
            Shape::Dead => continue,
            Shape::SchemeVaries => {
                return Err(ConfigProblem::RegexSchemeVaries {
                    input: input.to_owned(),
                })
            }
            Shape::Origin { scheme, host } => (scheme, host),
        };
        live += 1;
        let loopback = match &host {
            Host::Fixed(host) => is_loopback_host(host),
            Host::Under(_) | Host::Open => false,
        };
        if scheme == "http" && !loopback && !safety.allow_insecure_http {
            return Err(ConfigProblem::InsecureOrigin {
                input: input.to_owned(),
            });
        }
        match host {
            Host::Fixed(_) => {}
            Host::Open => {
                return Err(ConfigProblem::RegexHostNotFixed {
                    input: input.to_owned(),
                })
            }
            Host::Under(domain) => match open_domain(&domain) {
                None => {}
                Some(OpenDomain::PublicSuffix { suffix, .. }) => {
                    return Err(ConfigProblem::RegexOverPublicSuffix {
                        input: input.to_owned(),
                        suffix,
                    })
                }
                Some(OpenDomain::HasPublicSuffixesBeneath { domain }) => {
                    return Err(ConfigProblem::PublicSuffixesBeneath {
                        input: input.to_owned(),
                        domain,
                    })
                }
            },
        }
    }
    if live == 0 {
        return Err(ConfigProblem::RegexMatchesNoOrigin {
            input: input.to_owned(),
        });
    }
    Ok(())
}

/// The byte offsets of every `.` that stands alone (not repeated, as in `.*`) after the
/// regex's `://`: the dots that were most likely meant literally.
fn bare_dots(input: &str) -> Vec<usize> {
    fn walk(ast: &Ast, after: usize, dots: &mut Vec<usize>) {
        match ast {
            Ast::Dot(span) if span.start.offset > after => dots.push(span.start.offset),
            Ast::Repetition(repetition) => match &*repetition.ast {
                Ast::Dot(_) => {}
                other => walk(other, after, dots),
            },
            Ast::Group(group) => walk(&group.ast, after, dots),
            Ast::Alternation(alternation) => {
                alternation.asts.iter().for_each(|a| walk(a, after, dots))
            }
            Ast::Concat(concat) => concat.asts.iter().for_each(|a| walk(a, after, dots)),
            _ => {}
        }
    }
    let Ok(ast) = ast::parse::Parser::new().parse(input) else {
        return Vec::new();
    };
    let after = input.find("://").map_or(0, |i| i + 2);
    let mut dots = Vec::new();
    walk(&ast, after, &mut dots);
    dots
}

/// `input` with every bare dot escaped, if it has any.
fn escape_bare_dots(input: &str) -> Option<String> {
    let dots = bare_dots(input);
    (!dots.is_empty()).then(|| replace_dots(input, &dots, |_| "\\."))
}

fn replace_dots(input: &str, dots: &[usize], with: impl Fn(usize) -> &'static str) -> String {
    let mut out = String::with_capacity(input.len() + dots.len());
    let mut from = 0;
    for (index, &dot) in dots.iter().enumerate() {
        out.push_str(&input[from..dot]);
        out.push_str(with(index));
        from = dot + 1;
    }
    out.push_str(&input[from..]);
    out
}

/// An origin the regex as written matches and its escaped form does not, under a
/// registrable domain other than the intended one: what a stranger could register. Found by
/// letting one dot at a time match a letter.
fn unescaped_dot_example(input: &str, escaped: &str) -> Option<String> {
    let whole = |regex: &str| {
        let hir = regex_syntax::Parser::new().parse(regex).ok()?;
        regex::Regex::new(&format!("^(?:{hir})$")).ok()
    };
    let (original, fixed) = (whole(input)?, whole(escaped)?);
    let intended = sample(&regex_syntax::Parser::new().parse(escaped).ok()?)?;
    let intended_domain = registrable(&intended);
    let dots = bare_dots(input);
    (0..dots.len()).find_map(|letter| {
        let variant = replace_dots(input, &dots, |i| if i == letter { "z" } else { "\\." });
        let candidate = sample(&regex_syntax::Parser::new().parse(&variant).ok()?)?;
        let stranger = original.is_match(&candidate)
            && !fixed.is_match(&candidate)
            && Origin::parse(&candidate).is_some()
            && registrable(&candidate) != intended_domain;
        stranger.then_some(candidate)
    })
}

/// The registrable domain of an origin's host, by the Public Suffix List.
fn registrable(origin: &str) -> Option<String> {
    let origin = Origin::parse(origin)?;
    psl::domain_str(origin.host()).map(str::to_owned)
}

/// One short string `hir` matches, preferring lowercase letters and digits.
fn sample(hir: &Hir) -> Option<String> {
    Some(match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => String::new(),
        HirKind::Literal(literal) => String::from_utf8(literal.0.to_vec()).ok()?,
        HirKind::Class(class) => {
            let chars = class_chars(class);
            let preferred = Chars::of(b"abcdefghijklmnopqrstuvwxyz0123456789")
                .intersect(chars)
                .bytes()
                .next();
            char::from(preferred.or_else(|| chars.bytes().next())?).to_string()
        }
        HirKind::Capture(capture) => sample(&capture.sub)?,
        HirKind::Repetition(repetition) => {
            let once = sample(&repetition.sub)?;
            once.repeat(usize::try_from(repetition.min.max(1)).ok()?.min(8))
        }
        HirKind::Concat(subs) => subs.iter().map(sample).collect::<Option<String>>()?,
        HirKind::Alternation(subs) => subs.iter().find_map(sample)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes(regex: &str) -> Vec<Shape> {
        let hir = regex_syntax::Parser::new().parse(regex).unwrap();
        unfold(&hir).iter().map(|a| shape(a)).collect()
    }

    fn origin(scheme: &str, host: Host) -> Shape {
        Shape::Origin {
            scheme: scheme.to_owned(),
            host,
        }
    }

    #[test]
    fn alternatives_and_optional_parts_are_unfolded() {
        let all = shapes(r"https?://(app|www)\.example\.com(:[0-9]+)?");
        // With and without the port: the same scheme and host, twice.
        assert_eq!(all.len(), 8, "{all:?}");
        for scheme in ["http", "https"] {
            for host in ["app.example.com", "www.example.com"] {
                assert!(
                    all.contains(&origin(scheme, Host::Fixed(host.into()))),
                    "{all:?}"
                );
            }
        }
    }

    #[test]
    fn hosts_after_a_varying_part_are_under_the_fixed_tail() {
        for (regex, expected) in [
            (
                r"https://[a-z]+\.example\.com",
                Host::Under("example.com".into()),
            ),
            (
                r"https://pr[0-9]+-app\.example\.com",
                Host::Under("example.com".into()),
            ),
            (
                r"https://([a-z]+\.)*example\.com",
                Host::Under("example.com".into()),
            ),
            (r"https://.*example\.com", Host::Under("com".into())),
            (r"https://app\.example\.com.*", Host::Open),
            (r"https://[a-z]+", Host::Open),
            (r"https://pr-[0-9]+.preview.example.com", Host::Open),
        ] {
            let all = shapes(regex);
            assert!(all.contains(&origin("https", expected)), "{regex}: {all:?}");
        }
    }

    #[test]
    fn case_insensitive_literals_count_as_the_lowercase_character() {
        assert_eq!(
            shapes(r"(?i)https://APP\.example\.com"),
            [origin("https", Host::Fixed("app.example.com".into()))]
        );
        // Without (?i), an uppercase literal can never match what a browser sends.
        assert_eq!(shapes(r"https://APP\.example\.com"), []);
    }

    #[test]
    fn schemes_must_be_spelled_out() {
        for regex in [r"[a-z]+://app\.example\.com", r".*\.example\.com"] {
            assert!(shapes(regex).contains(&Shape::SchemeVaries), "{regex}");
        }
        for regex in [r"app\.example\.com", r"([a-z]+\.)*example\.com"] {
            let all = shapes(regex);
            assert!(all.iter().all(|s| *s == Shape::Dead), "{regex}: {all:?}");
        }
    }

    #[test]
    fn bare_dots_are_found_after_the_scheme_only() {
        assert_eq!(
            escape_bare_dots(r"https://pr-[0-9]+.preview.example.com").as_deref(),
            Some(r"https://pr-[0-9]+\.preview\.example\.com")
        );
        assert_eq!(escape_bare_dots(r"https://.*\.example\.com"), None);
        assert_eq!(
            escape_bare_dots(r"https://(a|b).example.com").as_deref(),
            Some(r"https://(a|b)\.example\.com")
        );
    }

    #[test]
    fn the_unescaped_dot_example_is_a_strangers_origin() {
        let input = r"https://pr-[0-9]+.preview.example.com";
        let escaped = escape_bare_dots(input).unwrap();
        assert_eq!(
            unescaped_dot_example(input, &escaped).as_deref(),
            Some("https://pr-0.previewzexample.com")
        );
    }

    #[test]
    fn huge_regexes_fold_instead_of_growing() {
        let many: Vec<String> = (0..5_000).map(|i| format!("h{i}")).collect();
        let regex = format!(
            r"https://({})\.({})\.example\.com",
            many.join("|"),
            many.join("|")
        );
        let hir = regex_syntax::Parser::new().parse(&regex).unwrap();
        let alternatives = unfold(&hir);
        assert!(
            alternatives.len() <= MAX_ALTERNATIVES,
            "{}",
            alternatives.len()
        );
        // Folded, the hosts are still known to lie under example.com.
        assert!(alternatives
            .iter()
            .all(|a| shape(a) == origin("https", Host::Under("example.com".into()))));
    }

    /// Found by the `origin_pattern` fuzz target: a non-ASCII literal (as in a regex
    /// repeating `é`) overflowed the character set's shift.
    #[test]
    fn non_ascii_literals_are_characters_no_origin_contains() {
        for regex in [
            r"https://(é)+\.example\.com",
            r"https://[a-z]+\.bücher\.example",
            "é{2,}",
        ] {
            let hir = regex_syntax::Parser::new().parse(regex).unwrap();
            assert!(chars(&hir).bytes().all(|b| b < 128), "{regex}");
            for alternative in unfold(&hir) {
                let _ = shape(&alternative);
            }
        }
    }
}

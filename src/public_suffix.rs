//! Which domains are open to anyone: the Public Suffix List, asked while a policy is built.
//!
//! A wildcard `https://*.D` (or a regex whose hosts all end in `.D`) reaches every name under
//! `D`. That is only safe when one owner controls every such name, and the Public Suffix List
//! (both its ICANN and its private section) is the record of where that stops being true:
//! `co.uk`, `github.io`, `s3.us-east-1.amazonaws.com` and about ten thousand other suffixes
//! under which strangers register names of their own.
//!
//! The list comes from the [`psl`] crate, compiled into a lookup table and kept current by its
//! maintainers; the request path never consults it.

use psl::{List, Psl, Type};

/// Why names under a domain may belong to strangers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OpenDomain {
    /// The domain is itself a public suffix: names directly under it are registered by
    /// anyone. `icann` tells which section of the list it comes from.
    PublicSuffix { suffix: String, icann: bool },
    /// The domain is registrable, but the list has public suffixes beneath it (as
    /// `s3.us-east-1.amazonaws.com` is beneath `us-east-1.amazonaws.com`): a wildcard over
    /// it reaches names registered under those.
    HasPublicSuffixesBeneath { domain: String },
}

/// Whether a wildcard over `domain` (a lowercase, punycode DNS name without a trailing dot)
/// reaches names that strangers can register, and why.
///
/// Every single-label domain counts as a public suffix, listed or not (`com`, `internal`,
/// `localhost`): a wildcard over a top-level domain is never what an application means.
pub(crate) fn open_domain(domain: &str) -> Option<OpenDomain> {
    let labels = domain.split('.').count();
    if labels == 1 {
        return Some(OpenDomain::PublicSuffix {
            suffix: domain.to_owned(),
            icann: true,
        });
    }
    if let Some(suffix) = List.suffix(domain.as_bytes()) {
        if suffix.is_known() && suffix.as_bytes() == domain.as_bytes() {
            return Some(OpenDomain::PublicSuffix {
                suffix: domain.to_owned(),
                icann: suffix.typ() == Some(Type::Icann),
            });
        }
    }
    has_rules_beneath(domain, labels).then(|| OpenDomain::HasPublicSuffixesBeneath {
        domain: domain.to_owned(),
    })
}

/// Whether the list has a rule for a name strictly under `domain`.
///
/// The `psl` table is a trie walked from the last label; a node with children asks its label
/// iterator for one more label, a leaf does not. So handing it exactly `domain`'s labels and
/// counting whether it asks past them tells whether any rule lies beneath `domain`. The
/// crate's test over the whole list (`tests/public_suffix.rs`) pins this for every rule.
fn has_rules_beneath(domain: &str, labels: usize) -> bool {
    let mut asked = 0;
    let iter = domain.rsplit('.').map(str::as_bytes);
    let counting = std::iter::from_fn({
        let mut iter = iter;
        let asked = &mut asked;
        move || {
            *asked += 1;
            iter.next()
        }
    });
    List.find(counting);
    asked > labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_suffixes_of_both_sections_and_their_parents_are_open() {
        for (domain, expected) in [
            ("com", Some(true)),
            ("co.uk", Some(true)),
            ("co.id", Some(true)),
            ("github.io", Some(false)),
            ("myshopify.com", Some(false)),
            ("azurestaticapps.net", Some(false)),
            ("s3.us-east-1.amazonaws.com", Some(false)),
            ("internal", Some(true)),
        ] {
            match (open_domain(domain), expected) {
                (Some(OpenDomain::PublicSuffix { suffix, icann }), Some(section)) => {
                    assert_eq!((suffix.as_str(), icann), (domain, section), "{domain}");
                }
                (other, _) => panic!("{domain}: {other:?}"),
            }
        }
        for domain in ["af-south-1.amazonaws.com", "amazonaws.com"] {
            assert_eq!(
                open_domain(domain),
                Some(OpenDomain::HasPublicSuffixesBeneath {
                    domain: domain.to_owned()
                }),
                "{domain}"
            );
        }
    }

    #[test]
    fn ordinary_registrable_domains_are_closed() {
        for domain in [
            "example.com",
            "tenant.example.com",
            "example.co.uk",
            "me.github.io",
            "shop.myshopify.com",
            "example.internal",
        ] {
            assert_eq!(open_domain(domain), None, "{domain}");
        }
    }
}

//! The site's Content-Security-Policy (README: "Serving the site"), and what it blocks in
//! the raw HTML an editor writes in a page: inline scripts, `<style>` blocks, `style`
//! attributes, event-handler attributes (`onclick`) and `javascript:` URLs. Such HTML
//! builds, but does nothing on the published site, so `samsyn check` says so where it is
//! written.

use crate::markdown;
use pulldown_cmark::{Event, Parser};
use std::ops::Range;

/// The policy, as the server should send it: only the site's own files run
/// (`'wasm-unsafe-eval'` lets the search compile its WebAssembly), and no other site may
/// frame the pages. The preview sends it too.
pub const POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The policy as every page carries it in `<meta http-equiv>`: without the directives a
/// `<meta>` cannot deliver (`frame-ancestors`).
pub static META_POLICY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    POLICY
        .split("; ")
        .filter(|d| !d.starts_with("frame-ancestors"))
        .collect::<Vec<_>>()
        .join("; ")
});

/// One construct of raw HTML that the policy blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// Byte range in the Markdown body.
    pub span: Range<usize>,
    /// What it is, in Swedish, for the message (`style-attributet`).
    pub what: &'static str,
    /// How to get the same effect under the policy.
    pub instead: &'static str,
}

const STYLE_INSTEAD: &str = "ge elementet en klass och lägg stilen i temats CSS (--theme)";
const SCRIPT_INSTEAD: &str = "lägg skriptet i en fil i temat och länka den med <script src>";

/// Every construct in the raw HTML of `body` that the policy blocks, in order.
pub fn blocked_in(body: &str) -> Vec<Blocked> {
    let mut out = Vec::new();
    for (event, range) in Parser::new_ext(body, markdown::options()).into_offset_iter() {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                out.extend(blocked_in_html(&html).into_iter().map(|mut b| {
                    b.span = range.start + b.span.start..range.start + b.span.end;
                    b
                }));
            }
            Event::Start(pulldown_cmark::Tag::Link { dest_url, .. })
                if is_javascript_url(&dest_url) =>
            {
                out.push(Blocked {
                    span: range,
                    what: "en javascript:-länk",
                    instead: SCRIPT_INSTEAD,
                });
            }
            _ => {}
        }
    }
    out
}

fn is_javascript_url(url: &str) -> bool {
    url.trim_start()
        .get(..11)
        .is_some_and(|s| s.eq_ignore_ascii_case("javascript:"))
}

/// The blocked constructs of one piece of raw HTML; spans relative to it.
fn blocked_in_html(html: &str) -> Vec<Blocked> {
    let mut out = Vec::new();
    for tag in tags(html) {
        let name = tag.name.to_ascii_lowercase();
        if name == "script" && !tag.has_attribute("src") {
            out.push(Blocked {
                span: tag.span.clone(),
                what: "ett inbäddat skript (<script> utan src)",
                instead: SCRIPT_INSTEAD,
            });
        }
        if name == "style" {
            out.push(Blocked {
                span: tag.span.clone(),
                what: "ett <style>-block",
                instead: STYLE_INSTEAD,
            });
        }
        for attr in &tag.attributes {
            let attr_name = attr.name.to_ascii_lowercase();
            let blocked = if attr_name == "style" {
                Some(("style-attributet", STYLE_INSTEAD))
            } else if attr_name.len() > 2 && attr_name.starts_with("on") {
                Some(("ett händelseattribut (on…)", SCRIPT_INSTEAD))
            } else if matches!(attr_name.as_str(), "href" | "src" | "action" | "formaction")
                && is_javascript_url(attr.value)
            {
                Some(("en javascript:-länk", SCRIPT_INSTEAD))
            } else {
                None
            };
            if let Some((what, instead)) = blocked {
                out.push(Blocked {
                    span: attr.span.clone(),
                    what,
                    instead,
                });
            }
        }
    }
    out
}

/// A start tag in raw HTML (also read by the accessibility checks, [`crate::a11y`]).
pub(crate) struct Tag<'a> {
    pub(crate) name: &'a str,
    /// Byte range in the piece of HTML it was found in.
    pub(crate) span: Range<usize>,
    pub(crate) attributes: Vec<Attribute<'a>>,
}

impl Tag<'_> {
    /// Whether the tag has the attribute `name` (any case).
    pub(crate) fn has_attribute(&self, name: &str) -> bool {
        self.attributes
            .iter()
            .any(|a| a.name.eq_ignore_ascii_case(name))
    }
}

pub(crate) struct Attribute<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a str,
    pub(crate) span: Range<usize>,
}

/// The start tags of a piece of raw HTML with their attributes (quoted values may hold
/// `>` and look-alike attributes; comments are skipped).
pub(crate) fn tags(html: &str) -> Vec<Tag<'_>> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(found) = html[i..].find('<') {
        let start = i + found;
        if html[start..].starts_with("<!--") {
            i = html[start..]
                .find("-->")
                .map_or(html.len(), |e| start + e + 3);
            continue;
        }
        let name_start = start + 1;
        let name_end = name_start
            + html[name_start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(html.len() - name_start);
        if name_end == name_start || !bytes[name_start].is_ascii_alphabetic() {
            i = name_start;
            continue;
        }
        let mut attributes = Vec::new();
        let mut j = name_end;
        loop {
            while j < html.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
                j += 1;
            }
            if j >= html.len() || bytes[j] == b'>' {
                break;
            }
            let attr_start = j;
            while j < html.len()
                && !bytes[j].is_ascii_whitespace()
                && !matches!(bytes[j], b'=' | b'>' | b'/')
            {
                j += 1;
            }
            let name = &html[attr_start..j];
            let mut k = j;
            while k < html.len() && bytes[k].is_ascii_whitespace() {
                k += 1;
            }
            let mut value = "";
            if k < html.len() && bytes[k] == b'=' {
                k += 1;
                while k < html.len() && bytes[k].is_ascii_whitespace() {
                    k += 1;
                }
                match bytes.get(k) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let end = html[k + 1..]
                            .find(q as char)
                            .map_or(html.len(), |e| k + 1 + e);
                        value = &html[k + 1..end];
                        k = (end + 1).min(html.len());
                    }
                    _ => {
                        let end = html[k..]
                            .find(|c: char| c.is_ascii_whitespace() || c == '>')
                            .map_or(html.len(), |e| k + e);
                        value = &html[k..end];
                        k = end;
                    }
                }
                j = k;
            }
            if name.is_empty() {
                j += 1;
                continue;
            }
            attributes.push(Attribute {
                name,
                value,
                span: attr_start..j,
            });
        }
        out.push(Tag {
            name: &html[name_start..name_end],
            span: start..(j + 1).min(html.len()),
            attributes,
        });
        i = j.max(name_end).min(html.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(body: &str) -> Vec<(&str, &'static str)> {
        blocked_in(body)
            .into_iter()
            .map(|b| (&body[b.span], b.what))
            .collect()
    }

    #[test]
    fn finds_what_the_policy_blocks_where_it_is_written() {
        let body = "# T\n\n<div style=\"color: red\" class=\"x\">a</div>\n\n\
                    Text <span onclick='go()'>b</span> och <a href=\"JavaScript:go()\">c</a>.\n\n\
                    <script>alert(1)</script>\n\n<style>p { color: red }</style>\n\n\
                    [d](javascript:void(0))\n";
        let hits = found(body);
        assert_eq!(
            hits.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
            [
                "style-attributet",
                "ett händelseattribut (on…)",
                "en javascript:-länk",
                "ett inbäddat skript (<script> utan src)",
                "ett <style>-block",
                "en javascript:-länk",
            ]
        );
        assert_eq!(hits[0].0, "style=\"color: red\"");
        assert_eq!(hits[1].0, "onclick='go()'");
        assert_eq!(hits[2].0, "href=\"JavaScript:go()\"");
    }

    #[test]
    fn allows_what_the_policy_allows() {
        let body = "<script src=\"../js/x.js\"></script>\n\n<img src=\"a.png\" alt=\"on=1\" data-style=\"x\">\n\n\
                    <a title=\"style=x onclick=y\" href=\"https://rjl.se\">x</a> <!-- <b style=\"x\"> -->\n\n\
                    `<b style=\"x\">` i kod\n\n    <b onclick=\"x\"> i ett kodblock\n";
        assert_eq!(found(body), []);
    }

    #[test]
    fn odd_html_does_not_panic() {
        // Found by fuzzing: an unclosed quote after an attribute without a name ran the
        // scan past the end of the HTML.
        let _ = blocked_in("\n>\t-\t<div>\n>\t\t<a href=\"\"=\">\n");
        for body in [
            "<",
            "<a",
            "<a b=",
            "<a b=\"",
            "<a b='x",
            "<1>",
            "<a =x>",
            "<ä style=x>",
            "<a\u{0}>",
        ] {
            let _ = blocked_in(body);
        }
    }
}

//! Markdown analysis shared by the validator and the renderer, so that both agree on
//! heading ids and on which links a page has.

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::ops::Range;

/// The Markdown extensions samsyn renders.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// A heading of a page, with the id it has in the rendered HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
    /// Byte range in the Markdown body.
    pub span: Range<usize>,
}

/// An id from heading text: the mdBook rule (trim, lowercase, keep alphanumerics,
/// `_` and `-`, whitespace to `-`, drop the rest).
pub fn id_from_text(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// Makes `id` unique among `used` by appending `-1`, `-2`, … as mdBook does.
pub fn unique_id(id: &str, used: &mut HashSet<String>) -> String {
    if used.insert(id.to_string()) {
        return id.to_string();
    }
    (1..)
        .map(|n| format!("{id}-{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .expect("an unused suffix exists")
}

/// Assigns heading ids in document order. Explicit `{#id}` ids are reserved first, so
/// an automatic id never takes one.
#[derive(Debug, Default)]
pub struct HeadingIds {
    used: HashSet<String>,
}

impl HeadingIds {
    pub fn new(explicit: impl IntoIterator<Item = String>) -> Self {
        HeadingIds {
            used: explicit.into_iter().collect(),
        }
    }

    /// The id of the next heading: its explicit id, or a unique one from its text.
    pub fn next(&mut self, explicit: Option<&str>, text: &str) -> String {
        match explicit {
            Some(id) => id.to_string(),
            None => unique_id(&id_from_text(text), &mut self.used),
        }
    }
}

/// All headings of a Markdown body, with their rendered ids.
pub fn headings(body: &str) -> Vec<Heading> {
    let mut raw: Vec<(u8, Option<String>, String, Range<usize>)> = Vec::new();
    let mut current: Option<(u8, Option<String>, String, Range<usize>)> = None;
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                current = Some((level as u8, id.map(|i| i.to_string()), String::new(), range));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, text, _)) = current.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => raw.extend(current.take()),
            _ => {}
        }
    }
    let mut ids = HeadingIds::new(raw.iter().filter_map(|h| h.1.clone()));
    raw.into_iter()
        .map(|(level, explicit, text, span)| Heading {
            level,
            id: ids.next(explicit.as_deref(), &text),
            text,
            span,
        })
        .collect()
}

/// Where a link came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSource {
    Inline,
    Reference,
    Autolink,
    Image,
    RawHtml,
}

/// One link target written in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub dest: String,
    /// Byte range of the destination text in the body (or of the whole link when the
    /// destination cannot be located exactly).
    pub span: Range<usize>,
    pub source: LinkSource,
}

/// Every link, image and raw-HTML `href`/`src` of a Markdown body. Reference-style
/// links are reported once, at their definition.
pub fn links(body: &str) -> Vec<LinkRef> {
    let parser = Parser::new_ext(body, options());
    let mut out: Vec<LinkRef> = parser
        .reference_definitions()
        .iter()
        .map(|(_, def)| LinkRef {
            dest: def.dest.to_string(),
            span: locate(body, def.span.clone(), &def.dest),
            source: LinkSource::Reference,
        })
        .collect();
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                let source = match link_type {
                    LinkType::Inline => LinkSource::Inline,
                    LinkType::Autolink | LinkType::Email => LinkSource::Autolink,
                    // Reported at their definitions; unresolved ones never become links.
                    _ => continue,
                };
                // `<namn@example.se>` is an e-mail address (rendered `mailto:`), not a file.
                let dest = if link_type == LinkType::Email {
                    format!("mailto:{dest_url}")
                } else {
                    dest_url.to_string()
                };
                out.push(LinkRef {
                    span: locate(body, range, &dest_url),
                    dest,
                    source,
                });
            }
            Event::Start(Tag::Image {
                link_type: LinkType::Inline,
                dest_url,
                ..
            }) => out.push(LinkRef {
                span: locate(body, range, &dest_url),
                dest: dest_url.to_string(),
                source: LinkSource::Image,
            }),
            Event::Html(html) | Event::InlineHtml(html) => {
                // Offsets in the HTML are offsets in the body only where it is written as
                // is (not across lines of a block quote, whose `>` markers it lacks).
                let verbatim = body.get(range.clone()) == Some(&*html);
                for (dest, at) in html_urls(&html) {
                    let span = if verbatim {
                        range.start + at..range.start + at + dest.len()
                    } else {
                        locate(body, range.clone(), &dest)
                    };
                    out.push(LinkRef {
                        span,
                        dest,
                        source: LinkSource::RawHtml,
                    });
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|l| l.span.start);
    out
}

/// Narrows `range` to where `dest` is written inside it.
fn locate(body: &str, range: Range<usize>, dest: &str) -> Range<usize> {
    let slice = body.get(range.clone()).unwrap_or("");
    match (!dest.is_empty()).then(|| slice.rfind(dest)).flatten() {
        Some(i) => range.start + i..range.start + i + dest.len(),
        None => range,
    }
}

/// The values of `href` and `src` attributes in a piece of raw HTML, with their
/// byte offsets.
pub fn html_urls(html: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    for attr in ["href", "src"] {
        let mut from = 0;
        while let Some(found) = lower[from..].find(attr) {
            let at = from + found;
            from = at + attr.len();
            let preceded_ok = at == 0
                || lower[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_whitespace());
            let rest = &html[from..];
            let after_eq = rest.trim_start();
            if !preceded_ok || !after_eq.starts_with('=') {
                continue;
            }
            let value_part = after_eq[1..].trim_start();
            let value_at = html.len() - value_part.len();
            let (value, offset) = match value_part.chars().next() {
                Some(q @ ('"' | '\'')) => match value_part[1..].find(q) {
                    Some(end) => (&value_part[1..1 + end], value_at + 1),
                    None => continue,
                },
                _ => {
                    let end = value_part
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(value_part.len());
                    (&value_part[..end], value_at)
                }
            };
            out.push((value.to_string(), offset));
        }
    }
    out.sort_by_key(|(_, at)| *at);
    // `src=` inside a quoted `href` value (or the other way round) is part of that value.
    let mut end = 0;
    out.retain(|(value, at)| {
        let outside = *at >= end;
        if outside {
            end = at + value.len();
        }
        outside
    });
    out
}

/// Rewrites the `href`/`src` values of a piece of raw HTML with `rewrite`.
pub fn rewrite_html_urls(html: &str, mut rewrite: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for (value, at) in html_urls(html) {
        if let Some(new) = rewrite(&value) {
            out.push_str(&html[last..at]);
            out.push_str(&new);
            last = at + value.len();
        }
    }
    out.push_str(&html[last..]);
    out
}

/// The rest of a `doc:` link (`104623#sip`), or `None` for any other destination. URL
/// schemes are case-insensitive (RFC 3986), so `DOC:` and `Doc:` are `doc:` links too.
pub fn doc_link(dest: &str) -> Option<&str> {
    let scheme = dest.get(..4)?;
    scheme.eq_ignore_ascii_case("doc:").then(|| &dest[4..])
}

/// Whether a link destination names a scheme (`https:`, `mailto:`, `doc:` …) or is
/// protocol-relative.
pub fn has_scheme(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    match dest.find(':') {
        Some(i) => {
            let scheme = &dest[..i];
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Splits `path#fragment` (dropping any `?query`).
pub fn split_fragment(dest: &str) -> (&str, Option<&str>) {
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    };
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    (path, fragment)
}

/// Replaces NUL characters with U+FFFD, as CommonMark asks of a renderer.
pub fn replace_nul(text: &mut String) {
    if text.contains('\0') {
        *text = text.replace('\0', "\u{FFFD}");
    }
}

/// Plain text of Markdown events (for titles and search).
pub fn plain_text<'a>(events: impl IntoIterator<Item = Event<'a>>) -> String {
    let mut out = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out
}

/// Percent-decodes a URL path (`%C3%A5` → `å`); invalid sequences are kept as written.
pub fn percent_decode(s: &str) -> CowStr<'_> {
    if !s.contains('%') {
        return CowStr::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    CowStr::from(String::from_utf8(out).unwrap_or_else(|_| s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_ids_follow_mdbook_and_explicit_ids() {
        let body = "# Överenskommelse om samverkan\n\n## Mål\n\n## Mål\n\n## SIP {#sip}\n\n## Ansvar: `skola`\n";
        let ids: Vec<_> = headings(body).into_iter().map(|h| h.id).collect();
        assert_eq!(
            ids,
            [
                "överenskommelse-om-samverkan",
                "mål",
                "mål-1",
                "sip",
                "ansvar-skola"
            ]
        );
    }

    #[test]
    fn explicit_ids_are_reserved_before_automatic_ones() {
        let ids: Vec<_> = headings("## Mål\n\n## Annat {#mål-1}\n\n## Mål\n")
            .into_iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(ids, ["mål", "mål-1", "mål-2"]);
    }

    #[test]
    fn links_of_every_form_are_found_with_positions() {
        let body = "Se [a](a.md#x), <https://x.se>, ![b](bild.png) och [c][ref].\n\n<a href=\"d.md\">d</a>\n\n[ref]: c.md#y\n";
        let found: Vec<_> = links(body)
            .into_iter()
            .map(|l| (l.dest.clone(), body[l.span.clone()] == l.dest, l.source))
            .collect();
        assert_eq!(
            found,
            [
                ("a.md#x".to_string(), true, LinkSource::Inline),
                ("https://x.se".to_string(), true, LinkSource::Autolink),
                ("bild.png".to_string(), true, LinkSource::Image),
                ("d.md".to_string(), true, LinkSource::RawHtml),
                ("c.md#y".to_string(), true, LinkSource::Reference),
            ]
        );
    }

    #[test]
    fn html_urls_handle_quotes_and_ignore_lookalikes() {
        let urls = html_urls("<img data-src=\"no\" src='a.png'><a href=b.md>x</a>");
        let values: Vec<_> = urls.into_iter().map(|(v, _)| v).collect();
        assert_eq!(values, ["a.png", "b.md"]);
        assert_eq!(
            rewrite_html_urls("<a href=\"b.md\">", |v| Some(v.replace(".md", ".html"))),
            "<a href=\"b.html\">"
        );
    }

    #[test]
    fn schemes_and_fragments() {
        assert!(has_scheme("https://x") && has_scheme("doc:104623") && has_scheme("mailto:a@b"));
        assert!(!has_scheme("a.md") && !has_scheme("../a.md#x:y"));
        assert_eq!(doc_link("doc:104623#sip"), Some("104623#sip"));
        assert_eq!(doc_link("DOC:104623"), Some("104623"));
        assert_eq!(doc_link("Doc:1"), Some("1"));
        assert_eq!(doc_link("docs/a.md"), None);
        assert_eq!(doc_link("dö"), None);
        assert_eq!(split_fragment("a.md?x=1#f"), ("a.md", Some("f")));
        assert_eq!(percent_decode("f%C3%B6r%20x.md"), "för x.md".into());
    }
}

//! One chapter's Markdown to HTML: heading ids and anchors, rewritten links, wrapped
//! tables, a citation button after each h2/h3; and the page split into sections for the search index.

use crate::book::{LoadedBook, Page};
use crate::links::Resolver;
use crate::markdown::{self, LinkSource};
use pulldown_cmark::{Alignment, CowStr, Event, HeadingLevel, Parser, Tag, TagEnd};

/// A part of a page between two headings, as plain text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    /// Heading text (empty for the text before the first heading).
    pub heading: String,
    /// Heading id (none for the text before the first heading).
    pub id: Option<String>,
    pub text: String,
}

/// The rendered body of a chapter.
#[derive(Debug, Clone, Default)]
pub struct RenderedPage {
    pub html: String,
    pub sections: Vec<Section>,
}

/// Table cells' alignment (`| :-: |`) as a class (`align-left`, `align-center`,
/// `align-right`; styled in the theme's CSS) instead of the `style` attribute
/// pulldown-cmark writes, which a strict Content-Security-Policy (`style-src 'self'`)
/// blocks. The table is handed on without alignments; aligned cells are written here.
#[derive(Default)]
struct CellAlignment {
    columns: Vec<Alignment>,
    in_head: bool,
    column: usize,
}

impl CellAlignment {
    /// The cell's tag and class when the current column is aligned.
    fn aligned(&self) -> Option<(&'static str, &'static str)> {
        let class = match self.columns.get(self.column)? {
            Alignment::None => return None,
            Alignment::Left => "align-left",
            Alignment::Center => "align-center",
            Alignment::Right => "align-right",
        };
        Some((if self.in_head { "th" } else { "td" }, class))
    }

    /// The event that opens a cell.
    fn start<'e>(&self) -> Event<'e> {
        match self.aligned() {
            Some((tag, class)) => Event::Html(format!("<{tag} class=\"{class}\">").into()),
            None => Event::Start(Tag::TableCell),
        }
    }

    /// The event that closes a cell; moves to the next column.
    fn end<'e>(&mut self) -> Event<'e> {
        let event = match self.aligned() {
            Some((tag, _)) => Event::Html(format!("</{tag}>").into()),
            None => Event::End(TagEnd::TableCell),
        };
        self.column += 1;
        event
    }
}

/// The opening `<table>`, named after the nearest preceding heading (a Markdown table has
/// no caption), or the page's title before any heading, set as its label. The theme's
/// script names the scroll region of a wide table after the table.
fn table_start<'e>(heading: &str, page_title: &str) -> Event<'e> {
    let name = match heading.split_whitespace().collect::<Vec<_>>().join(" ") {
        h if h.is_empty() => page_title.to_string(),
        h => h,
    };
    let name = html_escape::encode_double_quoted_attribute(&name);
    Event::Html(format!("<table aria-label=\"{name}\">").into())
}

/// Whether a heading of this level gets a "Kopiera hänvisning" button (sections and
/// their subsections); its heading and button are wrapped in a `div.section-heading`.
fn cited(level: HeadingLevel) -> bool {
    matches!(level, HeadingLevel::H2 | HeadingLevel::H3)
}

/// Renders chapter `index` of `book`, whose Markdown is `markdown` (the page's own, or
/// taken out of the book while a build renders it: `render::render_site`).
pub fn render(
    book: &LoadedBook,
    resolver: &Resolver<'_>,
    index: usize,
    markdown: &str,
) -> RenderedPage {
    render_page(resolver, index, &book.pages[index], markdown, true)
}

/// The sections (text only, no HTML) of `page` rendered as chapter `index` (whose links it
/// resolves from): a version of the chapter read from git (`crate::history`), so that a
/// diff compares what readers saw.
pub fn version_sections(resolver: &Resolver<'_>, index: usize, page: &Page) -> Vec<Section> {
    render_page(resolver, index, page, &page.markdown, false).sections
}

/// Renders `page`, whose Markdown is `markdown`, as chapter `index`; the HTML only when
/// `html` is set.
fn render_page<'a>(
    resolver: &Resolver<'_>,
    index: usize,
    page: &Page,
    markdown: &'a str,
    html: bool,
) -> RenderedPage {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut sections = vec![Section::default()];
    let mut heading_no = 0;
    let mut in_heading = false;
    let mut cells = CellAlignment::default();
    if !page.headings.iter().any(|h| h.level == 1) {
        let title = html_escape::encode_text(&page.title);
        events.push(Event::Html(format!("<h1>{title}</h1>\n").into()));
    }
    // Links are resolved only for the HTML (the text of a section does not depend on them).
    let href = |dest: &str, source: LinkSource| -> Option<String> {
        if !html {
            return None;
        }
        resolver
            .resolve(index, dest, source)
            .ok()
            .and_then(|t| resolver.href(index, &t))
    };
    // A link's destination as the site has it, or as written when it is external.
    let rewrite = |dest: CowStr<'a>, source: LinkSource| -> CowStr<'a> {
        href(&dest, source).map(CowStr::from).unwrap_or(dest)
    };
    for event in Parser::new_ext(markdown, markdown::options()) {
        match event {
            Event::Start(Tag::Heading {
                level,
                classes,
                attrs,
                ..
            }) => {
                let id = page
                    .headings
                    .get(heading_no)
                    .map(|h| h.id.clone())
                    .unwrap_or_default();
                sections.push(Section {
                    heading: String::new(),
                    id: Some(id.clone()),
                    text: String::new(),
                });
                in_heading = true;
                if cited(level) {
                    events.push(Event::Html(
                        format!("<div class=\"section-heading section-{level}\">").into(),
                    ));
                }
                events.push(Event::Start(Tag::Heading {
                    level,
                    id: Some(id.into()),
                    classes,
                    attrs,
                }));
            }
            // The heading's anchor link (a `#` on hover that copies the section's link) is
            // for pointer users and hidden from assistive technology, so that a heading is
            // announced by its text alone; the page's table of contents links every section.
            Event::End(TagEnd::Heading(level)) => {
                let raw_id = page
                    .headings
                    .get(heading_no)
                    .map(|h| h.id.as_str())
                    .unwrap_or_default();
                let id = html_escape::encode_double_quoted_attribute(raw_id);
                events.push(Event::InlineHtml(
                    format!(
                        "<a class=\"anchor\" href=\"#{id}\" aria-hidden=\"true\" tabindex=\"-1\"></a>"
                    )
                    .into(),
                ));
                events.push(Event::End(TagEnd::Heading(level)));
                if cited(level) {
                    let button = super::cite::section_button(raw_id);
                    events.push(Event::Html(format!("{button}</div>\n").into()));
                }
                heading_no += 1;
                in_heading = false;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => events.push(Event::Start(Tag::Link {
                link_type,
                dest_url: rewrite(dest_url, LinkSource::Inline),
                title,
                id,
            })),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => events.push(Event::Start(Tag::Image {
                link_type,
                dest_url: rewrite(dest_url, LinkSource::Image),
                title,
                id,
            })),
            Event::Html(html) | Event::InlineHtml(html) if html.contains('=') => {
                let rewritten =
                    markdown::rewrite_html_urls(&html, |v| href(v, LinkSource::RawHtml));
                events.push(Event::Html(rewritten.into()));
            }
            Event::Start(Tag::Table(align)) => {
                cells = CellAlignment {
                    columns: align,
                    ..CellAlignment::default()
                };
                events.push(Event::Html("<div class=\"table-wrap\">".into()));
                let heading = sections.last().map_or("", |s| s.heading.as_str());
                // Written as HTML to carry the name; pulldown-cmark gets no alignments,
                // aligned cells are written by `CellAlignment`.
                events.push(table_start(heading, &page.title));
            }
            Event::Start(Tag::TableHead) => {
                cells.in_head = true;
                cells.column = 0;
                events.push(event);
            }
            Event::End(TagEnd::TableHead) => {
                cells.in_head = false;
                events.push(event);
            }
            Event::Start(Tag::TableRow) => {
                cells.column = 0;
                events.push(event);
            }
            Event::Start(Tag::TableCell) => events.push(cells.start()),
            Event::End(TagEnd::Table) => {
                events.push(Event::End(TagEnd::Table));
                events.push(Event::Html("</div>\n".into()));
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                let section = sections.last_mut().expect("one section always exists");
                if in_heading {
                    section.heading.push_str(t);
                } else {
                    section.text.push_str(t);
                }
                events.push(event);
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(s) = sections.last_mut() {
                    s.text.push(' ');
                }
                events.push(event);
            }
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::CodeBlock,
            ) => {
                if let Some(s) = sections.last_mut() {
                    s.text.push('\n');
                }
                events.push(if event == Event::End(TagEnd::TableCell) {
                    cells.end()
                } else {
                    event
                });
            }
            other => events.push(other),
        }
    }
    let html = if html {
        let mut out = String::with_capacity(markdown.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut out, events.into_iter());
        // NUL passes through the parser; CommonMark says it becomes U+FFFD. Replaced in
        // the output, not the source, so diagnostic offsets stay those of the file.
        markdown::replace_nul(&mut out);
        out
    } else {
        String::new()
    };
    for s in &mut sections {
        markdown::replace_nul(&mut s.heading);
        markdown::replace_nul(&mut s.text);
    }
    sections.retain(|s| s.id.is_some() || !s.text.trim().is_empty());
    RenderedPage { html, sections }
}

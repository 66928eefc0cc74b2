//! Citations: what the "Kopiera hänvisning" buttons copy (`theme/js/samsyn.js` joins the
//! parts) and the print block's address. A citation reads
//! `Överenskommelse … (Dokument-ID 104623, version 5.0), avsnitt "SIP", <URL>`: the
//! document part is written here, into the page's `data-cite`; the section and the URL
//! (book.toml's `site-url` joined with the page path, or the page's own address) are added
//! by the script.

use crate::book::LoadedBook;
use crate::frontmatter::Kind;
use serde::Serialize;

/// A page's citation data for the template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Citation {
    /// The document part: kind, title, document id and version.
    pub text: String,
    /// The page's absolute URL on the published site, when book.toml names it.
    pub url: Option<String>,
    /// The page's own address for its links: `url`, else its file name (relative to itself).
    pub href: String,
    /// The id of the label the section buttons share ([`LABEL_ID`]).
    pub label_id: &'static str,
}

/// The citation data of page `index`.
pub fn citation(book: &LoadedBook, index: usize) -> Citation {
    let page = &book.pages[index];
    let title = super::context::document_title(book, index);
    let url = book.site_url().map(|base| format!("{base}{}", page.url));
    Citation {
        text: document_part(page.front.kind, &title, &page.front),
        href: url
            .clone()
            .unwrap_or_else(|| page.url.rsplit('/').next().unwrap_or_default().to_string()),
        url,
        label_id: LABEL_ID,
    }
}

/// `Kind: Title (Dokument-ID …, version …)`. The kind is left out for plain pages and
/// where the title already starts with it ("Överenskommelse om …").
fn document_part(kind: Kind, title: &str, front: &crate::frontmatter::FrontMatter) -> String {
    let label = kind.label();
    let named = title
        .get(..label.len())
        .is_some_and(|start| start.to_lowercase() == label.to_lowercase());
    let mut text = if kind == Kind::Page || named {
        title.to_string()
    } else {
        format!("{label}: {title}")
    };
    let details: Vec<String> = [
        front.doc_id.as_ref().map(|id| format!("Dokument-ID {id}")),
        front.version.as_ref().map(|v| format!("version {v}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !details.is_empty() {
        text.push_str(&format!(" ({})", details.join(", ")));
    }
    text
}

/// The id of the hidden "Kopiera hänvisning till avsnittet" in page.html's citation
/// block, which names every section's button together with its heading.
pub const LABEL_ID: &str = "samsyn-cite-label";

/// The button after an h2/h3 heading (id `id`) that copies the section's citation. Its
/// name is "Kopiera hänvisning till avsnittet" and the heading's text (`aria-labelledby`,
/// so the heading's text is not repeated in the page); the visible label is the start of
/// that name. The script takes the section's name and anchor from the heading before it.
pub fn section_button(id: &str) -> String {
    format!(
        "<button type=\"button\" class=\"cite-button\" aria-labelledby=\"{LABEL_ID} {}\"><span>Kopiera hänvisning</span></button>",
        html_escape::encode_double_quoted_attribute(id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontmatter::FrontMatter;

    fn front(doc_id: Option<&str>, version: Option<&str>) -> FrontMatter {
        FrontMatter {
            doc_id: doc_id.map(Into::into),
            version: version.map(Into::into),
            ..FrontMatter::default()
        }
    }

    #[test]
    fn the_document_part_names_kind_title_id_and_version() {
        assert_eq!(
            document_part(
                Kind::Agreement,
                "Överenskommelse om SIP",
                &front(Some("104623"), Some("5.0"))
            ),
            "Överenskommelse om SIP (Dokument-ID 104623, version 5.0)"
        );
        assert_eq!(
            document_part(Kind::Agreement, "Avtal om läkaruppdrag", &front(None, None)),
            "Överenskommelse: Avtal om läkaruppdrag"
        );
        assert_eq!(
            document_part(Kind::Fakta, "Barn som anhöriga", &front(None, Some("2"))),
            "FAKTA-dokument: Barn som anhöriga (version 2)"
        );
        assert_eq!(
            document_part(Kind::Page, "Begrepp", &front(None, None)),
            "Begrepp"
        );
    }

    #[test]
    fn the_section_button_is_named_by_the_shared_label_and_its_heading() {
        let html = section_button("a\"b");
        assert!(html.contains("aria-labelledby=\"samsyn-cite-label a&quot;b\""));
        assert!(html.contains("><span>Kopiera hänvisning</span></button>"));
    }
}

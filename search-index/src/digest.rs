//! Everything an index is built from, fed to a digest field by field: the key under which
//! a build cache keeps an index (samsyn's `cache::IndexKey`). Every struct is taken apart
//! by an exhaustive pattern, so a field added to it cannot be left out unnoticed.

use crate::synonyms::{Pair, Synonyms};
use crate::{PageFields, SectionDoc};

/// Feeds an optional string: a flag, then the text.
fn optional_part(part: &mut dyn FnMut(&[u8]), value: Option<&str>) {
    part(&[u8::from(value.is_some())]);
    part(value.unwrap_or_default().as_bytes());
}

/// Feeds a list of strings: its length, then each one.
fn list_part(part: &mut dyn FnMut(&[u8]), values: &[String]) {
    part(&(values.len() as u64).to_le_bytes());
    for v in values {
        part(v.as_bytes());
    }
}

impl PageFields {
    /// Feeds every field to `part`, one call per value.
    pub fn digest_parts(&self, part: &mut dyn FnMut(&[u8])) {
        let PageFields {
            title,
            heading_path,
            kind,
            strategy_group,
            services,
            status,
            doc_id,
            valid_from_day,
            valid_until_day,
        } = self;
        part(title.as_bytes());
        list_part(part, heading_path);
        part(kind.as_bytes());
        optional_part(part, strategy_group.as_deref());
        list_part(part, services);
        optional_part(part, status.as_deref());
        optional_part(part, doc_id.as_deref());
        for day in [valid_from_day, valid_until_day] {
            part(&[u8::from(day.is_some())]);
            part(&day.unwrap_or_default().to_le_bytes());
        }
    }
}

impl SectionDoc {
    /// Feeds every field, its page's too, to `part`.
    pub fn digest_parts(&self, part: &mut dyn FnMut(&[u8])) {
        let SectionDoc {
            page,
            heading,
            body,
            url,
        } = self;
        page.digest_parts(part);
        part(heading.as_bytes());
        part(body.as_bytes());
        part(url.as_bytes());
    }
}

impl Synonyms {
    /// Feeds every pair to `part`.
    pub fn digest_parts(&self, part: &mut dyn FnMut(&[u8])) {
        let Synonyms { pairs } = self;
        part(&(pairs.len() as u64).to_le_bytes());
        for Pair {
            abbreviation,
            expansion,
        } in pairs
        {
            part(abbreviation.as_bytes());
            part(expansion.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(doc: &SectionDoc) -> Vec<Vec<u8>> {
        let mut parts = Vec::new();
        doc.digest_parts(&mut |p| parts.push(p.to_vec()));
        parts
    }

    /// Each field reaches the digest: changing any one changes the parts.
    #[test]
    fn every_field_changes_the_digest() {
        let base = SectionDoc {
            page: std::sync::Arc::new(PageFields {
                title: "Samverkan".into(),
                kind: "agreement".into(),
                ..Default::default()
            }),
            heading: "Ansvar".into(),
            body: "BUP".into(),
            url: "a.html#ansvar".into(),
        };
        let page = |f: &dyn Fn(&mut PageFields)| {
            let mut fields = (*base.page).clone();
            f(&mut fields);
            SectionDoc {
                page: std::sync::Arc::new(fields),
                ..base.clone()
            }
        };
        let changed = [
            page(&|p| p.title.push('!')),
            page(&|p| p.heading_path.push("Del".into())),
            page(&|p| p.kind.push('!')),
            page(&|p| p.strategy_group = Some(String::new())),
            page(&|p| p.services.push("BUP".into())),
            page(&|p| p.status = Some("in-force".into())),
            page(&|p| p.doc_id = Some("B-1".into())),
            page(&|p| p.valid_from_day = Some(0)),
            page(&|p| p.valid_until_day = Some(0)),
            SectionDoc {
                heading: "Annat".into(),
                ..base.clone()
            },
            SectionDoc {
                body: "LVU".into(),
                ..base.clone()
            },
            SectionDoc {
                url: "b.html".into(),
                ..base.clone()
            },
        ];
        for doc in &changed {
            assert_ne!(digest(doc), digest(&base), "{doc:?}");
        }
    }
}

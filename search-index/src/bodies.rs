//! Where the sections' texts are while the index is built (feature `indexer`): in the
//! sections themselves, or spilled in section order to a temporary file, so that a large
//! book's texts are not held in memory while its index is built (at 100,000 pages they
//! are 340 MB). Each step of the index that reads them reads a run of sections at a time.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::sync::Mutex;

use std::sync::Arc;

use crate::format::{Corrupt, Dec, Enc, R};
use crate::{PageFields, SectionDoc};

/// The sections' texts.
pub enum Bodies {
    /// In each section's `body`.
    InSections,
    /// In a file ([`BodyWriter`]); the sections' `body` is not read.
    Spilled(SpilledBodies),
}

/// Texts written one after another to a file, in section order.
pub struct SpilledBodies {
    file: Mutex<File>,
    /// Where each text ends in the file.
    ends: Vec<u64>,
}

impl Bodies {
    /// The texts of the sections `range` of `docs`, in order.
    pub fn read<'a>(
        &self,
        docs: &'a [SectionDoc],
        range: Range<usize>,
    ) -> io::Result<Vec<Cow<'a, str>>> {
        match self {
            Bodies::InSections => Ok(docs[range]
                .iter()
                .map(|d| Cow::Borrowed(d.body.as_str()))
                .collect()),
            Bodies::Spilled(s) => s.read(range),
        }
    }
}

impl SpilledBodies {
    /// Number of texts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn read(&self, range: Range<usize>) -> io::Result<Vec<Cow<'static, str>>> {
        if range.start > range.end || range.end > self.ends.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "texts {range:?} asked of a file of {} sections",
                    self.ends.len()
                ),
            ));
        }
        let start = match range.start {
            0 => 0,
            i => self.ends[i - 1],
        };
        let end = match range.end {
            0 => 0,
            i => self.ends[i - 1],
        };
        let mut bytes = vec![0; (end - start) as usize];
        {
            let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
            file.seek(SeekFrom::Start(start))?;
            file.read_exact(&mut bytes)?;
        }
        let mut texts = Vec::with_capacity(range.len());
        let mut at = start;
        for &text_end in &self.ends[range] {
            let text = bytes[(at - start) as usize..(text_end - start) as usize].to_vec();
            let text = String::from_utf8(text)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            texts.push(Cow::Owned(text));
            at = text_end;
        }
        Ok(texts)
    }
}

/// Writes the sections' texts, in section order, to a file (an unnamed temporary one:
/// `tempfile::tempfile_in`).
pub struct BodyWriter {
    out: BufWriter<File>,
    ends: Vec<u64>,
    at: u64,
}

impl BodyWriter {
    pub fn new(file: File) -> BodyWriter {
        BodyWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            ends: Vec::new(),
            at: 0,
        }
    }

    /// Appends the texts of the next page's sections.
    pub fn push_page(&mut self, page: &EncodedPage) -> io::Result<()> {
        self.out.write_all(&page.texts)?;
        self.ends
            .extend(page.text_ends.iter().map(|&end| self.at + end as u64));
        self.at += page.texts.len() as u64;
        Ok(())
    }

    /// The texts written, to be read back.
    pub fn finish(self) -> io::Result<SpilledBodies> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(SpilledBodies {
            file: Mutex::new(file),
            ends: self.ends,
        })
    }
}

/// Writes the sections, without their texts (see [`BodyWriter`]), to a file as a build
/// renders them, each page's fields once, to be read back ([`SpilledSections::read`])
/// once the book is freed. Held in memory during the render, they grew beside the pages'
/// freed Markdown, which the allocator reused only in part (200 MB at 100,000 pages).
pub struct SectionWriter {
    out: BufWriter<File>,
    count: usize,
}

/// One page's sections as a [`SectionWriter`] and a [`BodyWriter`] write them, encoded
/// ahead, so that the pages of a batch are encoded in parallel and written in order.
pub struct EncodedPage {
    /// The sections' records, one after another: the first with the page's fields.
    records: Vec<u8>,
    /// Their texts, one after another, and where each ends.
    texts: Vec<u8>,
    text_ends: Vec<usize>,
}

impl EncodedPage {
    /// `docs`: the sections of one page (sharing its fields), in order.
    pub fn of(docs: &[SectionDoc]) -> EncodedPage {
        let mut e = Enc::default();
        let mut texts = Vec::new();
        let mut text_ends = Vec::with_capacity(docs.len());
        // The page of the section before: a section of the same page does not repeat its
        // fields.
        let mut page: Option<&Arc<PageFields>> = None;
        for doc in docs {
            let same_page = page.is_some_and(|p| Arc::ptr_eq(p, &doc.page));
            e.u8(u8::from(!same_page));
            if !same_page {
                encode_page(&mut e, &doc.page);
                page = Some(&doc.page);
            }
            e.str(&doc.heading);
            e.str(&doc.url);
            texts.extend_from_slice(doc.body.as_bytes());
            text_ends.push(texts.len());
        }
        EncodedPage {
            records: e.buf,
            texts,
            text_ends,
        }
    }

    /// What the index is built from, of this page: the sections' records and texts.
    pub fn records(&self) -> &[u8] {
        &self.records
    }

    pub fn texts(&self) -> &[u8] {
        &self.texts
    }

    /// Where each section's text ends in [`EncodedPage::texts`].
    pub fn text_ends(&self) -> &[usize] {
        &self.text_ends
    }
}

/// The sections a [`SectionWriter`] wrote.
pub struct SpilledSections {
    file: File,
    count: usize,
}

impl SectionWriter {
    pub fn new(file: File) -> SectionWriter {
        SectionWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            count: 0,
        }
    }

    /// Appends the next page's sections ([`EncodedPage::of`]); their texts are not
    /// written.
    pub fn push_page(&mut self, page: &EncodedPage) -> io::Result<()> {
        self.out.write_all(&page.records)?;
        self.count += page.text_ends.len();
        Ok(())
    }

    /// Number of sections written.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The sections written, to be read back.
    pub fn finish(self) -> io::Result<SpilledSections> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(SpilledSections {
            file,
            count: self.count,
        })
    }
}

impl SpilledSections {
    /// Number of sections.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The sections, in the order written, each with an empty `body`; a page's sections
    /// share its fields.
    pub fn read(mut self) -> io::Result<Vec<SectionDoc>> {
        let mut bytes = Vec::new();
        self.file.seek(SeekFrom::Start(0))?;
        self.file.read_to_end(&mut bytes)?;
        drop(self.file);
        let corrupt = |_| io::Error::new(io::ErrorKind::InvalidData, "sections read back corrupt");
        let mut d = Dec::new(&bytes);
        let mut docs = Vec::with_capacity(self.count);
        let mut page: Option<Arc<PageFields>> = None;
        while !d.at_end() {
            let new_page = d.u8().map_err(corrupt)? != 0;
            if new_page {
                page = Some(Arc::new(decode_page(&mut d).map_err(corrupt)?));
            }
            let Some(page) = page.clone() else {
                return Err(corrupt(Corrupt));
            };
            docs.push(SectionDoc {
                page,
                heading: d.str().map_err(corrupt)?.to_string(),
                body: String::new(),
                url: d.str().map_err(corrupt)?.to_string(),
            });
        }
        if docs.len() != self.count {
            return Err(corrupt(Corrupt));
        }
        Ok(docs)
    }
}

fn encode_opt_str(e: &mut Enc, v: Option<&str>) {
    e.u8(u8::from(v.is_some()));
    if let Some(v) = v {
        e.str(v);
    }
}

fn decode_opt_str(d: &mut Dec) -> R<Option<String>> {
    Ok(match d.u8()? {
        0 => None,
        _ => Some(d.str()?.to_string()),
    })
}

fn encode_strs(e: &mut Enc, v: &[String]) {
    e.usize(v.len());
    for s in v {
        e.str(s);
    }
}

fn decode_strs(d: &mut Dec) -> R<Vec<String>> {
    (0..d.count()?).map(|_| Ok(d.str()?.to_string())).collect()
}

fn encode_opt_day(e: &mut Enc, v: Option<i32>) {
    e.u8(u8::from(v.is_some()));
    if let Some(v) = v {
        e.u32(v as u32);
    }
}

fn decode_opt_day(d: &mut Dec) -> R<Option<i32>> {
    Ok(match d.u8()? {
        0 => None,
        _ => Some(d.u32()? as i32),
    })
}

fn encode_page(e: &mut Enc, p: &PageFields) {
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
    } = p;
    e.str(title);
    encode_strs(e, heading_path);
    e.str(kind);
    encode_opt_str(e, strategy_group.as_deref());
    encode_strs(e, services);
    encode_opt_str(e, status.as_deref());
    encode_opt_str(e, doc_id.as_deref());
    encode_opt_day(e, *valid_from_day);
    encode_opt_day(e, *valid_until_day);
}

fn decode_page(d: &mut Dec) -> R<PageFields> {
    Ok(PageFields {
        title: d.str()?.to_string(),
        heading_path: decode_strs(d)?,
        kind: d.str()?.to_string(),
        strategy_group: decode_opt_str(d)?,
        services: decode_strs(d)?,
        status: decode_opt_str(d)?,
        doc_id: decode_opt_str(d)?,
        valid_from_day: decode_opt_day(d)?,
        valid_until_day: decode_opt_day(d)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sections of one page without fields, with these texts.
    fn texts_page(texts: &[&str]) -> EncodedPage {
        let page = Arc::new(PageFields::default());
        let docs: Vec<SectionDoc> = texts
            .iter()
            .map(|t| SectionDoc {
                page: page.clone(),
                body: t.to_string(),
                ..Default::default()
            })
            .collect();
        EncodedPage::of(&docs)
    }

    #[test]
    fn spilled_texts_read_back_in_runs() {
        let texts = ["första", "", "tredje med å, ä och ö", "fjärde"];
        let mut w = BodyWriter::new(tempfile::tempfile().unwrap());
        // Two pages, and one without sections.
        for page in [&texts[..2], &[], &texts[2..]] {
            w.push_page(&texts_page(page)).unwrap();
        }
        let bodies = Bodies::Spilled(w.finish().unwrap());
        let docs = vec![SectionDoc::default(); texts.len()];
        for range in [0..4, 1..3, 2..2, 3..4, 0..1] {
            let read = bodies.read(&docs, range.clone()).unwrap();
            assert_eq!(
                read,
                texts[range]
                    .iter()
                    .map(|t| Cow::Borrowed(*t))
                    .collect::<Vec<_>>()
            );
        }
        assert!(bodies.read(&docs, 2..5).is_err());
    }

    #[test]
    fn spilled_sections_read_back_as_written_sharing_each_pages_fields() {
        let first = Arc::new(PageFields {
            title: "Överenskommelse om samverkan".into(),
            heading_path: vec!["Överenskommelser".into(), "Barn och unga".into()],
            kind: "agreement".into(),
            strategy_group: Some("Barn och unga".into()),
            services: vec!["BUP".into(), "skola".into()],
            status: Some("in-force".into()),
            doc_id: Some("104623".into()),
            valid_from_day: Some(-3),
            valid_until_day: Some(20_000),
        });
        let second = Arc::new(PageFields {
            title: "Start".into(),
            ..Default::default()
        });
        let section = |page: &Arc<PageFields>, heading: &str, url: &str| SectionDoc {
            page: page.clone(),
            heading: heading.into(),
            body: "texten skrivs inte".into(),
            url: url.into(),
        };
        let docs = vec![
            section(&first, "", "a.html"),
            section(&first, "Syfte", "a.html#syfte"),
            section(&second, "Hej å ä ö", "b.html#hej"),
            section(&first, "Syfte igen", "a.html#syfte-1"),
        ];
        let mut w = SectionWriter::new(tempfile::tempfile().unwrap());
        // Pages as the render writes them, one without sections among them.
        for page in [&docs[..2], &[], &docs[2..3], &docs[3..]] {
            w.push_page(&EncodedPage::of(page)).unwrap();
        }
        assert_eq!(w.len(), 4);
        let read = w.finish().unwrap().read().unwrap();
        assert_eq!(read.len(), docs.len());
        for (r, d) in read.iter().zip(&docs) {
            assert_eq!(*r.page, *d.page);
            assert_eq!((&r.heading, &r.url), (&d.heading, &d.url));
            assert!(r.body.is_empty());
        }
        assert!(Arc::ptr_eq(&read[0].page, &read[1].page));
        assert!(!Arc::ptr_eq(&read[1].page, &read[3].page));
    }

    #[test]
    fn a_page_encoded_ahead_holds_its_fields_once_and_its_texts_with_their_ends() {
        let page = texts_page(&["ett", "två och tre", ""]);
        assert_eq!(page.texts(), "etttvå och tre".as_bytes());
        assert_eq!(page.text_ends(), [3, 15, 15]);
        // The first record carries the page's fields, the others a 0 flag.
        let one = texts_page(&["ett"]);
        assert_eq!(one.records()[0], 1);
        assert!(page.records().len() < 3 * one.records().len());
        assert!(EncodedPage::of(&[]).records().is_empty());
    }
}

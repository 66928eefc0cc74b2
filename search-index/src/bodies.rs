//! Where the sections' texts are while the index is built (feature `indexer`): in the
//! sections themselves, or spilled in section order to a temporary file, so that a large
//! book's texts are not held in memory while its index is built (at 100,000 pages they
//! are 340 MB). Each step of the index that reads them reads a run of sections at a time.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::sync::Mutex;

use crate::SectionDoc;

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

    /// Appends the text of the next section.
    pub fn push(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())?;
        self.at += text.len() as u64;
        self.ends.push(self.at);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spilled_texts_read_back_in_runs() {
        let texts = ["första", "", "tredje med å, ä och ö", "fjärde"];
        let mut w = BodyWriter::new(tempfile::tempfile().unwrap());
        for t in texts {
            w.push(t).unwrap();
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
}

//! Speculation: asking for the fragment files of a provisional ranking's first result
//! pages while the evaluation still reads postings, to save a round trip.

use super::*;

impl Engine {
    /// Asks for the fragment files of the first `pages` result pages of a provisional
    /// ranking (section, score), along with the data the evaluation still needs.
    pub(super) fn speculate_fragments(
        &mut self,
        mut provisional: Vec<(u32, f32)>,
        pages: usize,
    ) -> R<()> {
        if pages == 0 {
            return Ok(());
        }
        provisional.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut asked: Vec<usize> = Vec::new();
        for (d, _) in provisional {
            let vpage = (d >> SLOT_BITS) as usize;
            if !asked.contains(&vpage) {
                asked.push(vpage);
                self.fragments_of(vpage)?;
                if asked.len() >= pages {
                    break;
                }
            }
        }
        Ok(())
    }
}

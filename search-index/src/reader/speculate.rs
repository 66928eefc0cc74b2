//! Speculation: asking for the fragment files of a provisional ranking's first result
//! pages while the evaluation still reads postings, to save a round trip.

use super::*;

/// Result pages guessed from sections seen with only some of the words: their scores so
/// far are close (the bundled book's "samordnad individuell plan": its top two 27.5 and
/// 27.4, the second the top hit), so one guess is often wrong.
const PARTIAL_GUESSES: usize = 2;

impl Engine {
    /// Asks for the fragment files of the first `pages` result pages of a provisional
    /// ranking (section, score), along with the data the evaluation still needs. When no
    /// section is seen with every word yet (`provisional` empty), the pages of the
    /// [`PARTIAL_GUESSES`] best `partial` ones (section, words seen, score so far): the most
    /// words, then the highest score. A section seen with all words but one in the heads is
    /// the likeliest top hit then, and a right guess saves the round trip of its text.
    pub(super) fn speculate_fragments(
        &mut self,
        mut provisional: Vec<(u32, f32)>,
        partial: &[(u32, usize, f32)],
        pages: usize,
    ) -> R<()> {
        if pages == 0 {
            return Ok(());
        }
        if provisional.is_empty() {
            // The best of the pages not asked for yet, PARTIAL_GUESSES times (a selection,
            // not a sort: a sort of these tuples would add kilobytes to the wasm).
            let mut asked: Vec<usize> = Vec::new();
            for _ in 0..PARTIAL_GUESSES {
                let best = partial
                    .iter()
                    .filter(|p| !asked.contains(&((p.0 >> SLOT_BITS) as usize)))
                    .min_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
                let Some(&(d, _, _)) = best else { break };
                asked.push((d >> SLOT_BITS) as usize);
                self.fragments_of((d >> SLOT_BITS) as usize)?;
            }
            return Ok(());
        }
        provisional.sort_unstable_by(best_first);
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

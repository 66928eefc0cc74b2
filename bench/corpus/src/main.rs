//! `samsyn-corpus --pages N --out DIR [--seed S] [--title T]`

use std::path::PathBuf;
use std::process::ExitCode;

use samsyn_corpus::{Options, generate};

const USAGE: &str =
    "usage: samsyn-corpus --pages N (--out DIR | --fingerprint) [--seed S] [--title TITLE]

Writes a deterministic mdBook-layout book of N Swedish-like pages to DIR (replacing DIR only
if it is empty or was written by samsyn-corpus). Default seed: 1.
--fingerprint prints the line that DIR/.samsyn-corpus would hold, and writes nothing.";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("samsyn-corpus: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut pages: Option<usize> = None;
    let mut out: Option<PathBuf> = None;
    let mut seed: u64 = 1;
    let mut title: Option<String> = None;
    let mut fingerprint = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--pages" => {
                let v = value("--pages")?;
                pages = Some(v.parse().map_err(|_| format!("bad --pages {v:?}"))?);
            }
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--seed" => {
                let v = value("--seed")?;
                seed = v.parse().map_err(|_| format!("bad --seed {v:?}"))?;
            }
            "--title" => title = Some(value("--title")?),
            "--fingerprint" => fingerprint = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let pages = pages.ok_or("--pages is required")?;
    if pages == 0 {
        return Err("--pages must be at least 1".into());
    }
    let corpus = generate(&Options { pages, seed, title });
    let target = if fingerprint {
        print!("{}", corpus.fingerprint());
        "(not written)".to_string()
    } else {
        let out = out.ok_or("--out is required")?;
        corpus
            .write_to(&out)
            .map_err(|e| format!("writing {}: {e}", out.display()))?;
        out.display().to_string()
    };
    let s = &corpus.stats;
    eprintln!(
        "samsyn-corpus: {} pages ({} with front matter, {} drafts) in {} parts, depth {}, \
         {} headings ({} explicit ids, {} suffixed), {} relative + {} doc: links \
         ({} with #fragment), {} tables, {:.1} MB -> {}",
        s.pages,
        s.front_matter_pages,
        s.draft_pages,
        s.parts,
        s.max_depth + 1,
        s.headings,
        s.explicit_ids,
        s.suffixed_ids,
        s.relative_links,
        s.doc_links,
        s.fragment_links,
        s.tables,
        s.bytes as f64 / 1e6,
        target
    );
    Ok(())
}

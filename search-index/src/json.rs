//! JSON answers of the browser reader (what the worker receives from the wasm engine).

use crate::reader::{Meta, Step};

pub(crate) fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A score with four decimals, by integer arithmetic: float formatting would add its
/// tables and algorithms (~10 KB) to the wasm reader.
fn push_score(o: &mut String, s: f32) {
    let scaled = if s.is_finite() {
        (f64::from(s) * 10_000.0).round().clamp(-1e15, 1e15) as i64
    } else {
        0
    };
    let sign = if scaled < 0 { "-" } else { "" };
    let a = scaled.unsigned_abs();
    o.push_str(&format!("{sign}{}.{:04}", a / 10_000, a % 10_000));
}

/// JSON of a step, for the browser worker.
pub fn step_json(step: &Step) -> String {
    let mut o = String::new();
    match step {
        Step::Need(files) => {
            o.push_str("{\"need\":[");
            for (i, f) in files.iter().enumerate() {
                if i > 0 {
                    o.push(',');
                }
                json_str(&mut o, f);
            }
            o.push_str("]}");
        }
        Step::Done(r) => {
            o.push_str("{\"fallback\":");
            o.push_str(if r.fallback { "true" } else { "false" });
            o.push_str(",\"approximate\":");
            o.push_str(if r.approximate { "true" } else { "false" });
            o.push_str(",\"suggestion\":");
            match &r.suggestion {
                Some(s) => json_str(&mut o, s),
                None => o.push_str("null"),
            }
            o.push_str(",\"hits\":[");
            for (i, h) in r.hits.iter().enumerate() {
                if i > 0 {
                    o.push(',');
                }
                o.push_str(&format!("{{\"doc\":{},\"score\":", h.doc));
                push_score(&mut o, h.score);
                if let Some(f) = &h.fragment {
                    for (k, v) in [
                        ("title", &f.title),
                        ("heading", &f.heading),
                        ("url", &f.url),
                        ("kind", &f.kind),
                        ("status", &f.status),
                        ("docId", &f.doc_id),
                    ] {
                        o.push_str(",\"");
                        o.push_str(k);
                        o.push_str("\":");
                        json_str(&mut o, v);
                    }
                    o.push_str(",\"snippet\":[");
                    for (j, (t, m)) in h.snippet.iter().enumerate() {
                        if j > 0 {
                            o.push(',');
                        }
                        o.push('[');
                        json_str(&mut o, t);
                        o.push_str(if *m { ",1]" } else { ",0]" });
                    }
                    o.push(']');
                }
                o.push('}');
            }
            o.push_str("]}");
        }
    }
    o
}

/// JSON of the facet values (for the filter menus).
pub fn facets_json(meta: &Meta) -> String {
    let mut o = String::from("{");
    for (i, (k, list)) in [
        ("kinds", &meta.kinds),
        ("groups", &meta.groups),
        ("services", &meta.services),
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            o.push(',');
        }
        json_str(&mut o, k);
        o.push_str(":[");
        for (j, (v, n)) in list.iter().enumerate() {
            if j > 0 {
                o.push(',');
            }
            o.push('[');
            json_str(&mut o, v);
            o.push_str(&format!(",{n}]"));
        }
        o.push(']');
    }
    o.push_str(&format!(
        ",\"docs\":{},\"pages\":{}}}",
        meta.n_docs, meta.n_pages
    ));
    o
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_strings() {
        let mut j = String::new();
        for v in [1.5f32, 0.0, -2.25, 12.34567, f32::NAN, f32::INFINITY] {
            push_score(&mut j, v);
            j.push(' ');
        }
        assert_eq!(j, "1.5000 0.0000 -2.2500 12.3457 0.0000 0.0000 ");
        let mut j = String::new();
        json_str(&mut j, "<img src=x onerror=\"alert(1)\">\n");
        assert_eq!(j, "\"<img src=x onerror=\\\"alert(1)\\\">\\n\"");
    }
}

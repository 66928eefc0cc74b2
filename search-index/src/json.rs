//! JSON answers of the browser reader (what the worker receives from the wasm engine).
//! Numbers are written by hand: `core::fmt` (and float formatting) would add its
//! machinery to the wasm reader.

use crate::reader::{MarkStep, Meta, Step};

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
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(char::from(HEX[(c as usize >> shift) & 15]));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Decimal digits of `n`.
pub(crate) fn push_u64(o: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        o.push(char::from(d));
    }
}

/// A score with four decimals, by integer arithmetic: float formatting would add its
/// tables and algorithms (~10 KB) to the wasm reader.
fn push_score(o: &mut String, s: f32) {
    let scaled = if s.is_finite() {
        (f64::from(s) * 10_000.0).round().clamp(-1e15, 1e15) as i64
    } else {
        0
    };
    if scaled < 0 {
        o.push('-');
    }
    let a = scaled.unsigned_abs();
    push_u64(o, a / 10_000);
    o.push('.');
    let frac = a % 10_000;
    for unit in [1000, 100, 10, 1] {
        o.push(char::from(b'0' + (frac / unit % 10) as u8));
    }
}

/// JSON of a step that needs files: `{"need":[file...]}`, with `"ranked":true` when the
/// answer waits only for the text of hits already ranked
/// ([`crate::reader::Engine::waits_for_text_only`]).
pub fn need_json(files: &[String], ranked: bool) -> String {
    let mut o = String::from("{\"need\":[");
    for (i, f) in files.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        json_str(&mut o, f);
    }
    o.push(']');
    if ranked {
        o.push_str(",\"ranked\":true");
    }
    o.push('}');
    o
}

/// JSON of a step, for the browser worker.
pub fn step_json(step: &Step) -> String {
    let r = match step {
        Step::Need(files) => return need_json(files, false),
        Step::Done(r) => r,
    };
    let mut o = String::new();
    o.push_str("{\"fallback\":");
    o.push_str(if r.fallback { "true" } else { "false" });
    o.push_str(",\"approximate\":");
    o.push_str(if r.approximate { "true" } else { "false" });
    if r.partial {
        o.push_str(",\"partial\":true");
    }
    o.push_str(",\"suggestion\":");
    match &r.suggestion {
        Some(s) => json_str(&mut o, s),
        None => o.push_str("null"),
    }
    o.push_str(",\"validOn\":");
    match r.valid_on {
        Some(day) => json_str(&mut o, &crate::validity::format_date(day)),
        None => o.push_str("null"),
    }
    o.push_str(",\"hits\":[");
    for (i, h) in r.hits.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str("{\"doc\":");
        push_u64(&mut o, u64::from(h.doc));
        o.push_str(",\"score\":");
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
        if !h.via.is_empty() {
            o.push_str(",\"via\":[");
            for (j, v) in h.via.iter().enumerate() {
                if j > 0 {
                    o.push(',');
                }
                json_str(&mut o, v);
            }
            o.push(']');
        }
        o.push('}');
    }
    o.push_str("]}");
    o
}

/// JSON of a marks step: `{"need":[file...]}`, or `{"marks":[from,to,...]}` with the
/// ranges as UTF-16 offsets into `text` (the page's script marks its DOM text with them).
pub fn marks_json(step: &MarkStep, text: &str) -> String {
    let ranges = match step {
        MarkStep::Need(files) => return need_json(files, false),
        MarkStep::Done(ranges) => ranges,
    };
    let mut o = String::from("{\"marks\":[");
    // Byte offsets (in text order) to UTF-16 offsets, in one pass over the text.
    let (mut byte, mut unit) = (0usize, 0u64);
    let mut chars = text.char_indices().peekable();
    let mut first = true;
    for &at in ranges.iter().flat_map(|(from, to)| [from, to]) {
        while byte < at {
            let Some((i, c)) = chars.next() else { break };
            byte = i + c.len_utf8();
            unit += c.len_utf16() as u64;
        }
        if !first {
            o.push(',');
        }
        first = false;
        push_u64(&mut o, unit);
    }
    o.push_str("]}");
    o
}

/// JSON of the facet values (for the filter menus).
pub fn facets_json(meta: &Meta) -> String {
    let mut o = String::from("{");
    for (i, (k, list)) in [
        ("kinds", &meta.kinds),
        ("groups", &meta.groups),
        ("services", &meta.services),
        ("statuses", &meta.statuses),
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
            o.push(',');
            push_u64(&mut o, u64::from(*n));
            o.push(']');
        }
        o.push(']');
    }
    o.push_str(",\"docs\":");
    push_u64(&mut o, u64::from(meta.n_docs));
    o.push_str(",\"pages\":");
    push_u64(&mut o, u64::from(meta.n_pages));
    o.push('}');
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
        let mut j = String::new();
        json_str(&mut j, "a\u{1}b\u{2028}\u{1f}");
        assert_eq!(j, "\"a\\u0001b\\u2028\\u001f\"");
        for n in [0u64, 7, 10, 4_294_967_295, u64::MAX] {
            let mut j = String::new();
            push_u64(&mut j, n);
            assert_eq!(j, n.to_string());
        }
    }
}

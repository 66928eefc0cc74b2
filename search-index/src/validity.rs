//! Search over time: the days a page's document applied, and the date a search asks for.
//!
//! A page has a validity interval `[from, until]` in days since 1970-01-01 (inclusive, either
//! end open) when its document has dates. The rule, the same in tantivy and the static
//! reader ([`applies_on`]):
//! - a page without dates (a plain page, not a governing document) has no validity and is
//!   shown on any date;
//! - a planned or draft document never counts as applying, whatever its dates;
//! - any other page applies on the days of its interval.
//!
//! The static index keeps the intervals in one small file (`valid-<h>.bin`, named in the
//! meta file), read only by a search with a date: it is fetched in the same round as the
//! query's term shards, so a date costs no round trip.

use crate::format::{Corrupt, Dec, Enc, R};

pub const VALIDITY_MAGIC: &[u8; 4] = b"SSV1";

/// Whether a document of this status never applies (planned, draft).
pub fn never_applies(status: Option<&str>) -> bool {
    matches!(status, Some("planned") | Some("draft"))
}

/// The interval a search by date uses: None = the page has no validity (shown on any
/// date); an interval with `from > until` never applies.
pub fn effective_interval(
    status: Option<&str>,
    from: Option<i32>,
    until: Option<i32>,
) -> Option<(i32, i32)> {
    if never_applies(status) {
        return Some((1, 0));
    }
    if from.is_none() && until.is_none() {
        return None;
    }
    Some((from.unwrap_or(i32::MIN), until.unwrap_or(i32::MAX)))
}

/// Whether a page with this effective interval applies on `day`.
pub fn applies_on(interval: Option<(i32, i32)>, day: i32) -> bool {
    interval.is_none_or(|(from, until)| from <= day && day <= until)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as i32
}

/// The date of a day number: `YYYY-MM-DD` (inverse of [`days_from_civil`] for years 0 to
/// 9999; digits by hand, as `core::fmt` would add its machinery to the wasm reader).
pub fn format_date(day: i32) -> String {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = (yoe + era * 400 + i64::from(m <= 2)).clamp(0, 9999);
    let mut out = String::with_capacity(10);
    for (n, width) in [(y, 4), (m, 2), (d, 2)] {
        if !out.is_empty() {
            out.push('-');
        }
        for unit in [1000, 100, 10, 1].into_iter().skip(4 - width) {
            out.push(char::from(b'0' + (n / unit % 10) as u8));
        }
    }
    out
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses `YYYY-MM-DD` (a real date, four-digit year) into days since 1970-01-01.
pub fn parse_date(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    // By hand: `str::parse` would add its machinery to the wasm reader.
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)? as i32, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Whether `s` could still become a date as it is typed (`2021`, `2021-0`, `2021-03-01`).
pub fn is_date_prefix(s: &str) -> bool {
    const SHAPE: &[u8] = b"0000-00-00";
    !s.is_empty()
        && s.len() <= SHAPE.len()
        && s.bytes().zip(SHAPE).all(|(c, &want)| {
            if want == b'-' {
                c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// Intervals of runs of virtual pages ([`crate::format`]): (first virtual page, end
/// (exclusive), from, until), sorted, not overlapping; pages in no run have no validity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidityTable {
    pub runs: Vec<(u32, u32, i32, i32)>,
}

/// An open end's code is 0; a day `d` is stored as zigzag(d) + 1.
fn day_code(day: i32, open: i32) -> u64 {
    if day == open {
        0
    } else {
        let z = ((i64::from(day) << 1) ^ (i64::from(day) >> 63)) as u64;
        z + 1
    }
}

fn code_day(code: u64, open: i32) -> R<i32> {
    if code == 0 {
        return Ok(open);
    }
    let z = code - 1;
    let v = ((z >> 1) as i64) ^ -((z & 1) as i64);
    i32::try_from(v).map_err(|_| Corrupt)
}

impl ValidityTable {
    /// `SSV1`, the number of runs, then per run: the gap to its first virtual page from the
    /// previous run's end, its length, from and until (see [`day_code`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.bytes(VALIDITY_MAGIC);
        e.usize(self.runs.len());
        let mut prev_end = 0;
        for &(start, end, from, until) in &self.runs {
            e.var(u64::from(start - prev_end));
            e.var(u64::from(end - start));
            e.var(day_code(from, i32::MIN));
            e.var(day_code(until, i32::MAX));
            prev_end = end;
        }
        e.buf
    }

    pub fn decode(bytes: &[u8]) -> R<ValidityTable> {
        let mut d = Dec::new(bytes);
        d.magic(VALIDITY_MAGIC)?;
        let n = d.count()?;
        let mut runs = Vec::with_capacity(n);
        let mut prev_end = 0u32;
        for _ in 0..n {
            // Checked: a corrupt file may hold any varint.
            let at = |base: u32, add: u64| {
                u64::from(base)
                    .checked_add(add)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or(Corrupt)
            };
            let start = at(prev_end, d.var()?)?;
            let len = d.var()?;
            if len == 0 {
                return Err(Corrupt);
            }
            let end = at(start, len)?;
            let from = code_day(d.var()?, i32::MIN)?;
            let until = code_day(d.var()?, i32::MAX)?;
            runs.push((start, end, from, until));
            prev_end = end;
        }
        if !d.at_end() {
            return Err(Corrupt);
        }
        Ok(ValidityTable { runs })
    }

    /// The table of virtual pages with their effective intervals, in virtual page order
    /// (a page once per section: the sections of a virtual page share its interval, the
    /// first one counts): neighbouring pages with the same interval share a run.
    pub fn from_pages(pages: impl IntoIterator<Item = (u32, Option<(i32, i32)>)>) -> Self {
        let mut runs: Vec<(u32, u32, i32, i32)> = Vec::new();
        let mut last: Option<u32> = None;
        for (vpage, interval) in pages {
            if last.is_some_and(|l| vpage <= l) {
                continue;
            }
            last = Some(vpage);
            let Some((from, until)) = interval else {
                continue;
            };
            match runs.last_mut() {
                Some(r) if r.1 == vpage && r.2 == from && r.3 == until => r.1 += 1,
                _ => runs.push((vpage, vpage + 1, from, until)),
            }
        }
        ValidityTable { runs }
    }

    /// Whether virtual page `vpage` applies on `day`.
    pub fn applies(&self, vpage: u32, day: i32) -> bool {
        let i = self.runs.partition_point(|r| r.1 <= vpage);
        let interval = self
            .runs
            .get(i)
            .filter(|r| r.0 <= vpage)
            .map(|r| (r.2, r.3));
        applies_on(interval, day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2021-03-01"), Some(18687));
        assert_eq!(parse_date("2020-02-29"), Some(18321));
        assert_eq!(parse_date("2021-02-29"), None);
        assert_eq!(parse_date("2021-13-01"), None);
        assert_eq!(parse_date("2021-3-01"), None);
        assert_eq!(parse_date("+021-03-01"), None);
        assert_eq!(parse_date("1969-12-31"), Some(-1));
        for d in [
            "1970-01-01",
            "2021-03-01",
            "2020-02-29",
            "1969-12-31",
            "2400-12-31",
        ] {
            assert_eq!(format_date(parse_date(d).unwrap()), d);
        }
        assert!(is_date_prefix("2021-0"));
        assert!(is_date_prefix("2021-03-01"));
        assert!(!is_date_prefix("2021-03-011"));
        assert!(!is_date_prefix("barn"));
        assert!(!is_date_prefix(""));
    }

    #[test]
    fn intervals() {
        let day = parse_date("2021-03-01").unwrap();
        // Plain pages: any date.
        assert_eq!(effective_interval(None, None, None), None);
        assert!(applies_on(None, day));
        // Planned and draft documents never apply.
        let planned = effective_interval(Some("planned"), Some(day - 10), None);
        assert!(!applies_on(planned, day));
        assert!(!applies_on(
            effective_interval(Some("draft"), None, None),
            day
        ));
        // Inclusive ends, open ends.
        let iv = effective_interval(Some("in-force"), Some(day), Some(day + 5));
        assert!(applies_on(iv, day) && applies_on(iv, day + 5));
        assert!(!applies_on(iv, day - 1) && !applies_on(iv, day + 6));
        let open = effective_interval(Some("expired"), None, Some(day));
        assert!(applies_on(open, i32::MIN) && !applies_on(open, day + 1));
    }

    #[test]
    fn table_roundtrip_and_lookup() {
        let t = ValidityTable::from_pages([
            (0, None),
            (1, Some((10, 20))),
            (2, Some((10, 20))),
            (2, Some((10, 20))),
            (3, Some((1, 0))),
            (5, Some((i32::MIN, -3))),
            (6, Some((30, i32::MAX))),
        ]);
        assert_eq!(t.runs.len(), 4);
        assert_eq!(ValidityTable::decode(&t.encode()).unwrap(), t);
        assert!(t.applies(0, 0) && t.applies(4, 0));
        assert!(t.applies(2, 15) && !t.applies(2, 21));
        assert!(!t.applies(3, 0));
        assert!(t.applies(5, -1000) && !t.applies(5, 0));
        assert!(t.applies(6, 30) && !t.applies(6, 29) && t.applies(99, 29));
        assert!(ValidityTable::decode(b"SSV1\x01\x00\x00\x00\x00").is_err());
        assert!(ValidityTable::decode(b"SSV1\x01").is_err());
    }
}

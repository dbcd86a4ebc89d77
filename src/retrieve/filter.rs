//! Filters for semantic hits: the request's facet filters plus the `field:value` clauses of the
//! query text, checked against [`Columns`] by `seq`.
//!
//! The keyword side hands the whole query to tantivy; the semantic side needs the same
//! restrictions without the syntax, so [`split_query`] pulls the filter clauses out of the text
//! and leaves the words to embed.

use super::columns::{date_key, Columns, NONE};
use super::Filters;
use crate::record::{NpsGroup, SentimentLabel};

/// Filter fields recognised in query text.
pub(crate) const FIELDS: &[&str] = &[
    "theme",
    "lang",
    "sentiment",
    "nps",
    "score",
    "date",
    "segment",
];

/// One condition on an answer: as written (`Cond`, values and segment column by name), or
/// compiled against a run's [`Columns`] (`Cond<u32, usize>`: dictionary codes and the index
/// of the segment column).
#[derive(Debug, Clone, PartialEq)]
pub enum Cond<V = String, C = String> {
    /// Has one of these themes.
    Theme(Vec<V>),
    /// Is in one of these languages.
    Lang(Vec<V>),
    /// Has one of these sentiment labels.
    Sentiment(Vec<SentimentLabel>),
    /// Is in one of these NPS groups.
    Nps(Vec<NpsGroup>),
    /// Segment column has one of these values.
    Segment(C, Vec<V>),
    /// Score within `lo..=hi`.
    Score(u8, u8),
    /// Date key (`YYYYMMDD`) within `lo..=hi`.
    Date(u32, u32),
}

/// A condition, possibly negated (`-theme:price`, `NOT lang:en`).
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// True when the answer must NOT match.
    pub negate: bool,
    /// The condition.
    pub cond: Cond,
}

/// The words of a query (for the embedding) and its filter clauses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Split {
    /// Query text without filters, operators or negated words.
    pub text: String,
    /// Filter clauses found in the text.
    pub clauses: Vec<Clause>,
}

/// Splits text into tokens, keeping `"quoted phrases"` and `[a TO b]` ranges whole.
fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quote, mut bracket) = (false, false);
    for c in s.chars() {
        match c {
            '"' => {
                quote = !quote;
                cur.push(c);
            }
            '[' | '{' if !quote => {
                bracket = true;
                cur.push(c);
            }
            ']' | '}' if !quote => {
                bracket = false;
                cur.push(c);
            }
            c if c.is_whitespace() && !quote && !bracket => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// Parses a range value: `[a TO b]`, `{a TO b}`, `>=a`, `>a`, `<=b`, `<b`, or a single value,
/// with `*` for an open end. `key` turns a bound into a number; `succ`/`pred` step by the
/// smallest unit. `None` when the range is empty or reversed (`[6 TO 2]`, `<0`) or leaves
/// `min..=max`: such a filter is a mistake, not a request for no answers.
fn range<T: Copy + Ord>(
    v: &str,
    key: impl Fn(&str) -> Option<T>,
    min: T,
    max: T,
    succ: impl Fn(T) -> Option<T>,
    pred: impl Fn(T) -> Option<T>,
) -> Option<(T, T)> {
    let (lo, hi) = range_bounds(v, &key, min, max, &succ, &pred)?;
    (min <= lo && lo <= hi && hi <= max).then_some((lo, hi))
}

fn range_bounds<T: Copy + Ord>(
    v: &str,
    key: &impl Fn(&str) -> Option<T>,
    min: T,
    max: T,
    succ: &impl Fn(T) -> Option<T>,
    pred: &impl Fn(T) -> Option<T>,
) -> Option<(T, T)> {
    let bound = |s: &str, open: T| -> Option<T> {
        let s = s.trim();
        if s == "*" {
            Some(open)
        } else {
            key(unquote(s))
        }
    };
    if let Some(inner) = v.strip_prefix('[').or_else(|| v.strip_prefix('{')) {
        let excl_lo = v.starts_with('{');
        let excl_hi = inner.ends_with('}');
        let inner = inner
            .strip_suffix(']')
            .or_else(|| inner.strip_suffix('}'))?;
        let (a, b) = inner.split_once(" TO ")?;
        let (mut lo, mut hi) = (bound(a, min)?, bound(b, max)?);
        if excl_lo && a.trim() != "*" {
            lo = succ(lo)?;
        }
        if excl_hi && b.trim() != "*" {
            hi = pred(hi)?;
        }
        return Some((lo, hi));
    }
    if let Some(x) = v.strip_prefix(">=") {
        return Some((key(x)?, max));
    }
    if let Some(x) = v.strip_prefix('>') {
        return Some((succ(key(x)?)?, max));
    }
    if let Some(x) = v.strip_prefix("<=") {
        return Some((min, key(x)?));
    }
    if let Some(x) = v.strip_prefix('<') {
        return Some((min, pred(key(x)?)?));
    }
    let x = key(unquote(v))?;
    Some((x, x))
}

fn score_range(v: &str) -> Option<(u8, u8)> {
    range(
        v,
        |s| s.trim().parse::<u8>().ok(),
        0,
        10,
        |x| x.checked_add(1),
        |x| x.checked_sub(1),
    )
}

fn date_range(v: &str) -> Option<(u32, u32)> {
    // A partial date as an upper bound means the end of that year/month.
    let hi_key = |s: &str| {
        let k = date_key(s);
        match s.chars().filter(|c| c.is_ascii_digit()).count() {
            4 => Some(k + 1231),
            6 => Some(k + 31),
            _ => (k > 0).then_some(k),
        }
    };
    let step = (|x: u32| x.checked_add(1), |x: u32| x.checked_sub(1));
    let lo_key = |s: &str| Some(date_key(s)).filter(|k| *k > 0);
    let (lo, _) = range_bounds(v, &lo_key, 0, u32::MAX, &step.0, &step.1)?;
    let (_, hi) = range_bounds(v, &hi_key, 0, u32::MAX, &step.0, &step.1)?;
    (lo <= hi).then_some((lo, hi))
}

/// Parses one `field:value` token into a condition; `None` when it is not a filter this
/// module knows (then it stays in the text).
pub(crate) fn clause(field: &str, value: &str) -> Option<Cond> {
    let v = unquote(value);
    Some(match field {
        "theme" => Cond::Theme(vec![v.to_string()]),
        "lang" => Cond::Lang(vec![v.to_ascii_lowercase()]),
        "sentiment" => Cond::Sentiment(vec![SentimentLabel::parse(v)?]),
        "nps" => Cond::Nps(vec![NpsGroup::parse(v)?]),
        "score" => {
            let (lo, hi) = score_range(value)?;
            Cond::Score(lo, hi)
        }
        "date" => {
            let (lo, hi) = date_range(value)?;
            Cond::Date(lo, hi)
        }
        "segment" => {
            let (c, val) = v.split_once('=')?;
            Cond::Segment(c.to_string(), vec![val.to_string()])
        }
        f => {
            let col = f
                .get("segment.".len()..)
                .filter(|_| f.to_ascii_lowercase().starts_with("segment."))?;
            Cond::Segment(col.to_string(), vec![v.to_string()])
        }
    })
}

/// Separates the filter clauses of `text` from its words.
pub fn split_query(text: &str) -> Split {
    let mut out = Split::default();
    let mut words = Vec::new();
    let mut negate_next = false;
    for tok in tokens(text) {
        if tok == "AND" || tok == "OR" || tok == "&&" || tok == "||" {
            continue;
        }
        if tok == "NOT" {
            negate_next = true;
            continue;
        }
        let (neg, body) = match tok.strip_prefix('-') {
            Some(b) if !b.is_empty() => (true, b),
            _ => (negate_next, tok.strip_prefix('+').unwrap_or(&tok)),
        };
        negate_next = false;
        if let Some((f, v)) = body.split_once(':') {
            let lower = f.to_ascii_lowercase();
            if FIELDS.contains(&lower.as_str()) || lower.starts_with("segment.") {
                // Field names are case-insensitive; a segment column keeps its case.
                let f = if lower.starts_with("segment.") {
                    f
                } else {
                    lower.as_str()
                };
                if let Some(cond) = clause(f, v) {
                    out.clauses.push(Clause { negate: neg, cond });
                }
                continue; // a malformed filter is not a word to embed either
            }
        }
        if neg {
            continue; // excluded words say what the user does NOT want: not meaning to embed
        }
        let w = body.trim_matches(|c| matches!(c, '(' | ')' | '"'));
        if !w.is_empty() {
            words.push(w.to_string());
        }
    }
    out.text = words.join(" ");
    out
}

/// The request's facet filters as clauses (values of one filter are alternatives).
pub fn request_clauses(q: &Filters) -> Vec<Clause> {
    let mut out = Vec::new();
    let mut add = |cond| {
        out.push(Clause {
            negate: false,
            cond,
        })
    };
    if !q.theme.is_empty() {
        add(Cond::Theme(q.theme.clone()));
    }
    if !q.lang.is_empty() {
        add(Cond::Lang(q.lang.clone()));
    }
    if !q.sentiment.is_empty() {
        add(Cond::Sentiment(q.sentiment.clone()));
    }
    if !q.nps.is_empty() {
        add(Cond::Nps(q.nps.clone()));
    }
    let mut cols: Vec<(String, Vec<String>)> = Vec::new();
    for (c, v) in &q.segments {
        match cols.iter_mut().find(|(n, _)| n == c) {
            Some((_, vals)) => vals.push(v.clone()),
            None => cols.push((c.clone(), vec![v.clone()])),
        }
    }
    for (c, vals) in cols {
        add(Cond::Segment(c, vals));
    }
    out
}

/// Clauses compiled against a run's columns.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Each clause's negation and compiled condition; `None` for a segment column the run
    /// does not have (nothing matches it).
    checks: Vec<(bool, Option<Cond<u32, usize>>)>,
}

fn codes(dict: &super::columns::Dict, vals: &[String]) -> Vec<u32> {
    vals.iter().filter_map(|v| dict.get(v)).collect()
}

impl Filter {
    /// Compiles `clauses`; values no answer has match nothing.
    pub fn new(cols: &Columns, clauses: &[Clause]) -> Filter {
        let checks = clauses
            .iter()
            .map(|c| {
                let check = match &c.cond {
                    Cond::Lang(v) => Some(Cond::Lang(codes(&cols.langs, v))),
                    Cond::Theme(v) => Some(Cond::Theme(codes(&cols.themes, v))),
                    Cond::Sentiment(v) => Some(Cond::Sentiment(v.clone())),
                    Cond::Nps(v) => Some(Cond::Nps(v.clone())),
                    Cond::Segment(col, v) => {
                        let i = cols.segments.iter().position(|s| &s.name == col);
                        i.map(|i| Cond::Segment(i, codes(&cols.segments[i].dict, v)))
                    }
                    Cond::Score(lo, hi) => Some(Cond::Score(*lo, *hi)),
                    Cond::Date(lo, hi) => Some(Cond::Date(*lo, *hi)),
                };
                (c.negate, check)
            })
            .collect();
        Filter { checks }
    }

    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// Whether answer `seq` passes every clause.
    pub fn allows(&self, cols: &Columns, seq: u64) -> bool {
        let i = seq as usize;
        if i >= cols.len() {
            return false;
        }
        self.checks.iter().all(|(negate, check)| {
            let hit = match check {
                None => false,
                Some(Cond::Lang(v)) => v.contains(&cols.lang[i]),
                Some(Cond::Theme(v)) => cols.themes_of(i).iter().any(|t| v.contains(t)),
                Some(Cond::Sentiment(v)) => v.iter().any(|l| l.index() as u8 == cols.sentiment[i]),
                Some(Cond::Nps(v)) => v.iter().any(|g| *g as u8 == cols.nps[i]),
                Some(Cond::Segment(c, v)) => {
                    let code = cols.segments[*c].codes[i];
                    code != NONE && v.contains(&code)
                }
                Some(Cond::Score(lo, hi)) => {
                    let s = cols.score[i];
                    s != 255 && (*lo..=*hi).contains(&s)
                }
                Some(Cond::Date(lo, hi)) => {
                    let d = cols.date[i];
                    d != 0 && (*lo..=*hi).contains(&d)
                }
            };
            hit != *negate
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_filters_from_words() {
        let s = split_query(
            "late delivery theme:delivery lang:he score:[0 TO 6] -price NOT nps:promoter AND \"parcel box\"",
        );
        assert_eq!(s.text, "late delivery parcel box");
        assert_eq!(
            s.clauses,
            vec![
                Clause {
                    negate: false,
                    cond: Cond::Theme(vec!["delivery".into()])
                },
                Clause {
                    negate: false,
                    cond: Cond::Lang(vec!["he".into()])
                },
                Clause {
                    negate: false,
                    cond: Cond::Score(0, 6)
                },
                Clause {
                    negate: true,
                    cond: Cond::Nps(vec![NpsGroup::Promoter])
                },
            ]
        );
    }

    #[test]
    fn parses_ranges_and_segments() {
        assert_eq!(score_range("{6 TO *]"), Some((7, 10)));
        assert_eq!(score_range(">=9"), Some((9, 10)));
        assert_eq!(score_range("<7"), Some((0, 6)));
        // Empty, reversed or out of 0-10: not a filter (the parser reports it).
        for bad in ["<0", "{* TO 0}", ">10", "[6 TO 2]", "11", "{5 TO 5}"] {
            assert_eq!(score_range(bad), None, "{bad}");
        }
        assert_eq!(score_range("<1"), Some((0, 0)));
        assert_eq!(date_range("[2024-03 TO 2024-01]"), None);
        assert_eq!(
            date_range("[2024-03-15 TO 2024-03]"),
            Some((20240315, 20240331))
        );
        assert_eq!(
            date_range("[2024-01 TO 2024-03]"),
            Some((20240100, 20240331))
        );
        assert_eq!(date_range("2024-02-05"), Some((20240205, 20240205)));
        let s = split_query("segment:Country=IL segment.Plan:Pro app");
        assert_eq!(s.text, "app");
        assert_eq!(
            s.clauses[1].cond,
            Cond::Segment("Plan".into(), vec!["Pro".into()])
        );
    }
}

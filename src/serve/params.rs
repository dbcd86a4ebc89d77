//! Parsing URL query strings into retrieval [`Query`]s, with errors a user can act on.

use crate::record::{NpsGroup, SentimentLabel};
use crate::retrieve::{Mode, Query};

/// Most hits one page may ask for.
pub const MAX_LIMIT: usize = 1_000;
/// Deepest result a page may reach (`offset + limit`): hybrid fusion ranks this many per side.
pub const MAX_DEPTH: usize = 10_000;

/// The parameters every search-like endpoint accepts.
const KNOWN: &[&str] = &[
    "q",
    "all",
    "mode",
    "theme",
    "sentiment",
    "lang",
    "nps",
    "segment",
    "limit",
    "offset",
];

/// Splits `path?query` into the path and its decoded `(key, value)` pairs.
pub fn split_url(url: &str) -> (&str, Vec<(String, String)>) {
    match url.split_once('?') {
        Some((path, qs)) => (
            path,
            form_urlencoded::parse(qs.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ),
        None => (url, Vec::new()),
    }
}

fn number(key: &str, v: &str, max: usize) -> Result<usize, String> {
    let n: usize = v
        .trim()
        .parse()
        .map_err(|_| format!("{key}={v:?} is not a whole number; use e.g. {key}=20"))?;
    if n > max {
        return Err(format!("{key}={n} is too large (at most {max})"));
    }
    Ok(n)
}

/// Builds a query from URL parameters. `max_limit` bounds `limit` (the export allows more
/// than a page). Empty values are ignored, so a form can send blank fields.
pub fn parse_query(pairs: &[(String, String)], max_limit: usize) -> Result<Query, String> {
    let mut q = Query::default();
    for (k, v) in pairs {
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "q" => q.text = v.clone(),
            "mode" => {
                q.mode = Mode::parse(v).ok_or_else(|| {
                    format!("mode={v:?} is unknown; use hybrid, keyword or semantic")
                })?
            }
            "theme" => q.filters.theme.push(v.clone()),
            "lang" => q.filters.lang.push(v.to_ascii_lowercase()),
            "sentiment" => q
                .filters
                .sentiment
                .push(SentimentLabel::parse(v).ok_or_else(|| {
                    format!("sentiment={v:?} is unknown; use negative, neutral or positive")
                })?),
            "nps" => q.filters.nps.push(NpsGroup::parse(v).ok_or_else(|| {
                format!("nps={v:?} is unknown; use detractor, passive or promoter")
            })?),
            "segment" => {
                let (col, val) = v
                    .split_once('=')
                    .filter(|(c, _)| !c.is_empty())
                    .ok_or_else(|| {
                        format!("segment={v:?} must be COLUMN=VALUE, e.g. segment=Country=IL")
                    })?;
                q.filters.segments.push((col.to_string(), val.to_string()));
            }
            "limit" => {
                q.limit = number("limit", v, max_limit)?;
                if q.limit == 0 {
                    return Err("limit=0 asks for nothing; use limit=1 or more".into());
                }
            }
            "offset" => q.offset = number("offset", v, MAX_DEPTH)?,
            "all" => {
                q.all = match v.as_str() {
                    "1" | "true" => true,
                    "0" | "false" => false,
                    _ => return Err(format!("all={v:?} must be 1 or 0")),
                }
            }
            other => {
                return Err(format!(
                    "unknown parameter {other:?}; known: {}",
                    KNOWN.join(", ")
                ))
            }
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<Query, String> {
        parse_query(&split_url(url).1, MAX_LIMIT)
    }

    #[test]
    fn parses_every_filter_and_decodes_percent_escapes() {
        let q = parse(
            "/api/search?q=late%20delivery&mode=semantic&theme=delivery&theme=price&lang=HE\
             &sentiment=neg&nps=promoters&segment=Country%3DIL&limit=5&offset=10&lang=",
        )
        .unwrap();
        assert_eq!(q.text, "late delivery");
        assert_eq!(q.mode, Mode::Semantic);
        assert_eq!(q.filters.theme, ["delivery", "price"]);
        assert_eq!(q.filters.lang, ["he"]);
        assert_eq!(q.filters.sentiment, [SentimentLabel::Negative]);
        assert_eq!(q.filters.nps, [NpsGroup::Promoter]);
        assert_eq!(
            q.filters.segments,
            [("Country".to_string(), "IL".to_string())]
        );
        assert_eq!((q.limit, q.offset), (5, 10));
    }

    #[test]
    fn rejects_bad_values_with_a_hint() {
        for (url, hint) in [
            ("/?limit=abc", "not a whole number"),
            ("/?limit=0", "use limit=1 or more"),
            ("/?limit=5000", "at most 1000"),
            ("/?mode=fuzzy", "hybrid, keyword or semantic"),
            ("/?sentiment=angry", "use negative, neutral or positive"),
            ("/?nps=fan", "use detractor, passive or promoter"),
            ("/?segment=IL", "COLUMN=VALUE"),
            ("/?language=he", "unknown parameter"),
            ("/?offset=-1", "not a whole number"),
        ] {
            let err = parse(url).unwrap_err();
            assert!(err.contains(hint), "{url}: {err}");
        }
    }
}

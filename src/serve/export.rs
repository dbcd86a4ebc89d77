//! CSV export of a result set.

use crate::retrieve::columns::Columns;
use crate::retrieve::Results;

/// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) gets a
/// leading apostrophe: exported answers are untrusted text.
fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Writes the hits as CSV: one row per answer, segment columns of the run at the end.
pub fn to_csv(r: &Results, cols: &Columns) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let seg_names: Vec<&str> = cols.segments.iter().map(|s| s.name.as_str()).collect();
    let mut head = vec![
        "rank",
        "seq",
        "id",
        "relevance",
        "found_by",
        "score",
        "nps_group",
        "sentiment",
        "lang",
        "themes",
        "date",
    ];
    head.extend(seg_names.iter().copied());
    head.push("text");
    w.write_record(&head)?;
    for (i, h) in r.hits.iter().enumerate() {
        let mut row = vec![
            (r.offset + i + 1).to_string(),
            h.seq.to_string(),
            cell(&h.id),
            format!("{:.6}", h.relevance),
            h.found_by.join("+"),
            h.score.map(|s| s.to_string()).unwrap_or_default(),
            h.nps_group.clone().unwrap_or_default(),
            h.sentiment.clone(),
            h.lang.clone(),
            h.themes.join(";"),
            h.date.clone().unwrap_or_default(),
        ];
        for s in &seg_names {
            row.push(cell(h.segments.get(*s).map_or("", |v| v.as_str())));
        }
        row.push(cell(&h.text));
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralizes_formulas() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("-5 stars"), "'-5 stars");
        assert_eq!(cell("fine"), "fine");
    }
}

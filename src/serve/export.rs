//! CSV export of a result set, through the project's one CSV writer
//! (`SafeCsv`: a cell a spreadsheet would run as a formula gets a leading apostrophe).

use crate::retrieve::columns::Columns;
use crate::retrieve::Results;
use crate::safe_csv::SafeCsv;

/// Writes the hits as CSV: one row per answer, segment columns of the run at the end.
pub fn to_csv(r: &Results, cols: &Columns) -> Result<Vec<u8>, csv::Error> {
    let mut w = SafeCsv::new(Vec::new());
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
    w.row(&head)?;
    for (i, h) in r.hits.iter().enumerate() {
        let mut row = vec![
            (r.offset + i + 1).to_string(),
            h.seq.to_string(),
            h.id.clone(),
            format!("{:.6}", h.relevance),
            h.found_by
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join("+"),
            h.score.map(|s| s.to_string()).unwrap_or_default(),
            h.nps_group.map(|g| g.as_str()).unwrap_or_default().into(),
            h.sentiment.as_str().into(),
            h.lang.clone(),
            h.themes.join(";"),
            h.date.clone().unwrap_or_default(),
        ];
        for s in &seg_names {
            row.push(h.segments.get(*s).cloned().unwrap_or_default());
        }
        row.push(h.text.clone());
        w.row(&row)?;
    }
    w.into_inner().map_err(csv::Error::from)
}

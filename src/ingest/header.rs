//! Header-row detection: plain one-row headers, Qualtrics exports (column ids, question text,
//! ImportId JSON on three rows) and SurveyMonkey exports (question text over a row of
//! "Response"/"Open-Ended Response"/option names).

/// The kind of header an export has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    /// One header row.
    Plain,
    /// Qualtrics: three header rows.
    Qualtrics,
    /// SurveyMonkey: two header rows.
    SurveyMonkey,
}

impl HeaderKind {
    /// Number of rows the header takes.
    pub fn rows(self) -> usize {
        match self {
            HeaderKind::Plain => 1,
            HeaderKind::Qualtrics => 3,
            HeaderKind::SurveyMonkey => 2,
        }
    }
}

/// One column: the name used in records, plus other names a user may call it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    /// Name used as the key in [`crate::record::Record::fields`]; unique within a file.
    pub name: String,
    /// Other names: question text, ImportId, SurveyMonkey parts.
    pub aliases: Vec<String>,
}

/// The header of a file: its columns and how many rows it took.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Header kind.
    pub kind: HeaderKind,
    /// Columns in file order.
    pub columns: Vec<Column>,
}

/// Answer-type labels SurveyMonkey writes on its second header row.
const SURVEYMONKEY_MARKERS: [&str; 2] = ["response", "open-ended response"];

/// Detects the header layout from the first (up to three) rows of a file.
/// Returns `None` when the first row has no non-empty cell.
pub(crate) fn detect(rows: &[Vec<String>]) -> Option<Layout> {
    let first = rows.first()?;
    if first.iter().all(|c| c.trim().is_empty()) {
        return None;
    }
    let (kind, mut columns) = if let Some(cols) = qualtrics(rows) {
        (HeaderKind::Qualtrics, cols)
    } else if let Some(cols) = surveymonkey(rows) {
        (HeaderKind::SurveyMonkey, cols)
    } else {
        (HeaderKind::Plain, plain(first))
    };
    dedupe(&mut columns);
    Some(Layout { kind, columns })
}

fn cell(row: Option<&Vec<String>>, i: usize) -> &str {
    row.and_then(|r| r.get(i)).map(|s| s.trim()).unwrap_or("")
}

fn fallback_name(i: usize) -> String {
    format!("column_{}", i + 1)
}

/// The first non-empty of `names` as the name of column `i`, else its fallback name.
fn first_name<'a>(names: impl IntoIterator<Item = Option<&'a str>>, i: usize) -> String {
    names
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .map_or_else(|| fallback_name(i), str::to_string)
}

fn plain(first: &[String]) -> Vec<Column> {
    first
        .iter()
        .enumerate()
        .map(|(i, c)| Column {
            name: first_name([Some(c.trim())], i),
            aliases: Vec::new(),
        })
        .collect()
}

/// The ImportId of a Qualtrics third-row cell such as `{"ImportId":"QID1_TEXT"}`.
fn import_id(cell: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(cell.trim()).ok()?;
    value.get("ImportId")?.as_str().map(str::to_string)
}

fn qualtrics(rows: &[Vec<String>]) -> Option<Vec<Column>> {
    let third = rows.get(2)?;
    let filled: Vec<&String> = third.iter().filter(|c| !c.trim().is_empty()).collect();
    let ids = filled.iter().filter(|c| import_id(c).is_some()).count();
    // Every Qualtrics column carries an ImportId; demand a clear majority so that a data row
    // holding one JSON answer is not mistaken for a header.
    if ids == 0 || ids * 2 < filled.len() {
        return None;
    }
    let (first, second) = (rows.first(), rows.get(1));
    let width = rows.iter().take(3).map(Vec::len).max().unwrap_or(0);
    let columns = (0..width)
        .map(|i| {
            let id = cell(first, i);
            let question = cell(second, i);
            let import = import_id(cell(Some(third), i));
            let name = first_name([Some(id), Some(question)], i);
            let mut aliases = Vec::new();
            if !question.is_empty() && question != name {
                aliases.push(question.to_string());
            }
            if let Some(import) = import {
                aliases.push(import);
            }
            Column { name, aliases }
        })
        .collect();
    Some(columns)
}

fn surveymonkey(rows: &[Vec<String>]) -> Option<Vec<Column>> {
    let (first, second) = (rows.first()?, rows.get(1)?);
    let marked = second
        .iter()
        .any(|c| SURVEYMONKEY_MARKERS.contains(&c.trim().to_lowercase().as_str()));
    if !marked {
        return None;
    }
    let width = first.len().max(second.len());
    // A question spans its own column plus the following columns whose first-row cell is
    // blank but whose second-row cell names an option.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for i in 0..width {
        let top = cell(Some(first), i);
        let sub = cell(Some(second), i);
        match spans.last_mut() {
            Some((_, end)) if top.is_empty() && !sub.is_empty() && *end == i => *end = i + 1,
            _ => spans.push((i, i + 1)),
        }
    }
    let mut columns = Vec::with_capacity(width);
    for (start, end) in spans {
        let question = cell(Some(first), start);
        for i in start..end {
            let sub = cell(Some(second), i);
            let composite = match (question.is_empty(), sub.is_empty()) {
                (false, false) => Some(format!("{question} - {sub}")),
                _ => None,
            };
            let single = end - start == 1;
            let name = first_name(
                [single.then_some(question), composite.as_deref(), Some(sub)],
                i,
            );
            let mut aliases = Vec::new();
            for alias in [composite.as_deref(), Some(question), Some(sub)]
                .into_iter()
                .flatten()
            {
                if !alias.is_empty() && alias != name && !aliases.iter().any(|a| a == alias) {
                    aliases.push(alias.to_string());
                }
            }
            columns.push(Column { name, aliases });
        }
    }
    Some(columns)
}

/// Makes names unique (record fields are keyed by name): later duplicates get ` (2)`, ` (3)`.
fn dedupe(columns: &mut [Column]) {
    let mut seen = std::collections::HashSet::new();
    for column in columns.iter_mut() {
        if seen.insert(column.name.to_lowercase()) {
            continue;
        }
        let mut n = 2;
        let name = loop {
            let candidate = format!("{} ({n})", column.name);
            if seen.insert(candidate.to_lowercase()) {
                break candidate;
            }
            n += 1;
        };
        let original = std::mem::replace(&mut column.name, name);
        column.aliases.push(original);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[&[&str]]) -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn plain_header_names_blank_columns() {
        let layout = detect(&rows(&[&["id", "", " text "], &["1", "x", "hi"]])).unwrap();
        assert_eq!(layout.kind, HeaderKind::Plain);
        let names: Vec<_> = layout.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "column_2", "text"]);
    }

    #[test]
    fn qualtrics_header_takes_three_rows() {
        let layout = detect(&rows(&[
            &["ResponseId", "Q1", "Q2"],
            &["Response ID", "How likely...?", "Why?"],
            &[
                r#"{"ImportId":"_recordId"}"#,
                r#"{"ImportId":"QID1"}"#,
                r#"{"ImportId":"QID2_TEXT"}"#,
            ],
        ]))
        .unwrap();
        assert_eq!(layout.kind, HeaderKind::Qualtrics);
        assert_eq!(layout.kind.rows(), 3);
        assert_eq!(layout.columns[2].name, "Q2");
        assert_eq!(layout.columns[2].aliases, ["Why?", "QID2_TEXT"]);
    }

    #[test]
    fn surveymonkey_builds_composite_names() {
        let layout = detect(&rows(&[
            &["Respondent ID", "Why?", "Features used", "", ""],
            &["", "Open-Ended Response", "Search", "Export", "Other"],
            &["1", "fine", "Search", "", ""],
        ]))
        .unwrap();
        assert_eq!(layout.kind, HeaderKind::SurveyMonkey);
        let names: Vec<_> = layout.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Respondent ID",
                "Why?",
                "Features used - Search",
                "Features used - Export",
                "Features used - Other"
            ]
        );
        assert_eq!(
            layout.columns[1].aliases,
            ["Why? - Open-Ended Response", "Open-Ended Response"]
        );
    }

    #[test]
    fn duplicate_names_are_made_unique() {
        let layout = detect(&rows(&[&["Q", "q", "Q"]])).unwrap();
        let names: Vec<_> = layout.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Q", "q (2)", "Q (3)"]);
    }

    #[test]
    fn blank_first_row_is_no_header() {
        assert!(detect(&rows(&[&["", " "]])).is_none());
        assert!(detect(&[]).is_none());
    }
}

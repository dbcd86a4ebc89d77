//! Column resolution: finds the column a user named (by header id, question text, ImportId or
//! SurveyMonkey composite, case-insensitively) and explains failures with a suggestion.

use super::header::Column;

/// Why a named column could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// No column matches; the closest name when one is close enough.
    Missing { suggestion: Option<String> },
    /// Several columns match equally well.
    Ambiguous { matches: Vec<String> },
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Finds the index of the column called `wanted`.
///
/// A match on a column's own name wins over a match on an alias, so that a SurveyMonkey
/// composite or a Qualtrics id stays usable even when question texts repeat.
pub(crate) fn resolve(columns: &[Column], wanted: &str) -> Result<usize, Unresolved> {
    let key = norm(wanted);
    let by_name: Vec<usize> = (0..columns.len())
        .filter(|&i| norm(&columns[i].name) == key)
        .collect();
    let hits = if by_name.is_empty() {
        (0..columns.len())
            .filter(|&i| columns[i].aliases.iter().any(|a| norm(a) == key))
            .collect()
    } else {
        by_name
    };
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(Unresolved::Missing {
            suggestion: closest(columns, &key),
        }),
        many => Err(Unresolved::Ambiguous {
            matches: many.iter().map(|&i| columns[i].name.clone()).collect(),
        }),
    }
}

/// The column name closest to `key` by edit distance (over names and aliases), when at least
/// half of its characters agree; a name containing `key` also counts as close.
fn closest(columns: &[Column], key: &str) -> Option<String> {
    if key.is_empty() {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for column in columns {
        for candidate in std::iter::once(&column.name).chain(&column.aliases) {
            let cand = norm(candidate);
            let longest = cand.chars().count().max(key.chars().count());
            let contains = !cand.is_empty() && (cand.contains(key) || key.contains(cand.as_str()));
            let distance = if contains {
                // Containment is a strong hint even when lengths differ a lot.
                longest / 4
            } else {
                levenshtein(&cand, key)
            };
            if distance * 2 > longest {
                continue;
            }
            if best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, column.name.as_str()));
            }
        }
    }
    best.map(|(_, name)| name.to_string())
}

/// Edit distance between two strings, by characters.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The list of column names for error messages, quoted, capped so a 300-column Qualtrics
/// export does not flood the terminal.
pub(crate) fn available(columns: &[Column]) -> String {
    const SHOWN: usize = 40;
    let mut out: Vec<String> = columns
        .iter()
        .take(SHOWN)
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    if columns.len() > SHOWN {
        out.push(format!("... and {} more", columns.len() - SHOWN));
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(spec: &[(&str, &[&str])]) -> Vec<Column> {
        spec.iter()
            .map(|(n, a)| Column {
                name: n.to_string(),
                aliases: a.iter().map(|s| s.to_string()).collect(),
            })
            .collect()
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("coment", "comment"), 1);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("שלום", "שלום"), 0);
    }

    #[test]
    fn resolves_by_name_then_alias() {
        let c = cols(&[("Q1", &["Why?", "QID1_TEXT"]), ("Q2", &["Score"])]);
        assert_eq!(resolve(&c, " q1 "), Ok(0));
        assert_eq!(resolve(&c, "qid1_text"), Ok(0));
        assert_eq!(resolve(&c, "score"), Ok(1));
    }

    #[test]
    fn name_match_beats_alias_match() {
        let c = cols(&[("Response", &[]), ("Q - Response", &["Response"])]);
        assert_eq!(resolve(&c, "response"), Ok(0));
    }

    #[test]
    fn ambiguous_and_missing() {
        let c = cols(&[
            ("A - Response", &["Response"]),
            ("B - Response", &["Response"]),
        ]);
        assert_eq!(
            resolve(&c, "Response"),
            Err(Unresolved::Ambiguous {
                matches: vec!["A - Response".into(), "B - Response".into()]
            })
        );
        let c = cols(&[("id", &[]), ("comment", &[]), ("score", &[])]);
        assert_eq!(
            resolve(&c, "coment"),
            Err(Unresolved::Missing {
                suggestion: Some("comment".into())
            })
        );
        assert_eq!(
            resolve(&c, "zzzzzz"),
            Err(Unresolved::Missing { suggestion: None })
        );
    }
}

//! Row validation: turns a row of cells into a [`Record`] or a [`Reject`] naming the column at
//! fault. Checks run in column-role order (text, score, date, id) and the first failure wins.

use super::source::{format_number, Cell};
use crate::record::{Record, Reject};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime};
use std::collections::{BTreeMap, HashMap};

/// Column indexes of the roles the user chose.
#[derive(Debug, Clone)]
pub(crate) struct Roles {
    /// Answer text column.
    pub text: usize,
    /// Score column.
    pub score: Option<usize>,
    /// Respondent id column.
    pub id: Option<usize>,
    /// Date column.
    pub date: Option<usize>,
    /// Segment columns.
    pub segments: Vec<usize>,
}

/// Validates rows; remembers ids already accepted to catch duplicates.
pub(crate) struct Validator {
    roles: Roles,
    names: Vec<String>,
    /// Numbers in the date column are Excel serial dates (XLSX only; elsewhere a bare number
    /// is not a date).
    serial_dates: bool,
    seen: HashMap<String, u64>,
}

impl Validator {
    /// A validator for columns `names` with the given roles.
    pub(crate) fn new(roles: Roles, names: Vec<String>, serial_dates: bool) -> Self {
        Validator {
            roles,
            names,
            serial_dates,
            seen: HashMap::new(),
        }
    }

    fn reject(&self, row: u64, column: usize, reason: String) -> Reject {
        Reject {
            row,
            column: Some(self.names[column].clone()),
            reason,
        }
    }

    /// Checks one row (cells aligned with the columns).
    pub(crate) fn check(&mut self, row: u64, cells: Vec<Cell>) -> Result<Record, Reject> {
        let roles = &self.roles;
        let get = |i: usize| cells.get(i).unwrap_or(&Cell::Empty);

        let text = get(roles.text).to_text();
        if text.trim().is_empty() {
            return Err(self.reject(
                row,
                roles.text,
                "empty answer text; nothing to analyze".into(),
            ));
        }

        let score = match roles.score {
            Some(col) => parse_score(get(col)).map_err(|why| self.reject(row, col, why))?,
            None => None,
        };

        let date = match roles.date {
            Some(col) => {
                parse_date(get(col), self.serial_dates).map_err(|why| self.reject(row, col, why))?
            }
            None => None,
        };

        let id_cell = roles.id.map(|col| (col, get(col).to_text()));
        let id = self.id_of(row, id_cell)?;
        let (segments, fields) = self.segments_and_fields(&cells);
        Ok(Record {
            row,
            id,
            text,
            score,
            date,
            segments,
            fields,
        })
    }

    /// The answer's id: its id cell (column, text), refused when an earlier row had it; a row
    /// without one (no id column, or a blank cell) is identified by its number.
    fn id_of(&mut self, row: u64, cell: Option<(usize, String)>) -> Result<String, Reject> {
        let id = match cell {
            Some((col, id)) if !id.trim().is_empty() => {
                let id = id.trim().to_string();
                if let Some(first) = self.seen.get(&id) {
                    return Err(self.reject(
                        row,
                        col,
                        format!("duplicate id {id} (first seen at row {first})"),
                    ));
                }
                id
            }
            _ => format!("row-{row}"),
        };
        if self.roles.id.is_some() {
            self.seen.insert(id.clone(), row);
        }
        Ok(id)
    }

    /// The row's segment values and all its fields, by column name.
    fn segments_and_fields(
        &self,
        cells: &[Cell],
    ) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        let get = |i: usize| cells.get(i).unwrap_or(&Cell::Empty);
        let segments = self
            .roles
            .segments
            .iter()
            .map(|&col| {
                (
                    self.names[col].clone(),
                    get(col).to_text().trim().to_string(),
                )
            })
            .collect();
        let fields = self
            .names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.clone(), get(i).to_text()))
            .collect();
        (segments, fields)
    }
}

/// Score cells that mean "no score" (compared case-insensitively, after trimming).
const NO_SCORE: [&str; 8] = [
    "n/a", "na", "n.a.", "-", "\u{2013}", "\u{2014}", "none", "null",
];

/// Parses a 0-10 whole-number score; blank and "no score" marks (`N/A`, `na`, `-`) are
/// `None`. Persian, Arabic-Indic and full-width digits are read, and bidi marks around the
/// number are ignored.
pub(crate) fn parse_score(cell: &Cell) -> Result<Option<u8>, String> {
    let value = match cell {
        Cell::Empty => return Ok(None),
        Cell::Number(n) => *n,
        Cell::Date(d) => {
            return Err(format!(
                "score {d} is a date, not a number; expected a whole number 0-10"
            ))
        }
        Cell::Text(s) => {
            let ascii = ascii_number(s);
            let t = ascii.trim();
            if t.is_empty() || NO_SCORE.iter().any(|n| t.eq_ignore_ascii_case(n)) {
                return Ok(None);
            }
            match t.parse::<f64>() {
                Ok(n) if n.is_finite() => n,
                _ => {
                    return Err(format!(
                        "score \"{}\" is not a number; expected a whole number 0-10 (or N/A, \
                         -, blank for no score)",
                        s.trim()
                    ))
                }
            }
        }
    };
    if !(0.0..=10.0).contains(&value) {
        return Err(format!(
            "score {} is outside 0-10; expected a whole number 0-10",
            format_number(value)
        ));
    }
    if value.fract() != 0.0 {
        return Err(format!(
            "score {} is not a whole number; expected a whole number 0-10",
            format_number(value)
        ));
    }
    Ok(Some(value as u8))
}

/// `s` with bidi and other invisible format marks removed, and Persian (۰-۹), Arabic-Indic
/// (٠-٩) and full-width (０-９) digits, separators and signs turned into ASCII.
pub(crate) fn ascii_number(s: &str) -> String {
    s.chars()
        .filter(|&c| !is_invisible_mark(c))
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{FF10}'..='\u{FF19}' => char::from(b'0' + (c as u32 - 0xFF10) as u8),
            '\u{066B}' | '\u{FF0E}' => '.',
            '\u{FF0D}' | '\u{2212}' => '-',
            '\u{FF0B}' => '+',
            c => c,
        })
        .collect()
}

/// Bidi marks, embeddings, overrides and isolates, zero-width characters and the BOM.
fn is_invisible_mark(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            | '\u{061C}' | '\u{FEFF}' | '\u{2060}'
    )
}

/// Date formats tried on the date part of a value, most common exports first.
const DATE_FORMATS: [&str; 5] = ["%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%m/%d/%y"];

/// Time formats tried on what follows the date.
const TIME_FORMATS: [&str; 6] = [
    "%H:%M:%S%.f",
    "%H:%M",
    "%I:%M:%S %p",
    "%I:%M %p",
    "%I:%M:%S%p",
    "%I:%M%p",
];

/// Parses a response date to ISO `YYYY-MM-DD`; blank is `None`.
pub(crate) fn parse_date(cell: &Cell, serial_dates: bool) -> Result<Option<String>, String> {
    let date = match cell {
        Cell::Empty => return Ok(None),
        Cell::Date(d) => *d,
        Cell::Number(n) if serial_dates => excel_serial_date(*n).ok_or_else(|| {
            format!(
                "date {} is not a valid Excel date serial",
                format_number(*n)
            )
        })?,
        Cell::Number(n) => return Err(unparsable(&format_number(*n))),
        Cell::Text(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            parse_date_text(s).ok_or_else(|| unparsable(s))?
        }
    };
    Ok(Some(date.format("%Y-%m-%d").to_string()))
}

fn unparsable(s: &str) -> String {
    format!(
        "date \"{s}\" is not a date; use YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, MM/DD/YYYY or DD.MM.YYYY"
    )
}

/// Parses the date of a date or date-time text; the time part, when present, must be valid too.
pub(crate) fn parse_date_text(s: &str) -> Option<NaiveDate> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.date_naive());
    }
    let (date_part, time_part) = match s.find(['T', ' ']) {
        Some(at) => (&s[..at], s[at + 1..].trim()),
        None => (s, ""),
    };
    // chrono's %Y takes any number of digits, so "3/5/24" would read as the year 24; survey
    // dates before 1900 are not real, and skipping them lets %y read two-digit years.
    let date = DATE_FORMATS.iter().find_map(|f| {
        NaiveDate::parse_from_str(date_part, f)
            .ok()
            .filter(|d| d.year() >= 1900)
    })?;
    if time_part.is_empty() || parse_time(time_part) {
        Some(date)
    } else {
        None
    }
}

/// Whether `s` is a time of day, optionally followed by `Z` or a UTC offset.
fn parse_time(s: &str) -> bool {
    let s = s.trim();
    let s = s.strip_suffix(['Z', 'z']).unwrap_or(s).trim_end();
    let plain = |t: &str| {
        TIME_FORMATS
            .iter()
            .any(|f| NaiveTime::parse_from_str(t, f).is_ok())
    };
    if plain(s) {
        return true;
    }
    // A trailing offset: +02:00, -0500, +02.
    match s.rfind(['+', '-']) {
        Some(at) if at > 0 => {
            let offset = &s[at + 1..];
            let digits: String = offset.chars().filter(|c| *c != ':').collect();
            let offset_ok =
                matches!(digits.len(), 2 | 4) && digits.chars().all(|c| c.is_ascii_digit());
            offset_ok && plain(s[..at].trim_end())
        }
        _ => false,
    }
}

/// The date of an Excel serial day number (1900 date system; 1 = 1900-01-01).
pub(crate) fn excel_serial_date(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    // Excel counts a 29 Feb 1900 that never existed (serial 60); serials after it are one
    // day ahead of a true day count from 1899-12-31.
    let offset = match days {
        60 => return None,
        d if d < 60 => d,
        d => d - 1,
    };
    NaiveDate::from_ymd_opt(1899, 12, 31)?.checked_add_signed(chrono::Duration::days(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores() {
        assert_eq!(parse_score(&Cell::from("9")), Ok(Some(9)));
        assert_eq!(parse_score(&Cell::from("9.0")), Ok(Some(9)));
        assert_eq!(parse_score(&Cell::from(" 9 ")), Ok(Some(9)));
        assert_eq!(parse_score(&Cell::from("0")), Ok(Some(0)));
        assert_eq!(parse_score(&Cell::Number(10.0)), Ok(Some(10)));
        assert_eq!(parse_score(&Cell::from("  ")), Ok(None));
        assert_eq!(parse_score(&Cell::Empty), Ok(None));
        assert!(parse_score(&Cell::from("9.5"))
            .unwrap_err()
            .contains("not a whole number"));
        assert!(parse_score(&Cell::from("ten"))
            .unwrap_err()
            .contains("\"ten\" is not a number"));
        assert!(parse_score(&Cell::from("11"))
            .unwrap_err()
            .contains("score 11 is outside 0-10"));
        assert!(parse_score(&Cell::from("-1")).is_err());
        assert!(parse_score(&Cell::from("NaN")).is_err());
        assert!(parse_score(&Cell::from("inf")).is_err());
    }

    #[test]
    fn scores_in_other_digits_and_no_score_marks() {
        for s in [
            "۹",
            "٩",
            "９",
            "\u{200F}9",
            "9\u{200E}",
            "\u{2067}٩\u{2069}",
            "\u{061C}۹ ",
        ] {
            assert_eq!(parse_score(&Cell::from(s)), Ok(Some(9)), "{s:?}");
        }
        assert_eq!(parse_score(&Cell::from("۱۰")), Ok(Some(10)));
        assert_eq!(parse_score(&Cell::from("٧٫٠")), Ok(Some(7)));
        for s in ["N/A", "na", "-", "", "\u{200F}", " n/a "] {
            assert_eq!(parse_score(&Cell::from(s)), Ok(None), "{s:?}");
        }
        assert!(parse_score(&Cell::from("۹۹"))
            .unwrap_err()
            .contains("outside 0-10"));
    }

    #[test]
    fn dates() {
        let d = |s: &str| parse_date(&Cell::from(s), false);
        assert_eq!(d("2024-03-05"), Ok(Some("2024-03-05".into())));
        assert_eq!(d("2024-03-05 14:22:01"), Ok(Some("2024-03-05".into())));
        assert_eq!(d("2024-03-05T14:22:01Z"), Ok(Some("2024-03-05".into())));
        assert_eq!(
            d("2024-03-05T14:22:01.123+02:00"),
            Ok(Some("2024-03-05".into()))
        );
        assert_eq!(d("2024-03-05T14:22"), Ok(Some("2024-03-05".into())));
        assert_eq!(d("03/05/2024"), Ok(Some("2024-03-05".into())));
        assert_eq!(d("3/5/2024 2:22:01 PM"), Ok(Some("2024-03-05".into())));
        assert_eq!(d("05.03.2024"), Ok(Some("2024-03-05".into())));
        assert_eq!(d("3/5/24"), Ok(Some("2024-03-05".into())));
        assert_eq!(d(""), Ok(None));
        assert!(d("yesterday")
            .unwrap_err()
            .contains("\"yesterday\" is not a date"));
        assert!(d("2024-13-01").is_err());
        assert!(d("2024-03-05 25:00:00").is_err());
        assert!(parse_date(&Cell::Number(45000.0), false).is_err());
    }

    #[test]
    fn excel_serials() {
        let d = |n: f64| parse_date(&Cell::Number(n), true).unwrap();
        assert_eq!(d(1.0), Some("1900-01-01".into()));
        assert_eq!(d(59.0), Some("1900-02-28".into()));
        assert_eq!(d(61.0), Some("1900-03-01".into()));
        assert_eq!(d(45000.0), Some("2023-03-15".into()));
        assert_eq!(d(45943.541), Some("2025-10-13".into()));
        assert!(parse_date(&Cell::Number(60.0), true).is_err());
        assert!(parse_date(&Cell::Number(-3.0), true).is_err());
    }

    #[test]
    fn duplicate_ids_point_at_first_row() {
        let roles = Roles {
            text: 1,
            score: None,
            id: Some(0),
            date: None,
            segments: vec![],
        };
        let mut v = Validator::new(roles, vec!["id".into(), "text".into()], false);
        let row = |id: &str, t: &str| vec![id.into(), t.into()];
        assert!(v.check(1, row("a", "x")).is_ok());
        // A rejected row does not claim its id.
        assert!(v.check(2, row("b", " ")).is_err());
        assert_eq!(v.check(3, row("b", "y")).unwrap().id, "b");
        let dup = v.check(4, row("a", "z")).unwrap_err();
        assert_eq!(dup.reason, "duplicate id a (first seen at row 1)");
        assert_eq!(dup.column.as_deref(), Some("id"));
        assert_eq!(v.check(5, row("", "w")).unwrap().id, "row-5");
    }
}

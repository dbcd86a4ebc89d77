//! Rolling per-day NPS counts up to weeks, months or quarters.

use super::nps::NpsCounts;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// Length of a reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// ISO weeks, keyed `2025-W01`.
    Week,
    /// Calendar months, keyed `2025-01`.
    #[default]
    Month,
    /// Calendar quarters, keyed `2025-Q1`.
    Quarter,
}

impl Period {
    /// The period key of an ISO `YYYY-MM-DD` date; `None` when the date does not parse.
    /// Keys sort in time order as strings.
    pub fn key(self, date: &str) -> Option<String> {
        let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
        Some(match self {
            Period::Week => {
                let w = d.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Period::Month => format!("{}-{:02}", d.year(), d.month()),
            Period::Quarter => format!("{}-Q{}", d.year(), (d.month() - 1) / 3 + 1),
        })
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
        }
    }
}

/// Per-period counts from per-day counts, and the number of answers whose date did not parse.
pub fn roll_up(
    days: &BTreeMap<String, NpsCounts>,
    period: Period,
) -> (BTreeMap<String, NpsCounts>, u64) {
    let mut out: BTreeMap<String, NpsCounts> = BTreeMap::new();
    let mut bad = 0;
    for (day, c) in days {
        match period.key(day) {
            Some(k) => out.entry(k).or_default().merge(c),
            None => bad += c.answers(),
        }
    }
    (out, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_calendar() {
        assert_eq!(Period::Week.key("2025-01-01").unwrap(), "2025-W01");
        assert_eq!(Period::Week.key("2024-12-30").unwrap(), "2025-W01");
        assert_eq!(Period::Month.key("2025-02-28").unwrap(), "2025-02");
        assert_eq!(Period::Quarter.key("2025-07-01").unwrap(), "2025-Q3");
        assert_eq!(Period::Month.key("28/02/2025"), None);
    }
}

//! The report's CSV tables (`drivers.csv`, `themes.csv`, `nps.csv`), as strings.

use crate::analyze::drivers::DriverAnalysis;
use crate::analyze::themes::{NpsRow, NpsTables, ThemeRow};

/// Through the project's one CSV writer, which neutralizes formula-like cells.
fn to_csv(header: &[&str], rows: Vec<Vec<String>>) -> String {
    crate::safe_csv::to_string(header, &rows)
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}")).unwrap_or_default()
}

/// `drivers.csv`: one row per driver feature, by absolute weight.
pub fn drivers_csv(d: &DriverAnalysis) -> String {
    to_csv(
        &[
            "feature",
            "theme",
            "sentiment",
            "mentions",
            "share",
            "mean_score",
            "correlation",
            "coefficient",
            "raw_weight",
            "signed_percent",
            "model_r_squared",
            "model_n",
        ],
        d.drivers
            .iter()
            .map(|x| {
                vec![
                    x.feature.clone(),
                    x.theme.clone(),
                    x.sentiment.clone(),
                    x.mentions.to_string(),
                    format!("{:.4}", x.share),
                    format!("{:.3}", x.mean_score),
                    format!("{:.4}", x.correlation),
                    format!("{:.4}", x.coefficient),
                    format!("{:.5}", x.raw_weight),
                    format!("{:.2}", x.signed_percent),
                    format!("{:.4}", d.r_squared),
                    d.n.to_string(),
                ]
            })
            .collect(),
    )
}

/// `themes.csv`: the theme table.
pub fn themes_csv(rows: &[ThemeRow]) -> String {
    to_csv(
        &[
            "theme",
            "mentions",
            "share",
            "avg_score",
            "nps",
            "nps_low",
            "nps_high",
            "nps_n",
            "negative",
            "neutral",
            "positive",
            "impact",
            "impact_low",
            "impact_high",
            "impact_ci_contains_zero",
            "nps_small_n",
        ],
        rows.iter()
            .map(|t| {
                vec![
                    t.theme.clone(),
                    t.mentions.to_string(),
                    format!("{:.4}", t.share),
                    opt(t.avg_score, 3),
                    opt(t.nps.map(|e| e.nps), 2),
                    opt(t.nps.and_then(|e| e.interval()).map(|i| i.0), 2),
                    opt(t.nps.and_then(|e| e.interval()).map(|i| i.1), 2),
                    t.nps.map(|e| e.n.to_string()).unwrap_or_default(),
                    t.sentiment[0].to_string(),
                    t.sentiment[1].to_string(),
                    t.sentiment[2].to_string(),
                    opt(t.impact.map(|i| i.impact), 2),
                    opt(t.impact.map(|i| i.low), 2),
                    opt(t.impact.map(|i| i.high), 2),
                    t.impact
                        .map(|i| i.contains_zero.to_string())
                        .unwrap_or_default(),
                    t.nps.map(|e| e.small_n().to_string()).unwrap_or_default(),
                ]
            })
            .collect(),
    )
}

/// `nps.csv`: NPS overall, per period, per segment and per language (a `breakdown` column
/// says which).
pub fn nps_csv(t: &NpsTables) -> String {
    let row = |kind: &str, r: &NpsRow| {
        vec![
            kind.to_string(),
            r.key.clone(),
            r.counts.answers().to_string(),
            r.counts.n().to_string(),
            r.counts.promoters.to_string(),
            r.counts.passives.to_string(),
            r.counts.detractors.to_string(),
            opt(r.estimate.map(|e| e.nps), 2),
            opt(r.estimate.map(|e| e.se), 3),
            opt(r.estimate.and_then(|e| e.interval()).map(|i| i.0), 2),
            opt(r.estimate.and_then(|e| e.interval()).map(|i| i.1), 2),
            r.estimate
                .map(|e| e.small_n().to_string())
                .unwrap_or_default(),
        ]
    };
    let mut rows = vec![row("overall", &t.overall)];
    rows.extend(t.periods.iter().map(|r| row(t.period.as_str(), r)));
    rows.extend(t.segments.iter().map(|r| row("segment", r)));
    rows.extend(t.languages.iter().map(|r| row("language", r)));
    to_csv(
        &[
            "breakdown",
            "key",
            "answers",
            "scored",
            "promoters",
            "passives",
            "detractors",
            "nps",
            "se",
            "low95",
            "high95",
            "small_n",
        ],
        rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_tables_neutralize_formula_cells_and_headers() {
        let text = to_csv(
            &["breakdown", "key", "nps"],
            vec![vec![
                "segment".into(),
                "=cmd|' /C calc'!A0".into(),
                "-40.00".into(),
            ]],
        );
        assert_eq!(
            text,
            "breakdown,key,nps\nsegment,'=cmd|' /C calc'!A0,-40.00\n"
        );
        assert!(to_csv(&["=1+1"], vec![]).starts_with("'=1+1"));
    }
}

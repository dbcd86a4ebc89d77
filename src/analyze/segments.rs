//! Segments against each other: for every segment value (`Plan=Pro`) against the rest of the
//! answers (all answers minus that value's), the NPS, each theme's share and negative share,
//! each difference tested (two-proportion z test for the shares, a z test on the NPS difference
//! with the NPS standard errors), Benjamini-Hochberg over every test of the table, and no test
//! below the minimum counts. From `stats.json` alone (`super::slices`).

use super::nps::NpsCounts;
use super::signif::{benjamini_hochberg, nps_difference, two_proportion, ZTest, DEFAULT_FDR};
use super::stats::RunStats;
use super::trends::{slices_of, Tested};
use super::AnalyzeError;
use serde::Serialize;

/// Minimum counts and error rate of the segment table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentOptions {
    /// Fewest answers (scored answers for NPS) in the segment and in the rest for a test.
    pub min_answers: u64,
    /// Fewest mentions on each side for a negative-share test.
    pub min_mentions: u64,
    /// False-discovery rate of the flag.
    pub fdr: f64,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            min_answers: 30,
            min_mentions: 10,
            fdr: DEFAULT_FDR,
        }
    }
}

/// A value of the segment and of the rest, and the test of their difference (segment - rest).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Versus {
    /// The segment's value.
    pub value: f64,
    /// The rest's value.
    pub rest: f64,
    /// The test with its BH-adjusted p-value; `None` below the minimum counts.
    pub tested: Option<Tested>,
}

/// One theme in one segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentTheme {
    /// Theme id.
    pub theme: String,
    /// Answers of the segment that mention the theme.
    pub mentions: u64,
    /// Share of the segment's answers vs the rest's.
    pub share: Versus,
    /// Negative mentions / mentions, segment vs rest.
    pub negative_share: Versus,
}

/// One segment value against the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRow {
    /// `column=value`.
    pub segment: String,
    /// Answers of the segment.
    pub answers: u64,
    /// NPS of the segment vs the rest (`None` when either has no scored answer).
    pub nps: Option<Versus>,
    /// Per theme, in codebook order.
    pub themes: Vec<SegmentTheme>,
}

/// The segment table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentTable {
    /// Segment values in key order.
    pub rows: Vec<SegmentRow>,
    /// Tests in the Benjamini-Hochberg family.
    pub tests: usize,
    /// The false-discovery rate used.
    pub fdr: f64,
}

fn frac(a: u64, b: u64) -> f64 {
    if b > 0 {
        a as f64 / b as f64
    } else {
        0.0
    }
}

/// The per-theme comparisons of a segment; pushes each test with its place into `tests`.
fn theme_rows(
    stats: &RunStats,
    seg: &super::slices::Slice,
    row: usize,
    opts: &SegmentOptions,
    tests: &mut Vec<((usize, usize), ZTest)>,
) -> Vec<SegmentTheme> {
    let all = &slices_of(stats).expect("checked").all;
    let (n, n_all) = (seg.total().answers(), all.total().answers());
    let n_rest = n_all - n;
    let mut out = Vec::new();
    for (ti, id) in stats.theme_ids.iter().enumerate() {
        let t = ti as u32;
        let (m, m_rest) = (
            seg.theme(t).answers(),
            all.theme(t).answers() - seg.theme(t).answers(),
        );
        let (g, g_rest) = (seg.negative(t), all.negative(t) - seg.negative(t));
        if n >= opts.min_answers && n_rest >= opts.min_answers {
            if let Some(z) = two_proportion(m_rest, n_rest, m, n) {
                tests.push(((row, 1 + 2 * ti), z));
            }
        }
        if m >= opts.min_mentions && m_rest >= opts.min_mentions {
            if let Some(z) = two_proportion(g_rest, m_rest, g, m) {
                tests.push(((row, 2 + 2 * ti), z));
            }
        }
        out.push(SegmentTheme {
            theme: id.clone(),
            mentions: m,
            share: Versus {
                value: frac(m, n),
                rest: frac(m_rest, n_rest),
                tested: None,
            },
            negative_share: Versus {
                value: frac(g, m),
                rest: frac(g_rest, m_rest),
                tested: None,
            },
        });
    }
    out
}

/// The segment table of a run.
pub fn segment_table(
    stats: &RunStats,
    opts: &SegmentOptions,
) -> Result<SegmentTable, AnalyzeError> {
    let slices = slices_of(stats)?;
    let all = slices.all.total();
    let mut tests: Vec<((usize, usize), ZTest)> = Vec::new();
    let mut rows = Vec::new();
    for (key, seg) in &slices.segments {
        let c = seg.total();
        let rest: NpsCounts = all.minus(&c);
        let nps = match (c.nps(), rest.nps()) {
            (Some(value), Some(r)) => Some(Versus {
                value,
                rest: r,
                tested: None,
            }),
            _ => None,
        };
        if nps.is_some() && c.n() >= opts.min_answers && rest.n() >= opts.min_answers {
            if let Some(z) = nps_difference(&rest, &c) {
                tests.push(((rows.len(), 0), z));
            }
        }
        let themes = theme_rows(stats, seg, rows.len(), opts, &mut tests);
        rows.push(SegmentRow {
            segment: key.clone(),
            answers: c.answers(),
            nps,
            themes,
        });
    }
    let q = benjamini_hochberg(&tests.iter().map(|t| t.1.p).collect::<Vec<_>>());
    for (((r, slot), test), q) in tests.iter().zip(q) {
        let tested = Some(Tested {
            test: *test,
            q,
            significant: q < opts.fdr,
        });
        let row = &mut rows[*r];
        let v = match slot {
            0 => row.nps.as_mut().expect("tested NPS"),
            s if s % 2 == 1 => &mut row.themes[(s - 1) / 2].share,
            s => &mut row.themes[(s - 2) / 2].negative_share,
        };
        v.tested = tested;
    }
    Ok(SegmentTable {
        rows,
        tests: tests.len(),
        fdr: opts.fdr,
    })
}

//! The report stage: one self-contained HTML file (inline CSS and SVG, no scripts, no external
//! references) plus CSV tables (`drivers.csv`, `themes.csv`, `ideas.csv`, `nps.csv`) beside it.
//!
//! [`build`] gathers everything from a run folder: the numbers from `stats.json` (so a merged
//! run reports exactly like one run), example verbatims from `responses.jsonl`, ideas from the
//! suggestion sentences and their stored embeddings. [`write()`] renders and saves.

pub(crate) mod examples;
pub mod html;
pub(crate) mod insights;
pub(crate) mod row;
pub(crate) mod svg;
pub(crate) mod tables;

use crate::analyze::compare::{compare_run, CompareOptions, CompareSpec, Comparison};
use crate::analyze::drivers::{analyze_drivers, DriverAnalysis, DriverOptions};
use crate::analyze::ideas::{run_ideas, IdeaOptions, IdeaReport};
use crate::analyze::impact::ImpactOptions;
use crate::analyze::period::Period;
use crate::analyze::segments::{segment_table, SegmentOptions, SegmentTable};
use crate::analyze::themes::{nps_tables, theme_table, NpsTables, ThemeRow};
use crate::analyze::trends::{new_theme_candidates, trends, Candidates, TrendOptions, Trends};
use crate::analyze::AnalyzeError;
use crate::classify::codebook::Codebook;
use crate::error::{IoError, IoResultExt};
use crate::run::{layout, RunDir};
use examples::ThemeExamples;
use std::path::{Path, PathBuf};

/// Errors of the report stage.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading the run folder.
    #[error(transparent)]
    Analyze(#[from] AnalyzeError),
    /// Reading a file of the run folder.
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    /// Writing a report file.
    #[error("cannot write {0}")]
    Io(#[from] IoError),
}

impl ReportError {
    /// What kind of failure this is.
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            ReportError::Analyze(e) => e.kind(),
            ReportError::Io(_) => crate::error::ErrorKind::Io,
            ReportError::Run(e) => e.kind(),
        }
    }
}

/// Report settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Trend period.
    pub period: Period,
    /// Idea grouping.
    pub ideas: IdeaOptions,
    /// Ideas shown in the HTML (all go to ideas.csv).
    pub ideas_shown: usize,
    /// Theme impact bootstrap.
    pub impact: ImpactOptions,
    /// Driver model.
    pub drivers: DriverOptions,
    /// Example verbatims per theme.
    pub examples_per_theme: usize,
    /// `--compare`: the NPS change waterfall between two periods, segments or runs.
    pub compare: Option<CompareSpec>,
    /// Bootstrap of the comparison.
    pub compare_opts: CompareOptions,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            period: Period::Month,
            ideas: IdeaOptions::default(),
            ideas_shown: 15,
            impact: ImpactOptions::default(),
            drivers: DriverOptions::default(),
            examples_per_theme: 4,
            compare: None,
            compare_opts: CompareOptions::default(),
        }
    }
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct ReportData {
    /// Run folder name, for the title.
    pub run_name: String,
    /// NPS overall and broken down.
    pub nps: NpsTables,
    /// Per-theme table.
    pub themes: Vec<ThemeRow>,
    /// Key drivers.
    pub drivers: DriverAnalysis,
    /// Ideas, or why there are none.
    pub ideas: Result<IdeaReport, String>,
    /// Example verbatims per theme id.
    pub examples: ThemeExamples,
    /// All answers.
    pub answers: u64,
    /// Answers with at least one suggestion sentence.
    pub suggestions: u64,
    /// First and last response date.
    pub date_range: Option<(String, String)>,
    /// The NPS change decomposition asked for with `--compare`.
    pub comparison: Option<Comparison>,
    /// Theme trends, or why there are none.
    pub trends: Result<Trends, String>,
    /// New theme candidates, or why there are none.
    pub candidates: Result<Candidates, String>,
    /// Segments against the rest, or why there are none.
    pub segments: Result<SegmentTable, String>,
    /// Parent theme by child id (`parent:` in the run's codebook): the theme table is a tree.
    pub parents: std::collections::BTreeMap<String, String>,
    /// Answers to follow up per theme owner (`verbatim followup`), or why there are none.
    pub followup: Result<Vec<(String, usize)>, String>,
}

/// Gathers the report's numbers from a run folder.
pub fn build(run_dir: &Path, opts: &ReportOptions) -> Result<ReportData, ReportError> {
    let run = RunDir::new(run_dir);
    let stats = run.stats()?;
    let examples = examples::collect(&run, opts.examples_per_theme)?;
    let ideas = if run.has_store() {
        run_ideas(run_dir, &opts.ideas).map_err(|e| e.to_string())
    } else {
        Err("the run folder has no embeddings/ (needed to group ideas)".into())
    };
    let comparison = match &opts.compare {
        Some(spec) => Some(compare_run(run_dir, spec, &opts.compare_opts)?),
        None => None,
    };
    let topts = TrendOptions {
        period: opts.period,
        ..Default::default()
    };
    let candidates = if !run.has_store() {
        Err("the run folder has no embeddings/ (needed to cluster answers)".into())
    } else if stats.days.is_empty() {
        Err("no dated answers".into())
    } else {
        new_theme_candidates(run_dir, &stats, &topts).map_err(|e| e.to_string())
    };
    // One read of the run's codebook serves the theme tree and the follow-up owners.
    let codebook = run.codebook().map_err(|e| e.to_string());
    let parents = match &codebook {
        Ok(Some((_, cb))) => cb.parents(),
        _ => Default::default(),
    };
    Ok(ReportData {
        comparison,
        trends: trends(&stats, &topts).map_err(|e| e.to_string()),
        candidates,
        segments: segment_table(&stats, &SegmentOptions::default()).map_err(|e| e.to_string()),
        run_name: run_dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
            .unwrap_or_else(|| run_dir.display().to_string()),
        nps: nps_tables(&stats, opts.period),
        themes: crate::classify::hierarchy::tree_sorted(
            theme_table(&stats, &opts.impact),
            |r| &r.theme,
            &parents,
        ),
        drivers: analyze_drivers(&stats, &opts.drivers),
        ideas,
        examples,
        answers: stats.overall.answers(),
        suggestions: stats.suggestions,
        date_range: match (stats.days.keys().next(), stats.days.keys().next_back()) {
            (Some(a), Some(b)) => Some((a.clone(), b.clone())),
            _ => None,
        },
        followup: followup_counts(&run, &codebook),
        parents,
    })
}

/// Follow-up counts per owner, routed by the `owner:` fields of the run's codebook (as
/// [`RunDir::codebook`] read it).
fn followup_counts(
    run: &RunDir,
    codebook: &Result<Option<(PathBuf, Codebook)>, String>,
) -> Result<Vec<(String, usize)>, String> {
    use crate::analyze::followup;
    let owners = match codebook {
        Ok(cb) => cb
            .as_ref()
            .map(|(_, cb)| followup::owners_of(cb))
            .unwrap_or_default(),
        Err(e) => return Err(e.clone()),
    };
    if !run.file(layout::RESPONSES).exists() {
        return Err("the run folder has no responses.jsonl".into());
    }
    let lists =
        crate::run::followup::followups_of_run(run.path(), &owners).map_err(|e| e.to_string())?;
    Ok(followup::counts(&lists))
}

/// Files a report run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// The HTML report.
    pub html: PathBuf,
    /// The CSV tables beside it.
    pub csv: Vec<PathBuf>,
}

fn save(path: &Path, text: &str) -> Result<(), ReportError> {
    Ok(std::fs::write(path, text).at(path)?)
}

/// Writes the HTML report to `out` and the CSV tables into its folder.
pub fn write(
    data: &ReportData,
    opts: &ReportOptions,
    out: &Path,
) -> Result<ReportFiles, ReportError> {
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).at(&dir)?;
    save(out, &html::render(data, opts))?;
    let mut csv = Vec::new();
    for (name, text) in [
        ("drivers.csv", tables::drivers_csv(&data.drivers)),
        ("themes.csv", tables::themes_csv(&data.themes)),
        ("nps.csv", tables::nps_csv(&data.nps)),
    ] {
        let p = dir.join(name);
        save(&p, &text)?;
        csv.push(p);
    }
    if let Some(c) = &data.comparison {
        let p = dir.join("compare.csv");
        crate::analyze::compare::write_compare_csv(c, &p)?;
        csv.push(p);
    }
    let p = dir.join("ideas.csv");
    let ideas = data
        .ideas
        .as_ref()
        .map(|r| r.ideas.as_slice())
        .unwrap_or(&[]);
    crate::analyze::ideas::write_ideas_csv(ideas, &p)?;
    csv.push(p);
    Ok(ReportFiles {
        html: out.to_path_buf(),
        csv,
    })
}

//! `verbatim trends`: per theme and period, share and negative share against the previous
//! periods with significance flags, and new theme candidates (`--save-codebook FILE` writes
//! them as codebook entries).

use std::fmt::Write as _;
use std::path::PathBuf;
use verbatim::analyze::period::Period;
use verbatim::analyze::stats::RunStats;
use verbatim::analyze::trends::{
    new_theme_candidates, trends, Candidates, TrendCell, TrendOptions, Trends,
};

/// Arguments of `verbatim trends`.
#[derive(clap::Args)]
pub struct Args {
    /// Run folder written by `verbatim analyze` (or `verbatim merge`).
    run_dir: PathBuf,
    /// Period length.
    #[arg(long, value_enum, default_value_t = Period::Month)]
    period: Period,
    /// Fewest answers on each side of a share test.
    #[arg(long, default_value_t = 30)]
    min_answers: u64,
    /// Fewest mentions on each side of a negative-share test.
    #[arg(long, default_value_t = 10)]
    min_mentions: u64,
    /// Benjamini-Hochberg false-discovery rate of the flags.
    #[arg(long, default_value_t = 0.05)]
    fdr: f64,
    /// Clusters for new theme candidates (default: sqrt(answers), 8-60).
    #[arg(long)]
    clusters: Option<usize>,
    /// Write the new theme candidates as codebook YAML entries to this file.
    #[arg(long, value_name = "FILE")]
    save_codebook: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

/// A cell as `12% ▲` (share, flag) and ` neg 40%`.
fn cell_text(c: &TrendCell) -> String {
    let flag = |t: &Option<verbatim::analyze::trends::Tested>| match t {
        Some(t) if t.significant && t.test.diff > 0.0 => "▲",
        Some(t) if t.significant => "▼",
        _ => " ",
    };
    format!(
        "{:>3.0}%{} n{:.0}%{}",
        100.0 * c.share,
        flag(&c.vs_previous.share_change),
        100.0 * c.negative_share,
        flag(&c.vs_previous.negative_change)
    )
}

/// The terminal tables.
pub fn table(t: &Trends, cands: &Result<Candidates, String>) -> String {
    let mut s = format!(
        "theme share by {} (n: negative share of its mentions); ▲/▼ significant vs all previous {}s (BH, FDR {}, {} tests)\n",
        t.period.as_str(),
        t.period.as_str(),
        t.fdr,
        t.tests
    );
    let _ = write!(s, "{:<18}", "theme");
    for (k, n) in &t.periods {
        let _ = write!(s, " {:>14}", format!("{k} ({n})"));
    }
    s.push('\n');
    for th in &t.themes {
        let _ = write!(s, "{:<18}", th.theme.chars().take(18).collect::<String>());
        for c in &th.cells {
            let _ = write!(s, " {:>14}", cell_text(c));
        }
        s.push('\n');
    }
    match cands {
        Err(why) => {
            let _ = writeln!(s, "\nno new theme candidates: {why}");
        }
        Ok(c) => {
            let _ = writeln!(
                s,
                "\nnew theme candidates in {} ({} answers clustered, {} clusters): {}",
                c.latest_period,
                c.clustered,
                c.clusters,
                c.candidates.len()
            );
            for x in &c.candidates {
                let kp: Vec<String> = x
                    .keyphrases
                    .iter()
                    .map(|(l, v)| format!("{l}: {}", v.join(", ")))
                    .collect();
                let _ = writeln!(
                    s,
                    "- {} ({} answers in {}, {} before{}): {}",
                    x.id,
                    x.latest,
                    c.latest_period,
                    x.before,
                    if x.new { ", new" } else { "" },
                    kp.join("; ")
                );
                for e in x.examples.iter().take(3) {
                    let _ = writeln!(
                        s,
                        "    \"{}\"",
                        e.split_whitespace().collect::<Vec<_>>().join(" ")
                    );
                }
            }
        }
    }
    s
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let opts = TrendOptions {
        period: args.period,
        min_answers: args.min_answers,
        min_mentions: args.min_mentions,
        fdr: args.fdr,
        clusters: args.clusters,
        ..Default::default()
    };
    let stats = RunStats::load(&args.run_dir.join("stats.json"))?;
    let t = trends(&stats, &opts)?;
    let cands = new_theme_candidates(&args.run_dir, &stats, &opts).map_err(|e| e.to_string());
    if let (Some(path), Ok(c)) = (&args.save_codebook, &cands) {
        c.codebook.save(path)?;
    }
    if args.json {
        let v = serde_json::json!({
            "trends": t,
            "candidates": cands.as_ref().ok(),
            "candidates_error": cands.as_ref().err(),
        });
        super::emit(&(serde_json::to_string_pretty(&v)? + "\n"))?;
    } else {
        super::emit(&table(&t, &cands))?;
    }
    if let Some(path) = &args.save_codebook {
        match &cands {
            Ok(c) => eprintln!(
                "codebook: {} ({} themes)",
                path.display(),
                c.codebook.themes.len()
            ),
            Err(why) => anyhow::bail!("nothing written to {}: {why}", path.display()),
        }
    }
    Ok(())
}

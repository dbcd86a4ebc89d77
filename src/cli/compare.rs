//! `verbatim compare`: why NPS moved between two periods, two segment values or two runs, as a
//! table of per-theme mix and rate effects (terminal), JSON or CSV.

use std::fmt::Write as _;
use std::path::PathBuf;
use verbatim::analyze::compare::{
    compare_run, write_compare_csv, CompareOptions, CompareSpec, Comparison, Effect,
};

/// Arguments of `verbatim compare`.
#[derive(clap::Args)]
pub struct Args {
    /// Run folder written by `verbatim analyze` (or `verbatim merge`).
    run_dir: PathBuf,
    /// A second run (e.g. the next survey wave): compare the whole of RUN_DIR with it.
    run_b: Option<PathBuf>,
    /// First period: 2025-Q1, 2025-03 or 2025-W05.
    #[arg(long, requires = "to")]
    from: Option<String>,
    /// Second period, of the same length as --from.
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// First segment value, column=value (e.g. Plan=Basic).
    #[arg(long = "a", requires = "seg_b", id = "seg_a")]
    seg_a: Option<String>,
    /// Second segment value.
    #[arg(long = "b", requires = "seg_a", id = "seg_b")]
    seg_b: Option<String>,
    /// Bootstrap resamples of the intervals.
    #[arg(long, default_value_t = 1000)]
    resamples: usize,
    /// Bootstrap seed.
    #[arg(long, default_value_t = CompareOptions::default().seed)]
    seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write the table as CSV to this file.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
}

/// The comparison asked for by the arguments.
fn spec(args: &Args) -> anyhow::Result<CompareSpec> {
    match (&args.run_b, &args.from, &args.to, &args.seg_a, &args.seg_b) {
        (Some(b), None, None, None, None) => Ok(CompareSpec::Runs(b.clone())),
        (None, Some(f), Some(t), None, None) => Ok(CompareSpec::Periods(f.clone(), t.clone())),
        (None, None, None, Some(a), Some(b)) => Ok(CompareSpec::Segments(a.clone(), b.clone())),
        _ => anyhow::bail!(
            "say what to compare, one of: --from 2025-Q1 --to 2025-Q2 (periods), \
             --a Plan=Basic --b Plan=Pro (segments), or a second run folder (RUN_A RUN_B)"
        ),
    }
}

fn eff(e: &Effect) -> String {
    format!("{:+7.2} [{:+.1}, {:+.1}]", e.value, e.low, e.high)
}

/// The terminal table.
pub fn table(c: &Comparison) -> String {
    let nps = |v: Option<f64>| v.map(|x| format!("{x:+.1}")).unwrap_or_else(|| "-".into());
    let mut s = format!(
        "NPS {} ({} scored) -> {} ({} scored): {} -> {}, change {}\n\n",
        c.a.label,
        c.a.counts.n(),
        c.b.label,
        c.b.counts.n(),
        nps(c.a.nps),
        nps(c.b.nps),
        eff(&c.change)
    );
    let _ = writeln!(
        s,
        "{:<22} {:>9} {:>13} {:>24} {:>24} {:>24}",
        "theme", "mentions", "NPS", "mix effect [95% CI]", "rate effect [95% CI]", "total [95% CI]"
    );
    for r in &c.contributions {
        let _ = writeln!(
            s,
            "{:<22} {:>9} {:>13} {:>24} {:>24} {:>24}",
            r.theme.chars().take(22).collect::<String>(),
            format!("{}->{}", r.mentions[0], r.mentions[1]),
            format!(
                "{}->{}",
                nps(r.group_nps[0]).trim_start_matches('+'),
                nps(r.group_nps[1]).trim_start_matches('+')
            ),
            eff(&r.mix),
            eff(&r.rate),
            eff(&r.total)
        );
    }
    let sum: f64 = c.contributions.iter().map(|r| r.total.value).sum();
    let _ = writeln!(
        s,
        "\nsum of contributions {sum:+.6} = change {:+.6}; intervals: {} bootstrap resamples, seed {}",
        c.change.value, c.resamples, c.seed
    );
    s
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let spec = spec(&args)?;
    let opts = CompareOptions {
        resamples: args.resamples,
        seed: args.seed,
    };
    let c = compare_run(&args.run_dir, &spec, &opts)?;
    if let Some(p) = &args.csv {
        write_compare_csv(&c, p)?;
    }
    if args.json {
        super::emit(&(serde_json::to_string_pretty(&c)? + "\n"))?;
    } else {
        super::emit(&table(&c))?;
        if let Some(p) = &args.csv {
            println!("table: {}", p.display());
        }
    }
    Ok(())
}

//! `verbatim eval`: accuracy and macro-F1 of sentiment, micro/macro F1 of codebook themes,
//! overall and per language, as a table or JSON. `--calibrate-on DEV` first fits the theme
//! thresholds on a separate dev file (and `--save-calibration` stores them in the codebook).

use std::path::PathBuf;
use verbatim::classify::codebook::{Codebook, ThemeModel};
use verbatim::classify::datasets::{read_jsonl, Split};
use verbatim::classify::sentiment::SentimentHead;
use verbatim::encode::{BertEncoder, EncoderOptions, Precision};
use verbatim::evaluate::{calibrate_on, evaluate, SliceScores};

/// Arguments of `verbatim eval`.
#[derive(clap::Args)]
pub struct Args {
    /// Labeled JSONL: text, lang, and gold sentiment and/or themes per line.
    labeled: PathBuf,
    /// Codebook to score themes with.
    #[arg(long)]
    codebook: Option<PathBuf>,
    /// Fit theme thresholds on this labeled dev file first (never the evaluated file).
    #[arg(long, requires = "codebook")]
    calibrate_on: Option<PathBuf>,
    /// Write the fitted thresholds into the codebook file.
    #[arg(long, requires = "calibrate_on")]
    save_calibration: bool,
    /// Encoder model folder.
    #[arg(long, default_value = "models/e5-small")]
    model: PathBuf,
    /// Sentiment head.
    #[arg(long, default_value = "models/heads/sentiment.json")]
    sentiment_head: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Encoder threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Weights of the encoder's linear layers: f32, or int8 (dynamic quantization, faster).
    #[arg(long, value_enum, default_value_t = Precision::F32)]
    precision: Precision,
}

fn fmt(s: &SliceScores) -> String {
    let f = |x: Option<f64>| x.map_or("     -".to_string(), |v| format!("{v:>6.3}"));
    format!(
        "{:>5} {} {} {} {}",
        s.sentiment.map_or(0, |x| x.n),
        f(s.sentiment.map(|x| x.accuracy)),
        f(s.sentiment.map(|x| x.macro_f1)),
        f(s.themes.map(|x| x.micro_f1)),
        f(s.themes.map(|x| x.macro_f1)),
    )
}

/// Runs the evaluation.
pub fn run(args: Args) -> anyhow::Result<()> {
    let items = read_jsonl(&args.labeled, Split::Test)?;
    let encoder = BertEncoder::load(
        &args.model,
        EncoderOptions {
            threads: args.threads,
            precision: args.precision,
            ..Default::default()
        },
    )?;
    let head = SentimentHead::load(&args.sentiment_head)?;
    let model = match &args.codebook {
        Some(p) => {
            let cb = Codebook::load(p)?;
            let mut m = ThemeModel::build(&cb, &encoder)?;
            if let Some(dev) = &args.calibrate_on {
                let dev_items = read_jsonl(dev, Split::Train)?;
                let (cal, f1) = calibrate_on(&dev_items, &encoder, &m)?;
                eprintln!(
                    "calibrated on {}: threshold {:.4}, margin {:.4} (dev micro-F1 {f1:.3})",
                    dev.display(),
                    cal.threshold,
                    cal.margin
                );
                m.calibration = cal;
                if args.save_calibration {
                    Codebook::save_calibration(p, cal)?;
                    eprintln!("saved the thresholds in {}", p.display());
                }
            }
            Some(m)
        }
        None => None,
    };
    let report = evaluate(&items, &encoder, &head, model.as_ref())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "{:<8} {:>5} {:>6} {:>6} {:>6} {:>6}",
        "", "n", "s-acc", "s-mF1", "t-miF1", "t-maF1"
    );
    for (lang, s) in &report.per_language {
        println!("{lang:<8} {}", fmt(s));
    }
    println!("{:<8} {}", "overall", fmt(&report.overall));
    println!("(s = sentiment accuracy / macro-F1; t = themes micro / macro F1)");
    Ok(())
}

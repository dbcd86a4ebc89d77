//! `verbatim eval`: accuracy and macro-F1 of sentiment, micro/macro F1 of codebook themes,
//! overall and per language, as a table or JSON. `--calibrate-on DEV` first fits the theme
//! thresholds on a separate dev file (and `--save-calibration` stores them in the codebook).

use std::path::PathBuf;
use verbatim::classify::codebook::{Codebook, ThemeModel};
use verbatim::classify::datasets::Labeled;
use verbatim::classify::datasets::{read_jsonl, Split};
use verbatim::classify::sentiment::SentimentHead;
use verbatim::classify::zero_shot;
use verbatim::encode::{BertEncoder, Encoder};
use verbatim::evaluate::public::{run_public, PublicScores};
use verbatim::evaluate::theme_bench::BenchScore;
use verbatim::evaluate::{
    calibration_items, embed_labeled, evaluate_embedded, theme_bench, unit_vectors, Embedded,
    EvalReport, SliceScores,
};

/// Arguments of `verbatim eval`.
#[derive(clap::Args)]
pub struct Args {
    /// Labeled JSONL: text, lang, and gold sentiment and/or themes per line.
    #[arg(required_unless_present = "public")]
    labeled: Option<PathBuf>,
    /// Also score sentiment on the public test splits in this folder (e.g. ../shared/data):
    /// rows `train-sentiment` never trains on, per set and language, with confusion matrices.
    #[arg(long)]
    public: Option<PathBuf>,
    /// Rows per public set and language (the first N after a shuffle seeded by --seed).
    #[arg(long, default_value_t = 500)]
    public_rows: usize,
    /// Codebook to score themes with.
    #[arg(long)]
    codebook: Option<PathBuf>,
    /// Fit theme thresholds on this labeled dev file first (never the evaluated file).
    #[arg(long, requires = "codebook")]
    calibrate_on: Option<PathBuf>,
    /// Write the fitted thresholds into the codebook file.
    #[arg(long, requires = "calibrate_on")]
    save_calibration: bool,
    #[command(flatten)]
    models: super::sentiment_model::ModelArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Self-train a zero-shot codebook on the evaluated file's own texts (no labels used):
    /// assign by similarity, train the classifier on the confident part, re-assign.
    #[arg(long, requires = "codebook")]
    self_train: bool,
    /// Seed of self-training.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Also run the zero-shot theme benchmarks (SemEval ABSA en, GermEval de, BANKING77) on
    /// the public sets in this folder, e.g. ../shared/data.
    #[arg(long)]
    theme_benchmarks: Option<PathBuf>,
    /// Rows sampled per benchmark.
    #[arg(long, default_value_t = 300)]
    benchmark_rows: usize,
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

/// The theme model of a codebook, self-trained on `units` when asked.
fn theme_model(
    args: &Args,
    encoder: &dyn Encoder,
    cb: &Codebook,
    units: &[Vec<f32>],
) -> anyhow::Result<ThemeModel> {
    let m = ThemeModel::build(cb, encoder)?;
    Ok(if args.self_train {
        zero_shot::self_train(&m, encoder, units, args.seed)?
    } else {
        m
    })
}

/// Fits the theme thresholds on the dev file (self-training on the dev texts when asked).
fn calibrate(
    args: &Args,
    encoder: &dyn Encoder,
    cb: &Codebook,
    dev: &std::path::Path,
) -> anyhow::Result<verbatim::classify::codebook::Calibration> {
    let dev_items: Vec<Labeled> = read_jsonl(dev, Split::Train)?;
    let emb = embed_labeled(&dev_items, encoder)?;
    let m = theme_model(args, encoder, cb, &unit_vectors(&emb))?;
    let (cal, f1) = verbatim::classify::codebook::calibrate(
        &calibration_items(&dev_items, &emb, &m),
        m.is_classifier(),
    );
    eprintln!(
        "calibrated on {}: threshold {:.4}, margin {:.4} (dev micro-F1 {f1:.3})",
        dev.display(),
        cal.threshold,
        cal.margin
    );
    Ok(cal)
}

/// Mean macro-F1 over the XLM-T tweet languages.
fn xlmt_mean(public: &[PublicScores]) -> Option<f64> {
    let x: Vec<f64> = public
        .iter()
        .filter(|p| p.set.starts_with("xlmt"))
        .map(|p| p.macro_f1)
        .collect();
    (!x.is_empty()).then(|| x.iter().sum::<f64>() / x.len() as f64)
}

/// Prints the public test splits as a table.
fn print_public(public: &[PublicScores]) {
    println!(
        "{:<28} {:<4} {:>5} {:>6} {:>6} {:>6}  confusion (gold neg/neu/pos x predicted)",
        "public test split", "lang", "n", "acc", "mF1", "bin"
    );
    for p in public {
        println!(
            "{:<28} {:<4} {:>5} {:>6.3} {:>6.3} {:>6.3}  {:?}",
            p.set, p.lang, p.rows_used, p.accuracy, p.macro_f1, p.binary_accuracy, p.confusion
        );
    }
    if let Some(m) = xlmt_mean(public) {
        println!("XLM-T tweets: mean macro-F1 over languages {m:.3}");
    }
}

/// Loads the encoder (with the chosen sentiment model applied) and the sentiment head.
fn load_models(args: &Args) -> anyhow::Result<(BertEncoder, SentimentHead)> {
    let encoder = args.models.load_encoder()?;
    let head = SentimentHead::load(&args.models.sentiment_head)?;
    Ok((encoder, head))
}

/// The public test splits as JSON: sentiment model, sets and the XLM-T mean.
fn public_to_json(args: &Args, public: &[PublicScores]) -> serde_json::Value {
    serde_json::json!({
        "sentiment": format!("{:?}", args.models.sentiment.sentiment).to_lowercase(),
        "sets": public,
        "xlmt_mean_macro_f1": xlmt_mean(public),
    })
}

/// The codebook's theme model for the evaluated file, calibrated on `--calibrate-on` when
/// asked (and the thresholds saved with `--save-calibration`); `None` without a codebook.
fn codebook_model(
    args: &Args,
    encoder: &dyn Encoder,
    emb: &Embedded,
) -> anyhow::Result<Option<ThemeModel>> {
    let Some(p) = &args.codebook else {
        return Ok(None);
    };
    let cb = Codebook::load(p)?;
    let mut m = theme_model(args, encoder, &cb, &unit_vectors(emb))?;
    if let Some(dev) = &args.calibrate_on {
        m.calibration = calibrate(args, encoder, &cb, dev)?;
        if args.save_calibration {
            Codebook::save_calibration(p, m.calibration)?;
            eprintln!("saved the thresholds in {}", p.display());
        }
    }
    Ok(Some(m))
}

/// Prints the report as JSON; with benchmarks or public splits, under named keys.
fn print_json(
    report: &EvalReport,
    benches: &[BenchScore],
    public: &[PublicScores],
    public_json: serde_json::Value,
) -> anyhow::Result<()> {
    // The report as before; with benchmarks, both under named keys.
    let mut out = if benches.is_empty() {
        serde_json::to_value(report)?
    } else {
        serde_json::json!({"report": report, "theme_benchmarks": benches})
    };
    if !public.is_empty() {
        out["public"] = public_json;
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// Prints the report as a table, then the public splits and the benchmarks.
fn print_table(report: &EvalReport, benches: &[BenchScore], public: &[PublicScores]) {
    println!(
        "{:<8} {:>5} {:>6} {:>6} {:>6} {:>6}",
        "", "n", "s-acc", "s-mF1", "t-miF1", "t-maF1"
    );
    for (lang, s) in &report.per_language {
        println!("{lang:<8} {}", fmt(s));
    }
    println!("{:<8} {}", "overall", fmt(&report.overall));
    println!("(s = sentiment accuracy / macro-F1; t = themes micro / macro F1)");
    if !public.is_empty() {
        print_public(public);
    }
    for b in benches {
        println!(
            "zero-shot {}: {} {:.3} (n {}, {} category names; rows: {})",
            b.name, b.metric, b.value, b.n, b.themes, b.rows
        );
    }
}

/// Runs the evaluation: public splits, then the labeled file (with the codebook's themes),
/// then the theme benchmarks; printed as a table or JSON.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (encoder, head) = load_models(&args)?;
    let public = match &args.public {
        Some(dir) => run_public(dir, args.public_rows, args.seed, &encoder, &head)?,
        None => Vec::new(),
    };
    let public_json = public_to_json(&args, &public);
    let Some(labeled) = &args.labeled else {
        if args.json {
            println!("{}", serde_json::to_string_pretty(&public_json)?);
        } else {
            print_public(&public);
        }
        return Ok(());
    };
    let items = read_jsonl(labeled, Split::Test)?;
    let emb = embed_labeled(&items, &encoder)?;
    let model = codebook_model(&args, &encoder, &emb)?;
    let report = evaluate_embedded(&items, &emb, &head, model.as_ref());
    let benches = match &args.theme_benchmarks {
        Some(dir) => theme_bench::run_all(dir, args.benchmark_rows, args.seed, &encoder, &head)?,
        None => Vec::new(),
    };
    if args.json {
        return print_json(&report, &benches, &public, public_json);
    }
    print_table(&report, &benches, &public);
    Ok(())
}

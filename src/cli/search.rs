//! `verbatim search`: keyword, semantic or hybrid search over a run folder, from the terminal.

use anyhow::{bail, Context};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use verbatim::encode::{BertEncoder, EncodeError, Encoder, EncoderOptions, TextKind};
use verbatim::record::{NpsGroup, SentimentLabel};
use verbatim::retrieve::{
    FacetCounts, FacetValue, Filters, HybridSearcher, Mode, Query, Results, Snippet,
};
use verbatim::run::RunDir;
use verbatim::serve::params::{MAX_DEPTH, MAX_LIMIT};

/// Arguments of `verbatim search`.
#[derive(clap::Args)]
pub struct Args {
    /// Run folder written by `verbatim analyze`.
    run_dir: PathBuf,
    /// Query: words, "phrases", AND/OR/NOT (+/-), (groups) and filters such as theme:delivery
    /// sentiment:negative lang:he nps:detractor score:[0 TO 6] date:[2024-01-01 TO 2024-03-31]
    /// segment:Plan=Pro. Empty: every answer that passes the filters. A query that starts
    /// with `-` goes after `--`: `verbatim search RUN -- -price`.
    #[arg(default_value = "")]
    query: String,
    /// Only answers with this theme (repeat for any of several).
    #[arg(long)]
    theme: Vec<String>,
    /// Only answers with this sentiment: negative, neutral, positive (repeatable).
    #[arg(long)]
    sentiment: Vec<String>,
    /// Only answers in this language code, e.g. he, fa (repeatable).
    #[arg(long)]
    lang: Vec<String>,
    /// Only answers in this NPS group: detractor, passive, promoter (repeatable).
    #[arg(long)]
    nps: Vec<String>,
    /// Only answers whose segment column has this value, as COLUMN=VALUE (repeatable; values
    /// of one column are alternatives).
    #[arg(long, value_parser = parse_segment)]
    segment: Vec<(String, String)>,
    /// Hits to show (1 to 1000, as in the API).
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Hits to skip (next pages; at most 10000, as in the API).
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// hybrid (words and meaning), keyword (exact words, no model needed) or semantic
    /// (meaning, any language).
    #[arg(long, default_value = "hybrid", value_parser = parse_mode)]
    mode: Mode,
    /// Encoder model folder the run was analyzed with [default: models/e5-small].
    #[arg(long)]
    model: Option<PathBuf>,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
    /// Rank every answer that passes the filters by meaning, not only those above the
    /// relevance cut (semantic and hybrid modes).
    #[arg(long)]
    all: bool,
}

fn parse_segment(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected COLUMN=VALUE, got {s:?}")),
    }
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    Mode::parse(s).ok_or_else(|| format!("unknown mode {s:?}: use hybrid, keyword or semantic"))
}

/// Stands in for the encoder in keyword mode, which never embeds: the run opens without
/// loading the model.
struct NoEncoder {
    dim: usize,
}

impl Encoder for NoEncoder {
    fn dim(&self) -> usize {
        self.dim
    }

    fn name(&self) -> &str {
        "none"
    }

    fn embed(&self, _: &[&str], _: TextKind) -> Result<Vec<Vec<f32>>, EncodeError> {
        Err(EncodeError::Model {
            dir: PathBuf::new(),
            why: "keyword mode loads no model; use --mode hybrid or semantic".into(),
        })
    }
}

/// The default model folder: `models/e5-small` under the current folder, else under the
/// folders above the executable (a repository checkout), else under the source tree.
fn default_model() -> PathBuf {
    let rel = Path::new("models").join("e5-small");
    if rel.is_dir() {
        return rel;
    }
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1) {
            if dir.join(&rel).is_dir() {
                return dir.join(&rel);
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn encoder(args: &Args) -> anyhow::Result<Arc<dyn Encoder>> {
    if args.mode == Mode::Keyword {
        let vectors = RunDir::new(&args.run_dir).vectors().with_context(|| {
            format!(
                "{}: the run's vector index cannot be read; run `verbatim analyze` again",
                args.run_dir.display()
            )
        })?;
        return Ok(Arc::new(NoEncoder {
            dim: vectors.meta().dim,
        }));
    }
    let dir = args.model.clone().unwrap_or_else(default_model);
    let enc = BertEncoder::load(&dir, EncoderOptions::for_queries()).with_context(|| {
        format!(
            "cannot load the encoder for {} search; pass --model DIR, or use --mode keyword, \
             which needs no model",
            args.mode.as_str()
        )
    })?;
    Ok(Arc::new(enc))
}

/// `--sentiment`/`--nps` values as labels; an unknown one is an error naming the choices.
fn labels<T>(
    values: &[String],
    parse: fn(&str) -> Option<T>,
    what: &str,
    choices: &str,
) -> anyhow::Result<Vec<T>> {
    values
        .iter()
        .map(|v| parse(v).ok_or_else(|| anyhow::anyhow!("unknown {what} {v:?}: use {choices}")))
        .collect()
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let run = &args.run_dir;
    if !run.is_dir() {
        bail!("run folder {} not found", run.display());
    }
    if RunDir::new(run).index().is_none() {
        bail!(
            "no index in {}: run `verbatim analyze` first to make the run folder",
            run.display()
        );
    }
    if !(1..=MAX_LIMIT).contains(&args.limit) {
        bail!("--limit {} must be from 1 to {MAX_LIMIT}", args.limit);
    }
    if args.offset > MAX_DEPTH {
        bail!(
            "--offset {} is too large (at most {MAX_DEPTH}); narrow the query with filters",
            args.offset
        );
    }
    let q = Query {
        text: args.query.clone(),
        mode: args.mode,
        filters: Filters {
            theme: args.theme.clone(),
            sentiment: labels(
                &args.sentiment,
                SentimentLabel::parse,
                "sentiment",
                "negative, neutral or positive",
            )?,
            lang: args.lang.clone(),
            nps: labels(
                &args.nps,
                NpsGroup::parse,
                "NPS group",
                "detractor, passive or promoter",
            )?,
            segments: args.segment.clone(),
        },
        limit: args.limit,
        offset: args.offset,
        all: args.all,
    };
    let searcher = HybridSearcher::open(run, encoder(&args)?)
        .with_context(|| format!("cannot open run folder {}", run.display()))?;
    let res = searcher.search(&q)?;
    let out = std::io::stdout();
    let mut out = out.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &res)?;
        writeln!(out)?;
    } else {
        let ansi = std::io::stdout().is_terminal();
        print_human(&mut out, &args.query, &res, ansi)?;
    }
    Ok(())
}

/// Answer text safe to print: control characters (ESC, which starts terminal escape
/// sequences, BEL, backspace, CR, ...) removed and line breaks and tabs shown as spaces.
fn printable(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\n' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// A snippet as terminal text: what matched in bold (ANSI) or plain, control characters of
/// the answer removed.
fn terminal_text(snippet: &Snippet, ansi: bool) -> String {
    let (on, off) = if ansi {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    snippet
        .pieces()
        .into_iter()
        .map(|(piece, marked)| match marked {
            true => format!("{on}{}{off}", printable(piece)),
            false => printable(piece),
        })
        .collect()
}

fn facet_line(name: &str, v: &[FacetValue]) -> Option<String> {
    if v.is_empty() {
        return None;
    }
    let items: Vec<String> = v
        .iter()
        .map(|f| format!("{} {}", printable(&f.value), f.count))
        .collect();
    Some(format!("  {name}: {}", items.join(", ")))
}

/// One line per facet with values: language, sentiment, NPS group, theme, each segment.
fn facet_lines(f: &FacetCounts) -> Vec<String> {
    let mut lines: Vec<String> = [
        facet_line("lang", &f.lang),
        facet_line("sentiment", &f.sentiment),
        facet_line("nps", &f.nps),
        facet_line("theme", &f.theme),
    ]
    .into_iter()
    .flatten()
    .collect();
    for (col, v) in &f.segments {
        lines.extend(facet_line(&format!("segment {}", printable(col)), v));
    }
    lines
}

fn print_human(
    out: &mut impl Write,
    query: &str,
    res: &Results,
    ansi: bool,
) -> std::io::Result<()> {
    let what = if query.trim().is_empty() {
        String::new()
    } else {
        format!(" {:?}", printable(query))
    };
    let shown = if res.hits.is_empty() {
        String::new()
    } else {
        format!(
            ", showing {}-{}",
            res.offset + 1,
            res.offset + res.hits.len()
        )
    };
    writeln!(
        out,
        "{} answers match{what} ({} search{shown})",
        res.total,
        res.mode.as_str()
    )?;
    for l in facet_lines(&res.facets) {
        writeln!(out, "{l}")?;
    }
    for (i, h) in res.hits.iter().enumerate() {
        let mut meta = vec![h.id.clone(), h.lang.clone()];
        if let Some(s) = h.score {
            meta.push(format!("score {s}"));
        }
        meta.push(h.sentiment.as_str().to_string());
        if !h.themes.is_empty() {
            meta.push(h.themes.join(","));
        }
        if let Some(d) = &h.date {
            meta.push(d.clone());
        }
        writeln!(
            out,
            "\n{:>3}. {}",
            res.offset + i + 1,
            printable(&meta.join("  "))
        )?;
        writeln!(out, "     {}", terminal_text(&h.snippet, ansi))?;
    }
    if res.hits.is_empty() && res.total > 0 {
        writeln!(out, "\n(no hits on this page; lower --offset)")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_output_has_no_control_characters() {
        let text = "evil \x1b]0;pwned\x07 \x1b[2Jlate\r\nnext\u{9b}31m <ok>";
        let at = text.find("late").unwrap();
        let late = at..at + 4;
        let snippet = Snippet {
            text: text.into(),
            marks: vec![late],
            ..Snippet::default()
        };
        let plain = terminal_text(&snippet, false);
        assert!(!plain.chars().any(|c| c.is_control()), "{plain:?}");
        assert_eq!(plain, "evil ]0;pwned [2Jlate next31m <ok>");
        let bold = terminal_text(&snippet, true);
        assert_eq!(
            bold.matches('\x1b').count(),
            2,
            "only our own bold on/off: {bold:?}"
        );
    }
}

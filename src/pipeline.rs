//! The `analyze` job end to end: ingest -> text -> encode -> classify -> analyze -> index ->
//! run files. Rows stream through in chunks, so memory stays bounded by the chunk size plus what
//! the results themselves take (the duplicate-id set, discovered themes).
//!
//! With a codebook, every chunk is finished in one pass. Without one, themes must be discovered
//! from all sentence vectors first: pass one writes answers without themes to a work file and
//! the vectors to the embedding store, discovery clusters the stored sentence vectors, and pass
//! two assigns themes and writes the outputs.

use crate::analyze::stats::RunStats;
use crate::analyze::suggestion::is_suggestion;
use crate::classify::codebook::{Clause, Codebook, ThemeModel, Units};
use crate::classify::discovery::{discover, DiscoveryItem, DiscoveryOptions};
use crate::classify::sentiment::{is_mixed, SentimentHead};
use crate::classify::split::{split_theme, Split as SubThemes};
use crate::encode::plan::cut_chars;
use crate::encode::store::{Store, StoreMeta, StoreWriter};
use crate::encode::{DedupEncoder, Encoder, TextKind};
use crate::encode::{EmbedPlan, EmbedUnits, Span, Split};
use crate::ingest::{Chunk, ChunkedIngest, Ingest, IngestOptions};
pub use crate::progress::{NoProgress, Progress};
use crate::record::{NpsGroup, Record, Reject, Response, SentenceResult, Sentiment};
pub use crate::run::RunSummary;
use crate::run::{
    layout, AnswerFiles, AnswerWriter, FileHash, Privacy, Provenance, RejectsWriter, Responses,
    RowCounts, RunWriter, ShardSpec,
};
use crate::text;
use rayon::prelude::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::time::Instant;

/// Errors of the analyze job: the crate's [`Error`](crate::Error), which wraps the failing
/// stage's error.
pub type PipelineError = crate::Error;

/// Where themes come from.
pub enum ThemeSource {
    /// A codebook file.
    Codebook(PathBuf),
    /// A zero-shot codebook file (themes without examples), self-trained on the export's own
    /// answer and sentence vectors before themes are assigned (`--self-train`).
    SelfTrainedCodebook {
        /// The codebook file.
        path: PathBuf,
        /// Seed of self-training.
        seed: u64,
    },
    /// Discovery by clustering, optionally saving the result as a codebook.
    Discover {
        /// Discovery settings.
        options: DiscoveryOptions,
        /// Where to write the discovered codebook (`--save-codebook`).
        save_codebook: Option<PathBuf>,
        /// The theme to split into sub-themes (`--split`, `classify::split`).
        split: Option<String>,
    },
}

impl ThemeSource {
    /// The codebook file the themes come from, if any.
    pub fn codebook_path(&self) -> Option<&Path> {
        match self {
            ThemeSource::Codebook(p) | ThemeSource::SelfTrainedCodebook { path: p, .. } => Some(p),
            ThemeSource::Discover { .. } => None,
        }
    }

    /// The codebook provenance.json records: the codebook read, or the one discovery saved
    /// when it split a theme (its `parent:` lines make the theme tree of the report and the
    /// workspace).
    fn recorded_codebook(&self) -> Option<&Path> {
        match self {
            ThemeSource::Discover {
                save_codebook: Some(p),
                split: Some(_),
                ..
            } => Some(p),
            _ => self.codebook_path(),
        }
    }
}

/// Everything `analyze` needs.
pub struct AnalyzeOptions {
    /// The export.
    pub input: PathBuf,
    /// Column choices.
    pub ingest: IngestOptions,
    /// The run folder to write (written whole into a temporary sibling, then renamed in).
    pub out: PathBuf,
    /// Replace an existing run in `out` (`--force`).
    pub force: bool,
    /// Sentiment head file.
    pub sentiment_head: PathBuf,
    /// Theme source.
    pub themes: ThemeSource,
    /// Only rows with `(row - 1) % n == i` (`--shard i/n`).
    pub shard: Option<(u64, u64)>,
    /// Also write responses.parquet.
    pub parquet: bool,
    /// Rows per processing chunk.
    pub chunk: usize,
}

pub use crate::encode::{MAX_EMBED_CHARS, MAX_EMBED_SENTENCES, MAX_UNIT_CHARS};

/// Text-stage results of one record.
struct Prepared {
    record: Record,
    lang: String,
    lang_confidence: f32,
    /// What of the answer is embedded.
    units: EmbedUnits,
}

fn prepare(record: Record) -> Prepared {
    let (head, _) = cut_chars(&record.text, MAX_UNIT_CHARS * 4);
    let det = text::language::detect(head);
    Prepared {
        units: EmbedUnits::of(&record.text),
        record,
        lang: det.lang,
        lang_confidence: det.confidence,
    }
}

/// One answer with its vectors, before themes.
struct Encoded {
    response: Response,
    answer: Vec<f32>,
    sentences: Vec<Vec<f32>>,
    /// Clause vectors for theme scoring (not stored: discovery's second pass has none).
    clauses: Vec<Clause>,
    /// Units were capped for embedding.
    capped: bool,
}

/// Embeds a chunk of prepared answers in one encoder call and classifies their sentiment.
fn encode_prepared(
    prepared: Vec<Prepared>,
    encoder: &dyn Encoder,
    head: &SentimentHead,
) -> Result<Vec<Encoded>, PipelineError> {
    // One encoder call per chunk.
    let mut plan = EmbedPlan::default();
    let spans: Vec<Span> = prepared.iter().map(|p| plan.push(&p.units)).collect();
    // With a tuned sentiment top the same pass classifies the units (shared lower layers).
    let encoded = plan.encode(encoder, TextKind::Passage)?;
    let sentiments = crate::classify::sentiment::sentiments(&encoded, head);
    Ok(prepared
        .into_iter()
        .zip(spans)
        .map(|(p, span)| assemble(p, span.split(&encoded.vectors), span.split(&sentiments)))
        .collect())
}

/// The answer `p` with its `vectors` and `sentiments`, before themes.
fn assemble(p: Prepared, vectors: Split<Vec<f32>>, sentiments: Split<Sentiment>) -> Encoded {
    let sentences = sentence_results(&p, &sentiments.sentences);
    // Sentences or clauses that disagree ("great staff but the delivery was late").
    let mixed = is_mixed(
        &sentiments
            .sentences
            .iter()
            .chain(sentiments.clauses.iter().map(|(_, s)| s))
            .copied()
            .collect::<Vec<_>>(),
    );
    let clauses = Clause::zip(vectors.clauses, sentiments.clauses.into_iter().map(|c| c.1));
    let r = p.record;
    Encoded {
        response: Response {
            seq: 0,
            row: r.row,
            id: r.id,
            nps_group: r.score.map(NpsGroup::of),
            text: r.text,
            score: r.score,
            date: r.date,
            segments: r.segments,
            fields: r.fields,
            lang: p.lang,
            lang_confidence: p.lang_confidence,
            sentiment: sentiments.answer,
            mixed,
            themes: Vec::new(),
            sentences,
        },
        answer: vectors.answer,
        sentences: vectors.sentences,
        clauses,
        capped: p.units.capped,
    }
}

/// Sentence results of `p` (without themes), given each sentence's sentiment.
fn sentence_results(p: &Prepared, sentiments: &[Sentiment]) -> Vec<SentenceResult> {
    p.units
        .sentences
        .iter()
        .zip(sentiments)
        .map(|((range, _), s)| {
            let t = &p.record.text[range.clone()];
            SentenceResult {
                text: t.to_string(),
                start: range.start,
                end: range.end,
                sentiment: *s,
                themes: Vec::new(),
                suggestion: is_suggestion(t, &p.lang),
            }
        })
        .collect()
}

/// Most unit vectors self-training reads from the store (every k-th answer and sentence
/// beyond this), which bounds its memory and time on large exports.
const SELF_TRAIN_UNITS: usize = 20_000;

/// A zero-shot codebook self-trained on the answer and sentence vectors of the run's store
/// ([`crate::classify::zero_shot::self_train`]).
fn self_train_on_store(
    cb: &Codebook,
    encoder: &dyn Encoder,
    store: &Store,
    seed: u64,
) -> Result<ThemeModel, PipelineError> {
    if !cb.is_zero_shot() {
        return Err(PipelineError::Usage(
            "--self-train needs a codebook without examples (ids, names, descriptions); this one has examples, run without --self-train".into(),
        ));
    }
    let zero = ThemeModel::build(cb, encoder)?;
    let n_sent = store.sentences().len() / store.dim().max(1);
    let total = store.len() + n_sent;
    let step = total.div_ceil(SELF_TRAIN_UNITS).max(1);
    let units: Vec<Vec<f32>> = (0..total)
        .step_by(step)
        .map(|u| match u < store.len() {
            true => store.answer(u).to_vec(),
            false => store.sentence(u - store.len()).to_vec(),
        })
        .collect();
    Ok(crate::classify::zero_shot::self_train(
        &zero, encoder, &units, seed,
    )?)
}

/// Themes of an answer, child themes rolled up to their `parents`; a content-free answer or
/// sentence (`...`, emoji, a bare link) gets none.
fn apply_themes(e: &mut Encoded, model: &ThemeModel, parents: &BTreeMap<String, String>) {
    if text::content::is_content_free(&e.response.text) {
        return;
    }
    let sent: Vec<_> = e.response.sentences.iter().map(|s| s.sentiment).collect();
    let skip: Vec<bool> = e
        .response
        .sentences
        .iter()
        .map(|s| text::content::is_content_free(&s.text))
        .collect();
    let units = Units {
        sentences: &e.sentences,
        sentence_sentiment: &sent,
        clauses: &e.clauses,
        skip: &skip,
    };
    let (mentions, per_sentence) = model.assign_skipping(&e.answer, &units, e.response.sentiment);
    e.response.themes = mentions;
    for (s, themes) in e.response.sentences.iter_mut().zip(per_sentence) {
        s.themes = themes;
    }
    crate::classify::hierarchy::roll_up(&mut e.response, parents);
}

/// The answer files of the run and the counts made from the answers, fed one finished answer
/// at a time.
struct Sinks {
    answers: AnswerWriter,
    stats: RunStats,
    summary: RunSummary,
}

impl Sinks {
    /// Creates the answer files of `run` (responses.parquet only with `parquet`).
    fn create(
        run: &RunWriter,
        parquet: bool,
        segment_keys: &[String],
        theme_ids: &[String],
        summary: RunSummary,
    ) -> Result<Sinks, PipelineError> {
        let files = AnswerFiles {
            parquet,
            index: true,
        };
        Ok(Sinks {
            answers: run.answers(segment_keys, files)?,
            stats: RunStats::new(theme_ids),
            summary,
        })
    }

    fn write(&mut self, r: &Response) -> Result<(), PipelineError> {
        self.answers.write(r)?;
        self.stats.add(r);
        self.summary.add(r);
        Ok(())
    }
}

fn reason_kind(reason: &str) -> String {
    reason
        .split([':', '"', '('])
        .next()
        .unwrap_or(reason)
        .trim()
        .to_string()
}

/// Refuses options that cannot work before anything is read or written.
fn check_options(opts: &AnalyzeOptions) -> Result<(), PipelineError> {
    if let Some((i, n)) = opts.shard {
        if n == 0 || i >= n {
            return Err(PipelineError::Usage(format!(
                "--shard {i}/{n}: use i/n with 0 <= i < n, e.g. --shard 0/4"
            )));
        }
    }
    let mut inputs: Vec<(&str, &Path)> = vec![("export", &opts.input)];
    if let Some(p) = opts.themes.codebook_path() {
        inputs.push(("codebook", p));
    }
    if let ThemeSource::Discover {
        save_codebook: Some(p),
        ..
    } = &opts.themes
    {
        inputs.push(("--save-codebook file", p));
    }
    inputs.push(("sentiment head", &opts.sentiment_head));
    crate::run::refuse_inputs_inside(&opts.out, &inputs)?;
    Ok(())
}

/// What the run is made from, for `provenance.json`.
fn provenance(opts: &AnalyzeOptions, encoder: &dyn Encoder) -> Result<Provenance, PipelineError> {
    Ok(Provenance {
        input: Some(FileHash::of(&opts.input)?),
        shard: opts.shard.map(|(index, count)| ShardSpec { index, count }),
        model: encoder.name().to_string(),
        model_fingerprint: encoder.fingerprint(),
        codebook: opts
            .themes
            .recorded_codebook()
            .map(FileHash::of)
            .transpose()?,
        shards: Vec::new(),
        merged_from: Vec::new(),
    })
}

/// Runs `analyze`; returns the summary also written to `RUN_DIR/summary.json`.
///
/// The run is written into a temporary sibling of `opts.out` and renamed into place at the
/// end, so a run that fails leaves the previous run in `opts.out` as it was.
pub fn analyze(
    opts: &AnalyzeOptions,
    encoder: &dyn Encoder,
    progress: &dyn Progress,
) -> Result<RunSummary, PipelineError> {
    let started = Instant::now();
    check_options(opts)?;
    let run = RunWriter::begin(&opts.out, opts.force)?;
    // Each distinct text is embedded once per run (repeated short answers, sentences and
    // clauses equal to their answer), within a bounded map of vectors.
    let dedup = DedupEncoder::new(encoder, crate::encode::dedup::DEFAULT_CAPACITY);
    let sinks = analyze_into(opts, &run, &dedup, progress)?;
    let provenance = provenance(opts, encoder)?;
    finish_outputs(sinks, run, &provenance, started)
}

/// Writes the answers of the run into `run`: pass one, then (when themes come later) building
/// the theme model and pass two; returns the answer files still to be finished.
fn analyze_into(
    opts: &AnalyzeOptions,
    run: &RunWriter,
    encoder: &dyn Encoder,
    progress: &dyn Progress,
) -> Result<Sinks, PipelineError> {
    let ingest = Ingest::open(&opts.input, &opts.ingest)?;
    let head = load_head(opts, encoder)?;
    let segment_keys: Vec<String> = ingest.segment_columns().to_vec();
    let (pass, parents) = theme_pass(opts, encoder)?;
    let rejects = run.rejects()?;
    let store = run.store(encoder.dim(), encoder.name())?;
    let summary = initial_summary(opts, &ingest, encoder);
    let new_sinks = |theme_ids: &[String], summary: RunSummary| {
        Sinks::create(run, opts.parquet, &segment_keys, theme_ids, summary)
    };
    let one = PassOne {
        opts,
        ingest: Some(ChunkedIngest::new(ingest, opts.shard, opts.chunk)),
        encoder,
        head: &head,
        progress,
        rejects,
        store,
        counts: summary.clone(),
    };
    let sinks = match &pass {
        // With a codebook the sinks get finished answers in pass one.
        ThemePass::Codebook(model) => {
            run.theme_model(model)?;
            let mut sinks = new_sinks(model.ids(), summary)?;
            let (counts, _) = one.run(|e| {
                apply_themes(e, model, &parents);
                sinks.write(&e.response)
            })?;
            take_row_counts(&mut sinks.summary, counts);
            sinks
        }
        // Otherwise a work file gets answers without themes, and pass two assigns them.
        ThemePass::Discover(later) => {
            let mut work = run.work_file()?;
            let (counts, store_meta) = one.run(|e| Ok(work.write(&e.response)?))?;
            work.finish()?;
            let store = run.written().store()?;
            let work_path = run.written().file(layout::WORK_PASS1);
            let (model, split) = later.build(encoder, &work_path, &store, progress)?;
            if let LaterThemes::SelfTrain { .. } = later {
                run.theme_model(&model)?;
            }
            let mut ids = model.ids().to_vec();
            ids.extend(split.iter().flat_map(|s| s.ids.iter().cloned()));
            let sinks = new_sinks(&ids, counts)?;
            progress.stage("assigning themes", Some(store_meta.answers));
            let themes = (&model, split.as_ref());
            pass_two(&work_path, &store, themes, &parents, sinks, progress)?
        }
    };
    progress.stage("indexing", None);
    Ok(sinks)
}

/// The sentiment head of `opts`, refused when it was trained on another encoder.
fn load_head(opts: &AnalyzeOptions, encoder: &dyn Encoder) -> Result<SentimentHead, PipelineError> {
    let head = SentimentHead::load(&opts.sentiment_head)?;
    if head.encoder != encoder.name() {
        return Err(PipelineError::Usage(format!(
            "the sentiment head {} was trained on encoder {:?}, but the model is {:?}; train one for this model with `verbatim train-sentiment --model DIR --out FILE` and pass --sentiment-head FILE",
            opts.sentiment_head.display(),
            head.encoder,
            encoder.name()
        )));
    }
    Ok(head)
}

/// When themes are assigned.
enum ThemePass<'a> {
    /// In pass one, as each chunk is encoded, with a codebook's model.
    Codebook(ThemeModel),
    /// In pass two, with a model built from pass one's stored vectors.
    Discover(LaterThemes<'a>),
}

/// How pass two's theme model is built.
enum LaterThemes<'a> {
    /// Self-training a zero-shot codebook (`--self-train`).
    SelfTrain {
        /// The zero-shot codebook.
        codebook: Codebook,
        /// Seed of self-training.
        seed: u64,
    },
    /// Clustering the sentence vectors.
    Cluster {
        /// Discovery settings.
        options: &'a DiscoveryOptions,
        /// Where to write the discovered codebook (`--save-codebook`).
        save_codebook: Option<&'a Path>,
        /// The theme to split (`--split`).
        split: Option<&'a str>,
    },
}

/// The theme pass of `opts`, with the codebook's child-to-parent theme map (empty when
/// discovering).
fn theme_pass<'a>(
    opts: &'a AnalyzeOptions,
    encoder: &dyn Encoder,
) -> Result<(ThemePass<'a>, BTreeMap<String, String>), PipelineError> {
    Ok(match &opts.themes {
        ThemeSource::Codebook(p) => {
            let cb = Codebook::load(p)?;
            let parents = cb.parents();
            (
                ThemePass::Codebook(ThemeModel::build(&cb, encoder)?),
                parents,
            )
        }
        // A self-trained codebook, like discovery, assigns themes in a second pass.
        ThemeSource::SelfTrainedCodebook { path, seed } => {
            let codebook = Codebook::load(path)?;
            let parents = codebook.parents();
            let seed = *seed;
            let later = LaterThemes::SelfTrain { codebook, seed };
            (ThemePass::Discover(later), parents)
        }
        ThemeSource::Discover {
            options,
            save_codebook,
            split,
        } => {
            let later = LaterThemes::Cluster {
                options,
                save_codebook: save_codebook.as_deref(),
                split: split.as_deref(),
            };
            (ThemePass::Discover(later), BTreeMap::new())
        }
    })
}

impl LaterThemes<'_> {
    /// The theme model of pass two, from pass one's `store` and work file, and the split of
    /// one discovered theme into sub-themes (`--split`).
    fn build(
        &self,
        encoder: &dyn Encoder,
        work_path: &Path,
        store: &Store,
        progress: &dyn Progress,
    ) -> Result<(ThemeModel, Option<SubThemes>), PipelineError> {
        match self {
            LaterThemes::SelfTrain { codebook, seed } => {
                progress.stage("self-training themes", None);
                Ok((self_train_on_store(codebook, encoder, store, *seed)?, None))
            }
            LaterThemes::Cluster {
                options,
                save_codebook,
                split,
            } => {
                progress.stage("discovering themes", None);
                discover_themes(work_path, store, options, *save_codebook, *split)
            }
        }
    }
}

/// The run summary before any row is read.
fn initial_summary(opts: &AnalyzeOptions, ingest: &Ingest, encoder: &dyn Encoder) -> RunSummary {
    RunSummary {
        input: opts.input.display().to_string(),
        format: ingest.format().to_string(),
        encoding: ingest.encoding().map(str::to_string),
        privacy: Privacy {
            keep_pii: opts.ingest.keep_pii,
            ..Privacy::default()
        },
        shard: opts.shard.map(|(i, n)| format!("{i}/{n}")),
        model: encoder.name().to_string(),
        theme_source: theme_source(&opts.themes),
        ..RunSummary::default()
    }
}

/// `theme_source` of the summary: `codebook:<path>` (with the seed when self-trained) or
/// `discovered`.
fn theme_source(themes: &ThemeSource) -> String {
    match themes {
        ThemeSource::Codebook(p) => format!("codebook:{}", p.display()),
        ThemeSource::SelfTrainedCodebook { path, seed } => {
            format!("codebook:{} (self-trained, seed {seed})", path.display())
        }
        ThemeSource::Discover { .. } => "discovered".into(),
    }
}

/// Copies pass one's row counts into `s`, the summary of sinks that counted the answers.
fn take_row_counts(s: &mut RunSummary, counts: RunSummary) {
    s.rows = RowCounts {
        analyzed: s.rows.analyzed,
        ..counts.rows
    };
    (s.no_score, s.capped) = (counts.no_score, counts.capped);
    s.privacy.pii = counts.privacy.pii;
}

/// Pass one: reads the export chunk by chunk, encodes each chunk, stores the vectors and hands
/// each answer on; counts rows, rejects and capped answers on the way.
struct PassOne<'a> {
    opts: &'a AnalyzeOptions,
    /// The export; the reading stage holds it while the pass runs.
    ingest: Option<ChunkedIngest>,
    encoder: &'a dyn Encoder,
    head: &'a SentimentHead,
    progress: &'a dyn Progress,
    rejects: RejectsWriter,
    store: StoreWriter,
    counts: RunSummary,
}

/// What the reading stage of pass one hands on, in input order.
enum Read {
    /// A rejected row.
    Rejected(Reject),
    /// A chunk of answers with their text work done, and the bytes of the export read so far.
    Prepared(Vec<Prepared>, u64),
}

/// What the encoding stage of pass one hands on, in input order.
enum Ready {
    /// A rejected row.
    Rejected(Reject),
    /// A chunk of encoded answers, and the bytes of the export read so far.
    Encoded(Vec<Encoded>, u64),
}

/// Pass one's first stage: reads the export in chunks and does the text work (language,
/// normalization, sentences) beside the encoder; hands the ingest back when done.
fn read_stage(
    mut ingest: ChunkedIngest,
    tx: SyncSender<Result<Read, PipelineError>>,
) -> ChunkedIngest {
    while let Some(chunk) = ingest.next() {
        let item = match chunk {
            Chunk::Rejected(r) => Ok(Read::Rejected(r)),
            Chunk::Records(records) => match ingest.take_error() {
                Some(e) => Err(e.into()),
                None => {
                    let prepared = records.into_par_iter().map(prepare).collect();
                    Ok(Read::Prepared(prepared, ingest.ingest().bytes_read()))
                }
            },
        };
        let stop = item.is_err();
        if tx.send(item).is_err() || stop {
            return ingest;
        }
    }
    if let Some(e) = ingest.take_error() {
        let _ = tx.send(Err(e.into()));
    }
    ingest
}

/// Pass one's second stage: encodes each chunk as soon as it is read (the encoder never waits
/// for reading or writing, only for a full queue).
fn encode_stage(
    rx: Receiver<Result<Read, PipelineError>>,
    tx: SyncSender<Result<Ready, PipelineError>>,
    encoder: &dyn Encoder,
    head: &SentimentHead,
) {
    for item in rx {
        let ready = item.and_then(|read| match read {
            Read::Rejected(r) => Ok(Ready::Rejected(r)),
            Read::Prepared(p, bytes) => {
                let encoded = encode_prepared(p, encoder, head)?;
                crate::run::trim_heap();
                Ok(Ready::Encoded(encoded, bytes))
            }
        });
        let stop = ready.is_err();
        if tx.send(ready).is_err() || stop {
            return;
        }
    }
}

/// Chunks a stage may run ahead of the next one (bounded queues give backpressure).
const STAGE_QUEUE: usize = 2;

impl PassOne<'_> {
    /// Runs the pass, giving each encoded answer (numbered, its vectors stored) to `emit`;
    /// returns the row counts and the finished store's metadata. Reading and text work, the
    /// encoder, and storing and writing (`emit`) run in three threads joined by bounded queues.
    fn run(
        mut self,
        mut emit: impl FnMut(&mut Encoded) -> Result<(), PipelineError>,
    ) -> Result<(RunSummary, StoreMeta), PipelineError> {
        let ingest = self.ingest.take().expect("pass one runs once");
        self.progress
            .stage("analyzing", ingest.ingest().bytes_total());
        let (encoder, head) = (self.encoder, self.head);
        let (ingest, written) = std::thread::scope(|s| {
            let (read_tx, read_rx) = sync_channel(STAGE_QUEUE);
            let (ready_tx, ready_rx) = sync_channel(STAGE_QUEUE);
            let reader = s.spawn(move || read_stage(ingest, read_tx));
            s.spawn(move || encode_stage(read_rx, ready_tx, encoder, head));
            let written = self.write_stage(ready_rx, &mut emit);
            (
                reader.join().expect("the reading stage does not panic"),
                written,
            )
        });
        written?;
        self.ingest = Some(ingest);
        self.finish()
    }

    /// Pass one's last stage: numbers, stores and emits the encoded answers and writes the
    /// rejected rows, in input order. Returning early (an error) closes the queues, which stops
    /// the other stages.
    fn write_stage(
        &mut self,
        rx: Receiver<Result<Ready, PipelineError>>,
        emit: &mut impl FnMut(&mut Encoded) -> Result<(), PipelineError>,
    ) -> Result<(), PipelineError> {
        let mut seq = 0u64;
        for item in rx {
            let (encoded, bytes) = match item? {
                Ready::Rejected(r) => {
                    self.reject(&r)?;
                    continue;
                }
                Ready::Encoded(encoded, bytes) => (encoded, bytes),
            };
            for mut e in encoded {
                self.count(&e);
                e.response.seq = seq;
                seq += 1;
                self.store.push(&e.answer, &e.sentences)?;
                emit(&mut e)?;
            }
            self.progress.advance(bytes);
            self.progress.answers(seq);
        }
        Ok(())
    }

    /// Counts a rejected row and writes it.
    fn reject(&mut self, r: &Reject) -> Result<(), PipelineError> {
        self.counts.rows.rejected += 1;
        let kind = reason_kind(&r.reason);
        *self.counts.rows.reject_reasons.entry(kind).or_default() += 1;
        Ok(self.rejects.write(r)?)
    }

    /// Counts an answer without a score (when the export has a score column) or with capped
    /// units.
    fn count(&mut self, e: &Encoded) {
        if self.opts.ingest.score_col.is_some() && e.response.score.is_none() {
            self.counts.no_score += 1;
        }
        self.counts.capped += e.capped as u64;
    }

    /// Counts rows and PII (unless kept) and finishes the rejects and the store.
    fn finish(mut self) -> Result<(RunSummary, StoreMeta), PipelineError> {
        let ingest = self
            .ingest
            .as_ref()
            .expect("the reading stage hands the ingest back");
        self.counts.rows.rows_read = ingest.rows_read();
        self.counts.rows.other_shards = ingest.other_shards();
        if !self.opts.ingest.keep_pii {
            self.counts.privacy.pii = ingest.ingest().pii_counts().by_name();
        }
        self.rejects.finish()?;
        let meta = self.store.finish()?;
        Ok((self.counts, meta))
    }
}

/// Pass two: gives pass one's answers in the work file their vectors from `store` and the
/// themes of `model` (and a sub-theme of the split theme), and writes them to `sinks`.
fn pass_two(
    work_path: &Path,
    store: &Store,
    (model, split): (&ThemeModel, Option<&SubThemes>),
    parents: &BTreeMap<String, String>,
    mut sinks: Sinks,
    progress: &dyn Progress,
) -> Result<Sinks, PipelineError> {
    for (i, response) in Responses::open(work_path.to_path_buf())?.enumerate() {
        let response = response?;
        let range = store.sentence_range(i);
        let mut e = Encoded {
            answer: store.answer(i).to_vec(),
            sentences: range.map(|j| store.sentence(j).to_vec()).collect(),
            clauses: Vec::new(),
            capped: false,
            response,
        };
        apply_themes(&mut e, model, parents);
        if let Some(split) = split {
            split.apply(&mut e.response, &e.answer, &e.sentences);
        }
        sinks.write(&e.response)?;
        if i % 1024 == 0 {
            progress.advance(i as u64);
        }
    }
    Ok(sinks)
}

/// Finishes the answer files and the run (stats, the vector index, provenance and
/// `summary.json` with the time taken since `started`) and puts it in place.
fn finish_outputs(
    sinks: Sinks,
    run: RunWriter,
    provenance: &Provenance,
    started: Instant,
) -> Result<RunSummary, PipelineError> {
    let Sinks {
        answers,
        stats,
        mut summary,
    } = sinks;
    answers.finish()?;
    run.finish(&stats, Some(provenance), || {
        summary.seconds = started.elapsed().as_secs_f64();
        summary.answers_per_second = summary.rows.analyzed as f64 / summary.seconds.max(1e-9);
        Some(summary.clone())
    })?;
    Ok(summary)
}

/// Clusters the stored sentence vectors of pass one into themes.
fn discover_themes(
    work_path: &Path,
    store: &Store,
    options: &DiscoveryOptions,
    save_codebook: Option<&Path>,
    split: Option<&str>,
) -> Result<(ThemeModel, Option<SubThemes>), PipelineError> {
    let mut texts: Vec<(String, String)> = Vec::new(); // (sentence, lang), store order
    for r in Responses::open(work_path.to_path_buf())? {
        let r = r?;
        for s in r.sentences {
            texts.push((s.text, r.lang.clone()));
        }
    }
    let vectors = store.meta().sentences as usize;
    crate::error::same_count((texts.len(), "sentences"), (vectors, "sentence vectors")).map_err(
        |why| PipelineError::Corrupt {
            path: work_path.to_path_buf(),
            why,
        },
    )?;
    let items: Vec<DiscoveryItem> = texts
        .iter()
        .enumerate()
        .map(|(j, (t, l))| DiscoveryItem {
            text: t,
            lang: l,
            vector: store.sentence(j),
        })
        .collect();
    let d = discover(&items, options);
    let split = split
        .map(|name| split_theme(&items, &d, name, options))
        .transpose()
        .map_err(PipelineError::Usage)?;
    if let Some(p) = save_codebook {
        let mut cb = d.to_codebook();
        cb.themes
            .extend(split.iter().flat_map(SubThemes::codebook_themes));
        cb.save(p)?;
    }
    Ok((d.to_theme_model(), split))
}

//! verbatim: turns open-ended, multilingual customer feedback into searchable, analyzed decisions.
//!
//! ```no_run
//! use verbatim::encode::{BertEncoder, EncoderOptions};
//! use verbatim::ingest::IngestOptions;
//! use verbatim::pipeline::{analyze, AnalyzeOptions, NoProgress, ThemeSource};
//! use verbatim::retrieve::{HybridSearcher, Query};
//! use std::path::PathBuf;
//! use std::sync::Arc;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The encoder and sentiment head that scripts/install.sh puts under models/.
//! let encoder = Arc::new(BertEncoder::load("models/e5-small".as_ref(), EncoderOptions::default())?);
//! let opts = AnalyzeOptions {
//!     input: "corpora/demo/feedback.csv".into(),
//!     ingest: IngestOptions {
//!         text_col: "Comment".into(),
//!         score_col: Some("Score".into()),
//!         id_col: Some("ResponseId".into()),
//!         date_col: Some("Date".into()),
//!         segment_cols: vec!["Plan".into()],
//!         ..Default::default()
//!     },
//!     out: PathBuf::from("runs/example"),
//!     force: true,
//!     sentiment_head: "models/heads/sentiment.json".into(),
//!     themes: ThemeSource::Codebook("corpora/eval/themes.yaml".into()),
//!     shard: None,
//!     parquet: false,
//!     chunk: 256,
//! };
//! // Ingest, language, sentences, embeddings, sentiment, themes, index: one pass.
//! let summary = analyze(&opts, encoder.as_ref(), &NoProgress)?;
//! println!("{} answers, {} rejected", summary.analyzed, summary.rejected);
//!
//! // Keyword + semantic search over the run: an English query finds Hebrew and Persian answers.
//! let searcher = HybridSearcher::open(&opts.out, encoder)?;
//! let mut q = Query::new("late delivery");
//! q.nps = vec!["detractor".into()];
//! for hit in searcher.search(&q)?.hits {
//!     println!("{} [{}] {}", hit.id, hit.lang, hit.text);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The modules follow the data: [`ingest`] (survey exports to [`record::Record`]s, rejects
//! counted) -> [`text`] (language, normalization, sentences) -> [`encode`] (sentence
//! embeddings with rust-bert) -> [`classify`] (sentiment head, codebook or discovered themes)
//! -> [`analyze`] (NPS, drivers, ideas: mergeable statistics) -> [`index`] (tantivy) and
//! [`vector`] (IVF over the embeddings) -> [`retrieve`] (hybrid search) -> [`report`] and
//! [`serve`]. [`pipeline`] runs the stages over one export; [`run`] owns the run folder (file
//! names, [`RunDir`] readers, [`run::merge`] of shard runs) and [`output`] writes its answer and
//! reject files; [`evaluate`] scores the models on labeled files. ARCHITECTURE.md has the
//! stages, the run folder's files and where new code goes.
//!
//! The types most programs need are re-exported here.
#![warn(missing_docs)]

pub mod analyze;
pub mod classify;
pub mod encode;
pub mod error;
pub mod evaluate;
pub(crate) mod html;
pub mod index;
pub mod ingest;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod record;
pub mod report;
pub mod retrieve;
pub mod run;
pub mod serve;
pub mod text;
pub mod vector;

pub use classify::codebook::Codebook;
pub use encode::{BertEncoder, Encoder, EncoderOptions};
pub use error::{ErrorKind, IoError};
pub use ingest::IngestOptions;
pub use pipeline::{AnalyzeOptions, ThemeSource};
pub use progress::{NoProgress, Progress};
pub use record::{Record, Response};
pub use retrieve::{Hit, HybridSearcher, Query, Results};
pub use run::merge::{merge_runs, MergeOptions};
pub use run::{RunDir, RunSummary};

/// The errors of a job that runs several stages (`analyze`, `merge`): the failing stage's
/// error, an I/O error on a work file, a bad option, or a corrupt work file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the export.
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
    /// Embedding.
    #[error(transparent)]
    Encode(#[from] crate::encode::EncodeError),
    /// Sentiment or themes.
    #[error(transparent)]
    Classify(#[from] crate::classify::ClassifyError),
    /// The embedding store.
    #[error(transparent)]
    Store(#[from] crate::encode::store::StoreError),
    /// The search index.
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    /// Run files.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// Aggregates, or reading and checking runs (i/o, corrupt files, mismatched runs).
    #[error(transparent)]
    Analyze(#[from] crate::analyze::AnalyzeError),
    /// The vector index.
    #[error(transparent)]
    Vector(#[from] crate::vector::VectorError),
    /// The run folder as a whole (provenance, replacing the output folder).
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    /// Work files of the run folder.
    #[error(transparent)]
    Io(#[from] error::IoError),
    /// A bad option (the message says what to do).
    #[error("{0}")]
    Usage(String),
    /// A work file of the run does not hold what the job wrote.
    #[error("{}: {why}; re-run `verbatim analyze` to rewrite it", path.display())]
    Corrupt {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        why: String,
    },
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Ingest(e) => e.kind(),
            Error::Encode(e) => e.kind(),
            Error::Classify(e) => e.kind(),
            Error::Store(e) => e.kind(),
            Error::Index(e) => e.kind(),
            Error::Output(e) => e.kind(),
            Error::Analyze(e) => e.kind(),
            Error::Vector(e) => e.kind(),
            Error::Run(e) => e.kind(),
            Error::Io(_) => ErrorKind::Io,
            Error::Usage(_) => ErrorKind::User,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
        }
    }
}

/// Asks each error type of the crate in turn for the kind of `e`.
macro_rules! kind_by_type {
    ($e:expr, $($t:ty),+ $(,)?) => {
        $(if let Some(x) = $e.downcast_ref::<$t>() {
            return Some(x.kind());
        })+
    };
}

/// The kind of `e` when it is one of the crate's errors.
fn crate_kind(e: &(dyn std::error::Error + 'static)) -> Option<ErrorKind> {
    if e.is::<error::IoError>() {
        return Some(ErrorKind::Io);
    }
    kind_by_type!(
        e,
        Error,
        crate::run::RunError,
        crate::report::ReportError,
        crate::analyze::AnalyzeError,
        crate::retrieve::RetrieveError,
        crate::ingest::IngestError,
        crate::classify::ClassifyError,
        crate::encode::EncodeError,
        crate::encode::store::StoreError,
        crate::vector::VectorError,
        crate::index::IndexError,
        crate::output::OutputError,
        crate::serve::ServeError,
    );
    None
}

/// The kind of an error chain (`e` first, then its causes): that of its outermost error of
/// this crate; an I/O error of another library is [`ErrorKind::Io`]; anything else (an option
/// the command line refused) is [`ErrorKind::User`].
pub fn kind_of<'a>(
    chain: impl IntoIterator<Item = &'a (dyn std::error::Error + 'static)>,
) -> ErrorKind {
    let mut io = false;
    for e in chain {
        if let Some(kind) = crate_kind(e) {
            return kind;
        }
        io |= e.is::<std::io::Error>();
    }
    if io {
        ErrorKind::Io
    } else {
        ErrorKind::User
    }
}

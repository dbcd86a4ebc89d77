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
//! println!("{} answers, {} rejected", summary.rows.analyzed, summary.rows.rejected);
//!
//! // Keyword + semantic search over the run: an English query finds Hebrew and Persian answers.
//! let searcher = HybridSearcher::open(&opts.out, encoder)?;
//! let mut q = Query::new("late delivery");
//! q.filters.nps = vec![verbatim::record::NpsGroup::Detractor];
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
//! names, [`RunDir`] readers, the [`RunWriter`] that writes a run whole, [`run::merge`] of shard
//! runs); [`evaluate`] scores the models on labeled files. ARCHITECTURE.md has the stages, the
//! run folder's files and where new code goes.
//!
//! The types most programs need are re-exported here.
#![warn(missing_docs)]

pub mod analyze;
pub mod classify;
pub(crate) mod cpu;
pub mod encode;
pub mod error;
pub mod evaluate;
pub(crate) mod html;
pub mod index;
pub mod ingest;
pub mod layout;
pub mod pipeline;
pub mod progress;
pub mod record;
pub mod report;
pub mod retrieve;
pub mod run;
pub(crate) mod safe_csv;
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
pub use retrieve::{Filters, Hit, HybridSearcher, Query, Results};
pub use run::merge::{merge_runs, MergeOptions};
pub use run::{RunDir, RunSummary, RunWriter};

/// The errors of a job that runs several stages (`analyze`, `merge`): reading and checking
/// runs, another stage's error, a bad option, a corrupt work file, or an I/O error on one.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Aggregates, or reading and checking runs (i/o, corrupt files, mismatched runs).
    #[error(transparent)]
    Analyze(#[from] analyze::AnalyzeError),
    /// A bad option (the message says what to do).
    #[error("{0}")]
    Usage(String),
    /// The error of another stage: ingest, encode, classify, the embedding store, the search
    /// or vector index, the run files or the run folder.
    #[error(transparent)]
    Stage(StageError),
    /// A work file of the run does not hold what the job wrote.
    #[error("{}: {why}; re-run `verbatim analyze` to rewrite it", path.display())]
    Corrupt {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        why: String,
    },
    /// Work files of the run folder.
    #[error(transparent)]
    Io(#[from] error::IoError),
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Analyze(e) => e.kind(),
            Error::Stage(e) => e.kind,
            Error::Usage(_) => ErrorKind::User,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::Io(_) => ErrorKind::Io,
        }
    }
}

/// A stage's error inside [`Error::Stage`], with its kind; its message and causes are those of
/// the stage's error.
#[derive(Debug)]
pub struct StageError {
    kind: ErrorKind,
    inner: Box<dyn std::error::Error + Send + Sync>,
}

impl std::fmt::Display for StageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl std::error::Error for StageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

/// `From` each stage's error into [`Error::Stage`], keeping its kind.
macro_rules! stage_errors {
    ($($t:ty),+ $(,)?) => {
        $(impl From<$t> for Error {
            fn from(e: $t) -> Error {
                Error::Stage(StageError { kind: e.kind(), inner: Box::new(e) })
            }
        })+
    };
}

stage_errors! {
    ingest::IngestError, encode::EncodeError, classify::ClassifyError,
    encode::store::StoreError, index::IndexError, run::OutputError,
    vector::VectorError, run::RunError,
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
        crate::run::OutputError,
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

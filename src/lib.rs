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
pub use error::{Error, ErrorKind, IoError};
pub use ingest::IngestOptions;
pub use pipeline::{AnalyzeOptions, ThemeSource};
pub use progress::{NoProgress, Progress};
pub use record::{Record, Response};
pub use retrieve::{Hit, HybridSearcher, Query, Results};
pub use run::merge::{merge_runs, MergeOptions};
pub use run::{RunDir, RunSummary};

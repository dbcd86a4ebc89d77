//! Hybrid retrieval over a run: keyword search (tantivy, [`crate::index`]) and semantic search
//! (query embedding + [`crate::vector`]) fused by reciprocal rank (k = 60), with the same
//! filters applied to both sides.
//!
//! - Keyword mode: tantivy BM25 with its query syntax; total and facets are exact over all
//!   matches (from tantivy).
//! - Semantic mode: the query words (filter clauses stripped) are embedded as an E5 query and
//!   the answers that pass the filters and the relevance cut ([`relevance`]: the answers the
//!   run tagged with the themes the query is routed to, plus others with a cosine at or above
//!   [`relevance::ROUTED_THRESHOLD`]; for a query routed nowhere, a cosine at or above
//!   [`relevance::RELEVANCE_THRESHOLD`] among the [`relevance::CUT_DEPTH`] nearest) form the
//!   result set; with `all` the `SEMANTIC_DEPTH` nearest do. Facets count that set. Finds
//!   answers in any language.
//! - Hybrid: RRF of the keyword ranking and the semantic ranking. The result set is their
//!   union: total = keyword matches + semantic hits the keyword side did not return, facets =
//!   keyword facets + those semantic-only hits.
//!
//! Filters (request parameters and `theme:`/`lang:`/`sentiment:`/`nps:`/`score:`/`date:`/
//! `segment:` clauses in the text) go to tantivy as they are and, for semantic hits, are
//! checked per candidate against compact per-answer `columns` while the vector index scans
//! (an array lookup per candidate; a selective filter makes the scan widen until enough
//! allowed answers are found, so it is exact in the limit).

pub(crate) mod columns;
pub(crate) mod filter;
mod hybrid;
pub mod keyword;
pub mod relevance;
pub(crate) mod snippet;
mod types;

pub use hybrid::{HybridSearcher, RRF_K, SEMANTIC_DEPTH};
pub use snippet::{Emphasis, Snippet};
pub use types::{
    sort_facet, FacetCounts, FacetValue, Filters, Hit, Mode, Query, Results, Retriever,
};

use std::path::PathBuf;

/// Errors of retrieval.
#[derive(Debug, thiserror::Error)]
pub enum RetrieveError {
    /// The query or its parameters cannot be run.
    #[error("{0}")]
    BadQuery(String),
    /// No answer with this `seq`.
    #[error("no answer with seq {0} in this run")]
    NotFound(u64),
    /// A run file is missing or inconsistent.
    #[error("run folder {path}: {why}")]
    Run {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong and what to do.
        why: String,
    },
    /// A run file could not be read.
    #[error(transparent)]
    Io(#[from] crate::error::IoError),
    /// The vector index.
    #[error(transparent)]
    Vector(#[from] crate::vector::VectorError),
    /// Embedding the query.
    #[error(transparent)]
    Encode(#[from] crate::encode::EncodeError),
}

impl RetrieveError {
    /// What kind of failure this is: a run file missing or inconsistent is a corrupt run.
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            RetrieveError::BadQuery(_) | RetrieveError::NotFound(_) => ErrorKind::User,
            RetrieveError::Run { .. } => ErrorKind::Corrupt,
            RetrieveError::Io(_) => ErrorKind::Io,
            RetrieveError::Vector(e) => e.kind(),
            RetrieveError::Encode(e) => e.kind(),
        }
    }
}

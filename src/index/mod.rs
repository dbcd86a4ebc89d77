//! The keyword index of a run (`RUN_DIR/index`, tantivy): every answer with its analyzed text
//! and its facet values, for BM25 search, exact filters and exact facet counts
//! ([`crate::retrieve`] searches it).
//!
//! - `words`: word segmentation and folding for every script;
//! - `variants`: the extra forms indexed per word (Hebrew and Arabic prefixes, joined words,
//!   Snowball stems);
//! - `analyzer`: both as tantivy tokens, for answers and for queries;
//! - `schema`: the fields; [`IndexBuilder`] writes them; [`ReadOnlyDir`] opens them for
//!   reading without a lock file (read-only run folders).

pub(crate) mod analyzer;
mod builder;
mod error;
mod readonly;
pub(crate) mod schema;
pub(crate) mod variants;
pub(crate) mod words;

pub use builder::{IndexBuilder, IndexInfo};
pub use error::IndexError;
pub use readonly::ReadOnlyDir;

/// tantivy's own metadata file inside an index folder (its `META_FILEPATH`).
pub const META_FILE: &str = "meta.json";

//! verbatim: turns open-ended, multilingual customer feedback into searchable, analyzed decisions.
//!
//! The pipeline follows the data: [`ingest`] (survey exports to [`record::Record`]s) ->
//! [`text`] (language, normalization, sentences) -> [`encode`] (sentence embeddings) ->
//! [`classify`] (sentiment, themes) -> [`analyze`] (NPS, drivers, ideas) -> [`index`]
//! (tantivy search) -> [`report`].
#![warn(missing_docs)]

pub mod analyze;
pub mod classify;
pub mod encode;
pub mod evaluate;
pub mod index;
pub mod ingest;
pub mod output;
pub mod pipeline;
pub mod record;
pub mod report;
pub mod retrieve;
pub mod serve;
pub mod text;
pub mod vector;

//! The text stage: language detection, normalization and sentence segmentation.
//!
//! Laid out like a tokenizer pipeline: each concern has a small trait with interchangeable
//! implementations ([`normalize::Normalizer`], [`language::LanguageDetector`],
//! [`segment::SentenceSplitter`]), and a free function per concern ([`language::detect`],
//! [`normalize::for_model`], [`normalize::fold`], [`segment::sentences`]) that runs the default
//! composition the pipeline uses. `content::is_content_free` tells non-answers apart; [`pii::redact`] removes personal
//! data at ingest.

pub(crate) mod content;
pub mod language;
mod lexicon;
pub mod normalize;
pub mod pii;
pub(crate) mod script;
pub mod segment;
pub(crate) mod words;

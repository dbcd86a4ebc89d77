//! ingest stage (work in progress).

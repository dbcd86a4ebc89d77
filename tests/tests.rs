//! The integration tests, as one binary (one link of libtorch, one loaded encoder shared by
//! every module): each file beside this one is a module for one area, with shared support in
//! `common/` (paths, the real encoder loaded once, a stub encoder for tests of plumbing that
//! need vectors but not the model, helpers) and `e2e/fixture.rs` (real run folders built from
//! hand-written answers). One area: `cargo test --release --test tests analyze::`.

mod common;
#[path = "e2e/fixture.rs"]
mod fixture;

mod analyze;
mod encoder;
mod ingest;
mod insights;
mod models;
mod retrieve;
mod search;
mod serve;
mod text;
mod web;

//! Progress bars of the commands: the crate's one mechanism, [`verbatim::progress`].

pub use verbatim::progress::bar;

//! `verbatim serve`: a local web workspace over a run folder.
//!
//! A bounded std::net server answers HTTP requests ([`http`], `wire`); [`api::App`] routes them
//! to the JSON API (documented in `api`), the CSV export and the embedded page
//! (`page.html`, one self-contained file with no external URLs). Answers are untrusted text:
//! the API sends snippets as escaped HTML and writes `<`, `>`, `&` inside JSON as
//! `\u003c`-style escapes; the page inserts only those snippets as HTML and everything else
//! with `textContent`.

pub(crate) mod api;
pub(crate) mod export;
pub mod http;
pub mod params;
mod reply;
pub(crate) mod segments;
pub(crate) mod themes;
pub(crate) mod wire;

pub use api::App;
pub use http::Server;
pub use reply::Reply;

use std::sync::Arc;

/// Errors of the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {why}; pick another --port or --host")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The cause.
        why: String,
    },
}

impl ServeError {
    /// What kind of failure this is: an address in use or not allowed is the user's to change.
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            ServeError::Bind { .. } => crate::error::ErrorKind::User,
        }
    }
}

/// Serves `app` on `addr` (`host:port`; port 0 picks a free one), running at most `threads`
/// requests at once.
/// Returns once the socket is bound; the server runs until [`Server::stop`] or process exit.
pub fn start(app: App, addr: &str, threads: usize) -> Result<Server, ServeError> {
    let app = Arc::new(app);
    let handler: Arc<http::Handler> =
        Arc::new(move |method: &str, url: &str| app.handle(method, url));
    Server::start(addr, threads, handler)
}

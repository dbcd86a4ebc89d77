//! The HTTP side: a tiny_http listener drained by a fixed pool of worker threads.
//!
//! Each worker takes the next request, runs the handler and writes the reply; a panic inside a
//! handler becomes a 500 reply instead of a dead worker, so one bad request cannot shrink the
//! pool.

use super::ServeError;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::thread::JoinHandle;
use tiny_http::{Header, Response};

/// A finished HTTP reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// A JSON reply. `<`, `>` and `&` are written as `\u003c`-style escapes (valid JSON, same
    /// strings) so verbatim text can never be read as markup, whatever sniffs the body.
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        let s = value.to_string();
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                c => out.push(c),
            }
        }
        Reply {
            status,
            content_type: "application/json; charset=utf-8",
            headers: Vec::new(),
            body: out.into_bytes(),
        }
    }

    /// A JSON error `{"error": message}`.
    pub fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply::json(
            status,
            &serde_json::json!({ "error": message.into(), "status": status }),
        )
    }
}

/// Answers one request: `method` and the raw URL (path and query string).
pub type Handler = dyn Fn(&str, &str) -> Reply + Send + Sync;

/// A running server.
pub struct Server {
    http: Arc<tiny_http::Server>,
    workers: Vec<JoinHandle<()>>,
    addr: SocketAddr,
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn serve_one(req: tiny_http::Request, handler: &Handler) {
    let method = req.method().as_str().to_string();
    let url = req.url().to_string();
    let reply = std::panic::catch_unwind(AssertUnwindSafe(|| handler(&method, &url)))
        .unwrap_or_else(|_| Reply::error(500, "internal error while answering this request"));
    let mut resp = Response::from_data(reply.body).with_status_code(reply.status);
    let fixed = [
        ("Content-Type", reply.content_type.to_string()),
        ("X-Content-Type-Options", "nosniff".to_string()),
        ("Cache-Control", "no-store".to_string()),
        ("Referrer-Policy", "no-referrer".to_string()),
    ];
    for (k, v) in fixed
        .iter()
        .map(|(k, v)| (*k, v.clone()))
        .chain(reply.headers)
    {
        if let Some(h) = header(k, &v) {
            resp.add_header(h);
        }
    }
    // The client may have gone away; nothing useful to do about it.
    let _ = req.respond(resp);
}

/// Turns Nagle's algorithm off for every connection the listener accepts (Linux and the BSDs
/// copy `TCP_NODELAY` from the listening socket). tiny_http writes a reply in pieces (headers
/// through a 1 KiB buffer, then the body); with Nagle on, the last piece waits for the
/// client's delayed ACK, about 40 ms per request on keep-alive connections.
fn no_delay(listener: &std::net::TcpListener) {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: a valid socket descriptor owned by `listener`, and a pointer to a live c_int
    // with its size. A failure only leaves Nagle on (slower, still correct): ignored.
    unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

impl Server {
    /// Binds `addr` (e.g. `127.0.0.1:8080`; port 0 picks a free one) and starts `threads`
    /// workers that answer requests with `handler`.
    pub fn start(addr: &str, threads: usize, handler: Arc<Handler>) -> Result<Server, ServeError> {
        let bind_err = |why: String| ServeError::Bind {
            addr: addr.to_string(),
            why,
        };
        let listener = std::net::TcpListener::bind(addr).map_err(|e| bind_err(e.to_string()))?;
        no_delay(&listener);
        let http = tiny_http::Server::from_listener(listener, None)
            .map_err(|e| bind_err(e.to_string()))?;
        let bound = http.server_addr().to_ip().ok_or_else(|| ServeError::Bind {
            addr: addr.to_string(),
            why: "not an IP address".into(),
        })?;
        let http = Arc::new(http);
        let workers = (0..threads.max(1))
            .map(|i| {
                let http = Arc::clone(&http);
                let handler = Arc::clone(&handler);
                std::thread::Builder::new()
                    .name(format!("verbatim-http-{i}"))
                    .spawn(move || {
                        // recv() errors only when the server shuts down (or is unblocked).
                        while let Ok(req) = http.recv() {
                            serve_one(req, handler.as_ref());
                        }
                    })
                    .map_err(|e| ServeError::Bind {
                        addr: addr.to_string(),
                        why: format!("cannot start a worker thread: {e}"),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Server {
            http,
            workers,
            addr: bound,
        })
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocks until the workers stop (they run until [`Server::stop`] or the process ends).
    pub fn wait(self) {
        for w in self.workers {
            let _ = w.join();
        }
    }

    /// Stops accepting requests and joins the workers.
    pub fn stop(self) {
        for _ in &self.workers {
            self.http.unblock();
        }
        self.wait();
    }
}

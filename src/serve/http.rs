//! The HTTP side: a std::net listener; one thread per connection, bounded in number, time
//! and bytes, so no client can exhaust the server.
//!
//! - At most [`MAX_CONNECTIONS`] connections are open at once; beyond that a connection gets
//!   a 503 at once and is closed.
//! - A request head must arrive within [`HEAD_TIMEOUT`] and fit in
//!   `wire::MAX_HEAD` bytes (414/431 otherwise); a request body is
//!   refused (413); a `Host` that does not name this machine is refused (403); see
//!   `super::wire`.
//! - A reply must be taken by the client within [`WRITE_TIMEOUT`]: a client that never reads
//!   loses its connection, and only its own thread waited for it.
//! - At most `threads` handlers run at once (searches use the CPU); `/api/health` and the page
//!   skip that queue, so they answer even while every search slot is busy.
//!
//! A panic inside a handler becomes a 500 reply; the server keeps serving.

pub use super::reply::Reply;
use super::wire::{self, HeadError};
use super::ServeError;
use std::io::BufReader;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Most connections open at once.
pub const MAX_CONNECTIONS: usize = 256;
/// Time a client has to send a whole request head (also the keep-alive idle time).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a client has to take a whole reply.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Time one blocked socket read or write may take.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// Answers one request: `method` and the raw URL (path and query string).
pub type Handler = dyn Fn(&str, &str) -> Reply + Send + Sync;

/// A counting semaphore: the slots for running handlers.
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Slots {
    fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        drop(free);
        let out = f();
        *self.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.freed.notify_one();
        out
    }
}

/// What every connection thread shares.
struct Shared {
    handler: Arc<Handler>,
    slots: Slots,
    open: AtomicUsize,
    bind_host: String,
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: JoinHandle<()>,
}

/// Requests that skip the handler queue: cheap and needed to tell the server is alive.
fn is_light(target: &str) -> bool {
    let path = target.split('?').next().unwrap_or_default();
    matches!(path, "/api/health" | "/" | "/index.html")
}

impl Shared {
    fn answer(&self, head: &wire::Head) -> Reply {
        let host = head.host.as_deref().unwrap_or("localhost");
        if !wire::host_allowed(host, &self.bind_host) {
            return Reply::error(
                403,
                format!("Host {host:?} is not this workspace; open it as http://localhost:PORT/ or http://127.0.0.1:PORT/"),
            );
        }
        let call = || {
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                (self.handler)(&head.method, &head.target)
            }))
            .unwrap_or_else(|_| Reply::error(500, "internal error while answering this request"))
        };
        if is_light(&head.target) {
            call()
        } else {
            self.slots.run(call)
        }
    }

    /// Answers requests on one connection until it closes, fails or times out.
    fn connection(&self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
        let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
        let Ok(read_half) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(read_half);
        let mut out = &stream;
        loop {
            let head = match wire::read_head(&mut reader, Instant::now() + HEAD_TIMEOUT) {
                Ok(Some(raw)) => wire::parse_head(&raw),
                Ok(None) | Err(HeadError::Gone) => return,
                Err(HeadError::Refuse(r)) => Err(r),
            };
            let head = match head {
                Ok(h) => h,
                Err(reply) => return refuse(&stream, &reply),
            };
            let reply = self.answer(&head);
            let keep = head.keep_alive && reply.status != 403;
            let dl = Instant::now() + WRITE_TIMEOUT;
            let sent = wire::write_reply(&mut out, &reply, head.method == "HEAD", keep, dl);
            if sent.is_err() || !keep {
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

/// Sends a refusal and closes: the write side first, then whatever the client still sends
/// is read and dropped for a moment, so the client sees the reply rather than a reset.
fn refuse(stream: &TcpStream, reply: &Reply) {
    let mut out = stream;
    let dl = Instant::now() + IO_TIMEOUT;
    if wire::write_reply(&mut out, reply, false, false, dl).is_err() {
        return;
    }
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let until = Instant::now() + Duration::from_secs(1);
    let mut buf = [0u8; 8192];
    while Instant::now() < until {
        match std::io::Read::read(&mut &*stream, &mut buf) {
            Ok(n) if n > 0 => continue,
            _ => break,
        }
    }
}

/// Accepts connections until `stop` is set; each gets its own thread.
fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        if shared.open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            shared.open.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
            let busy = Reply::error(503, "too many open connections; try again shortly");
            let dl = Instant::now() + Duration::from_millis(200);
            let _ = wire::write_reply(&mut &stream, &busy, false, false, dl);
            continue;
        }
        let conn = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("verbatim-http".into())
            .spawn(move || {
                conn.connection(stream);
                conn.open.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            shared.open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// The host part of `host:port` (`[::1]:80` gives `::1`).
fn host_of(addr: &str) -> &str {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

impl Server {
    /// Binds `addr` (e.g. `127.0.0.1:8080`; port 0 picks a free one) and answers requests with
    /// `handler`, running at most `threads` handlers at once. Requests must name this machine
    /// or the host of `addr` in their `Host` header.
    pub fn start(addr: &str, threads: usize, handler: Arc<Handler>) -> Result<Server, ServeError> {
        let bind_err = |why: String| ServeError::Bind {
            addr: addr.to_string(),
            why,
        };
        let listener = TcpListener::bind(addr).map_err(|e| bind_err(e.to_string()))?;
        let bound = listener.local_addr().map_err(|e| bind_err(e.to_string()))?;
        let shared = Arc::new(Shared {
            handler,
            slots: Slots {
                free: Mutex::new(threads.max(1)),
                freed: Condvar::new(),
            },
            open: AtomicUsize::new(0),
            bind_host: host_of(addr).to_string(),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let accept = std::thread::Builder::new()
            .name("verbatim-accept".into())
            .spawn(move || accept_loop(listener, shared, flag))
            .map_err(|e| bind_err(format!("cannot start the accept thread: {e}")))?;
        Ok(Server {
            addr: bound,
            stop,
            accept,
        })
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocks until the server stops (it runs until [`Server::stop`] or the process ends).
    pub fn wait(self) {
        let _ = self.accept.join();
    }

    /// Stops accepting connections (open ones finish their current request) and returns once
    /// the listener is closed.
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop with a connection of our own.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        self.wait();
    }
}

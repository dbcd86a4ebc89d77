//! HTTP/1.1 on the wire, bounded before anything is allocated from what a client claims.
//!
//! A request head (request line and headers) is read into at most [`MAX_HEAD`] bytes within
//! a deadline; a longer one is refused with 414 (request line) or 431 (headers) and the
//! connection is closed. The API is read-only, so any request body (`Content-Length` above
//! 0, any `Transfer-Encoding`) is refused with 413 without reading it. The `Host` header must
//! name this machine ([`host_allowed`]) or the request is refused with 403, which stops a web
//! page on another site from reading the workspace through DNS rebinding.

use super::reply::Reply;
use std::io::{BufRead, Write};
use std::net::IpAddr;
use std::time::Instant;

/// Most bytes of a request head (request line and headers).
pub const MAX_HEAD: usize = 16 * 1024;

/// Why no request head was read.
#[derive(Debug)]
pub enum HeadError {
    /// The connection failed, timed out or closed mid-head: close it without a reply.
    Gone,
    /// The head is too large or malformed: send this reply, then close.
    Refuse(Reply),
}

/// A parsed request head.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// Path and query string as sent.
    pub target: String,
    /// The `Host` header (HTTP/1.0 clients may omit it).
    pub host: Option<String>,
    /// Whether the client wants the connection kept open after the reply.
    pub keep_alive: bool,
}

/// Reads one request head from `r`: `Ok(None)` when the client closed the connection
/// before sending anything. Blank lines before the request line are skipped.
pub fn read_head<R: BufRead>(r: &mut R, deadline: Instant) -> Result<Option<Vec<u8>>, HeadError> {
    let mut head = Vec::new();
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(HeadError::Gone),
        };
        if buf.is_empty() {
            return if head.is_empty() {
                Ok(None)
            } else {
                Err(HeadError::Gone)
            };
        }
        let mut used = 0;
        let mut done = false;
        for &b in buf {
            used += 1;
            if head.is_empty() && (b == b'\r' || b == b'\n') {
                continue;
            }
            head.push(b);
            if head.ends_with(b"\n\r\n") || head.ends_with(b"\n\n") {
                done = true;
                break;
            }
            if head.len() >= MAX_HEAD {
                break;
            }
        }
        r.consume(used);
        if done {
            return Ok(Some(head));
        }
        if head.len() >= MAX_HEAD {
            return Err(HeadError::Refuse(too_large(&head)));
        }
        if Instant::now() > deadline {
            return Err(HeadError::Gone);
        }
    }
}

fn too_large(head: &[u8]) -> Reply {
    if head.contains(&b'\n') {
        Reply::error(
            431,
            format!("the request headers are larger than {MAX_HEAD} bytes; send fewer or shorter headers"),
        )
    } else {
        Reply::error(
            414,
            format!("the request line is longer than {MAX_HEAD} bytes; shorten the query"),
        )
    }
}

/// Parses a head read by [`read_head`]; the error is the reply to send before closing.
pub fn parse_head(raw: &[u8]) -> Result<Head, Reply> {
    let text = String::from_utf8_lossy(raw);
    let mut lines = text.lines();
    let bad = |m: &str| Reply::error(400, m.to_string());
    let line = lines.next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(
            "malformed request line; expected METHOD /path HTTP/1.1",
        ));
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => {
            return Err(Reply::error(
                505,
                format!("{version:?} is not supported; use HTTP/1.1"),
            ))
        }
    };
    if method.is_empty() || !target.starts_with('/') {
        return Err(bad(
            "malformed request line; expected METHOD /path HTTP/1.1",
        ));
    }
    let mut head = Head {
        method: method.to_string(),
        target: target.to_string(),
        host: None,
        keep_alive: !http10,
    };
    for l in lines.filter(|l| !l.is_empty()) {
        let (name, value) = l
            .split_once(':')
            .ok_or_else(|| bad("malformed header line"))?;
        header(&mut head, &name.trim().to_ascii_lowercase(), value.trim())?;
    }
    if head.host.is_none() && !http10 {
        return Err(bad("an HTTP/1.1 request needs a Host header"));
    }
    Ok(head)
}

/// Applies one header to `head`.
fn header(head: &mut Head, name: &str, value: &str) -> Result<(), Reply> {
    let body = || {
        Reply::error(
            413,
            "this API is read-only and takes no request body; send a GET with parameters in the URL",
        )
    };
    match name {
        "host" if head.host.is_some() => {
            return Err(Reply::error(400, "more than one Host header"))
        }
        "host" => head.host = Some(value.to_string()),
        "content-length" if value != "0" => return Err(body()),
        "transfer-encoding" => return Err(body()),
        "connection" => {
            let v = value.to_ascii_lowercase();
            if v.contains("close") {
                head.keep_alive = false;
            } else if v.contains("keep-alive") {
                head.keep_alive = true;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Splits a Host header value into the host name (IPv6 literals keep their brackets) and
/// checks the port, if any, is a number.
fn host_name(host: &str) -> Option<String> {
    let host = host.trim().to_ascii_lowercase();
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        (&host[..=end], &host[end + 1..])
    } else {
        match host.split_once(':') {
            Some((n, _)) => (n, &host[n.len()..]),
            None => (host.as_str(), ""),
        }
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (port_ok && !name.is_empty()).then(|| name.to_string())
}

/// An IP literal as a Host name (`1.2.3.4` or `[::1]`).
fn ip_literal(name: &str) -> Option<IpAddr> {
    let bare = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    bare.parse().ok()
}

/// Whether a request's `Host` header names this workspace: `localhost`, `127.0.0.1`,
/// `[::1]` or the address it listens on (`bind_host`, as given to `--host`), with or without
/// a port. When it listens on every address (`0.0.0.0`, `::`) any IP literal is accepted as
/// well (a name that is an IP address cannot be rebound to another one); other names are not.
pub fn host_allowed(host: &str, bind_host: &str) -> bool {
    let Some(name) = host_name(host) else {
        return false;
    };
    if matches!(name.as_str(), "localhost" | "127.0.0.1" | "[::1]") {
        return true;
    }
    let bind = bind_host.trim().to_ascii_lowercase();
    let bind_ip = ip_literal(&bind);
    if bind_ip.is_some_and(|ip| ip.is_unspecified()) {
        return ip_literal(&name).is_some();
    }
    match (bind_ip, ip_literal(&name)) {
        (Some(a), Some(b)) => a == b,
        _ => name == bind,
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ if status >= 500 => "Internal Server Error",
        _ => "Error",
    }
}

/// The status line and headers of `reply` (with `Content-Length`, the fixed security headers
/// and `Connection`).
pub fn reply_head(reply: &Reply, keep_alive: bool) -> Vec<u8> {
    let mut h = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
         X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\
         Referrer-Policy: no-referrer\r\nConnection: {}\r\n",
        reply.status,
        reason(reply.status),
        reply.content_type,
        reply.body.len(),
        if keep_alive { "keep-alive" } else { "close" }
    );
    for (k, v) in &reply.headers {
        // A header value never carries a line break (it would split the response).
        if !v.contains(['\r', '\n']) {
            h.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    h.push_str("\r\n");
    h.into_bytes()
}

/// Writes `reply` (its body unless `head_only`), giving up at `deadline`: a client that reads
/// too slowly loses the connection instead of holding a thread.
pub fn write_reply<W: Write>(
    w: &mut W,
    reply: &Reply,
    head_only: bool,
    keep_alive: bool,
    deadline: Instant,
) -> std::io::Result<()> {
    w.write_all(&reply_head(reply, keep_alive))?;
    if !head_only {
        for chunk in reply.body.chunks(64 * 1024) {
            if Instant::now() > deadline {
                return Err(std::io::ErrorKind::TimedOut.into());
            }
            w.write_all(chunk)?;
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn read(raw: &[u8]) -> Result<Option<Vec<u8>>, HeadError> {
        read_head(&mut &raw[..], Instant::now() + Duration::from_secs(5))
    }

    fn status(e: Result<Option<Vec<u8>>, HeadError>) -> u16 {
        match e {
            Err(HeadError::Refuse(r)) => r.status,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn reads_a_head_and_stops_at_the_blank_line() {
        let raw = b"\r\nGET /a HTTP/1.1\r\nHost: localhost\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
        let mut r = &raw[..];
        let dl = Instant::now() + Duration::from_secs(5);
        let h = read_head(&mut r, dl).unwrap().unwrap();
        assert_eq!(h, b"GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assert!(r.starts_with(b"GET /b"), "a pipelined request stays unread");
        assert!(read(b"").unwrap().is_none());
        assert!(matches!(read(b"GET / HT"), Err(HeadError::Gone)));
    }

    #[test]
    fn refuses_oversized_heads_before_reading_them_whole() {
        let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(status(read(long_line.as_bytes())), 414);
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X-A: b\r\n".repeat(MAX_HEAD / 8)
        );
        assert_eq!(status(read(many.as_bytes())), 431);
    }

    #[test]
    fn refuses_any_body_and_bad_request_lines() {
        let p = |s: &str| parse_head(s.as_bytes()).map_err(|r| r.status);
        assert_eq!(
            p("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n"),
            Err(413)
        );
        assert_eq!(
            p("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Err(413)
        );
        assert_eq!(p("GET / HTTP/1.1\r\n\r\n"), Err(400), "Host is required");
        assert_eq!(p("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), Err(505));
        assert_eq!(p("GARBAGE\r\n\r\n"), Err(400));
        let h =
            p("HEAD /x?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .unwrap();
        assert_eq!((h.method.as_str(), h.target.as_str()), ("HEAD", "/x?q=1"));
        assert!(!h.keep_alive);
        assert!(!p("GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive);
    }

    #[test]
    fn accepts_only_local_hosts_and_the_bound_one() {
        for h in [
            "localhost",
            "LOCALHOST:8080",
            "127.0.0.1",
            "127.0.0.1:80",
            "[::1]",
            "[::1]:9",
        ] {
            assert!(host_allowed(h, "127.0.0.1"), "{h}");
        }
        for h in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "",
            "localhost:x",
            "10.0.0.5",
        ] {
            assert!(!host_allowed(h, "127.0.0.1"), "{h}");
        }
        assert!(host_allowed("10.0.0.5:8080", "10.0.0.5"));
        assert!(host_allowed("box.lan:8080", "box.lan"));
        assert!(host_allowed("[fe80::1]:8080", "fe80::1"));
        // Listening everywhere: IP literals (not rebindable) yes, other names no.
        assert!(host_allowed("192.168.1.20:8080", "0.0.0.0"));
        assert!(!host_allowed("attacker.example:8080", "0.0.0.0"));
    }

    #[test]
    fn reply_heads_carry_length_and_no_injected_lines() {
        let mut r = Reply::error(404, "x");
        r.headers.push(("X-Bad", "a\r\nSet-Cookie: b".into()));
        let h = String::from_utf8(reply_head(&r, false)).unwrap();
        assert!(h.starts_with("HTTP/1.1 404 Not Found\r\n"), "{h}");
        assert!(h.contains(&format!("Content-Length: {}\r\n", r.body.len())));
        assert!(h.contains("Connection: close\r\n") && !h.contains("Set-Cookie"));
    }
}

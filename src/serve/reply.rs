//! A finished HTTP reply: status, content type, headers and body. The handler builds one,
//! the wire layer refuses with one and the HTTP side writes it.

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

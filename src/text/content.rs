//! Content-free answers ("non-answers"): text with no word or number in it once links are set
//! aside, such as `...`, emoji only, a bare URL, or only bidi marks and NULs. They stay rows
//! of the run but get no theme.

/// Whether `text` carries no word or number: every character outside URLs and e-mail
/// addresses is punctuation, a symbol (emoji), a mark, a control or format character, or
/// whitespace.
pub fn is_content_free(text: &str) -> bool {
    !text
        .split(|c: char| c.is_whitespace())
        .filter(|token| !is_link(token))
        .any(|token| token.chars().any(char::is_alphanumeric))
}

/// Whether a whitespace-free token is a URL or an e-mail address (surrounding punctuation
/// allowed).
fn is_link(token: &str) -> bool {
    let t = token.trim_matches(|c: char| !c.is_alphanumeric());
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
        return true;
    }
    match t.split_once('@') {
        Some((user, host)) => !user.is_empty() && host.contains('.') && !host.ends_with('.'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_answers() {
        for t in [
            "...",
            "😀😀👍",
            "https://example.com/a?b=1",
            " <www.example.org> ",
            "\u{200F}\u{200E}\u{2067}",
            "\0\0\0",
            "-- !!",
            "me@example.com",
            "",
        ] {
            assert!(is_content_free(t), "{t:?}");
        }
        for t in [
            "ok",
            "10/10",
            "great 😀",
            "see https://x.io it is broken",
            "שלום",
            "好",
            "www",
        ] {
            assert!(!is_content_free(t), "{t:?}");
        }
    }
}

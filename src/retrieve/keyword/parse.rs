//! The keyword query language, parsed into a [`Node`] tree.
//!
//! ```text
//! late delivery            both words (AND is the default: counts mean "answers with all")
//! delivery OR shipping     either word; AND binds tighter than OR: a b OR c = (a b) OR c
//! "late delivery"          the words next to each other, in this order
//! -price  NOT price  !price   without the word; +word is accepted (required, the default)
//! (refund OR return) slow  grouping
//! theme:delivery sentiment:negative lang:he nps:detractor segment:Plan=Pro segment.Plan:Pro
//! score:[0 TO 6] score:>=9 date:[2024-01-01 TO 2024-03-31] date:2024-02
//! ```
//!
//! Filter values are read by [`crate::retrieve::filter`], the same code that filters semantic
//! hits, so both sides agree on what a filter means. Errors point at the offending character.
//!
//! Limits: a query has at most [`MAX_QUERY_CHARS`] characters and nests parentheses and
//! negations at most [`MAX_NESTING`] deep; beyond either it is an error pointing at the
//! character where the limit is crossed (the parser recurses, so unbounded nesting would
//! overflow the stack).

use super::super::filter::{clause, Cond, FIELDS};
use super::super::RetrieveError;

/// Most characters in a query.
pub const MAX_QUERY_CHARS: usize = 2_000;
/// Deepest nesting of `(`, `NOT`, `-`, `!` and `+` in a query.
pub const MAX_NESTING: usize = 32;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Every answer (an empty query).
    All,
    /// A word as typed (it may analyze to several tokens, e.g. `e-mail`).
    Word(String),
    /// A quoted phrase.
    Phrase(String),
    /// A field filter.
    Filter(Cond),
    /// Must not match.
    Not(Box<Node>),
    /// Must match all.
    And(Vec<Node>),
    /// Must match one.
    Or(Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Plus,
    Term(String),
    Phrase(String),
}

/// A token and its byte offset in the query.
#[derive(Debug, Clone)]
struct Lexed {
    tok: Tok,
    at: usize,
}

/// A `BadQuery` error showing the query with a caret under byte offset `at`.
pub fn bad_at(query: &str, at: usize, msg: &str) -> RetrieveError {
    let at = at.min(query.len());
    let col = query.char_indices().take_while(|&(i, _)| i < at).count();
    let shown: String = query
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    RetrieveError::BadQuery(format!(
        "{msg} (at character {}):\n  {shown}\n  {}^",
        col + 1,
        " ".repeat(col)
    ))
}

/// Byte offset of the first `close` at or after `from`.
fn find(s: &str, from: usize, close: &[char]) -> Option<usize> {
    s[from..].find(close).map(|i| from + i)
}

fn lex(q: &str) -> Result<Vec<Lexed>, RetrieveError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < q.len() {
        let Some(c) = q[i..].chars().next() else {
            break;
        };
        let next = q[i + c.len_utf8()..].chars().next();
        let starts_term = next.is_some_and(|n| !n.is_whitespace() && n != ')');
        match c {
            c if c.is_whitespace() => {
                i += c.len_utf8();
                continue;
            }
            '(' => out.push(Lexed {
                tok: Tok::LParen,
                at: i,
            }),
            ')' => out.push(Lexed {
                tok: Tok::RParen,
                at: i,
            }),
            '"' => {
                let end = find(q, i + 1, &['"'])
                    .ok_or_else(|| bad_at(q, i, "this quote is never closed"))?;
                out.push(Lexed {
                    tok: Tok::Phrase(q[i + 1..end].to_string()),
                    at: i,
                });
                i = end + 1;
                continue;
            }
            '-' | '!' if starts_term => out.push(Lexed {
                tok: Tok::Not,
                at: i,
            }),
            '+' if starts_term => out.push(Lexed {
                tok: Tok::Plus,
                at: i,
            }),
            _ => {
                let end = term_end(q, i)?;
                let text = &q[i..end];
                let tok = match text {
                    "AND" | "&&" => Tok::And,
                    "OR" | "||" => Tok::Or,
                    "NOT" => Tok::Not,
                    _ => Tok::Term(text.to_string()),
                };
                out.push(Lexed { tok, at: i });
                i = end;
                continue;
            }
        }
        i += c.len_utf8();
    }
    Ok(out)
}

/// End of the term starting at `start`: the next space or parenthesis, except inside a
/// `field:[a TO b]` range or a `field:"quoted value"`.
fn term_end(q: &str, start: usize) -> Result<usize, RetrieveError> {
    let mut i = start;
    while i < q.len() {
        let Some(c) = q[i..].chars().next() else {
            break;
        };
        if c.is_whitespace() || c == '(' || c == ')' {
            break;
        }
        if c == ':' {
            let v = i + 1;
            match q[v..].chars().next() {
                Some('[') | Some('{') => {
                    let end = find(q, v, &[']', '}'])
                        .ok_or_else(|| bad_at(q, v, "this range is never closed with ]"))?;
                    i = end + 1;
                    continue;
                }
                Some('"') => {
                    let end = find(q, v + 1, &['"'])
                        .ok_or_else(|| bad_at(q, v, "this quote is never closed"))?;
                    i = end + 1;
                    continue;
                }
                _ => {}
            }
        }
        i += c.len_utf8();
    }
    Ok(i)
}

/// What a malformed filter value should look like.
fn filter_help(field: &str) -> &'static str {
    match field {
        "sentiment" => "sentiment takes negative, neutral or positive",
        "nps" => "nps takes detractor, passive or promoter",
        "score" => {
            "score takes a number 0-10 or a non-empty range within 0-10, low end first, \
             such as [0 TO 6], >=9 or <7"
        }
        "date" => {
            "date takes YYYY-MM-DD, YYYY-MM, YYYY or a range, earliest first, such as \
             [2024-01-01 TO 2024-03-31]"
        }
        _ => "segment takes Column=Value (or segment.Column:Value)",
    }
}

/// Reads a `field:value` term as a filter; `Ok(None)` when the field is not a filter field
/// (then the term is text, as on the semantic side).
fn filter(
    q: &str,
    term: &str,
    at: usize,
    segments: &[String],
) -> Result<Option<Cond>, RetrieveError> {
    let Some((f, v)) = term.split_once(':') else {
        return Ok(None);
    };
    let lower = f.to_ascii_lowercase();
    let is_col = lower.starts_with("segment.");
    if !FIELDS.contains(&lower.as_str()) && !is_col {
        return Ok(None);
    }
    let value_at = at + f.len() + 1;
    if v.is_empty() || v == "\"\"" {
        return Err(bad_at(q, value_at, &format!("{lower}: needs a value")));
    }
    let field = if is_col { f } else { lower.as_str() };
    let cond = clause(field, v).ok_or_else(|| bad_at(q, value_at, filter_help(&lower)))?;
    if let Cond::Segment(col, _) = &cond {
        if !segments.is_empty() && !segments.contains(col) {
            return Err(bad_at(
                q,
                value_at,
                &format!(
                    "the run has no segment column {col:?}; its columns are {}",
                    segments.join(", ")
                ),
            ));
        }
    }
    Ok(Some(cond))
}

struct Parser<'a> {
    q: &'a str,
    toks: Vec<Lexed>,
    pos: usize,
    segments: &'a [String],
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|l| &l.tok)
    }

    /// Byte offset of the current token (the end of the query when there is none).
    fn here(&self) -> usize {
        self.toks.get(self.pos).map_or(self.q.len(), |l| l.at)
    }

    /// Whether the current token can start an operand.
    fn at_operand(&self) -> bool {
        matches!(
            self.peek(),
            Some(Tok::LParen | Tok::Not | Tok::Plus | Tok::Term(_) | Tok::Phrase(_))
        )
    }

    fn expect_operand(&self, after: &str) -> Result<(), RetrieveError> {
        if self.at_operand() {
            Ok(())
        } else {
            Err(bad_at(
                self.q,
                self.here(),
                &format!("{after} needs a word, phrase or filter after it"),
            ))
        }
    }

    /// Goes one level deeper for the token at `at`; an error past [`MAX_NESTING`].
    fn enter(&mut self, at: usize) -> Result<(), RetrieveError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(bad_at(
                self.q,
                at,
                &format!(
                    "the query nests parentheses and NOT more than {MAX_NESTING} deep; simplify it"
                ),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Node, RetrieveError> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            self.expect_operand("OR")?;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Or(items)
        })
    }

    fn and(&mut self) -> Result<Node, RetrieveError> {
        if !self.at_operand() {
            let what = match self.peek() {
                Some(Tok::Or) => "OR needs a word, phrase or filter before it",
                Some(Tok::And) => "AND needs a word, phrase or filter before it",
                Some(Tok::RParen) => "this ) closes nothing or an empty group",
                _ => "expected a word, phrase or filter",
            };
            return Err(bad_at(self.q, self.here(), what));
        }
        let mut items = Vec::new();
        loop {
            match self.peek() {
                None | Some(Tok::RParen) | Some(Tok::Or) => break,
                Some(Tok::And) => {
                    self.pos += 1;
                    self.expect_operand("AND")?;
                }
                _ => items.push(self.unary()?),
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::And(items)
        })
    }

    fn unary(&mut self) -> Result<Node, RetrieveError> {
        let negate = match self.peek() {
            Some(Tok::Not) => true,
            Some(Tok::Plus) => false,
            _ => return self.primary(),
        };
        self.enter(self.here())?;
        self.pos += 1;
        self.expect_operand(if negate { "NOT" } else { "+" })?;
        let inner = self.unary()?;
        self.depth -= 1;
        Ok(if negate {
            Node::Not(Box::new(inner))
        } else {
            inner
        })
    }

    fn primary(&mut self) -> Result<Node, RetrieveError> {
        let Some(l) = self.toks.get(self.pos).cloned() else {
            return Err(bad_at(self.q, self.q.len(), "the query ends too early"));
        };
        self.pos += 1;
        match l.tok {
            Tok::LParen => {
                if self.peek() == Some(&Tok::RParen) {
                    return Err(bad_at(self.q, l.at, "these parentheses are empty"));
                }
                self.enter(l.at)?;
                let inner = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(bad_at(self.q, l.at, "this ( is never closed"));
                }
                self.depth -= 1;
                self.pos += 1;
                Ok(inner)
            }
            Tok::Phrase(p) => Ok(Node::Phrase(p)),
            Tok::Term(t) => Ok(match filter(self.q, &t, l.at, self.segments)? {
                Some(c) => Node::Filter(c),
                None => Node::Word(t),
            }),
            _ => Err(bad_at(self.q, l.at, "expected a word, phrase or filter")),
        }
    }
}

/// An error when `q` is longer than [`MAX_QUERY_CHARS`], pointing at the first character
/// past the limit (the query itself is not echoed: it is long).
pub fn check_length(q: &str) -> Result<(), RetrieveError> {
    let n = q.chars().count();
    if n <= MAX_QUERY_CHARS {
        return Ok(());
    }
    Err(RetrieveError::BadQuery(format!(
        "the query has {n} characters, more than the {MAX_QUERY_CHARS} allowed \
         (at character {}); shorten it",
        MAX_QUERY_CHARS + 1
    )))
}

/// Parses query text. `segments` are the run's segment columns (empty: not checked).
pub fn parse(q: &str, segments: &[String]) -> Result<Node, RetrieveError> {
    check_length(q)?;
    let toks = lex(q)?;
    if toks.is_empty() {
        return Ok(Node::All);
    }
    let mut p = Parser {
        q,
        toks,
        pos: 0,
        segments,
        depth: 0,
    };
    let node = p.or()?;
    if p.pos < p.toks.len() {
        return Err(bad_at(q, p.here(), "this ) has no matching ("));
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::SentimentLabel;

    fn w(s: &str) -> Node {
        Node::Word(s.into())
    }

    #[test]
    fn parses_operators_with_and_binding_tighter_than_or() {
        assert_eq!(
            parse("late delivery OR -price", &[]).unwrap(),
            Node::Or(vec![
                Node::And(vec![w("late"), w("delivery")]),
                Node::Not(Box::new(w("price")))
            ])
        );
        assert_eq!(
            parse("(a OR b) AND NOT \"c d\" +e", &[]).unwrap(),
            Node::And(vec![
                Node::Or(vec![w("a"), w("b")]),
                Node::Not(Box::new(Node::Phrase("c d".into()))),
                w("e")
            ])
        );
        assert_eq!(parse("  ", &[]).unwrap(), Node::All);
    }

    #[test]
    fn parses_filters_like_the_semantic_side() {
        assert_eq!(
            parse(
                "sentiment:negative score:[0 TO 6] date:[2024-01-01 TO 2024-03-31]",
                &[]
            )
            .unwrap(),
            Node::And(vec![
                Node::Filter(Cond::Sentiment(vec![SentimentLabel::Negative])),
                Node::Filter(Cond::Score(0, 6)),
                Node::Filter(Cond::Date(20240101, 20240331)),
            ])
        );
        assert_eq!(
            parse("segment:Plan=Pro", &["Plan".into()]).unwrap(),
            Node::Filter(Cond::Segment("Plan".into(), vec!["Pro".into()]))
        );
        // Not a filter field: text.
        assert_eq!(parse("re:order", &[]).unwrap(), w("re:order"));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("late \"delivery", &[]).unwrap_err().to_string();
        assert!(
            e.contains("never closed") && e.ends_with("\n       ^"),
            "{e}"
        );
        let e = parse("refund sentiment:angry", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("negative, neutral or positive"), "{e}");
        assert!(e.contains("at character 18"), "{e}");
        for q in ["a OR", "(a b", "a )", "AND a", "score:[1 TO", "NOT", "()"] {
            assert!(
                matches!(parse(q, &[]), Err(RetrieveError::BadQuery(_))),
                "{q}"
            );
        }
        let e = parse(&"(".repeat(2_000), &[]).unwrap_err().to_string();
        assert!(
            e.contains("more than 32 deep") && e.contains("at character 33"),
            "{e}"
        );
        for deep in ["-", "NOT ", "!", "+", "-("] {
            let q = format!("{}a", deep.repeat(2_000));
            assert!(
                matches!(
                    parse(&q[..q.len().min(1_999)], &[]),
                    Err(RetrieveError::BadQuery(_))
                ),
                "{deep}"
            );
        }
        let q = format!("{}a{}", "(".repeat(32), ")".repeat(32));
        assert_eq!(parse(&q, &[]).unwrap(), w("a"), "32 levels are fine");
        let e = parse(&"a ".repeat(1_001), &[]).unwrap_err().to_string();
        assert!(
            e.contains("2002 characters") && e.contains("at character 2001"),
            "{e}"
        );
        let e = parse("segment:Plann=Pro", &["Plan".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("its columns are Plan"), "{e}");
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// Query pieces that exercise every token kind, nesting and filters.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("(".to_string()),
            Just(")".to_string()),
            Just("-".to_string()),
            Just("!".to_string()),
            Just("+".to_string()),
            Just("NOT ".to_string()),
            Just(" AND ".to_string()),
            Just(" OR ".to_string()),
            Just("\"".to_string()),
            Just(" ".to_string()),
            Just("score:[".to_string()),
            Just(" TO ".to_string()),
            Just("]".to_string()),
            Just("theme:".to_string()),
            Just("date:2024-0".to_string()),
            Just("segment:Plan=".to_string()),
            "[a-zא-ת0-9]{1,6}",
            any::<char>().prop_map(String::from),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any query either parses or fails with a positioned message; none panics or
        /// overflows the stack, however deep.
        #[test]
        fn never_panics_and_errors_carry_a_position(
            parts in prop::collection::vec(piece(), 0..400),
            repeat in 1usize..30,
        ) {
            let q = parts.concat().repeat(repeat);
            match parse(&q, &["Plan".to_string()]) {
                Ok(_) => {}
                Err(RetrieveError::BadQuery(m)) => {
                    prop_assert!(m.contains("(at character "), "{}", m)
                }
                Err(other) => prop_assert!(false, "not a query error: {}", other),
            }
        }
    }
}

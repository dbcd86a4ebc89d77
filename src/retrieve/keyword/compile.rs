//! Turns a parsed query ([`Node`]) and the request's filters into a tantivy query, and
//! collects the index terms its positive words match (for highlighting).

use super::super::filter::Cond;
use super::parse::Node;
use crate::index::analyzer::{query_stems, query_words};
use crate::index::schema::{segment_term, Fields};
use std::collections::HashSet;
use std::ops::Bound;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::Language;
use tantivy::Term;

/// Builds tantivy queries for one index.
pub struct Compiler<'a> {
    /// The index fields.
    pub fields: &'a Fields,
    /// Stemmed languages of the index (query words also match their stems in these).
    pub stem_langs: &'a [Language],
    /// Index terms of the positive words and phrases, for snippets.
    pub terms: HashSet<String>,
}

fn text_term(field: Field, s: &str) -> Term {
    Term::from_field_text(field, s)
}

fn term_query(field: Field, s: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        text_term(field, s),
        IndexRecordOption::WithFreqs,
    ))
}

/// Answers that match any of `values` exactly, scoring 0 (filters do not rank).
fn any_of(field: Field, values: impl IntoIterator<Item = String>) -> Box<dyn Query> {
    let terms: Vec<Term> = values.into_iter().map(|v| text_term(field, &v)).collect();
    Box::new(ConstScoreQuery::new(
        Box::new(TermSetQuery::new(terms)),
        0.0,
    ))
}

fn u64_range(field: Field, lo: u64, hi: u64) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(
        Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_u64(field, lo)),
            Bound::Included(Term::from_field_u64(field, hi)),
        )),
        0.0,
    ))
}

/// `x AND NOT y` for a lone negation, which tantivy cannot match on its own.
fn all_but(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
        (Occur::MustNot, q),
    ]))
}

impl Compiler<'_> {
    /// The query of a filter condition.
    pub fn filter(&self, c: &Cond) -> Box<dyn Query> {
        let f = self.fields;
        match c {
            Cond::Theme(v) => any_of(f.theme, v.iter().cloned()),
            Cond::Lang(v) => any_of(f.lang, v.iter().cloned()),
            Cond::Sentiment(v) => any_of(f.sentiment, v.iter().map(|s| s.as_str().to_string())),
            Cond::Nps(v) => any_of(f.nps, v.iter().map(|g| g.as_str().to_string())),
            Cond::Segment(col, v) => any_of(f.segment, v.iter().map(|x| segment_term(col, x))),
            Cond::Score(lo, hi) => u64_range(f.score, u64::from(*lo), u64::from(*hi)),
            Cond::Date(lo, hi) => u64_range(f.date, u64::from(*lo), u64::from(*hi)),
        }
    }

    /// A word: the word itself or its stems (several tokens, like `e-mail`: a phrase).
    fn word(&mut self, text: &str, positive: bool) -> Option<Box<dyn Query>> {
        let words = query_words(text);
        let field = self.fields.text;
        match words.as_slice() {
            [] => None,
            [w] => {
                let mut alts = vec![w.surface.clone()];
                alts.extend(query_stems(&w.surface, self.stem_langs));
                let mut should: Vec<(Occur, Box<dyn Query>)> = alts
                    .iter()
                    .map(|a| (Occur::Should, term_query(field, a)))
                    .collect();
                if w.zwnj_parts.len() > 1 {
                    // The same word written with a space instead of the half-space.
                    should.push((Occur::Should, self.phrase_of(&w.zwnj_parts)));
                    if positive {
                        self.terms.extend(w.zwnj_parts.iter().cloned());
                    }
                }
                if positive {
                    self.terms.extend(alts);
                }
                Some(if should.len() == 1 {
                    should.remove(0).1
                } else {
                    Box::new(BooleanQuery::new(should))
                })
            }
            _ => {
                let surfaces: Vec<String> = words.into_iter().map(|w| w.surface).collect();
                if positive {
                    self.terms.extend(surfaces.iter().cloned());
                }
                Some(self.phrase_of(&surfaces))
            }
        }
    }

    fn phrase_of(&self, surfaces: &[String]) -> Box<dyn Query> {
        if surfaces.len() == 1 {
            return term_query(self.fields.text, &surfaces[0]);
        }
        let terms = surfaces
            .iter()
            .map(|s| text_term(self.fields.text, s))
            .collect();
        Box::new(PhraseQuery::new(terms))
    }

    /// A quoted phrase: the words as typed, in order (no stems).
    fn phrase(&mut self, text: &str, positive: bool) -> Option<Box<dyn Query>> {
        let surfaces: Vec<String> = query_words(text).into_iter().map(|w| w.surface).collect();
        if surfaces.is_empty() {
            return None;
        }
        if positive {
            self.terms.extend(surfaces.iter().cloned());
        }
        Some(self.phrase_of(&surfaces))
    }

    /// The query of a node; `None` when it has nothing to match on (punctuation only).
    pub fn node(&mut self, n: &Node, positive: bool) -> Option<Box<dyn Query>> {
        match n {
            Node::All => Some(Box::new(AllQuery)),
            Node::Word(w) => self.word(w, positive),
            Node::Phrase(p) => self.phrase(p, positive),
            Node::Filter(c) => Some(self.filter(c)),
            Node::Not(inner) => self.node(inner, !positive).map(all_but),
            Node::And(items) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for item in items {
                    // A negation inside AND excludes directly.
                    let (occur, q) = match item {
                        Node::Not(inner) => (Occur::MustNot, self.node(inner, !positive)),
                        _ => (Occur::Must, self.node(item, positive)),
                    };
                    if let Some(q) = q {
                        clauses.push((occur, q));
                    }
                }
                if clauses.is_empty() {
                    return None;
                }
                if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Some(Box::new(BooleanQuery::new(clauses)))
            }
            Node::Or(items) => {
                let clauses: Vec<(Occur, Box<dyn Query>)> = items
                    .iter()
                    .filter_map(|i| self.node(i, positive))
                    .map(|q| (Occur::Should, q))
                    .collect();
                (!clauses.is_empty())
                    .then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
            }
        }
    }
}

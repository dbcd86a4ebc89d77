//! Keyword retrieval: BM25 over a run's tantivy index ([`crate::index`]) with the query
//! language of `parse`, the request's facet filters, exact facet counts over all matches and
//! highlighted snippets.

mod compile;
mod facets;
pub(crate) mod highlight;
pub(crate) mod parse;

use super::filter::request_clauses;
use super::snippet::Snippet;
use super::{FacetCounts, Query, RetrieveError};
use crate::error::IoResultExt;
use crate::index::analyzer::{register, stem_languages};
use crate::index::schema::{Fields, SEQ};
use crate::index::IndexInfo;
use compile::Compiler;
use facets::{facet_counts, FacetCollector};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query as TantivyQuery};
use tantivy::schema::Value;
use tantivy::tokenizer::Language;
use tantivy::{DocAddress, Index, IndexReader, Order, ReloadPolicy, Searcher, TantivyDocument};

/// One keyword hit.
#[derive(Debug, Clone, PartialEq)]
pub struct KeywordHit {
    /// Answer position in the run.
    pub seq: u64,
    /// BM25 score (0 when the query has no words, e.g. filters only: then hits are in `seq`
    /// order).
    pub relevance: f32,
    /// The answer with the matched words marked, cut around them.
    pub snippet: Snippet,
}

/// One page of keyword results.
#[derive(Debug, Clone, PartialEq)]
pub struct KeywordPage {
    /// Number of matching answers.
    pub total: u64,
    /// Facet counts over all matching answers (exact).
    pub facets: FacetCounts,
    /// The hits of the page, best first.
    pub hits: Vec<KeywordHit>,
}

/// A run's keyword index, open for searching.
pub struct Keyword {
    dir: PathBuf,
    reader: IndexReader,
    fields: Fields,
    info: IndexInfo,
    stem_langs: Vec<Language>,
}

impl Keyword {
    /// Opens the index in `dir` (`RUN_DIR/index`).
    pub fn open(dir: &Path) -> Result<Keyword, RetrieveError> {
        let run = |why: String| RetrieveError::Run {
            path: dir.to_path_buf(),
            why,
        };
        if !dir.join(crate::run::layout::INDEX_META).is_file() {
            return Err(run(
                "no search index here; run `verbatim analyze` to build the run folder".into(),
            ));
        }
        // Read-only: no lock file, so archived and read-only run folders can be searched.
        let index = crate::index::ReadOnlyDir::open(dir)
            .map_err(tantivy::TantivyError::from)
            .and_then(Index::open)
            .map_err(|e| {
                run(format!(
                    "cannot open the search index ({e}); run `verbatim analyze` again to rebuild it"
                ))
            })?;
        register(&index);
        let fields = Fields::of(&index.schema()).map_err(|f| {
            run(format!(
                "the search index has no field {f:?} (made by another version); run `verbatim \
                 analyze` again"
            ))
        })?;
        let info = IndexInfo::of(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| run(format!("cannot read the search index: {e}")))?;
        let mut kw = Keyword {
            dir: dir.to_path_buf(),
            reader,
            fields,
            info,
            stem_langs: Vec::new(),
        };
        kw.stem_langs = stem_languages(kw.languages()?.iter().map(String::as_str));
        Ok(kw)
    }

    /// The language codes of the indexed answers.
    pub fn languages(&self) -> Result<Vec<String>, RetrieveError> {
        let searcher = self.reader.searcher();
        let mut out: Vec<String> = Vec::new();
        for seg in searcher.segment_readers() {
            let inv = seg
                .inverted_index(self.fields.lang)
                .map_err(|e| self.err(e))?;
            let mut terms = inv.terms().stream().at(&self.dir)?;
            while terms.advance() {
                let l = String::from_utf8_lossy(terms.key()).into_owned();
                if !out.contains(&l) {
                    out.push(l);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Number of indexed answers.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds no answer.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn err(&self, e: tantivy::TantivyError) -> RetrieveError {
        RetrieveError::Run {
            path: self.dir.clone(),
            why: format!("search index: {e}; run `verbatim analyze` again if it is damaged"),
        }
    }

    /// The tantivy query of `q` (text and request filters) and the index terms of its positive
    /// words (empty when it has none: then there is nothing to rank by).
    fn compile(
        &self,
        q: &Query,
    ) -> Result<(Box<dyn TantivyQuery>, HashSet<String>), RetrieveError> {
        let node = parse::parse(&q.text, &self.info.segment_keys)?;
        let mut c = Compiler {
            fields: &self.fields,
            stem_langs: &self.stem_langs,
            terms: HashSet::new(),
        };
        let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
        if let Some(text) = c.node(&node, true) {
            clauses.push((Occur::Must, text));
        }
        for clause in request_clauses(&q.filters) {
            clauses.push((Occur::Must, c.filter(&clause.cond)));
        }
        if clauses.is_empty() {
            clauses.push((Occur::Must, Box::new(tantivy::query::AllQuery)));
        }
        let query: Box<dyn TantivyQuery> = if clauses.len() == 1 {
            clauses.remove(0).1
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        Ok((query, c.terms))
    }

    /// Runs `q` (its text and request filters) and returns hits `offset..offset + limit`,
    /// the total and the facet counts of all matches.
    pub fn search(
        &self,
        q: &Query,
        limit: usize,
        offset: usize,
    ) -> Result<KeywordPage, RetrieveError> {
        let (query, terms) = self.compile(q)?;
        let searcher = self.reader.searcher();
        let ranked = !terms.is_empty();
        let (total, counts, top): (usize, _, Vec<(f32, u64, DocAddress)>) = if limit == 0 {
            let (n, f) = searcher
                .search(&query, &(Count, FacetCollector))
                .map_err(|e| self.err(e))?;
            (n, f, Vec::new())
        } else if ranked {
            let top = TopDocs::with_limit(limit).and_offset(offset);
            let (n, f, docs) = searcher
                .search(&query, &(Count, FacetCollector, top))
                .map_err(|e| self.err(e))?;
            let docs = docs
                .into_iter()
                .map(|(s, a)| Ok((s, self.seq_of(&searcher, a)?, a)))
                .collect::<Result<_, RetrieveError>>()?;
            (n, f, docs)
        } else {
            let top = TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_fast_field::<u64>(SEQ, Order::Asc);
            let (n, f, docs) = searcher
                .search(&query, &(Count, FacetCollector, top))
                .map_err(|e| self.err(e))?;
            (
                n,
                f,
                docs.into_iter().map(|(seq, a)| (0.0, seq, a)).collect(),
            )
        };
        let hits = top
            .into_iter()
            .map(|(relevance, seq, addr)| {
                Ok(KeywordHit {
                    seq,
                    relevance,
                    snippet: self.snippet(&searcher, addr, &terms)?,
                })
            })
            .collect::<Result<Vec<_>, RetrieveError>>()?;
        Ok(KeywordPage {
            total: total as u64,
            facets: facet_counts(counts),
            hits,
        })
    }

    fn seq_of(&self, searcher: &Searcher, a: DocAddress) -> Result<u64, RetrieveError> {
        let col = searcher
            .segment_reader(a.segment_ord)
            .fast_fields()
            .u64(SEQ)
            .map_err(|e| self.err(e))?;
        col.first(a.doc_id).ok_or_else(|| RetrieveError::Run {
            path: self.dir.clone(),
            why: "an indexed answer has no seq; run `verbatim analyze` again".into(),
        })
    }

    fn snippet(
        &self,
        searcher: &Searcher,
        a: DocAddress,
        terms: &HashSet<String>,
    ) -> Result<Snippet, RetrieveError> {
        let doc: TantivyDocument = searcher.doc(a).map_err(|e| self.err(e))?;
        let get = |f| {
            doc.get_first(f)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let (body, lang) = (get(self.fields.body), get(self.fields.lang));
        Ok(highlight::snippet(&body, &lang, terms))
    }
}

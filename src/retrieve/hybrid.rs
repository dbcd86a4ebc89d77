//! [`HybridSearcher`]: keyword + semantic retrieval over one run folder.

use super::columns::Columns;
use super::filter::{request_clauses, split_query, Clause, Cond, Filter};
use super::keyword::KeywordHit;
use super::keyword::{Keyword, KeywordPage};
use super::relevance::{QueryRouter, CUT_DEPTH, RELEVANCE_THRESHOLD, ROUTED_THRESHOLD};
use super::snippet::{marked, Snippet};
use super::types::sort_facet;
use super::{FacetCounts, FacetValue, Hit, Mode, Query, Results, RetrieveError, Retriever};
use crate::encode::{Encoder, TextKind};
use crate::record::{NpsGroup, Response, SentimentLabel};
use crate::run::{layout, RunDir};
use crate::vector::{kernel, VectorIndex};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Reciprocal rank fusion constant (Cormack et al. 2009): damps the head of each list so a
/// hit ranked well by both retrievers beats one ranked first by only one.
pub const RRF_K: f32 = 60.0;

/// Semantic result set size with `all` (no relevance cut): the nearest answers that pass the
/// filters, deep enough for a few pages.
pub const SEMANTIC_DEPTH: usize = 100;

/// Query embeddings kept (paging and facet clicks repeat the same text).
const EMBED_CACHE: usize = 128;

/// Hybrid searcher over a run folder.
pub struct HybridSearcher {
    run_dir: PathBuf,
    keyword: Keyword,
    vectors: VectorIndex,
    encoder: Arc<dyn Encoder>,
    cols: Columns,
    semantic_depth: usize,
    cache: Mutex<Vec<(String, Arc<Vec<f32>>)>>,
    /// The run's codebook model for routing queries to themes, built on the first cut.
    router: OnceLock<Option<QueryRouter>>,
    routes: Mutex<Vec<(String, Vec<u32>)>>,
}

/// One ranked list entry before it becomes a [`Hit`].
struct Ranked {
    seq: u64,
    relevance: f32,
    keyword_snippet: Option<Snippet>,
    found_by: Vec<Retriever>,
}

impl Ranked {
    /// A keyword hit, ranked at `relevance`.
    fn keyword(h: KeywordHit, relevance: f32) -> Ranked {
        Ranked {
            seq: h.seq,
            relevance,
            keyword_snippet: Some(h.snippet),
            found_by: vec![Retriever::Keyword],
        }
    }

    /// A semantic hit, ranked at `relevance`.
    fn semantic(seq: u64, relevance: f32) -> Ranked {
        Ranked {
            seq,
            relevance,
            keyword_snippet: None,
            found_by: vec![Retriever::Semantic],
        }
    }
}

impl HybridSearcher {
    /// Opens the keyword index (`RUN_DIR/index`), vector index (`RUN_DIR/vectors`), embedding
    /// store (`RUN_DIR/embeddings`) and answers (`RUN_DIR/responses.jsonl`) of a run. `encoder`
    /// must be the model that made the run's embeddings.
    pub fn open(
        run_dir: &Path,
        encoder: Arc<dyn Encoder>,
    ) -> Result<HybridSearcher, RetrieveError> {
        let run = RunDir::new(run_dir);
        let keyword = Keyword::open(&run.file(layout::INDEX_DIR))?;
        let vectors = run.vectors()?;
        let cols = Columns::load(&run.file(layout::RESPONSES))?;
        let indexed = vectors.meta().count as usize;
        crate::error::same_count(
            (cols.len(), "answers in responses.jsonl"),
            (indexed, "in the vector index"),
        )
        .map_err(|why| RetrieveError::Run {
            path: run_dir.to_path_buf(),
            why,
        })?;
        if encoder.dim() != vectors.meta().dim {
            return Err(RetrieveError::Run {
                path: run_dir.to_path_buf(),
                why: format!(
                    "the run's vectors have {} dimensions but the model {} makes {}; pass the \
                     model the run was analyzed with (--model)",
                    vectors.meta().dim,
                    encoder.name(),
                    encoder.dim()
                ),
            });
        }
        Ok(HybridSearcher {
            run_dir: run_dir.to_path_buf(),
            keyword,
            vectors,
            encoder,
            cols,
            semantic_depth: SEMANTIC_DEPTH,
            cache: Mutex::new(Vec::new()),
            router: OnceLock::new(),
            routes: Mutex::new(Vec::new()),
        })
    }

    /// The run folder.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// Number of answers in the run.
    pub fn len(&self) -> usize {
        self.cols.len()
    }

    /// Whether the run has no answers.
    pub fn is_empty(&self) -> bool {
        self.cols.is_empty()
    }

    /// Per-answer columns (languages, themes, segments, ...).
    pub fn columns(&self) -> &Columns {
        &self.cols
    }

    /// The vector index.
    pub fn vectors(&self) -> &VectorIndex {
        &self.vectors
    }

    /// Sets the semantic result set size (default [`SEMANTIC_DEPTH`]).
    pub fn set_semantic_depth(&mut self, depth: usize) {
        self.semantic_depth = depth.max(1);
    }

    /// The full answer `seq`.
    pub fn response(&self, seq: u64) -> Result<Response, RetrieveError> {
        self.cols.response(seq)
    }

    /// Embeds query text (cached).
    pub fn embed_query(&self, text: &str) -> Result<Arc<Vec<f32>>, RetrieveError> {
        if let Ok(c) = self.cache.lock() {
            if let Some((_, v)) = c.iter().find(|(t, _)| t == text) {
                return Ok(Arc::clone(v));
            }
        }
        let v = self
            .encoder
            .embed(&[text], TextKind::Query)?
            .pop()
            .ok_or_else(|| RetrieveError::BadQuery("the encoder returned no vector".into()))?;
        let v = Arc::new(v);
        if let Ok(mut c) = self.cache.lock() {
            if c.len() >= EMBED_CACHE {
                c.remove(0);
            }
            c.push((text.to_string(), Arc::clone(&v)));
        }
        Ok(v)
    }

    /// The theme codes of the run that `text` is routed to (the relevance cut,
    /// [`super::relevance`]): the themes the run's codebook model raises for it, as for an
    /// answer; none for a run without a codebook. Cached per text.
    pub fn routed_themes(&self, text: &str) -> Result<Vec<u32>, RetrieveError> {
        if let Some((_, r)) = self
            .routes
            .lock()
            .ok()
            .and_then(|c| c.iter().find(|(t, _)| t == text).cloned())
        {
            return Ok(r);
        }
        let router = self.router.get_or_init(|| {
            QueryRouter::of_run(&self.run_dir, self.encoder.as_ref()).unwrap_or_else(|why| {
                eprintln!("warning: search cannot route queries to the run's themes: {why}. It keeps the answers above the cosine threshold only; analyze the run again to save its theme model in it.");
                None
            })
        });
        let codes: Vec<u32> = match router {
            Some(r) => r
                .route(self.encoder.as_ref(), text)?
                .iter()
                .filter_map(|id| self.cols.themes.get(id))
                .collect(),
            None => Vec::new(),
        };
        if let Ok(mut c) = self.routes.lock() {
            if c.len() >= EMBED_CACHE {
                c.remove(0);
            }
            c.push((text.to_string(), codes.clone()));
        }
        Ok(codes)
    }

    /// Nearest answers to `text` that pass `filter`, best first.
    /// Without `all`, only answers within the relevance cut ([`super::relevance`]) count:
    /// the answers tagged with the themes the query routes to, and others at or above the
    /// cosine threshold among the [`CUT_DEPTH`] nearest.
    fn semantic(
        &self,
        text: &str,
        filter: &Filter,
        all: bool,
    ) -> Result<Vec<(u64, f32)>, RetrieveError> {
        let v = self.embed_query(text)?;
        let allow = |seq: u64| filter.allows(&self.cols, seq);
        let allow: Option<&dyn Fn(u64) -> bool> = if filter.is_empty() {
            None
        } else {
            Some(&allow)
        };
        if all {
            return Ok(self.vectors.search(&v, self.semantic_depth, allow));
        }
        let routed = self.routed_themes(text)?;
        let threshold = match routed.is_empty() {
            true => RELEVANCE_THRESHOLD,
            false => ROUTED_THRESHOLD,
        };
        let mut hits = self
            .vectors
            .search(&v, self.semantic_depth.max(CUT_DEPTH), allow);
        hits.retain(|h| h.1 >= threshold);
        self.add_tagged(&mut hits, &v, &routed, filter);
        Ok(hits)
    }

    /// Adds to `hits` every answer that passes `filter` and carries one of the `routed`
    /// theme codes, scored by its cosine with `v`, and sorts them best first.
    fn add_tagged(&self, hits: &mut Vec<(u64, f32)>, v: &[f32], routed: &[u32], filter: &Filter) {
        if routed.is_empty() {
            return;
        }
        let have: std::collections::HashSet<u64> = hits.iter().map(|h| h.0).collect();
        let store = self.vectors.store();
        for seq in 0..self.cols.len() {
            let tagged = self.cols.themes_of(seq).iter().any(|t| routed.contains(t));
            let seq64 = seq as u64;
            if tagged && !have.contains(&seq64) && filter.allows(&self.cols, seq64) {
                hits.push((seq64, kernel::dot(v, store.answer(seq))));
            }
        }
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    }

    /// An error for a theme or language no answer of the run has (a typo would otherwise
    /// match nothing, silently), listing the run's values like an unknown segment column.
    /// An inline filter's error points at it in `text`.
    fn check_known(&self, text: &str, clauses: &[Clause]) -> Result<(), RetrieveError> {
        for c in clauses {
            let (field, vals, dict) = match &c.cond {
                Cond::Theme(v) => ("theme", v, &self.cols.themes),
                Cond::Lang(v) => ("lang", v, &self.cols.langs),
                _ => continue,
            };
            let Some(bad) = vals.iter().find(|v| dict.get(v).is_none()) else {
                continue;
            };
            let mut known = dict.values.clone();
            known.sort();
            let msg = format!(
                "no answer in this run has {field} {bad:?}; its {field} values are {}",
                known.join(", ")
            );
            let lower = text.to_ascii_lowercase();
            let at = lower
                .match_indices(&format!("{field}:"))
                .map(|(i, m)| i + m.len())
                .find(|&i| {
                    lower[i..]
                        .trim_start_matches('"')
                        .starts_with(&bad.to_ascii_lowercase())
                });
            return Err(match at {
                Some(at) => super::keyword::parse::bad_at(text, at, &msg),
                None => RetrieveError::BadQuery(msg),
            });
        }
        Ok(())
    }

    /// Runs a search. An empty query text (or one with filters only) lists the answers that
    /// match the filters, in every mode.
    pub fn search(&self, q: &Query) -> Result<Results, RetrieveError> {
        super::keyword::parse::check_length(&q.text)?;
        let split = split_query(&q.text);
        let mut clauses = request_clauses(&q.filters);
        clauses.extend(split.clauses.iter().cloned());
        self.check_known(&q.text, &clauses)?;
        let filter = Filter::new(&self.cols, &clauses);
        let words = split.text.trim();
        let mode = if words.is_empty() {
            Mode::Keyword
        } else {
            q.mode
        };
        match mode {
            Mode::Keyword => self.keyword_page(q),
            Mode::Semantic => self.semantic_page(q, words, &filter),
            Mode::Hybrid => {
                // Keyword hits beyond the semantic depth score below every semantic hit, so
                // fetching deeper for later pages appends to the fused order without
                // reshuffling earlier pages.
                let end = q.offset.saturating_add(q.limit);
                let kw = self.keyword.search(q, self.semantic_depth.max(end), 0)?;
                let sem = self.semantic(words, &filter, q.all)?;
                let qv = self.embed_query(words)?;
                let (fused, facets, total) = self.fuse(kw, &sem);
                let ranked = fused.into_iter().skip(q.offset).take(q.limit).collect();
                self.results(Mode::Hybrid, total, q.offset, ranked, facets, Some(&qv))
            }
        }
    }

    /// A page of keyword results.
    fn keyword_page(&self, q: &Query) -> Result<Results, RetrieveError> {
        let page = self.keyword.search(q, q.limit, q.offset)?;
        let ranked = page
            .hits
            .into_iter()
            .map(|h| {
                let relevance = h.relevance;
                Ranked::keyword(h, relevance)
            })
            .collect();
        let (total, facets) = (page.total, page.facets);
        self.results(Mode::Keyword, total, q.offset, ranked, facets, None)
    }

    /// A page of semantic results for the query words `words`.
    fn semantic_page(
        &self,
        q: &Query,
        words: &str,
        filter: &Filter,
    ) -> Result<Results, RetrieveError> {
        let sem = self.semantic(words, filter, q.all)?;
        let seqs: Vec<u64> = sem.iter().map(|h| h.0).collect();
        let facets = self.facets_of(&seqs);
        let ranked = sem
            .iter()
            .skip(q.offset)
            .take(q.limit)
            .map(|&(seq, s)| Ranked::semantic(seq, s))
            .collect();
        let qv = self.embed_query(words)?;
        let total = sem.len() as u64;
        self.results(Mode::Semantic, total, q.offset, ranked, facets, Some(&qv))
    }

    /// Reciprocal rank fusion of a keyword page (from offset 0) and semantic hits. The result
    /// set is the union: total = keyword matches + semantic hits the keyword side did not
    /// return; facets = keyword facets plus those semantic-only hits.
    fn fuse(&self, kw: KeywordPage, sem: &[(u64, f32)]) -> (Vec<Ranked>, FacetCounts, u64) {
        let mut by_seq: HashMap<u64, Ranked> = HashMap::new();
        for (rank, h) in kw.hits.into_iter().enumerate() {
            by_seq.insert(h.seq, Ranked::keyword(h, 1.0 / (RRF_K + rank as f32 + 1.0)));
        }
        let mut sem_only = Vec::new();
        for (rank, &(seq, _)) in sem.iter().enumerate() {
            let add = 1.0 / (RRF_K + rank as f32 + 1.0);
            match by_seq.get_mut(&seq) {
                Some(r) => {
                    r.relevance += add;
                    r.found_by.push(Retriever::Semantic);
                }
                None => {
                    sem_only.push(seq);
                    by_seq.insert(seq, Ranked::semantic(seq, add));
                }
            }
        }
        let mut fused: Vec<Ranked> = by_seq.into_values().collect();
        fused.sort_by(|a, b| {
            b.relevance
                .partial_cmp(&a.relevance)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.seq.cmp(&b.seq))
        });
        let mut facets = kw.facets;
        add_facets(&mut facets, &self.facets_of(&sem_only));
        (fused, facets, kw.total + sem_only.len() as u64)
    }

    /// Answers nearest to answer `seq` (any language), best first, without `seq` itself.
    pub fn similar(&self, seq: u64, k: usize) -> Result<Results, RetrieveError> {
        if seq as usize >= self.cols.len() {
            return Err(RetrieveError::NotFound(seq));
        }
        let v = self.vectors.store().answer(seq as usize).to_vec();
        let not_self = |s: u64| s != seq;
        let hits = self.vectors.search(&v, k, Some(&not_self));
        let seqs: Vec<u64> = hits.iter().map(|h| h.0).collect();
        let facets = self.facets_of(&seqs);
        let ranked = hits
            .into_iter()
            .map(|(seq, s)| Ranked::semantic(seq, s))
            .collect();
        self.results(
            Mode::Semantic,
            seqs.len() as u64,
            0,
            ranked,
            facets,
            Some(&v),
        )
    }

    /// Facet counts over a set of answers.
    pub fn facets_of(&self, seqs: &[u64]) -> FacetCounts {
        let c = &self.cols;
        let mut theme = vec![0u64; c.themes.values.len()];
        let mut lang = vec![0u64; c.langs.values.len()];
        let mut sent = [0u64; 3];
        let mut nps = [0u64; 4];
        let mut segs: Vec<Vec<u64>> = c
            .segments
            .iter()
            .map(|s| vec![0; s.dict.values.len()])
            .collect();
        for &s in seqs {
            let i = s as usize;
            if i >= c.len() {
                continue;
            }
            for &t in c.themes_of(i) {
                theme[t as usize] += 1;
            }
            lang[c.lang[i] as usize] += 1;
            sent[c.sentiment[i] as usize] += 1;
            nps[c.nps[i] as usize] += 1;
            for (j, col) in c.segments.iter().enumerate() {
                if let Some(n) = segs[j].get_mut(col.codes[i] as usize) {
                    *n += 1;
                }
            }
        }
        let list = |names: &mut dyn Iterator<Item = String>, counts: &[u64]| -> Vec<FacetValue> {
            let mut v: Vec<FacetValue> = names
                .zip(counts)
                .filter(|(_, &n)| n > 0)
                .map(|(value, &count)| FacetValue { value, count })
                .collect();
            sort_facet(&mut v);
            v
        };
        FacetCounts {
            theme: list(&mut c.themes.values.iter().cloned(), &theme),
            lang: list(&mut c.langs.values.iter().cloned(), &lang),
            sentiment: list(
                &mut SentimentLabel::ALL.iter().map(|l| l.as_str().to_string()),
                &sent,
            ),
            nps: list(
                &mut [NpsGroup::Detractor, NpsGroup::Passive, NpsGroup::Promoter]
                    .iter()
                    .map(|g| g.as_str().to_string()),
                &nps[..3],
            ),
            segments: c
                .segments
                .iter()
                .zip(&segs)
                .map(|(col, counts)| {
                    (
                        col.name.clone(),
                        list(&mut col.dict.values.iter().cloned(), counts),
                    )
                })
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        }
    }

    /// Turns ranked seqs into hits. Semantic-only hits get the sentence nearest to `qv`
    /// marked; keyword hits keep the keyword snippet.
    fn results(
        &self,
        mode: Mode,
        total: u64,
        offset: usize,
        ranked: Vec<Ranked>,
        facets: FacetCounts,
        qv: Option<&[f32]>,
    ) -> Result<Results, RetrieveError> {
        let store = self.vectors.store();
        let hits = ranked
            .into_iter()
            .map(|r| {
                let resp = self.cols.response(r.seq)?;
                let snippet = match (r.keyword_snippet, qv) {
                    (Some(s), _) if !s.text.is_empty() => s,
                    (_, Some(qv)) => {
                        let range = store.sentence_range(r.seq as usize);
                        let best = (range.len() == resp.sentences.len() && range.len() > 1)
                            .then(|| {
                                range
                                    .clone()
                                    .map(|j| kernel::dot(qv, store.sentence(j)))
                                    .enumerate()
                                    .max_by(|a, b| {
                                        a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal)
                                    })
                                    .map(|(i, _)| i)
                            })
                            .flatten();
                        marked(&resp, best)
                    }
                    _ => Snippet::plain(&resp.text),
                };
                Ok(Hit {
                    seq: r.seq,
                    id: resp.id,
                    relevance: r.relevance,
                    snippet,
                    lang: resp.lang,
                    sentiment: resp.sentiment.label,
                    themes: resp.themes.into_iter().map(|t| t.theme).collect(),
                    nps_group: resp.nps_group,
                    score: resp.score,
                    date: resp.date,
                    segments: resp.segments,
                    text: resp.text,
                    found_by: r.found_by,
                })
            })
            .collect::<Result<Vec<_>, RetrieveError>>()?;
        Ok(Results {
            mode,
            total,
            offset,
            hits,
            facets,
        })
    }
}

fn merge(into: &mut Vec<FacetValue>, add: &[FacetValue]) {
    for a in add {
        match into.iter_mut().find(|f| f.value == a.value) {
            Some(f) => f.count += a.count,
            None => into.push(a.clone()),
        }
    }
    sort_facet(into);
}

/// Adds the counts of `add` to `into`.
fn add_facets(into: &mut FacetCounts, add: &FacetCounts) {
    merge(&mut into.theme, &add.theme);
    merge(&mut into.lang, &add.lang);
    merge(&mut into.sentiment, &add.sentiment);
    merge(&mut into.nps, &add.nps);
    let mut segs: BTreeMap<String, Vec<FacetValue>> = std::mem::take(&mut into.segments);
    for (k, v) in &add.segments {
        merge(segs.entry(k.clone()).or_default(), v);
    }
    into.segments = segs;
}

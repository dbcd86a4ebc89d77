//! Improvement ideas: the suggestion sentences of a run (flagged by
//! [`crate::analyze::suggestion`]), grouped by meaning across languages and ranked by how many
//! distinct respondents raise them.
//!
//! Grouping is average-linkage agglomerative clustering on the cosine of the sentences'
//! embeddings, stopped when no two groups are more similar on average than
//! [`IdeaOptions::threshold`].
//!
//! Language centring: in multilingual e5 the language of a sentence is a strong shared
//! direction, so on raw vectors two different Hebrew requests are nearer than the same request
//! in Hebrew and English (on the demo corpus, every threshold either splits the weekend-delivery
//! idea by language or merges all ideas). [`LanguageCenters`] removes it: each sentence vector
//! minus the mean sentence vector of its language (over *all* sentences of the run, shrunk
//! toward the global mean for rare languages), renormalized. On those vectors the threshold
//! separates ideas, not languages. Average linkage needs no per-pair storage beyond one matrix:
//! for unit vectors the mean cosine between groups A and B is `sum(A) . sum(B) / (|A| |B|)`,
//! so merged groups are updated exactly (Lance-Williams) and the merge of bucket results below
//! is exact as well.
//!
//! Scale: up to [`IdeaOptions::max_exact`] sentences are clustered exactly (O(n^2) memory and
//! about O(n^2) time with cached nearest neighbours). Beyond that the sentences are first
//! bucketed by spherical k-means, each bucket is clustered exactly, and then the largest
//! [`IdeaOptions::max_exact`] resulting groups are clustered again on their sum vectors, which
//! reunites an idea that k-means split across buckets.

use super::nps::NpsCounts;
use super::AnalyzeError;
use crate::classify::stopwords::is_stopword;
use crate::encode::store::Store;
use crate::error::{same_count, IoError, IoResultExt};
use crate::layout;
use crate::record::Responses;
use crate::vector::ops::dot;
pub use crate::vector::ops::{LanguageCenters, CENTER_SHRINK};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Default similarity threshold of average-linkage grouping on language-centred vectors,
/// calibrated on the demo corpus (`corpora/demo`, multilingual-e5-small, planted ideas known):
/// at 0.13-0.14 all 26 weekend-delivery respondents form one pure idea (8 languages) and the
/// cheaper-shipping idea is pure; at 0.15-0.16 two Arabic weekend requests split off, below
/// 0.13 live chat and cancellation merge. Live chat, dark mode and cancellation still come out
/// in two or three parts each.
pub const DEFAULT_THRESHOLD: f32 = 0.14;

/// Grouping and ranking settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdeaOptions {
    /// Mean cosine above which two groups merge.
    pub threshold: f32,
    /// Ideas raised by fewer distinct respondents are left out.
    pub min_count: usize,
    /// Most sentences clustered exactly in one piece (see the module docs).
    pub max_exact: usize,
    /// Example verbatims per idea.
    pub examples: usize,
    /// Seed of the k-means bucketing of large inputs.
    pub seed: u64,
}

impl Default for IdeaOptions {
    fn default() -> Self {
        IdeaOptions {
            threshold: DEFAULT_THRESHOLD,
            min_count: 2,
            max_exact: 3000,
            examples: 4,
            seed: 7,
        }
    }
}

/// One suggestion sentence with what ranking needs.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestionItem {
    /// Respondent id (ideas count distinct ids).
    pub respondent: String,
    /// The sentence.
    pub text: String,
    /// Language of the answer.
    pub lang: String,
    /// The answer's 0-10 score.
    pub score: Option<u8>,
    /// L2-normalized sentence embedding, language-centred (see [`LanguageCenters::apply`]).
    pub vector: Vec<f32>,
}

/// An example verbatim of an idea.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdeaExample {
    /// The sentence.
    pub text: String,
    /// Its answer's language.
    pub lang: String,
    /// Its answer's score.
    pub score: Option<u8>,
}

/// A ranked improvement idea.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Idea {
    /// 1-based rank.
    pub rank: usize,
    /// The most central sentence (the most central English one when there is one).
    pub label: String,
    /// Language of the label sentence.
    pub label_lang: String,
    /// Top keyphrases (class-based TF-IDF over the label language's sentences).
    pub keyphrases: Vec<String>,
    /// Distinct respondents.
    pub respondents: u64,
    /// Suggestion sentences.
    pub sentences: u64,
    /// Distinct respondents per language, most first.
    pub languages: Vec<(String, u64)>,
    /// Mean score of the respondents (each once).
    pub avg_score: Option<f64>,
    /// NPS of the respondents.
    pub nps: Option<f64>,
    /// Mean pairwise cosine of the sentences (1 for a single sentence).
    pub cohesion: f32,
    /// Example verbatims, the most central of each language first.
    pub examples: Vec<IdeaExample>,
}

/// The ideas of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdeaReport {
    /// Suggestion sentences found.
    pub suggestions: u64,
    /// Distinct respondents with at least one suggestion.
    pub respondents: u64,
    /// Groups before the `min_count` cut.
    pub groups: u64,
    /// Ideas with at least `min_count` respondents, ranked.
    pub ideas: Vec<Idea>,
}

/// Reads the suggestion sentences of a run folder with their stored sentence vectors, centred
/// on the mean of their language over every sentence of the run.
pub fn load_suggestions(run_dir: &Path) -> Result<Vec<SuggestionItem>, AnalyzeError> {
    let store = Store::open(&run_dir.join(layout::EMBEDDINGS_DIR))?;
    let path = run_dir.join(layout::RESPONSES);
    let mut out = Vec::new();
    let mut centers = LanguageCenters::default();
    let mut lines = 0usize;
    for r in Responses::<AnalyzeError>::open(path.clone())? {
        let r = r?;
        let i = r.seq as usize;
        lines = i + 1;
        if i >= store.len() {
            return Err(AnalyzeError::Corrupt {
                path: path.clone(),
                why: format!(
                    "more answers than the embedding store holds ({})",
                    store.len()
                ),
            });
        }
        let range = store.sentence_range(i);
        same_count(
            (r.sentences.len(), "sentences"),
            (range.len(), "sentence vectors"),
        )
        .map_err(|why| AnalyzeError::Corrupt {
            path: path.clone(),
            why: format!("line {}: {why}", i + 1),
        })?;
        for (s, j) in r.sentences.iter().zip(range) {
            centers.add(&r.lang, store.sentence(j));
            if s.suggestion {
                out.push(SuggestionItem {
                    respondent: r.id.clone(),
                    text: s.text.trim().to_string(),
                    lang: r.lang.clone(),
                    score: r.score,
                    vector: store.sentence(j).to_vec(),
                });
            }
        }
    }
    if lines != store.len() {
        return Err(AnalyzeError::Corrupt {
            path,
            why: format!("{lines} answers but {} in the embedding store", store.len()),
        });
    }
    for item in &mut out {
        item.vector = centers.apply(&item.lang, &item.vector);
    }
    Ok(out)
}

/// Average-linkage agglomeration of groups given by their vector sums and sizes; returns the
/// final group of each input group. Deterministic: ties go to the lower index.
fn agglomerate(sums: &[Vec<f32>], sizes: &[usize], threshold: f32) -> Vec<usize> {
    let mut groups = Linkage::new(sums, sizes);
    loop {
        let (s, i) = groups.top();
        if i == usize::MAX || s < threshold {
            break;
        }
        let j = groups.best[i].1;
        groups.merge(i, j);
    }
    groups.labels()
}

/// Average-linkage state over `n` groups: the mean similarity of every pair of groups, which
/// groups are still active, what each merged into, and each active group's nearest partner.
struct Linkage {
    n: usize,
    sim: Vec<f32>,
    size: Vec<usize>,
    active: Vec<bool>,
    parent: Vec<usize>,
    best: Vec<(f32, usize)>,
}

impl Linkage {
    /// One group per vector sum (`sums[i]` of `sizes[i]` unit vectors).
    fn new(sums: &[Vec<f32>], sizes: &[usize]) -> Linkage {
        let n = sums.len();
        let mut sim = vec![0f32; n * n];
        for i in 0..n {
            for j in i + 1..n {
                let s = dot(&sums[i], &sums[j]) / (sizes[i] * sizes[j]) as f32;
                sim[i * n + j] = s;
                sim[j * n + i] = s;
            }
        }
        let mut groups = Linkage {
            n,
            sim,
            size: sizes.to_vec(),
            active: vec![true; n],
            parent: (0..n).collect(),
            best: Vec::new(),
        };
        groups.best = (0..n).map(|i| groups.best_of(i)).collect();
        groups
    }

    /// Group `i`'s most similar active group and their similarity.
    fn best_of(&self, i: usize) -> (f32, usize) {
        let n = self.n;
        let mut b = (f32::NEG_INFINITY, usize::MAX);
        for k in 0..n {
            if k != i && self.active[k] && self.sim[i * n + k] > b.0 {
                b = (self.sim[i * n + k], k);
            }
        }
        b
    }

    /// The active group with the most similar partner, and that similarity.
    fn top(&self) -> (f32, usize) {
        let mut top = (f32::NEG_INFINITY, usize::MAX);
        for i in 0..self.n {
            if self.active[i] && self.best[i].0 > top.0 {
                top = (self.best[i].0, i);
            }
        }
        top
    }

    /// Merges groups `i` and `j` into the lower index; similarities to the merged group are
    /// the size-weighted means, and the partners that pointed at either are found again.
    fn merge(&mut self, i: usize, j: usize) {
        let n = self.n;
        let (a, b) = (i.min(j), i.max(j));
        let (sa, sb) = (self.size[a] as f32, self.size[b] as f32);
        for k in 0..n {
            if self.active[k] && k != a && k != b {
                let s = (sa * self.sim[a * n + k] + sb * self.sim[b * n + k]) / (sa + sb);
                self.sim[a * n + k] = s;
                self.sim[k * n + a] = s;
            }
        }
        self.active[b] = false;
        self.size[a] += self.size[b];
        self.parent[b] = a;
        self.best[b] = (f32::NEG_INFINITY, usize::MAX);
        for k in 0..n {
            if !self.active[k] {
                continue;
            }
            if k == a || self.best[k].1 == a || self.best[k].1 == b {
                self.best[k] = self.best_of(k);
            } else if self.sim[k * n + a] > self.best[k].0 {
                self.best[k] = (self.sim[k * n + a], a);
            }
        }
    }

    /// Each group's label: the group it was finally merged into.
    fn labels(&self) -> Vec<usize> {
        (0..self.n)
            .map(|mut i| {
                while self.parent[i] != i {
                    i = self.parent[i];
                }
                i
            })
            .collect()
    }
}

/// Groups unit vectors by average linkage; returns a group label per vector (see module docs
/// for how large inputs are bucketed).
pub fn group_vectors(vectors: &[&[f32]], opts: &IdeaOptions) -> Vec<usize> {
    let n = vectors.len();
    if n == 0 {
        return Vec::new();
    }
    let cap = opts.max_exact.max(2);
    if n <= cap {
        let sums: Vec<Vec<f32>> = vectors.iter().map(|v| v.to_vec()).collect();
        return agglomerate(&sums, &vec![1; n], opts.threshold);
    }
    // Bucket by spherical k-means (buckets of about cap/2 so uneven ones still fit), cluster
    // each bucket exactly, then re-cluster the biggest groups on their sums.
    let dim = vectors[0].len();
    let flat: Vec<f32> = vectors.iter().flat_map(|v| v.iter().copied()).collect();
    let k = n.div_ceil(cap / 2);
    let centroids = crate::vector::kmeans::train(&flat, dim, k, 10, opts.seed);
    let bucket = crate::vector::kmeans::assign(&flat, &centroids, dim);
    let mut members: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, b) in bucket.iter().enumerate() {
        members.entry(*b).or_default().push(i);
    }
    let mut label = vec![0usize; n];
    for m in members.values() {
        // A bucket over the cap is clustered in cap-sized slices (rare: k-means is uneven).
        for part in m.chunks(cap) {
            let sums: Vec<Vec<f32>> = part.iter().map(|&i| vectors[i].to_vec()).collect();
            let g = agglomerate(&sums, &vec![1; part.len()], opts.threshold);
            for (x, &i) in part.iter().enumerate() {
                label[i] = part[g[x]];
            }
        }
    }
    let mut groups: BTreeMap<usize, (Vec<f32>, usize)> = BTreeMap::new();
    for (i, &l) in label.iter().enumerate() {
        let e = groups.entry(l).or_insert_with(|| (vec![0.0; dim], 0));
        e.0.iter_mut().zip(vectors[i]).for_each(|(a, b)| *a += b);
        e.1 += 1;
    }
    let mut ids: Vec<usize> = groups.keys().copied().collect();
    ids.sort_by(|a, b| groups[b].1.cmp(&groups[a].1).then(a.cmp(b)));
    ids.truncate(cap);
    let sums: Vec<Vec<f32>> = ids.iter().map(|g| groups[g].0.clone()).collect();
    let sizes: Vec<usize> = ids.iter().map(|g| groups[g].1).collect();
    let merged = agglomerate(&sums, &sizes, opts.threshold);
    let remap: HashMap<usize, usize> = ids
        .iter()
        .enumerate()
        .map(|(x, &g)| (g, ids[merged[x]]))
        .collect();
    label
        .iter()
        .map(|l| remap.get(l).copied().unwrap_or(*l))
        .collect()
}

/// Words that say "this is a suggestion" rather than what it is about; kept out of keyphrases.
const CUE_WORDS: &[&str] = &[
    "add", "also", "any", "be", "can", "could", "great", "i'd", "if", "it'd", "just", "like",
    "love", "make", "more", "much", "need", "nice", "nicer", "please", "pls", "plz", "really",
    "should", "too", "want", "where", "why", "wish", "would", "you",
];

/// Unigram and bigram terms of a sentence, stop and cue words removed.
fn terms(text: &str) -> Vec<String> {
    crate::text::words::terms(text, |w| is_stopword(w) || CUE_WORDS.contains(&w))
}

/// Groups suggestion sentences into ranked ideas.
pub fn group_ideas(items: &[SuggestionItem], opts: &IdeaOptions) -> IdeaReport {
    let vectors: Vec<&[f32]> = items.iter().map(|i| i.vector.as_slice()).collect();
    let labels = group_vectors(&vectors, opts);
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        groups.entry(*l).or_default().push(i);
    }
    // Document frequency of terms over all suggestion sentences, for c-TF-IDF.
    let item_terms: Vec<Vec<String>> = items.iter().map(|i| terms(&i.text)).collect();
    let mut total: HashMap<&str, f32> = HashMap::new();
    for t in item_terms.iter().flatten() {
        *total.entry(t.as_str()).or_default() += 1.0;
    }
    let tfidf = TermCounts {
        item_terms: &item_terms,
        avg_terms: item_terms.iter().map(Vec::len).sum::<usize>() as f32
            / groups.len().max(1) as f32,
        total,
    };
    let respondents: BTreeSet<&str> = items.iter().map(|i| i.respondent.as_str()).collect();
    let mut ideas: Vec<Idea> = groups
        .values()
        .filter_map(|members| idea_of(items, members, &tfidf, opts))
        .collect();
    ideas.sort_by(|a, b| {
        b.respondents
            .cmp(&a.respondents)
            .then(b.sentences.cmp(&a.sentences))
            .then(a.label.cmp(&b.label))
    });
    for (i, idea) in ideas.iter_mut().enumerate() {
        idea.rank = i + 1;
    }
    IdeaReport {
        suggestions: items.len() as u64,
        respondents: respondents.len() as u64,
        groups: groups.len() as u64,
        ideas,
    }
}

/// Terms of every suggestion sentence and their counts, for the c-TF-IDF of keyphrases.
struct TermCounts<'a> {
    item_terms: &'a [Vec<String>],
    total: HashMap<&'a str, f32>,
    avg_terms: f32,
}

/// The idea of one group (`None` when fewer than `min_count` respondents raise it).
fn idea_of(
    items: &[SuggestionItem],
    members: &[usize],
    tfidf: &TermCounts,
    opts: &IdeaOptions,
) -> Option<Idea> {
    let mut who: BTreeMap<&str, usize> = BTreeMap::new(); // respondent -> first member
    for &m in members {
        who.entry(items[m].respondent.as_str()).or_insert(m);
    }
    if who.len() < opts.min_count.max(1) {
        return None;
    }
    let (central, cohesion) = centrality(items, members);
    let label_item = central
        .iter()
        .find(|(m, _)| items[*m].lang == "en")
        .unwrap_or(&central[0])
        .0;
    let label_lang = items[label_item].lang.clone();
    let languages = languages_of(items, members);
    let keyphrases = keyphrases(items, members, &label_lang, tfidf);
    let mut nps = NpsCounts::default();
    let (mut score_sum, mut scored_n) = (0u64, 0u64);
    for &m in who.values() {
        nps.add(items[m].score.filter(|s| *s <= 10));
        if let Some(s) = items[m].score.filter(|s| *s <= 10) {
            score_sum += s as u64;
            scored_n += 1;
        }
    }
    let examples = examples_of(items, label_item, &languages, &central, opts.examples);
    Some(Idea {
        rank: 0,
        label: items[label_item].text.clone(),
        label_lang,
        keyphrases,
        respondents: who.len() as u64,
        sentences: members.len() as u64,
        languages,
        avg_score: (scored_n > 0).then(|| score_sum as f64 / scored_n as f64),
        nps: nps.nps(),
        cohesion,
        examples,
    })
}

/// Members by centrality (dot product with the group's sum), most central first, and the
/// group's cohesion (mean cosine between two members; 1 for a single sentence).
fn centrality(items: &[SuggestionItem], members: &[usize]) -> (Vec<(usize, f32)>, f32) {
    let dim = items[members[0]].vector.len();
    let mut sum = vec![0f32; dim];
    for &m in members {
        sum.iter_mut()
            .zip(&items[m].vector)
            .for_each(|(a, b)| *a += b);
    }
    let nm = members.len() as f32;
    let cohesion = if members.len() > 1 {
        (dot(&sum, &sum) - nm) / (nm * (nm - 1.0))
    } else {
        1.0
    };
    let mut central: Vec<(usize, f32)> = members
        .iter()
        .map(|&m| (m, dot(&items[m].vector, &sum)))
        .collect();
    central.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    (central, cohesion)
}

/// Distinct respondents per language, most first.
fn languages_of(items: &[SuggestionItem], members: &[usize]) -> Vec<(String, u64)> {
    let mut lang_counts: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for &m in members {
        lang_counts
            .entry(items[m].lang.as_str())
            .or_default()
            .insert(items[m].respondent.as_str());
    }
    let mut languages: Vec<(String, u64)> = lang_counts
        .iter()
        .map(|(l, r)| (l.to_string(), r.len() as u64))
        .collect();
    languages.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    languages
}

/// The top three c-TF-IDF terms of the group's sentences in the label language.
fn keyphrases(
    items: &[SuggestionItem],
    members: &[usize],
    label_lang: &str,
    tfidf: &TermCounts,
) -> Vec<String> {
    let mut tf: HashMap<&str, f32> = HashMap::new();
    let mut same_lang = 0;
    for &m in members.iter().filter(|&&m| items[m].lang == label_lang) {
        same_lang += 1;
        for t in &tfidf.item_terms[m] {
            *tf.entry(t.as_str()).or_default() += 1.0;
        }
    }
    // Terms shared by two sentences when there are any, else the best single-use ones.
    let shared = same_lang > 1 && tf.values().any(|&f| f >= 2.0);
    let min_tf = if shared { 2.0 } else { 1.0 };
    let mut scored: Vec<(&str, f32)> = tf
        .iter()
        .filter(|(_, &f)| f >= min_tf)
        .map(|(t, &f)| (*t, f * (1.0 + tfidf.avg_terms / tfidf.total[t]).ln()))
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    scored.iter().take(3).map(|(t, _)| t.to_string()).collect()
}

/// Examples: the label, the most central sentence of each language (by language size), then
/// more central ones; one per respondent, at most `max`.
fn examples_of(
    items: &[SuggestionItem],
    label_item: usize,
    languages: &[(String, u64)],
    central: &[(usize, f32)],
    max: usize,
) -> Vec<IdeaExample> {
    let mut candidates: Vec<usize> = vec![label_item];
    for (l, _) in languages {
        if let Some((m, _)) = central.iter().find(|(m, _)| items[*m].lang == *l) {
            candidates.push(*m);
        }
    }
    candidates.extend(central.iter().map(|(m, _)| *m));
    let mut used: BTreeSet<&str> = BTreeSet::new();
    candidates
        .into_iter()
        .filter(|&m| used.insert(items[m].respondent.as_str()))
        .take(max)
        .map(|m| IdeaExample {
            text: items[m].text.clone(),
            lang: items[m].lang.clone(),
            score: items[m].score,
        })
        .collect()
}

/// Loads and groups the ideas of a run folder.
pub fn run_ideas(run_dir: &Path, opts: &IdeaOptions) -> Result<IdeaReport, AnalyzeError> {
    Ok(group_ideas(&load_suggestions(run_dir)?, opts))
}

/// Languages as `en 6; he 4`.
pub fn languages_text(langs: &[(String, u64)]) -> String {
    langs
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes `ideas.csv`: one row per idea.
pub fn write_ideas_csv(ideas: &[Idea], path: &Path) -> Result<(), AnalyzeError> {
    let csv_err = |e: csv::Error| IoError::new(path, std::io::Error::other(e));
    let file = std::fs::File::create(path).at(path)?;
    let mut w = crate::safe_csv::SafeCsv::new(file);
    w.row([
        "rank",
        "label",
        "keyphrases",
        "respondents",
        "sentences",
        "languages",
        "avg_score",
        "nps",
        "cohesion",
        "examples",
    ])
    .map_err(csv_err)?;
    for i in ideas {
        w.row([
            i.rank.to_string(),
            i.label.clone(),
            i.keyphrases.join("; "),
            i.respondents.to_string(),
            i.sentences.to_string(),
            languages_text(&i.languages),
            i.avg_score.map(|s| format!("{s:.2}")).unwrap_or_default(),
            i.nps.map(|s| format!("{s:.1}")).unwrap_or_default(),
            format!("{:.3}", i.cohesion),
            i.examples
                .iter()
                .map(|e| format!("[{}] {}", e.lang, e.text))
                .collect::<Vec<_>>()
                .join(" | "),
        ])
        .map_err(csv_err)?;
    }
    Ok(w.flush().at(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ideas_csv_neutralizes_formula_labels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ideas.csv");
        let idea = Idea {
            rank: 1,
            label: "=HYPERLINK(\"http://x\",\"click\")".into(),
            label_lang: "en".into(),
            keyphrases: vec!["@SUM(A1)".into()],
            respondents: 3,
            sentences: 3,
            languages: vec![("en".into(), 3)],
            avg_score: Some(4.0),
            nps: Some(-100.0),
            cohesion: 0.5,
            examples: vec![IdeaExample {
                text: "+cmd".into(),
                lang: "en".into(),
                score: Some(4),
            }],
        };
        write_ideas_csv(&[idea], &path).unwrap();
        let mut r = csv::Reader::from_path(&path).unwrap();
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[1], "'=HYPERLINK(\"http://x\",\"click\")");
        assert_eq!(&row[2], "'@SUM(A1)");
        assert_eq!(&row[7], "-100.0", "numbers stay numbers");
    }

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = dot(v, v).sqrt();
        v.iter().map(|x| x / n).collect()
    }

    fn item(who: &str, text: &str, lang: &str, v: &[f32]) -> SuggestionItem {
        SuggestionItem {
            respondent: who.into(),
            text: text.into(),
            lang: lang.into(),
            score: Some(5),
            vector: unit(v),
        }
    }

    #[test]
    fn groups_counts_distinct_respondents_and_prefers_english_labels() {
        let items = vec![
            item("r1", "Saturday delivery please", "en", &[1.0, 0.05, 0.0]),
            item(
                "r1",
                "Also deliver on Sundays please",
                "en",
                &[1.0, 0.0, 0.05],
            ),
            item("r2", "משלוחים בשישי", "he", &[1.0, 0.02, 0.02]),
            item("r3", "live chat please", "en", &[0.0, 1.0, 0.0]),
            item("r4", "צ'אט חי", "he", &[0.0, 1.0, 0.03]),
            item("r5", "dark mode", "en", &[0.0, 0.0, 1.0]),
        ];
        let opts = IdeaOptions {
            threshold: 0.9,
            ..Default::default()
        };
        let r = group_ideas(&items, &opts);
        assert_eq!((r.suggestions, r.respondents, r.groups), (6, 5, 3));
        assert_eq!(r.ideas.len(), 2); // dark mode has one respondent (< min_count 2)
        assert_eq!((r.ideas[0].respondents, r.ideas[0].sentences), (2, 3));
        assert_eq!(r.ideas[0].label_lang, "en");
        assert_eq!(r.ideas[1].label, "live chat please");
        assert_eq!(
            r.ideas[0].languages,
            vec![("en".into(), 1), ("he".into(), 1)]
        );
    }

    #[test]
    fn bucketed_grouping_matches_exact_on_separated_data() {
        let mut vs: Vec<Vec<f32>> = Vec::new();
        for c in 0..4 {
            for k in 0..30 {
                let mut v = vec![0.0f32; 4];
                v[c] = 1.0;
                v[(c + 1) % 4] = 0.01 * (k % 5) as f32;
                vs.push(unit(&v));
            }
        }
        let refs: Vec<&[f32]> = vs.iter().map(|v| v.as_slice()).collect();
        let exact = group_vectors(&refs, &IdeaOptions::default());
        let bucketed = group_vectors(
            &refs,
            &IdeaOptions {
                max_exact: 20,
                ..Default::default()
            },
        );
        let distinct = |l: &[usize]| l.iter().collect::<BTreeSet<_>>().len();
        assert_eq!(distinct(&exact), 4);
        assert_eq!(distinct(&bucketed), 4);
        for i in 0..vs.len() {
            for j in 0..vs.len() {
                assert_eq!(exact[i] == exact[j], bucketed[i] == bucketed[j]);
            }
        }
    }
}

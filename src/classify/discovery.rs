//! Theme discovery without a codebook: spherical k-means over sentence embeddings, each cluster
//! labelled by its top keyphrases per language (class-based TF-IDF).
//!
//! Scale: centroids are fitted on a seeded sample (at most [`DiscoveryOptions::sample`] vectors,
//! k-means++ then Lloyd iterations), and every vector is then assigned in one streaming pass, so
//! memory is O(sample x dim + k x dim) and time O(n x k x dim): a million answers on two cores
//! take minutes, not the O(n^2) of agglomerative clustering. Clusters under
//! [`DiscoveryOptions::min_share`] are dissolved into their nearest neighbour, and sentences far
//! from every centroid (the least similar [`DiscoveryOptions::other_share`]) go to "other".

use super::codebook::{train_theme_classifier, Calibration, Codebook, ThemeDef, ThemeModel};
use super::mlp::Mlp;
use super::stopwords::is_stopword;
use crate::vector::ops::{
    nearest, spherical_kmeans, CenterTable, LanguageCenters, DISCOVERY_MIN_COUNT,
};
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Settings of discovery.
#[derive(Debug, Clone)]
pub struct DiscoveryOptions {
    /// Number of themes; `None` picks `sqrt(n / 3)` clamped to 4..=30.
    pub k: Option<usize>,
    /// Seed of sampling and initialization: the same seed gives the same themes.
    pub seed: u64,
    /// Most vectors used to fit centroids.
    pub sample: usize,
    /// Lloyd iterations on the sample.
    pub iterations: usize,
    /// Smallest theme, as a share of all sentences; smaller clusters are dissolved.
    pub min_share: f32,
    /// Share of sentences, the least similar to their centroid, that go to "other".
    pub other_share: f32,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        DiscoveryOptions {
            k: None,
            seed: 7,
            sample: 50_000,
            iterations: 25,
            min_share: 0.01,
            other_share: 0.05,
        }
    }
}

/// A text to cluster: its language and words (for keyphrases) and its vector.
pub struct DiscoveryItem<'a> {
    /// The sentence text.
    pub text: &'a str,
    /// Its language.
    pub lang: &'a str,
    /// Its embedding (L2-normalized).
    pub vector: &'a [f32],
}

/// A discovered theme.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoveredTheme {
    /// Stable id within this discovery (`t03-delivery`).
    pub id: String,
    /// Top keyphrases per language (languages with enough sentences in the theme).
    pub keyphrases: BTreeMap<String, Vec<String>>,
    /// Sentences assigned to the theme.
    pub size: usize,
    /// The most central sentences, a few per language.
    pub examples: Vec<String>,
    /// Unit-length centroid.
    pub centroid: Vec<f32>,
}

/// Result of discovery.
pub struct Discovery {
    /// Themes, largest first.
    pub themes: Vec<DiscoveredTheme>,
    /// Per item: theme index or `None` for "other".
    pub assignment: Vec<Option<usize>>,
    /// Similarity below which a sentence is "other".
    pub other_threshold: f32,
    /// Classifier of raw vectors into the themes (then "other"), for assigning new answers.
    pub classifier: Option<Mlp>,
}

/// Unigram and bigram terms of a sentence, stop words removed.
fn terms(text: &str) -> Vec<String> {
    crate::text::words::terms(text, is_stopword)
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(24).collect()
}

/// Number of themes: `opts.k`, or `sqrt(n / 3)` clamped to 4..=30; never more than `n`.
fn theme_count(n: usize, opts: &DiscoveryOptions) -> usize {
    opts.k
        .unwrap_or_else(|| ((n as f64 / 3.0).sqrt().round() as usize).clamp(4, 30))
        .min(n.max(1))
}

/// Seeded, sorted sample of at most `opts.sample` item indices.
fn sample_indices(n: usize, opts: &DiscoveryOptions) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut idx: Vec<usize> = if n > opts.sample {
        sample(&mut rng, n, opts.sample).into_vec()
    } else {
        (0..n).collect()
    };
    idx.sort_unstable(); // the sample's order must not depend on the sampler's internals
    idx
}

/// The per-language offsets and the k-means centroids fitted on the centered sample.
fn fit_centroids(
    items: &[DiscoveryItem],
    idx: &[usize],
    k: usize,
    opts: &DiscoveryOptions,
) -> (CenterTable, Vec<Vec<f32>>) {
    // Multilingual embeddings carry the language as a strong direction: two different
    // Hebrew complaints are nearer than one complaint in Hebrew and English. Clustering
    // after subtracting each language's mean vector groups by meaning across languages.
    let mut centers = LanguageCenters::default();
    items.iter().for_each(|it| centers.add(it.lang, it.vector));
    let offsets = centers.table_min_count(DISCOVERY_MIN_COUNT);
    let centered_sample: Vec<Vec<f32>> = idx
        .iter()
        .map(|&i| offsets.apply(items[i].lang, items[i].vector))
        .collect();
    let sample_vecs: Vec<&[f32]> = centered_sample.iter().map(Vec::as_slice).collect();
    let centroids = spherical_kmeans(&sample_vecs, k, opts.iterations, opts.seed);
    (offsets, centroids)
}

/// Assigns every item to its nearest centroid (and its similarity), dissolving the smallest
/// cluster under `min_size` and reassigning until none is left (or one cluster remains).
fn assign_dissolving(
    items: &[DiscoveryItem],
    offsets: &CenterTable,
    centroids: &mut Vec<Vec<f32>>,
    min_size: usize,
) -> Vec<(usize, f32)> {
    loop {
        let assign: Vec<(usize, f32)> = items
            .par_iter()
            .map(|it| nearest(&offsets.apply(it.lang, it.vector), centroids))
            .collect();
        let mut counts = vec![0usize; centroids.len()];
        assign.iter().for_each(|&(c, _)| counts[c] += 1);
        match (0..centroids.len())
            .filter(|&c| counts[c] < min_size)
            .min_by_key(|&c| counts[c])
        {
            Some(c) if centroids.len() > 1 => {
                centroids.remove(c);
            }
            _ => return assign,
        }
    }
}

/// The similarity below which the least similar `other_share` of the items go to "other".
fn other_threshold(assign: &[(usize, f32)], other_share: f32) -> f32 {
    let n = assign.len();
    let mut sims: Vec<f32> = assign.iter().map(|a| a.1).collect();
    sims.sort_by(|a, b| a.total_cmp(b));
    let q = ((other_share * n as f32) as usize).min(n.saturating_sub(1));
    sims.get(q).copied().unwrap_or(0.0)
}

/// Themes ordered by size for stable, readable ids: sizes per centroid, centroids by rank,
/// and each item's theme rank (`None` for "other").
fn rank_by_size(
    assign: &[(usize, f32)],
    n_centroids: usize,
    threshold: f32,
) -> (Vec<usize>, Vec<usize>, Vec<Option<usize>>) {
    let mut counts = vec![0usize; n_centroids];
    for &(c, s) in assign {
        if s >= threshold {
            counts[c] += 1;
        }
    }
    let mut order: Vec<usize> = (0..n_centroids).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(counts[c]));
    let rank: HashMap<usize, usize> = order.iter().enumerate().map(|(r, &c)| (c, r)).collect();
    let assignment: Vec<Option<usize>> = assign
        .iter()
        .map(|&(c, s)| (s >= threshold).then(|| rank[&c]))
        .collect();
    (counts, order, assignment)
}

/// Term counts for class-based TF-IDF: per theme and language, over all themes, and the mean
/// number of words per theme.
struct TermStats {
    tf: Vec<HashMap<String, HashMap<String, f32>>>,
    total: HashMap<String, f32>,
    avg_words: f32,
}

impl TermStats {
    fn count(items: &[DiscoveryItem], assignment: &[Option<usize>], nt: usize) -> TermStats {
        let mut tf: Vec<HashMap<String, HashMap<String, f32>>> = vec![HashMap::new(); nt];
        let mut total: HashMap<String, f32> = HashMap::new();
        let mut words_per_theme = vec![0f32; nt];
        for (it, a) in items.iter().zip(assignment) {
            let Some(t) = *a else { continue };
            for term in terms(it.text) {
                *tf[t]
                    .entry(it.lang.to_string())
                    .or_default()
                    .entry(term.clone())
                    .or_default() += 1.0;
                *total.entry(term).or_default() += 1.0;
                words_per_theme[t] += 1.0;
            }
        }
        let avg_words = words_per_theme.iter().sum::<f32>() / nt.max(1) as f32;
        TermStats {
            tf,
            total,
            avg_words,
        }
    }
}

/// Top five keyphrases per language of theme `r` (languages with at most one sentence in the
/// theme are skipped): term frequency in the theme, weighted by how rare the term is across
/// themes.
fn keyphrases(
    items: &[DiscoveryItem],
    assignment: &[Option<usize>],
    r: usize,
    stats: &TermStats,
) -> BTreeMap<String, Vec<String>> {
    let mut keyphrases = BTreeMap::new();
    let mut lang_sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for (it, a) in items.iter().zip(assignment) {
        if *a == Some(r) {
            *lang_sizes.entry(it.lang).or_default() += 1;
        }
    }
    for (lang, terms) in &stats.tf[r] {
        if lang_sizes.get(lang.as_str()).copied().unwrap_or(0) < 2 {
            continue;
        }
        let mut scored: Vec<(&String, f32)> = terms
            .iter()
            .filter(|(_, &f)| f >= 2.0)
            .map(|(t, &f)| (t, f * (1.0 + stats.avg_words / stats.total[t]).ln()))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let top: Vec<String> = scored.iter().take(5).map(|(t, _)| (*t).clone()).collect();
        if !top.is_empty() {
            keyphrases.insert(lang.clone(), top);
        }
    }
    keyphrases
}

/// The most central sentences of theme `r`, at most two per language, up to eight.
fn central_examples(
    items: &[DiscoveryItem],
    assign: &[(usize, f32)],
    assignment: &[Option<usize>],
    r: usize,
) -> Vec<String> {
    let mut members: Vec<(usize, f32)> = assign
        .iter()
        .enumerate()
        .filter(|(i, _)| assignment[*i] == Some(r))
        .map(|(i, &(_, s))| (i, s))
        .collect();
    members.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut per_lang: BTreeMap<&str, usize> = BTreeMap::new();
    let mut examples = Vec::new();
    for (i, _) in members {
        let l = per_lang.entry(items[i].lang).or_default();
        if *l < 2 && examples.len() < 8 && !examples.contains(&items[i].text.to_string()) {
            *l += 1;
            examples.push(items[i].text.to_string());
        }
    }
    examples
}

/// The id of theme `r`: `t03`, with the slug of its top (English if any) keyphrase appended.
fn theme_id(r: usize, keyphrases: &BTreeMap<String, Vec<String>>) -> String {
    let label = keyphrases
        .get("en")
        .or_else(|| keyphrases.values().next())
        .and_then(|v| v.first())
        .map(|s| slug(s))
        .unwrap_or_default();
    if label.is_empty() {
        format!("t{:02}", r + 1)
    } else {
        format!("t{:02}-{label}", r + 1)
    }
}

/// The pipeline assigns themes from raw vectors without knowing the run's language means,
/// so a classifier learns the clusters from the raw vectors of the sample (the "other"
/// answers are its last class): the clusters mix languages, so it learns what they share.
fn train_classifier(
    items: &[DiscoveryItem],
    idx: &[usize],
    assignment: &[Option<usize>],
    n_themes: usize,
) -> Option<Mlp> {
    let sample_rows: Vec<&[f32]> = idx.iter().map(|&i| items[i].vector).collect();
    let labels: Vec<usize> = idx
        .iter()
        .map(|&i| assignment[i].unwrap_or(n_themes))
        .collect();
    (n_themes > 0).then(|| train_theme_classifier(&sample_rows, &labels, n_themes + 1, 40))
}

/// Discovers themes among `items`: sample, fit centroids on language-centered vectors,
/// assign everything (dissolving small clusters, the least similar to "other"), rank themes
/// by size, label them with keyphrases and examples, and train a classifier of raw vectors.
pub fn discover(items: &[DiscoveryItem], opts: &DiscoveryOptions) -> Discovery {
    let n = items.len();
    let k = theme_count(n, opts);
    let idx = sample_indices(n, opts);
    let (offsets, mut centroids) = fit_centroids(items, &idx, k, opts);
    // Dissolve clusters too small to act on, then assign everything.
    let min_size = ((opts.min_share * n as f32).ceil() as usize).max(2);
    let assign = assign_dissolving(items, &offsets, &mut centroids, min_size);
    let other_threshold = other_threshold(&assign, opts.other_share);
    let (counts, order, assignment) = rank_by_size(&assign, centroids.len(), other_threshold);
    let stats = TermStats::count(items, &assignment, order.len());
    let themes: Vec<DiscoveredTheme> = order
        .iter()
        .enumerate()
        .map(|(r, &c)| {
            let keyphrases = keyphrases(items, &assignment, r, &stats);
            DiscoveredTheme {
                id: theme_id(r, &keyphrases),
                keyphrases,
                size: counts[c],
                examples: central_examples(items, &assign, &assignment, r),
                centroid: centroids[c].clone(),
            }
        })
        .collect();
    let classifier = train_classifier(items, &idx, &assignment, themes.len());
    Discovery {
        themes,
        assignment,
        other_threshold,
        classifier,
    }
}

/// A discovered theme as an editable codebook theme: the id stays, the name and description
/// come from keyphrases, the examples are the most central sentences.
pub fn theme_def(t: &DiscoveredTheme) -> ThemeDef {
    let phrases: Vec<&str> = t
        .keyphrases
        .values()
        .flat_map(|v| v.iter().take(3).map(String::as_str))
        .collect();
    ThemeDef {
        id: t.id.clone(),
        name: t
            .keyphrases
            .get("en")
            .or_else(|| t.keyphrases.values().next())
            .map(|v| v.iter().take(3).cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_else(|| t.id.clone()),
        description: format!("Answers about: {}", phrases.join(", ")),
        examples: t.examples.clone(),
        owner: None,
        parent: None,
    }
}

impl Discovery {
    /// The themes as an editable codebook (`--save-codebook`): ids stay, names and descriptions
    /// come from keyphrases, examples are the most central sentences.
    pub fn to_codebook(&self) -> Codebook {
        Codebook {
            themes: self.themes.iter().map(theme_def).collect(),
            none_examples: Vec::new(),
            calibration: None,
        }
    }

    /// A theme model that assigns new answers as discovery grouped them.
    pub fn to_theme_model(&self) -> ThemeModel {
        let ids: Vec<String> = self.themes.iter().map(|t| t.id.clone()).collect();
        match &self.classifier {
            Some(mlp) => ThemeModel::from_classifier(ids, mlp.clone(), Calibration::default()),
            None => ThemeModel::from_prototypes(ids, Vec::new(), Calibration::for_similarity()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::ops::planted;

    const TEXTS: [&str; 3] = [
        "late delivery again",
        "support agent helpful",
        "price too high",
    ];

    #[test]
    fn finds_planted_clusters_deterministically_with_keyphrases() {
        let vecs: Vec<Vec<f32>> = (0..60).map(|i| planted(i % 3, i, 8)).collect();
        let items: Vec<DiscoveryItem> = (0..60)
            .map(|i| DiscoveryItem {
                text: TEXTS[i % 3],
                lang: "en",
                vector: &vecs[i],
            })
            .collect();
        let opts = DiscoveryOptions {
            k: Some(3),
            other_share: 0.0,
            ..Default::default()
        };
        let a = discover(&items, &opts);
        let b = discover(&items, &opts);
        assert_eq!(a.themes, b.themes);
        assert_eq!(a.themes.len(), 3);
        for t in 0..3 {
            let members: Vec<usize> = (0..60).filter(|&i| a.assignment[i] == Some(t)).collect();
            assert_eq!(members.len(), 20);
            assert!(members.iter().all(|&i| i % 3 == members[0] % 3));
        }
        // Each theme is labeled by its own words: one carries "delivery", and its id is
        // made from its top keyphrase.
        let delivery = a
            .themes
            .iter()
            .find(|t| t.keyphrases["en"].contains(&"delivery".to_string()))
            .expect("a delivery theme");
        assert!(
            delivery.id.ends_with(&delivery.keyphrases["en"][0]),
            "{}",
            delivery.id
        );
        let cb = a.to_codebook();
        assert_eq!(cb.themes.len(), 3);
    }
}

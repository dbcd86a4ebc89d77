//! Splitting one large discovered theme into sub-themes (`verbatim analyze --themes K --split
//! delivery`): the sentences discovery put in that theme are clustered again with the same
//! method ([`discover`]: language-centred spherical k-means, keyphrase labels), and every
//! answer that raises the theme gets exactly one sub-theme, the one its theme sentence is
//! classified into. Sub-themes carry `parent: <theme>` in the saved codebook, so their counts,
//! impact and drivers roll up like a codebook's children ([`super::hierarchy`]), and the
//! sub-theme counts sum to the parent's count (one sub-theme per answer).

use super::codebook::{ThemeDef, ThemeModel};
use super::discovery::{discover, DiscoveredTheme, Discovery, DiscoveryItem, DiscoveryOptions};
use crate::record::{Response, ThemeMention};

/// The sub-themes of one theme.
pub struct Split {
    /// The split theme's id.
    pub parent: String,
    /// Sub-theme ids, `<parent>-s1-<label>`, largest first.
    pub ids: Vec<String>,
    /// The sub-themes as discovery found them (keyphrases, examples, sizes).
    pub themes: Vec<DiscoveredTheme>,
    /// Classifies a sentence vector into the sub-themes.
    model: ThemeModel,
}

/// The index of the theme `name` names among `themes`: its id (`t02-delivery`), the label
/// of its id (`delivery`), or else the first (largest) theme with `name` among its
/// keyphrases. The error lists the ids.
pub fn find_theme(themes: &[DiscoveredTheme], name: &str) -> Result<usize, String> {
    let name = name.trim().to_lowercase();
    let label = |id: &str| id.split_once('-').map(|(_, l)| l.to_string());
    themes
        .iter()
        .position(|t| t.id == name)
        .or_else(|| {
            themes
                .iter()
                .position(|t| label(&t.id).as_deref() == Some(&name))
        })
        .or_else(|| {
            themes
                .iter()
                .position(|t| t.keyphrases.values().flatten().any(|k| *k == name))
        })
        .ok_or_else(|| {
            let ids: Vec<&str> = themes.iter().map(|t| t.id.as_str()).collect();
            format!(
                "--split {name}: no discovered theme is called so or has it as a keyphrase; \
                 the themes are {}",
                ids.join(", ")
            )
        })
}

/// Number of sub-themes for `n` sentences: `sqrt(n / 3)`, 2 to 5.
fn sub_count(n: usize) -> usize {
    ((n as f64 / 3.0).sqrt().round() as usize).clamp(2, 5)
}

/// Splits theme `name` of discovery `d` (over `items`) into sub-themes. Errors when the name
/// matches no theme or the theme has too few sentences to split (fewer than 6).
pub fn split_theme(
    items: &[DiscoveryItem],
    d: &Discovery,
    name: &str,
    opts: &DiscoveryOptions,
) -> Result<Split, String> {
    let r = find_theme(&d.themes, name)?;
    let parent = d.themes[r].id.clone();
    let members: Vec<DiscoveryItem> = items
        .iter()
        .zip(&d.assignment)
        .filter(|(_, a)| **a == Some(r))
        .map(|(it, _)| DiscoveryItem {
            text: it.text,
            lang: it.lang,
            vector: it.vector,
        })
        .collect();
    if members.len() < 6 {
        return Err(format!(
            "--split {name}: theme {parent} has {} sentences, too few to split (6 or more)",
            members.len()
        ));
    }
    let sub_opts = DiscoveryOptions {
        k: Some(sub_count(members.len())),
        min_share: 0.05,
        other_share: 0.0,
        ..opts.clone()
    };
    let mut sub = discover(&members, &sub_opts);
    for (i, t) in sub.themes.iter_mut().enumerate() {
        t.id = match t.id.split_once('-') {
            Some((_, label)) => format!("{parent}-s{}-{label}", i + 1),
            None => format!("{parent}-s{}", i + 1),
        };
    }
    Ok(Split {
        parent,
        ids: sub.themes.iter().map(|t| t.id.clone()).collect(),
        model: sub.to_theme_model(),
        themes: sub.themes,
    })
}

impl Split {
    /// Gives an answer that raises the parent theme its one sub-theme: the sub-theme its
    /// parent sentence (`sentences[m.sentence]`, else the answer vector) is most likely in,
    /// with the parent mention's sentence and sentiment. Answers without the parent are left
    /// as they are.
    pub fn apply(&self, r: &mut Response, answer: &[f32], sentences: &[Vec<f32>]) {
        let Some(m) = r.themes.iter().find(|m| m.theme == self.parent).cloned() else {
            return;
        };
        let v = sentences.get(m.sentence).map_or(answer, Vec::as_slice);
        let probs = self.model.similarities(v);
        let Some((best, p)) = probs
            .iter()
            .copied()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))
        else {
            return;
        };
        let id = self.ids[best].clone();
        if let Some(s) = r.sentences.get_mut(m.sentence) {
            s.themes.push(id.clone());
        }
        r.themes.push(ThemeMention {
            theme: id,
            score: p,
            ..m
        });
        r.themes.sort_by(|a, b| b.score.total_cmp(&a.score));
    }

    /// The sub-themes as codebook themes with `parent:` set (for `--save-codebook`).
    pub fn codebook_themes(&self) -> Vec<ThemeDef> {
        self.themes
            .iter()
            .map(|t| ThemeDef {
                parent: Some(self.parent.clone()),
                ..super::discovery::theme_def(t)
            })
            .collect()
    }
}

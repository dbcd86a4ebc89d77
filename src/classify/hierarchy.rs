//! Theme hierarchy: a codebook theme may name a `parent:` (another theme of the same codebook,
//! one level deep). An answer that raises a child theme also raises its parent, with the
//! child's sentence and sentiment ([`roll_up`]), so everything counted per theme downstream
//! (stats.json, NPS impact, drivers, search facets, `theme:` filters) rolls up to the parent
//! without a second code path (the codebook checks the parents when it loads). [`tree_order`] lists themes with each parent followed by its
//! children, for the report and the workspace.

use crate::record::Response;
use std::collections::BTreeMap;

/// Adds the parent of every raised child theme to the answer's mentions (strongest child
/// mention's sentence, sentiment and score) and to the themes of the sentences that raise
/// the child.
pub fn roll_up(r: &mut Response, parents: &BTreeMap<String, String>) {
    if parents.is_empty() {
        return;
    }
    let mut added: BTreeMap<String, crate::record::ThemeMention> = BTreeMap::new();
    for m in &r.themes {
        let Some(p) = parents.get(&m.theme) else {
            continue;
        };
        if r.themes.iter().any(|x| &x.theme == p) {
            continue;
        }
        let better = added.get(p).is_none_or(|a| m.score > a.score);
        if better {
            let mut pm = m.clone();
            pm.theme = p.clone();
            added.insert(p.clone(), pm);
        }
    }
    r.themes.extend(added.into_values());
    for s in &mut r.sentences {
        let ps: Vec<String> = s
            .themes
            .iter()
            .filter_map(|t| parents.get(t))
            .filter(|p| !s.themes.contains(p))
            .cloned()
            .collect();
        for p in ps {
            if !s.themes.contains(&p) {
                s.themes.push(p);
            }
        }
    }
}

/// `ids` reordered so each parent is followed by its children (children in their `ids`
/// order); themes without a parent keep their order. Returns (id, depth) with depth 1 for a
/// child.
pub fn tree_order(ids: &[String], parents: &BTreeMap<String, String>) -> Vec<(String, usize)> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids
        .iter()
        .filter(|i| parents.get(*i).is_none_or(|p| !ids.contains(p)))
    {
        out.push((id.clone(), 0));
        for c in ids.iter().filter(|c| parents.get(*c) == Some(id)) {
            out.push((c.clone(), 1));
        }
    }
    out
}

/// `rows` in [`tree_order`] of their ids (`id` of a row).
pub fn tree_sorted<T>(
    rows: Vec<T>,
    id: impl Fn(&T) -> &String,
    parents: &BTreeMap<String, String>,
) -> Vec<T> {
    let ids: Vec<String> = rows.iter().map(|r| id(r).clone()).collect();
    let mut by_id: BTreeMap<String, T> = rows.into_iter().map(|r| (id(&r).clone(), r)).collect();
    tree_order(&ids, parents)
        .into_iter()
        .filter_map(|(i, _)| by_id.remove(&i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{SentimentLabel, ThemeMention};

    #[test]
    fn tree_order_puts_children_under_parents() {
        let ids: Vec<String> = ["wait", "delivery", "support", "late"]
            .map(String::from)
            .into();
        let parents = BTreeMap::from([
            ("wait".to_string(), "support".to_string()),
            ("late".to_string(), "delivery".to_string()),
        ]);
        let got = tree_order(&ids, &parents);
        let want: Vec<(String, usize)> =
            [("delivery", 0), ("late", 1), ("support", 0), ("wait", 1)]
                .map(|(a, b)| (a.to_string(), b))
                .into();
        assert_eq!(got, want);
    }

    #[test]
    fn roll_up_adds_the_parent_once() {
        let mention = |t: &str, score: f32, sentence: usize| ThemeMention {
            theme: t.into(),
            score,
            sentence,
            sentiment: SentimentLabel::Negative,
        };
        let mut r: Response = serde_json::from_value(serde_json::json!({
            "seq": 0, "row": 1, "id": "a", "text": "x. y.", "score": 3, "nps_group": "detractor",
            "date": null, "segments": {}, "fields": {}, "lang": "en", "lang_confidence": 1.0,
            "sentiment": {"label": "negative", "probs": [0.8, 0.1, 0.1]}, "mixed": false,
            "themes": [], "sentences": [
                {"text": "x.", "start": 0, "end": 2, "sentiment": {"label": "negative", "probs": [0.8, 0.1, 0.1]}, "themes": ["late"], "suggestion": false},
                {"text": "y.", "start": 3, "end": 5, "sentiment": {"label": "negative", "probs": [0.8, 0.1, 0.1]}, "themes": ["lost"], "suggestion": false}]
        }))
        .unwrap();
        r.themes = vec![mention("late", 0.6, 0), mention("lost", 0.9, 1)];
        let parents = BTreeMap::from([
            ("late".to_string(), "delivery".to_string()),
            ("lost".to_string(), "delivery".to_string()),
        ]);
        roll_up(&mut r, &parents);
        let delivery: Vec<&ThemeMention> =
            r.themes.iter().filter(|m| m.theme == "delivery").collect();
        assert_eq!(delivery.len(), 1);
        assert_eq!((delivery[0].sentence, delivery[0].score), (1, 0.9));
        assert_eq!(r.sentences[0].themes, ["late", "delivery"]);
        roll_up(&mut r, &parents);
        assert_eq!(r.themes.len(), 3, "idempotent");
    }
}

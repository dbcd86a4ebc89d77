//! Exact facet counts over every answer a keyword query matches: a tantivy collector reading
//! the raw-string fast fields (an ordinal lookup per matching answer and field).

use super::super::{sort_facet, FacetCounts, FacetValue};
use crate::index::schema::{LANG, NPS, SEGMENT, SEGMENT_SEP, SENTIMENT, THEME};
use std::collections::BTreeMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// The counted fields, in [`Counts`] order.
const FIELDS: [&str; 5] = [THEME, SENTIMENT, LANG, NPS, SEGMENT];

/// Value counts per counted field.
pub type Counts = [BTreeMap<String, u64>; 5];

/// Counts facet values of the matching answers.
pub struct FacetCollector;

/// Per-segment counts by term ordinal.
pub struct SegmentFacets {
    columns: Vec<Option<(StrColumn, Vec<u64>)>>,
}

impl Collector for FacetCollector {
    type Fruit = Counts;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let ff = segment.fast_fields();
        let mut columns = Vec::with_capacity(FIELDS.len());
        for f in FIELDS {
            columns.push(ff.str(f)?.map(|c| {
                let n = c.num_terms();
                (c, vec![0u64; n])
            }));
        }
        Ok(SegmentFacets { columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut out = Counts::default();
        for fruit in fruits {
            for (into, from) in out.iter_mut().zip(fruit) {
                for (k, v) in from {
                    *into.entry(k).or_default() += v;
                }
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (col, counts) in self.columns.iter_mut().flatten() {
            for ord in col.term_ords(doc) {
                if let Some(n) = counts.get_mut(ord as usize) {
                    *n += 1;
                }
            }
        }
    }

    fn harvest(self) -> Counts {
        let mut out = Counts::default();
        for (into, col) in out.iter_mut().zip(self.columns) {
            let Some((col, counts)) = col else { continue };
            let mut s = String::new();
            for (ord, &n) in counts.iter().enumerate() {
                if n > 0 && col.ord_to_str(ord as u64, &mut s).unwrap_or(false) {
                    into.insert(s.clone(), n);
                }
            }
        }
        out
    }
}

fn list(m: BTreeMap<String, u64>) -> Vec<FacetValue> {
    let mut v: Vec<FacetValue> = m
        .into_iter()
        .map(|(value, count)| FacetValue { value, count })
        .collect();
    sort_facet(&mut v);
    v
}

/// The counts as [`FacetCounts`], each list most frequent first.
pub fn facet_counts(c: Counts) -> FacetCounts {
    let [theme, sentiment, lang, nps, segment] = c;
    let mut segs: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (k, n) in segment {
        if let Some((col, val)) = k.split_once(SEGMENT_SEP) {
            segs.entry(col.to_string())
                .or_default()
                .insert(val.to_string(), n);
        }
    }
    FacetCounts {
        theme: list(theme),
        sentiment: list(sentiment),
        lang: list(lang),
        nps: list(nps),
        segments: segs.into_iter().map(|(k, v)| (k, list(v))).collect(),
    }
}

//! What of an answer is embedded, and how a batch of answers is laid out for one encoder call.
//!
//! [`EmbedUnits::of`] is the text stage's cut of one answer into units: the normalized answer,
//! its sentences and the clauses of its sentences, capped ([`MAX_EMBED_SENTENCES`],
//! [`MAX_EMBED_CHARS`], [`MAX_UNIT_CHARS`]); [`EmbedUnits::whole`] is the same without the caps
//! (`eval`). [`EmbedPlan`] lays the units of many answers out
//! for one encoder call, and the [`Span`] each [`EmbedPlan::push`] returns finds an answer's
//! rows in the encoder's output again ([`Span::split`]). `analyze`, `eval` and the analyze
//! bench all embed through these, so they lay out the same units.

use super::{EncodeError, Encoded, Encoder, Part, TextKind};
use crate::text;
use std::ops::Range;

/// Most sentences of one answer that are embedded and analyzed; later ones stay in the
/// answer's text but get no sentence result.
pub const MAX_EMBED_SENTENCES: usize = 64;

/// Most characters of one unit (answer, sentence or clause) handed to the encoder, which
/// then also cuts it to its token limit (512 tokens for e5-small).
pub const MAX_UNIT_CHARS: usize = 8_192;

/// Most characters of an answer's sentences that are embedded, all sentences together
/// (sentences after the one that reaches it are left out like those past
/// [`MAX_EMBED_SENTENCES`]).
pub const MAX_EMBED_CHARS: usize = 16_384;

/// The units of one answer that are embedded, as model text ([`text::normalize::for_model`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedUnits {
    /// The whole answer (its first [`MAX_UNIT_CHARS`] characters).
    pub answer: String,
    /// Sentences with text: (byte range in the answer, model text).
    pub sentences: Vec<(Range<usize>, String)>,
    /// Clauses of those sentences that split: (sentence index, model text).
    pub clauses: Vec<(usize, String)>,
    /// Some units were left out or cut ([`MAX_EMBED_SENTENCES`], [`MAX_EMBED_CHARS`],
    /// [`MAX_UNIT_CHARS`]).
    pub capped: bool,
}

/// The first `max` characters of `s` and whether it was longer.
pub(crate) fn cut_chars(s: &str, max: usize) -> (&str, bool) {
    match s.char_indices().nth(max) {
        Some((at, _)) => (&s[..at], true),
        None => (s, false),
    }
}

/// How much of an answer [`EmbedUnits`] keeps.
#[derive(Debug, Clone, Copy)]
struct Caps {
    /// Most sentences, and most clauses.
    sentences: usize,
    /// Most characters of the sentences together.
    sentence_chars: usize,
    /// Most characters of one unit.
    unit_chars: usize,
}

impl Caps {
    /// What `analyze` embeds of an answer.
    const ANALYZE: Caps = Caps {
        sentences: MAX_EMBED_SENTENCES,
        sentence_chars: MAX_EMBED_CHARS,
        unit_chars: MAX_UNIT_CHARS,
    };
    /// Everything.
    const NONE: Caps = Caps {
        sentences: usize::MAX,
        sentence_chars: usize::MAX,
        unit_chars: usize::MAX,
    };
}

impl EmbedUnits {
    /// The units of answer `raw` that `analyze` embeds (capped).
    pub fn of(raw: &str) -> EmbedUnits {
        Self::with_caps(raw, Caps::ANALYZE)
    }

    /// The units of `raw` without the caps: `eval` embeds labeled texts whole, as it always
    /// has, so its published scores stay comparable (the same units as [`EmbedUnits::of`] for
    /// every text within the caps).
    pub fn whole(raw: &str) -> EmbedUnits {
        Self::with_caps(raw, Caps::NONE)
    }

    fn with_caps(raw: &str, caps: Caps) -> EmbedUnits {
        let (answer_text, mut capped) = cut_chars(raw, caps.unit_chars);
        let mut sentences: Vec<(Range<usize>, String)> = Vec::new();
        let mut chars = 0;
        for r in text::segment::sentences(raw) {
            let (unit, cut) = cut_chars(&raw[r.clone()], caps.unit_chars);
            let t = text::normalize::for_model(unit);
            if t.is_empty() {
                continue;
            }
            if sentences.len() == caps.sentences || chars >= caps.sentence_chars {
                capped = true;
                break;
            }
            capped |= cut;
            chars += unit.chars().count();
            sentences.push((r, t));
        }
        EmbedUnits {
            answer: text::normalize::for_model(answer_text),
            clauses: clauses(raw, &sentences, caps),
            sentences,
            capped,
        }
    }
}

/// The clauses of `sentences` of `raw` that split, at most `caps.sentences`.
fn clauses(raw: &str, sentences: &[(Range<usize>, String)], caps: Caps) -> Vec<(usize, String)> {
    sentences
        .iter()
        .enumerate()
        .flat_map(|(si, (r, _))| {
            let sentence = &raw[r.clone()];
            text::segment::clauses(sentence).into_iter().map(move |c| {
                let (unit, _) = cut_chars(&sentence[c], caps.unit_chars);
                (si, text::normalize::for_model(unit))
            })
        })
        .take(caps.sentences)
        .collect()
}

/// The units of many answers laid out for one encoder call: per answer its text, then its
/// sentences if it has more than one (a one-sentence answer's sentence vector is its answer
/// vector), then its clauses. Each [`EmbedPlan::push`] returns the [`Span`] that finds the
/// answer's rows in the output of [`EmbedPlan::encode`] again.
///
/// A sentence or clause found in its answer's model text is a [`Part`] of it (which the
/// encoder embeds alone or pools from the answer's own pass, see [`super::Parts`]); one that
/// is not found (normalization changed it) is a text of its own.
#[derive(Debug, Default)]
pub struct EmbedPlan<'a> {
    texts: Vec<&'a str>,
    parts: Vec<Part>,
    /// Each unit in push order: a text (`Ok`) or a part (`Err`), by index.
    layout: Vec<Result<usize, usize>>,
}

/// Where one answer's units sit in an [`EmbedPlan`]'s texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Row of the answer; its own sentences and then its clauses follow.
    at: usize,
    /// Number of sentences.
    sentences: usize,
    /// The sentences have rows of their own (more than one sentence).
    own_sentences: bool,
    /// The sentence index of each clause, in row order.
    clause_of: Vec<usize>,
}

/// One answer's rows of an encoder output (vectors, sentiments, ...), taken out by
/// [`Span::split`].
#[derive(Debug, Clone, PartialEq)]
pub struct Split<T> {
    /// The answer's row.
    pub answer: T,
    /// One row per sentence (the answer's row again for a one-sentence answer).
    pub sentences: Vec<T>,
    /// One row per clause, with the index of its sentence.
    pub clauses: Vec<(usize, T)>,
}

impl<'a> EmbedPlan<'a> {
    /// Adds the units of one answer; returns where they sit.
    pub fn push(&mut self, units: &'a EmbedUnits) -> Span {
        let span = Span {
            at: self.layout.len(),
            sentences: units.sentences.len(),
            own_sentences: units.sentences.len() > 1,
            clause_of: units.clauses.iter().map(|(si, _)| *si).collect(),
        };
        let answer = self.text(&units.answer);
        let mut found: Vec<Option<Range<usize>>> = vec![None; units.sentences.len()];
        if span.own_sentences {
            let mut from = 0;
            for ((_, t), at) in units.sentences.iter().zip(&mut found) {
                *at = find(&units.answer, t, from);
                from = at.as_ref().map_or(from, |r| r.end);
                self.unit(answer, t, at.clone());
            }
        }
        let mut from = vec![0; units.sentences.len()];
        for (si, t) in &units.clauses {
            let within = match (span.own_sentences, &found[*si]) {
                (false, _) => Some(0..units.answer.len()),
                (true, r) => r.clone(),
            };
            let at = within.and_then(|w| {
                let r = find(&units.answer[..w.end], t, w.start + from[*si])?;
                from[*si] = r.end - w.start;
                Some(r)
            });
            self.unit(answer, t, at);
        }
        span
    }

    /// Adds `t` as a text of its own; returns its text index.
    fn text(&mut self, t: &'a str) -> usize {
        self.layout.push(Ok(self.texts.len()));
        self.texts.push(t);
        self.texts.len() - 1
    }

    /// Adds a sentence or clause `t`: a part of text `answer` at `range` when it was found
    /// there, else a text of its own.
    fn unit(&mut self, answer: usize, t: &'a str, range: Option<Range<usize>>) {
        match range {
            Some(range) => {
                self.layout.push(Err(self.parts.len()));
                self.parts.push(Part { of: answer, range });
            }
            None => {
                self.text(t);
            }
        }
    }

    /// How many units the plan holds (rows of [`EmbedPlan::encode`]'s result).
    pub fn len(&self) -> usize {
        self.layout.len()
    }

    /// Whether the plan holds no unit.
    pub fn is_empty(&self) -> bool {
        self.layout.is_empty()
    }

    /// The texts of the plan (the answers, and the units not found in them); the rest are
    /// parts of these.
    pub fn texts(&self) -> &[&'a str] {
        &self.texts
    }

    /// Each unit's text in push order (a part's is its range of its answer): what an encoder
    /// that embeds parts alone is fed.
    pub fn unit_texts(&self) -> Vec<&'a str> {
        let layout = self.layout.iter();
        layout
            .map(|u| match *u {
                Ok(i) => self.texts[i],
                Err(j) => &self.texts[self.parts[j].of][self.parts[j].range.clone()],
            })
            .collect()
    }

    /// Embeds every unit in one encoder call; rows in push order (see [`Span::split`]).
    pub fn encode(&self, encoder: &dyn Encoder, kind: TextKind) -> Result<Encoded, EncodeError> {
        let all = encoder.encode_parts(&self.texts, &self.parts, kind)?;
        let row = |u: &Result<usize, usize>| match *u {
            Ok(i) => i,
            Err(j) => self.texts.len() + j,
        };
        Ok(Encoded {
            vectors: self
                .layout
                .iter()
                .map(|u| all.vectors[row(u)].clone())
                .collect(),
            sentiment: all
                .sentiment
                .map(|p| self.layout.iter().map(|u| p[row(u)]).collect()),
        })
    }
}

/// Byte range of the first `needle` in `hay` at or after byte `from` (a char boundary).
fn find(hay: &str, needle: &str, from: usize) -> Option<Range<usize>> {
    let at = from + hay.get(from..)?.find(needle)?;
    Some(at..at + needle.len())
}

impl Span {
    /// This answer's rows of `rows`, an encoder output in [`EmbedPlan`] order.
    pub fn split<T: Clone>(&self, rows: &[T]) -> Split<T> {
        let answer = rows[self.at].clone();
        let mut at = self.at + 1;
        let sentences = if self.own_sentences {
            at += self.sentences;
            rows[at - self.sentences..at].to_vec()
        } else {
            vec![answer.clone(); self.sentences]
        };
        let clauses = self
            .clause_of
            .iter()
            .zip(&rows[at..at + self.clause_of.len()])
            .map(|(si, row)| (*si, row.clone()))
            .collect();
        Split {
            answer,
            sentences,
            clauses,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every unit's text, in the order the plan lays it out, and how many texts it has.
    fn plan_of(answers: &[EmbedUnits]) -> (Vec<String>, Vec<Span>, usize) {
        let mut plan = EmbedPlan::default();
        let spans: Vec<Span> = answers.iter().map(|u| plan.push(u)).collect();
        let texts = plan.unit_texts().iter().map(|t| t.to_string()).collect();
        (texts, spans, plan.texts().len())
    }

    #[test]
    fn sentences_and_clauses_are_parts_of_their_answer_and_found_at_their_place() {
        let answers: Vec<EmbedUnits> = [
            "Great staff, but the delivery was late. Prices went up again!",
            "Fix it. Fix it. And the app crashes when I pay, but support is kind.",
            "Fine.",
            "מחיר גבוה, אבל שירות מצוין. תודה!",
        ]
        .iter()
        .map(|t| EmbedUnits::of(t))
        .collect();
        let (units, _, texts) = plan_of(&answers);
        // Every sentence and clause was found in its answer: only the answers are texts.
        assert_eq!(texts, answers.len());
        assert!(units.len() > 2 * answers.len());
        // A repeated sentence is found at its own place: parts of one answer do not overlap.
        let mut plan = EmbedPlan::default();
        plan.push(&answers[1]);
        let ranges: Vec<_> = plan.parts.iter().map(|p| p.range.clone()).collect();
        assert_eq!(&ranges[..2], &[0..7, 8..15]);
    }

    #[test]
    fn push_then_split_gives_each_answer_its_own_units_back() {
        let answers: Vec<EmbedUnits> = [
            "Great staff, but the delivery was late. Prices went up again!",
            "Fine.",
            "The app crashes when I pay, and support never answers. Fix it. Please.",
            "...",
        ]
        .iter()
        .map(|t| EmbedUnits::of(t))
        .collect();
        assert!(
            answers.iter().any(|u| !u.clauses.is_empty()),
            "the test needs clauses"
        );
        let (texts, spans, _) = plan_of(&answers);
        // Splitting the plan's own texts must give each answer its texts back.
        for (u, span) in answers.iter().zip(&spans) {
            let got = span.split(&texts);
            assert_eq!(got.answer, u.answer);
            let want: Vec<String> = match u.sentences.len() {
                1 => vec![u.answer.clone()],
                _ => u.sentences.iter().map(|(_, t)| t.clone()).collect(),
            };
            assert_eq!(got.sentences, want);
            assert_eq!(got.clauses, u.clauses);
        }
        let units: usize = answers
            .iter()
            .map(|u| {
                1 + u.clauses.len()
                    + if u.sentences.len() > 1 {
                        u.sentences.len()
                    } else {
                        0
                    }
            })
            .sum();
        assert_eq!(texts.len(), units, "every unit is embedded once");
    }

    #[test]
    fn long_answers_are_capped() {
        let many = "Short one. ".repeat(MAX_EMBED_SENTENCES + 10);
        let u = EmbedUnits::of(&many);
        assert_eq!(u.sentences.len(), MAX_EMBED_SENTENCES);
        assert!(u.capped);
        let whole = EmbedUnits::whole(&many);
        assert_eq!(whole.sentences.len(), MAX_EMBED_SENTENCES + 10);
        assert!(!whole.capped);
        let huge = "x".repeat(MAX_UNIT_CHARS + 5);
        let u = EmbedUnits::of(&huge);
        assert_eq!(u.answer.chars().count(), MAX_UNIT_CHARS);
        assert!(u.capped);
        assert_eq!(EmbedUnits::whole(&huge).answer, huge);
        let short = "A short answer, with a clause. And a second sentence.";
        assert!(!EmbedUnits::of(short).capped);
        assert_eq!(EmbedUnits::of(short), EmbedUnits::whole(short));
    }
}

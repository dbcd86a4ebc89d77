//! Closing the loop: which answers need a response, and from whom.
//!
//! An answer needs a follow-up when it is a detractor's (score 0-6), when one of its sentences
//! is negative and raises a theme that has an `owner` in the codebook, or when it asks to be
//! contacted ([`CONTACT_CUES`], matched on folded text in any of the run's languages). It goes
//! to the owners of the themes it raises (a negative-owned-theme answer only to the owners of
//! the themes its negative sentences raise), or to `unassigned` when none of them has an owner.
//! Each owner's list is worst first: lowest score first (answers without a score after the
//! detractors, as a 7), then the most negative answer first, then by id.

use crate::classify::codebook::Codebook;
use crate::record::{NpsGroup, Response, SentimentLabel};
use crate::safe_csv::SafeCsv;
use crate::text::normalize::fold;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Owner of answers whose themes have none.
pub const UNASSIGNED: &str = "unassigned";

/// Phrases that ask to be contacted, in the languages verbatim reads; matched after
/// [`fold`] (lower case, marks stripped, Arabic/Persian letters unified) on both sides.
pub const CONTACT_CUES: &[&str] = &[
    // en
    "call me",
    "contact me",
    "call me back",
    "get back to me",
    "reach out to me",
    "phone me",
    "email me",
    // he
    "חזרו אליי",
    "חזרו אלי",
    "תחזרו אליי",
    "תתקשרו",
    "התקשרו אליי",
    "צרו איתי קשר",
    "צרו קשר",
    // fa
    "با من تماس بگیرید",
    "باهام تماس بگیرید",
    "بهم زنگ بزنید",
    "با من تماس",
    // ar
    "اتصلوا بي",
    "تتصلوا بي",
    "اتصلوا علي",
    "تواصلوا معي",
    "اتصل بي",
    "كلموني",
    // de
    "ruft mich an",
    "rufen sie mich an",
    "kontaktieren sie mich",
    "melden sie sich bei mir",
    // es
    "llámenme",
    "llamadme",
    "llámame",
    "contáctenme",
    "contactadme",
    // fr
    "rappelez-moi",
    "rappelez moi",
    "appelez-moi",
    "contactez-moi",
    // ru
    "перезвоните",
    "позвоните мне",
    "свяжитесь со мной",
];

/// Whether `text` asks to be contacted: a cue of [`CONTACT_CUES`] as whole words.
pub fn asks_for_contact(text: &str) -> bool {
    let t = fold(text);
    CONTACT_CUES.iter().any(|c| contains_words(&t, &fold(c)))
}

/// Whether `needle` occurs in `hay` with no letter or digit right before or after it.
fn contains_words(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, m)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + m.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Why an answer is on a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Score 0-6.
    Detractor,
    /// A negative sentence raises a theme this owner owns.
    NegativeOwnedTheme,
    /// The answer asks to be contacted.
    AsksForContact,
}

impl Reason {
    /// The reason in words.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Detractor => "detractor",
            Reason::NegativeOwnedTheme => "negative about an owned theme",
            Reason::AsksForContact => "asks for contact",
        }
    }
}

/// One answer on one owner's list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUp {
    /// Position in responses.jsonl.
    pub seq: u64,
    /// Respondent id.
    pub id: String,
    /// Score, when known.
    pub score: Option<u8>,
    /// Theme ids of the answer.
    pub themes: Vec<String>,
    /// The sentence that triggered the follow-up.
    pub trigger: String,
    /// Why it is listed.
    pub reasons: Vec<Reason>,
    /// Segment values.
    pub segments: BTreeMap<String, String>,
    /// Negative probability of the answer (for ordering).
    pub negative: f32,
}

/// Follow-up lists by owner, worst first.
pub type FollowUps = BTreeMap<String, Vec<FollowUp>>;

/// Theme id -> owner, from a codebook.
pub fn owners_of(cb: &Codebook) -> BTreeMap<String, String> {
    cb.themes
        .iter()
        .filter_map(|t| {
            let o = t.owner.as_deref()?.trim();
            (!o.is_empty()).then(|| (t.id.clone(), o.to_string()))
        })
        .collect()
}

/// The sentence a reason points at: a contact request, else the most negative sentence
/// raising one of `themes`, else the most negative sentence.
fn trigger(r: &Response, themes: &BTreeSet<&str>, contact: bool) -> String {
    let neg = |i: usize| r.sentences[i].sentiment.probs[SentimentLabel::Negative.index()];
    let pick = |f: &dyn Fn(usize) -> bool| {
        (0..r.sentences.len())
            .filter(|&i| f(i))
            .max_by(|&a, &b| neg(a).total_cmp(&neg(b)).then(b.cmp(&a)))
    };
    let i = contact
        .then(|| pick(&|i| asks_for_contact(&r.sentences[i].text)))
        .flatten()
        .or_else(|| {
            pick(&|i| {
                r.sentences[i]
                    .themes
                    .iter()
                    .any(|t| themes.contains(t.as_str()))
            })
        })
        .or_else(|| pick(&|_| true));
    i.map_or_else(|| r.text.clone(), |i| r.sentences[i].text.clone())
}

/// The owners an answer goes to, with the reasons for each; empty when it needs no follow-up.
fn route(r: &Response, owners: &BTreeMap<String, String>) -> BTreeMap<String, Vec<Reason>> {
    let mut base = Vec::new();
    if r.nps_group == Some(NpsGroup::Detractor) {
        base.push(Reason::Detractor);
    }
    if asks_for_contact(&r.text) {
        base.push(Reason::AsksForContact);
    }
    let negative_owned: BTreeSet<&String> = r
        .sentences
        .iter()
        .filter(|s| s.sentiment.label == SentimentLabel::Negative)
        .flat_map(|s| s.themes.iter())
        .chain(
            r.themes
                .iter()
                .filter(|m| m.sentiment == SentimentLabel::Negative)
                .map(|m| &m.theme),
        )
        .filter_map(|t| owners.get(t))
        .collect();
    let mut out: BTreeMap<String, Vec<Reason>> = BTreeMap::new();
    for o in &negative_owned {
        out.entry(o.to_string())
            .or_default()
            .push(Reason::NegativeOwnedTheme);
    }
    if !base.is_empty() {
        let all: BTreeSet<&String> = r
            .themes
            .iter()
            .filter_map(|m| owners.get(&m.theme))
            .collect();
        if all.is_empty() {
            out.insert(UNASSIGNED.to_string(), base.clone());
        }
        for o in all {
            let v = out.entry(o.clone()).or_default();
            v.extend(&base);
            v.sort();
        }
    }
    out
}

/// Builds the follow-up lists of `responses` under `owners` (theme id -> owner).
pub fn followups<I>(responses: I, owners: &BTreeMap<String, String>) -> FollowUps
where
    I: IntoIterator<Item = Response>,
{
    let mut lists: FollowUps = BTreeMap::new();
    for r in responses {
        for (owner, reasons) in route(&r, owners) {
            let mine: BTreeSet<&str> = r
                .themes
                .iter()
                .filter(|m| owner == UNASSIGNED || owners.get(&m.theme) == Some(&owner))
                .map(|m| m.theme.as_str())
                .collect();
            let contact = reasons.contains(&Reason::AsksForContact);
            let item = FollowUp {
                seq: r.seq,
                id: r.id.clone(),
                score: r.score,
                themes: r.themes.iter().map(|m| m.theme.clone()).collect(),
                trigger: trigger(&r, &mine, contact),
                reasons,
                segments: r.segments.clone(),
                negative: r.sentiment.probs[SentimentLabel::Negative.index()],
            };
            lists.entry(owner).or_default().push(item);
        }
    }
    for v in lists.values_mut() {
        v.sort_by(|a, b| {
            let s = |f: &FollowUp| f.score.unwrap_or(7);
            s(a).cmp(&s(b))
                .then(b.negative.total_cmp(&a.negative))
                .then(a.id.cmp(&b.id))
        });
    }
    lists
}

/// A file-name-safe form of an owner (`billing-team` stays, `Billing / Team` ->
/// `billing_team`).
pub fn file_stem(owner: &str) -> String {
    let s: String = owner
        .trim()
        .chars()
        .map(|c| match c.is_alphanumeric() || c == '-' {
            true => c.to_lowercase().next().unwrap_or(c),
            false => '_',
        })
        .collect();
    let s = s.trim_matches('_').to_string();
    if s.is_empty() {
        "owner".into()
    } else {
        s
    }
}

/// CSV columns of a follow-up list.
pub const CSV_HEADER: [&str; 6] = [
    "id",
    "score",
    "themes",
    "trigger_sentence",
    "reason",
    "segments",
];

/// Writes one `followup-OWNER.csv` per owner into `dir`; returns the files written.
pub fn write_csvs(dir: &Path, lists: &FollowUps) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (owner, items) in lists {
        let path = dir.join(format!("followup-{}.csv", file_stem(owner)));
        let mut w = SafeCsv::new(std::fs::File::create(&path)?);
        w.row(CSV_HEADER)?;
        for f in items {
            let reasons: Vec<&str> = f.reasons.iter().map(|r| r.as_str()).collect();
            let segments: Vec<String> =
                f.segments.iter().map(|(k, v)| format!("{k}={v}")).collect();
            w.row([
                f.id.clone(),
                f.score.map(|s| s.to_string()).unwrap_or_default(),
                f.themes.join("; "),
                f.trigger.clone(),
                reasons.join("; "),
                segments.join("; "),
            ])?;
        }
        w.flush()?;
        written.push(path);
    }
    Ok(written)
}

/// Answers to follow up per owner (owners with none are left out).
pub fn counts(lists: &FollowUps) -> Vec<(String, usize)> {
    lists.iter().map(|(o, v)| (o.clone(), v.len())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_requests_in_eight_languages() {
        for t in [
            "Could someone please call me?",
            "Nobody would contact me after that.",
            "חזרו אליי בהקדם",
            "לא נעים. תתקשרו.",
            "لطفا با من تماس بگيريد",
            "أرجو أن تتصلوا بي",
            "Bitte ruft mich an!",
            "Por favor, llámenme mañana",
            "Rappelez-moi svp",
            "Перезвоните мне, пожалуйста",
        ] {
            assert!(asks_for_contact(t), "{t}");
        }
        for t in [
            "the call menu is confusing",
            "I called them twice",
            "recall me nothing",
            "Great app",
        ] {
            assert!(!asks_for_contact(t), "{t}");
        }
    }

    #[test]
    fn owner_file_names_are_safe() {
        assert_eq!(file_stem("billing-team"), "billing-team");
        assert_eq!(file_stem("Billing / Team"), "billing___team");
        assert_eq!(file_stem("../x"), "x");
    }
}

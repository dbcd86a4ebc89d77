//! Personal data redaction: emails, phone numbers, payment card numbers (Luhn), IBANs
//! (mod-97), Israeli ID numbers and Iranian national codes (check digits), in any script and
//! with ASCII, Persian (۰-۹), Arabic-Indic (٠-٩) or full-width (０-９) digits.
//!
//! [`redact`] replaces each find with `[email]`, `[phone]`, `[card]`, `[iban]` or `[id]` and
//! reports what it replaced. The rules favour leaving scores, dates, amounts and order numbers
//! alone:
//!
//! - **card**: 13-19 digits (single spaces or hyphens between groups allowed), first digit
//!   2-6, Luhn check passes.
//! - **iban**: two letters, two check digits, 11-30 more letters/digits (spaces allowed),
//!   mod-97 = 1.
//! - **Israeli ID**: exactly 9 digits written together (or `12345678-9`), the check digit
//!   passes, and no order/invoice/tracking/ticket word (any of the 8 languages, or `#`) among
//!   the three words before it. Scores (0-10) and dates never have 9 digits; a 9-digit order
//!   number is kept when it is named as one, and otherwise redacted only when its check digit
//!   happens to pass (1 in 10).
//! - **Iranian national code**: exactly 10 digits written together (or `123-456789-0`), the
//!   check digit passes, not all one digit, the same order-number exclusion.
//! - **phone**: `+` or `00` then 8-15 digits; or a leading `0` and 9-11 digits; or 10-12
//!   digits with an area code in parentheses; or `NNN-NNN-NNNN`. Groups may be separated by
//!   single spaces, hyphens or dots, never slashes or colons, so `04/01/2025`, `10:30`,
//!   `2025-01-04` and `04.01.2025` (8 digits) are not phones.
//!
//! A number run glued to letters (`R_0001`, `A12345678`) is an identifier of the export, not
//! personal data, and is left alone.

use regex::Regex;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiKind {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A payment card number.
    Card,
    /// An IBAN.
    Iban,
    /// An Israeli ID number (teudat zehut).
    IsraeliId,
    /// An Iranian national code (kod-e melli).
    IranianNationalCode,
}

impl PiiKind {
    /// Every kind, in report order.
    pub const ALL: [PiiKind; 6] = [
        PiiKind::Email,
        PiiKind::Phone,
        PiiKind::Card,
        PiiKind::Iban,
        PiiKind::IsraeliId,
        PiiKind::IranianNationalCode,
    ];

    /// Key in `summary.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::Card => "card",
            PiiKind::Iban => "iban",
            PiiKind::IsraeliId => "israeli_id",
            PiiKind::IranianNationalCode => "iranian_national_code",
        }
    }

    /// The text that replaces a find.
    pub fn placeholder(self) -> &'static str {
        match self {
            PiiKind::Email => "[email]",
            PiiKind::Phone => "[phone]",
            PiiKind::Card => "[card]",
            PiiKind::Iban => "[iban]",
            PiiKind::IsraeliId | PiiKind::IranianNationalCode => "[id]",
        }
    }
}

/// Finds per kind, summed over the texts redacted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PiiCounts(pub BTreeMap<PiiKind, u64>);

impl PiiCounts {
    /// Adds the finds of one text.
    pub fn add(&mut self, kinds: &[PiiKind]) {
        for k in kinds {
            *self.0.entry(*k).or_default() += 1;
        }
    }

    /// Counts by `summary.json` key, every kind present (zeros included).
    pub fn by_name(&self) -> BTreeMap<String, u64> {
        PiiKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), self.0.get(k).copied().unwrap_or(0)))
            .collect()
    }
}

/// The value of a decimal digit in ASCII, Arabic-Indic, Persian or full-width form.
pub fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '\u{0660}'..='\u{0669}' => Some(c as u32 - 0x0660),
        '\u{06F0}'..='\u{06F9}' => Some(c as u32 - 0x06F0),
        '\u{FF10}'..='\u{FF19}' => Some(c as u32 - 0xFF10),
        _ => None,
    }
}

/// `text` with personal data replaced, and the kinds replaced in text order.
pub fn redact(text: &str) -> (String, Vec<PiiKind>) {
    let mut found = Vec::new();
    let t = replace_emails(text, &mut found);
    let t = replace_ibans(&t, &mut found);
    let t = replace_numbers(&t, &mut found);
    (t, found)
}

fn email_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}")
            .expect("email pattern")
    })
}

fn iban_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\b[A-Za-z]{2}[0-9٠-٩۰-۹０-９]{2}(?:[ ]?[A-Za-z0-9٠-٩۰-۹０-９]){11,34}")
            .expect("iban pattern")
    })
}

fn replace_emails(text: &str, found: &mut Vec<PiiKind>) -> String {
    email_re()
        .replace_all(text, |_: &regex::Captures| {
            found.push(PiiKind::Email);
            PiiKind::Email.placeholder()
        })
        .into_owned()
}

/// IBANs: the longest prefix of a candidate (ending at a character, not a space) that passes
/// mod-97.
fn replace_ibans(text: &str, found: &mut Vec<PiiKind>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in iban_re().find_iter(text) {
        let cand = &text[m.start()..m.end()];
        let ends: Vec<usize> = cand
            .char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .filter(|&e| !cand[..e].ends_with(' '))
            .collect();
        let hit = ends.iter().rev().copied().find(|&e| {
            let after = text[m.start() + e..].chars().next();
            !after.is_some_and(|c| c.is_alphanumeric()) && iban_valid(&cand[..e])
        });
        if let Some(e) = hit {
            out.push_str(&text[last..m.start()]);
            out.push_str(PiiKind::Iban.placeholder());
            found.push(PiiKind::Iban);
            last = m.start() + e;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Mod-97 check of an IBAN (spaces ignored, any digit script).
pub fn iban_valid(s: &str) -> bool {
    let chars: Vec<char> = s.chars().filter(|c| *c != ' ').collect();
    if !(15..=34).contains(&chars.len()) {
        return false;
    }
    let rotated = chars[4..].iter().chain(&chars[..4]);
    let mut rem: u64 = 0;
    for c in rotated {
        let v = match digit_value(*c) {
            Some(d) => d as u64,
            None if c.is_ascii_alphabetic() => c.to_ascii_uppercase() as u64 - 'A' as u64 + 10,
            None => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// Luhn check over digit values (cards; an Israeli ID is Luhn over 9 digits).
pub fn luhn_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| match i % 2 {
            0 => d,
            _ if d * 2 > 9 => d * 2 - 9,
            _ => d * 2,
        })
        .sum();
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// Check digit of an Iranian national code (10 digits, not all equal).
pub fn iranian_code_valid(d: &[u32]) -> bool {
    if d.len() != 10 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let s: u32 = (0..9).map(|i| d[i] * (10 - i as u32)).sum();
    let r = s % 11;
    d[9] == if r < 2 { r } else { 11 - r }
}

/// A run of digit groups: `(start, end)` byte ranges of each group in the text, the separator
/// chars between groups, and whether it starts with `+`.
#[derive(Debug)]
struct Run {
    start: usize,
    plus: bool,
    groups: Vec<(usize, usize)>,
}

fn is_sep(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')')
}

/// Number runs of `text`: digit groups joined by one separator char (or `) ` / ` (`), not glued
/// to letters or other digits at either end.
fn runs(text: &str) -> Vec<Run> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        let starts = digit_value(c).is_some()
            || (c == '+' || c == '(')
                && chars.get(i + 1).is_some_and(|x| digit_value(x.1).is_some());
        let glued = i > 0 && {
            let p = chars[i - 1].1;
            p.is_alphanumeric() || p == '_' || p == '+'
        };
        if !starts || glued {
            i += 1;
            continue;
        }
        let (run, next) = scan_run(text, &chars, i, pos);
        debug_assert!(next > i);
        i = next;
        if let Some(r) = run {
            out.push(r);
        }
    }
    out
}

/// Scans one run from char index `i`; returns it (unless glued to letters at its end) and the
/// char index after it.
fn scan_run(text: &str, chars: &[(usize, char)], mut i: usize, pos: usize) -> (Option<Run>, usize) {
    let plus = chars[i].1 == '+';
    if plus {
        i += 1;
    }
    let mut groups = Vec::new();
    loop {
        while i < chars.len() && chars[i].1 == '(' {
            i += 1;
        }
        let g0 = i;
        while i < chars.len() && digit_value(chars[i].1).is_some() {
            i += 1;
        }
        if i == g0 {
            break;
        }
        let end = chars.get(i).map_or(text.len(), |c| c.0);
        groups.push((chars[g0].0, end));
        let mut j = i;
        let mut seps = 0;
        while j < chars.len() && is_sep(chars[j].1) && seps < 2 {
            j += 1;
            seps += 1;
        }
        let two_ok = seps < 2 || chars[i].1 == ')' || chars[j - 1].1 == '(';
        if seps == 0
            || !two_ok
            || !chars
                .get(j)
                .is_some_and(|c| c.1 == '(' || digit_value(c.1).is_some())
        {
            break;
        }
        i = j;
    }
    let glued_end = chars
        .get(i)
        .is_some_and(|c| c.1.is_alphanumeric() || c.1 == '_');
    let run = (!groups.is_empty() && !glued_end).then_some(Run {
        start: pos,
        plus,
        groups,
    });
    (run, i)
}

/// Words that name a number as an order, invoice, tracking or ticket number.
const ORDER_CUES: &[&str] = &[
    "order",
    "invoice",
    "tracking",
    "ticket",
    "#",
    "no.",
    "nº",
    "הזמנה",
    "חשבונית",
    "מעקב",
    "משלוח",
    "פנייה",
    "سفارش",
    "فاکتور",
    "پیگیری",
    "مرسوله",
    "طلب",
    "فاتورة",
    "تتبع",
    "شحنة",
    "заказ",
    "счет",
    "счёт",
    "трек",
    "pedido",
    "factura",
    "seguimiento",
    "commande",
    "facture",
    "suivi",
    "bestellung",
    "rechnung",
    "sendung",
];

/// An order cue among the three words before byte `start`.
fn order_context(text: &str, start: usize) -> bool {
    let words: Vec<&str> = text[..start].split_whitespace().rev().take(3).collect();
    let before = words.join(" ").to_lowercase();
    ORDER_CUES.iter().any(|c| before.contains(c))
}

/// What a span of groups `g[a..=b]` of a run is, if personal data.
fn classify(text: &str, run: &Run, a: usize, b: usize) -> Option<PiiKind> {
    let span = &text[run.groups[a].0..run.groups[b].1];
    let digits: Vec<u32> = span.chars().filter_map(digit_value).collect();
    let n = digits.len();
    let seps: String = span.chars().filter(|c| digit_value(*c).is_none()).collect();
    let plus = run.plus && a == 0;
    let only = |set: &str| seps.chars().all(|c| set.contains(c));
    if !plus
        && (13..=19).contains(&n)
        && (2..=6).contains(&digits[0])
        && only(" -")
        && luhn_valid(&digits)
    {
        return Some(PiiKind::Card);
    }
    let lens: Vec<usize> = run.groups[a..=b]
        .iter()
        .map(|g| text[g.0..g.1].chars().count())
        .collect();
    let id_shape = |parts: &[usize]| lens == parts && only("-");
    let free = !plus && !order_context(text, run.groups[a].0);
    if free && (lens == [9] || id_shape(&[8, 1])) && luhn_valid(&digits) {
        return Some(PiiKind::IsraeliId);
    }
    if free && (lens == [10] || id_shape(&[3, 6, 1])) && iranian_code_valid(&digits) {
        return Some(PiiKind::IranianNationalCode);
    }
    phone_shape(&digits, &lens, &seps, plus).then_some(PiiKind::Phone)
}

fn phone_shape(digits: &[u32], lens: &[usize], seps: &str, plus: bool) -> bool {
    let n = digits.len();
    if seps.contains('.') && seps.contains(['(', ' ', '-']) {
        return false;
    }
    let intl = (plus || digits.starts_with(&[0, 0])) && (8..=15).contains(&n);
    let local = digits[0] == 0 && (9..=11).contains(&n);
    let area = seps.contains('(') && (10..=12).contains(&n);
    let nanp = lens == [3, 3, 4] && !seps.contains('.');
    intl || local || area || nanp
}

/// Replaces the personal data found in number runs, longest span first from each group.
fn replace_numbers(text: &str, found: &mut Vec<PiiKind>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for run in runs(text) {
        let mut a = 0;
        while a < run.groups.len() {
            let hit = (a..run.groups.len())
                .rev()
                .find_map(|b| classify(text, &run, a, b).map(|k| (b, k)));
            let Some((b, kind)) = hit else {
                a += 1;
                continue;
            };
            let start = if a == 0 { run.start } else { run.groups[a].0 };
            out.push_str(&text[last..start]);
            out.push_str(kind.placeholder());
            found.push(kind);
            last = run.groups[b].1;
            if text[last..].starts_with(')') && text[start..last].contains('(') {
                last += 1;
            }
            a = b + 1;
        }
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> String {
        redact(s).0
    }

    #[test]
    fn check_digits() {
        assert!(luhn_valid(&[
            4, 5, 3, 9, 1, 4, 8, 8, 0, 3, 4, 3, 6, 4, 6, 7
        ]));
        assert!(iban_valid("GB82 WEST 1234 5698 7654 32"));
        assert!(!iban_valid("GB82 WEST 1234 5698 7654 33"));
        assert!(iranian_code_valid(&[0, 0, 1, 3, 5, 4, 2, 4, 1, 9]));
        assert!(!iranian_code_valid(&[1; 10]));
    }

    #[test]
    fn keeps_scores_dates_amounts() {
        for s in [
            "10/10",
            "took 2-3 days, 2025-01-04 and 04.01.2025 and 04/01/2025",
            "R_0001 waited 45 minutes at 10:30",
            "$1,299.00 and 30 €",
            "order 123456782 is late",
        ] {
            assert_eq!(r(s), s);
        }
    }
}

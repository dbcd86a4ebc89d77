//! Keyword search over a small multilingual run (he/fa/ar/en/ru): prefixes, letter variants,
//! filters, ranges, facet counts, snippets, query errors and the `verbatim search` command.

use crate::fixture::Answer;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use verbatim::record::{NpsGroup, SentimentLabel::*};
use verbatim::retrieve::keyword::Keyword;
use verbatim::retrieve::{FacetValue, Query, RetrieveError};

const ANSWERS: &[Answer] = &[
    // 0-2 Hebrew: the article ה, the conjunction ו and the preposition ב in front of words.
    a(
        "המשלוח הגיע באיחור של שבוע.",
        "he",
        Negative,
        Some(3),
        &["delivery"],
        Some("2024-01-15"),
    ),
    a(
        "והמשלוח היה מהיר מאוד, תודה!",
        "he",
        Positive,
        Some(10),
        &["delivery"],
        Some("2024-02-10"),
    ),
    a(
        "בשירות הלקוחות לא ענו לי.",
        "he",
        Negative,
        Some(2),
        &["support"],
        Some("2024-03-05"),
    ),
    // 3-4 Persian: ZWNJ inside words; 4 typed with the Arabic yeh ي instead of Persian ی.
    a(
        "می\u{200C}خواهم سفارشم زودتر برسد. کتاب\u{200C}ها دیر رسید.",
        "fa",
        Negative,
        Some(4),
        &["delivery"],
        Some("2024-01-20"),
    ),
    a(
        "پشتيباني خيلي خوب بود",
        "fa",
        Positive,
        Some(9),
        &["support"],
        Some("2024-02-20"),
    ),
    // 5-6 Arabic: the article ال, tashkeel, and و + ب + ال.
    a(
        "التَّوْصِيلُ كان بطيئاً جداً",
        "ar",
        Negative,
        Some(1),
        &["delivery"],
        Some("2024-03-25"),
    ),
    a(
        "وبالخدمة الممتازة للعملاء شكرا",
        "ar",
        Positive,
        Some(9),
        &["support"],
        Some("2024-04-02"),
    ),
    // 7-8 English, 7 with markup that must come back escaped.
    a(
        "The deliveries were late again. <script>alert('x')</script>",
        "en",
        Negative,
        Some(0),
        &["delivery"],
        Some("2024-01-05"),
    ),
    a(
        "Support was friendly & fast",
        "en",
        Positive,
        Some(10),
        &["support"],
        Some("2024-02-14"),
    ),
    // 9-10 Russian; 10 without score or date.
    a(
        "Доставка опоздала на неделю",
        "ru",
        Negative,
        Some(5),
        &["delivery"],
        Some("2024-03-10"),
    ),
    a(
        "Поддержка ответила быстро",
        "ru",
        Positive,
        None,
        &["support"],
        None,
    ),
];

const fn a(
    text: &'static str,
    lang: &'static str,
    sentiment: verbatim::record::SentimentLabel,
    score: Option<u8>,
    themes: &'static [&'static str],
    date: Option<&'static str>,
) -> Answer<'static> {
    Answer {
        text,
        lang,
        sentiment,
        score,
        themes,
        segments: &[],
        date,
    }
}

/// Country and Plan of each answer (its segments).
fn segments(i: usize) -> [(&'static str, &'static str); 2] {
    const PLAN: [&str; 11] = [
        "Pro", "Basic", "Pro", "Pro", "Basic", "Pro", "Team", "Pro", "Team", "Basic", "Pro",
    ];
    const COUNTRY: [&str; 11] = [
        "IL", "IL", "IL", "IR", "IR", "AE", "AE", "US", "US", "DE", "DE",
    ];
    [("Country", COUNTRY[i]), ("Plan", PLAN[i])]
}

/// The run folder, built once per test binary.
fn run() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let segs: Vec<[(&str, &str); 2]> = (0..ANSWERS.len()).map(segments).collect();
        let responses: Vec<_> = ANSWERS
            .iter()
            .enumerate()
            .map(|(i, a)| {
                crate::fixture::response(
                    i as u64,
                    &Answer {
                        segments: &segs[i],
                        ..*a
                    },
                )
            })
            .collect();
        crate::fixture::build_run(dir.path(), &responses, crate::common::encoder());
        let p = dir.path().to_path_buf();
        (dir, p)
    })
    .1
}

fn keyword() -> Keyword {
    Keyword::open(&run().join("index")).unwrap()
}

fn seqs(q: &Query) -> BTreeSet<u64> {
    let page = keyword().search(q, 100, 0).unwrap();
    assert_eq!(page.total as usize, page.hits.len(), "one page holds all");
    page.hits.iter().map(|h| h.seq).collect()
}

fn find(text: &str) -> BTreeSet<u64> {
    seqs(&Query::new(text))
}

fn set(v: &[u64]) -> BTreeSet<u64> {
    v.iter().copied().collect()
}

#[test]
fn hebrew_word_finds_its_prefixed_forms() {
    assert_eq!(find("משלוח"), set(&[0, 1]));
    assert_eq!(find("שירות"), set(&[2]));
    assert_eq!(find("לקוחות"), set(&[2]));
    // The prefixed form as typed finds itself (and the longer ו form).
    assert_eq!(find("המשלוח"), set(&[0, 1]));
    let page = keyword().search(&Query::new("משלוח"), 10, 0).unwrap();
    let s1 = &page
        .hits
        .iter()
        .find(|h| h.seq == 1)
        .unwrap()
        .snippet
        .html();
    assert!(s1.contains("<b>והמשלוח</b>"), "{s1}");
}

#[test]
fn persian_word_matches_despite_yeh_kaf_and_zwnj() {
    assert_eq!(find("میخواهم"), set(&[3]), "no ZWNJ in the query");
    assert_eq!(find("می\u{200C}خواهم"), set(&[3]), "ZWNJ in the query");
    assert_eq!(find("کتاب"), set(&[3]), "piece before the ZWNJ");
    assert_eq!(find("كتابها"), set(&[3]), "Arabic kaf in the query");
    assert_eq!(
        find("پشتیبانی"),
        set(&[4]),
        "Persian yeh finds the Arabic-yeh answer"
    );
    assert_eq!(find("خیلی خوب"), set(&[4]));
}

#[test]
fn arabic_word_matches_without_article_or_tashkeel() {
    assert_eq!(find("توصيل"), set(&[5]));
    assert_eq!(find("التوصيل"), set(&[5]));
    assert_eq!(find("خدمة"), set(&[6]), "و + ب + ال stripped");
    assert_eq!(find("عملاء"), set(&[6]), "لل stripped");
    let page = keyword().search(&Query::new("توصيل"), 10, 0).unwrap();
    let s = page.hits[0].snippet.html();
    assert!(s.contains("<b>التَّوْصِيلُ</b>"), "{s}");
}

#[test]
fn latin_and_cyrillic_words_match_their_inflections() {
    assert_eq!(find("delivery"), set(&[7]));
    assert_eq!(find("доставки"), set(&[9]));
    assert_eq!(find("\"late again\""), set(&[7]));
    assert_eq!(find("\"again late\""), set(&[]));
}

#[test]
fn boolean_operators() {
    assert_eq!(find("משלוח OR доставка"), set(&[0, 1, 9]));
    assert_eq!(find("משלוח -מהיר"), set(&[0]));
    assert_eq!(find("משלוח NOT מהיר"), set(&[0]));
    assert_eq!(find("support friendly"), set(&[8]));
    assert_eq!(find("support unfriendly"), set(&[]), "words are ANDed");
    assert_eq!(find("-lang:he").len(), ANSWERS.len() - 3);
}

#[test]
fn facet_filters_combine() {
    let q = |f: &dyn Fn(&mut Query)| {
        let mut q = Query::default();
        f(&mut q);
        seqs(&q)
    };
    assert_eq!(q(&|q| q.filters.lang = vec!["he".into()]), set(&[0, 1, 2]));
    assert_eq!(
        q(&|q| {
            q.filters.lang = vec!["he".into(), "fa".into()];
            q.filters.sentiment = vec![Negative];
        }),
        set(&[0, 2, 3])
    );
    assert_eq!(
        q(&|q| {
            q.filters.lang = vec!["he".into(), "fa".into()];
            q.filters.sentiment = vec![Negative];
            q.filters.nps = vec![NpsGroup::Detractor];
            q.filters.segments = vec![
                ("Plan".into(), "Pro".into()),
                ("Country".into(), "IL".into()),
            ];
        }),
        set(&[0, 2])
    );
    assert_eq!(
        q(&|q| q.filters.segments = vec![
            ("Plan".into(), "Team".into()),
            ("Plan".into(), "Basic".into())
        ]),
        set(&[1, 4, 6, 8, 9])
    );
    // The same in the query text, with words.
    assert_eq!(
        find("lang:he sentiment:negative nps:detractor segment:Plan=Pro"),
        set(&[0, 2])
    );
    assert_eq!(find("משלוח sentiment:positive"), set(&[1]));
    assert_eq!(find("theme:support segment.Country:US"), set(&[8]));
}

#[test]
fn score_and_date_ranges() {
    assert_eq!(find("score:[0 TO 3]"), set(&[0, 2, 5, 7]));
    assert_eq!(find("score:>=9"), set(&[1, 4, 6, 8]));
    assert_eq!(find("score:{8 TO *]"), set(&[1, 4, 6, 8]));
    assert_eq!(find("date:[2024-01-01 TO 2024-01-31]"), set(&[0, 3, 7]));
    assert_eq!(find("date:2024-03"), set(&[2, 5, 9]));
    assert_eq!(
        find("date:[2024-03-01 TO *] sentiment:negative"),
        set(&[2, 5, 9])
    );
}

#[test]
fn bad_queries_say_where() {
    let err = |q: &str| match keyword().search(&Query::new(q), 10, 0) {
        Err(RetrieveError::BadQuery(m)) => m,
        other => panic!("{q}: {other:?}"),
    };
    let m = err("late \"delivery");
    assert!(
        m.contains("never closed") && m.contains("late \"delivery\n       ^"),
        "{m}"
    );
    let m = err("refund score:[1 TO");
    assert!(m.contains("range") && m.ends_with("^"), "{m}");
    let m = err("sentiment:angry");
    assert!(m.contains("negative, neutral or positive"), "{m}");
    let m = err("segment:Tier=Gold");
    assert!(m.contains("Country, Plan"), "{m}");
    assert!(err("a OR").contains("OR needs"));
}

/// Facet counts of answers `seqs`, computed from the fixture.
fn expected_facets(seqs: &BTreeSet<u64>) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut m: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut add =
        |k: &str, v: &str| *m.entry(k.into()).or_default().entry(v.into()).or_default() += 1;
    for &s in seqs {
        let a = &ANSWERS[s as usize];
        add("lang", a.lang);
        add("sentiment", a.sentiment.as_str());
        if let Some(sc) = a.score {
            add("nps", NpsGroup::of(sc).as_str());
        }
        for t in a.themes {
            add("theme", t);
        }
        for (k, v) in segments(s as usize) {
            add(&format!("segment {k}"), v);
        }
    }
    m
}

#[test]
fn facet_counts_are_exact_over_all_matches() {
    let kw = keyword();
    for text in [
        "",
        "sentiment:negative",
        "משלוח OR delivery OR доставка OR توصيل",
        "-theme:support",
    ] {
        // A one-hit page: counts must still cover every match.
        let page = kw.search(&Query::new(text), 1, 0).unwrap();
        let all: BTreeSet<u64> = kw
            .search(&Query::new(text), 100, 0)
            .unwrap()
            .hits
            .iter()
            .map(|h| h.seq)
            .collect();
        assert_eq!(page.total as usize, all.len());
        let mut got: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        let mut put = |k: &str, v: &[FacetValue]| {
            for f in v {
                got.entry(k.into())
                    .or_default()
                    .insert(f.value.clone(), f.count);
            }
        };
        put("lang", &page.facets.lang);
        put("sentiment", &page.facets.sentiment);
        put("nps", &page.facets.nps);
        put("theme", &page.facets.theme);
        for (k, v) in &page.facets.segments {
            put(&format!("segment {k}"), v);
        }
        assert_eq!(got, expected_facets(&all), "{text}");
        // Most frequent first.
        assert!(page
            .facets
            .lang
            .windows(2)
            .all(|w| w[0].count >= w[1].count));
    }
    let page = kw.search(&Query::new(""), 1, 0).unwrap();
    assert_eq!(page.total, ANSWERS.len() as u64);
    assert_eq!(
        page.facets.lang[0],
        FacetValue {
            value: "he".into(),
            count: 3
        }
    );
}

#[test]
fn snippets_highlight_and_escape_html() {
    let page = keyword().search(&Query::new("late"), 10, 0).unwrap();
    let s = &page.hits[0].snippet.html();
    assert!(s.contains("were <b>late</b> again"), "{s}");
    assert!(
        s.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        "{s}"
    );
    assert!(!s.contains("<script>"));
    let page = keyword().search(&Query::new("script"), 10, 0).unwrap();
    assert!(page.hits[0]
        .snippet
        .html()
        .contains("&lt;<b>script</b>&gt;"));
    let page = keyword().search(&Query::new("friendly"), 10, 0).unwrap();
    assert!(page.hits[0].snippet.html().contains("&amp;"));
}

#[test]
fn filter_only_queries_list_in_seq_order_and_page() {
    let kw = keyword();
    let all = kw.search(&Query::new(""), 100, 0).unwrap();
    let order: Vec<u64> = all.hits.iter().map(|h| h.seq).collect();
    assert_eq!(order, (0..ANSWERS.len() as u64).collect::<Vec<_>>());
    let page = kw.search(&Query::new(""), 4, 4).unwrap();
    assert_eq!(
        page.hits.iter().map(|h| h.seq).collect::<Vec<_>>(),
        [4, 5, 6, 7]
    );
    assert_eq!(page.total, ANSWERS.len() as u64);
    // Ranked queries page too.
    let q = Query::new("משלוח OR delivery OR доставка");
    let p1 = kw.search(&q, 2, 0).unwrap();
    let p2 = kw.search(&q, 2, 2).unwrap();
    assert_eq!(p1.total, 4);
    assert_eq!(p1.hits.len() + p2.hits.len(), 4);
    assert!(p1
        .hits
        .iter()
        .all(|h| p2.hits.iter().all(|g| g.seq != h.seq)));
}

#[test]
fn cli_searches_a_run_and_explains_errors() {
    let exe = env!("CARGO_BIN_EXE_verbatim");
    let out = std::process::Command::new(exe)
        .args(["search"])
        .arg(run())
        .args(["משלוח", "--mode", "keyword", "--json", "--lang", "he"])
        .output()
        .unwrap();
    crate::common::ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 2);
    assert_eq!(v["hits"][0]["lang"], "he");
    let out = std::process::Command::new(exe)
        .args(["search"])
        .arg(run())
        .args(["late", "--mode", "keyword", "--segment", "Plan=Pro"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("1 answers match \"late\""), "{text}");
    assert!(
        text.contains("<script>") && !text.contains("\x1b["),
        "plain text when piped: {text}"
    );
    // An unknown label is an error naming the choices, not silently nothing.
    for (flag, value, msg) in [
        (
            "--sentiment",
            "angry",
            "unknown sentiment \"angry\": use negative, neutral or positive",
        ),
        (
            "--nps",
            "fan",
            "unknown NPS group \"fan\": use detractor, passive or promoter",
        ),
    ] {
        let out = std::process::Command::new(exe)
            .args(["search"])
            .arg(run())
            .args(["late", "--mode", "keyword", flag, value])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(msg), "{err}");
    }
    let empty = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(exe)
        .args(["search"])
        .arg(empty.path())
        .arg("x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `verbatim analyze` first"));
}

#[test]
fn hybrid_searcher_uses_the_keyword_side() {
    use std::sync::Arc;
    use verbatim::encode::{BertEncoder, EncoderOptions};
    use verbatim::retrieve::{HybridSearcher, Mode, Retriever};
    let enc = BertEncoder::load(&crate::common::model_dir(), EncoderOptions::default()).unwrap();
    let s = HybridSearcher::open(run(), Arc::new(enc)).unwrap();
    let mut q = Query::new("משלוח");
    q.mode = Mode::Keyword;
    let r = s.search(&q).unwrap();
    assert_eq!(r.total, 2);
    assert!(r
        .hits
        .iter()
        .all(|h| h.found_by == [Retriever::Keyword] && h.lang == "he"));
    q.mode = Mode::Hybrid;
    let r = s.search(&q).unwrap();
    assert!(r.total >= 2);
    assert!(r
        .hits
        .iter()
        .take(2)
        .all(|h| h.found_by.contains(&Retriever::Keyword)));
}

#[test]
fn empty_or_reversed_ranges_are_errors_not_silent_misses() {
    let err = |q: &str| match keyword().search(&Query::new(q), 10, 0) {
        Err(RetrieveError::BadQuery(m)) => m,
        other => panic!("{q}: {other:?}"),
    };
    // Answer 7 has score 0: `<0` used to match it.
    for q in ["score:<0", "score:[6 TO 2]", "score:>10", "score:{3 TO 4}"] {
        let m = err(q);
        assert!(
            m.contains("low end first") && m.contains("at character 7"),
            "{q}: {m}"
        );
    }
    let m = err("late date:[2024-03-01 TO 2024-01-01]");
    assert!(m.contains("earliest first"), "{m}");
    assert_eq!(find("score:<1"), set(&[7]));
}

#[test]
fn unknown_theme_or_language_lists_the_runs_values() {
    use std::sync::Arc;
    use verbatim::encode::{BertEncoder, EncoderOptions};
    use verbatim::retrieve::{HybridSearcher, Mode};
    let enc = BertEncoder::load(&crate::common::model_dir(), EncoderOptions::default()).unwrap();
    let s = HybridSearcher::open(run(), Arc::new(enc)).unwrap();
    let err = |q: Query| match s.search(&q) {
        Err(RetrieveError::BadQuery(m)) => m,
        other => panic!("{:?}: {other:?}", q.text),
    };
    let mut q = Query::new("late theme:delivry");
    q.mode = Mode::Keyword;
    let m = err(q.clone());
    assert!(
        m.contains("delivery, support") && m.contains("at character 12"),
        "{m}"
    );
    q.text = "lang:xx".into();
    assert!(err(q.clone()).contains("ar, en, fa, he, ru"));
    q.text = String::new();
    q.filters.theme = vec!["pricing".into()];
    q.mode = Mode::Semantic;
    assert!(err(q.clone()).contains("its theme values are delivery, support"));
    q.filters.theme = vec!["support".into()];
    assert_eq!(
        s.search(&q).unwrap().total,
        5,
        "a known value still filters"
    );
}

#[test]
fn cli_bounds_limit_and_offset_and_takes_dash_queries_after_double_dash() {
    let exe = env!("CARGO_BIN_EXE_verbatim");
    let search = |extra: &[&str]| {
        std::process::Command::new(exe)
            .arg("search")
            .arg(run())
            .args(extra)
            .output()
            .unwrap()
    };
    for (flag, value) in [
        ("--limit", "18446744073709551615"),
        ("--offset", "99999999999"),
    ] {
        let out = search(&["late", "--mode", "keyword", flag, value]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{flag}: {err}");
        assert!(
            err.contains(flag) && err.contains("at most") || err.contains("from 1 to"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = search(&["-late", "--mode", "keyword"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("goes after `--`"), "{err}");
    let out = search(&["--mode", "keyword", "--json", "--", "-late"]);
    crate::common::ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 10, "every answer without the word late");
}

#[test]
fn cli_stops_quietly_when_the_reader_goes_away() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_verbatim"))
        .arg("search")
        .arg(run())
        .args(["", "--mode", "keyword", "--limit", "1000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // like `| head -0`: the pipe is closed before any output
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.is_empty(), "nothing to report: {err}");
}

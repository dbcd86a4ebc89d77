//! The workspace page end to end in a real browser: headless Chromium driven over the DevTools
//! protocol by `tests/web/drive.js` (plain node, no npm packages) against a server started in
//! this process on a free port. It types a query, pages, clicks facets, removes a filter chip,
//! opens "more like this", checks right-to-left rendering, escaping and the CSV export, opens the
//! theme table and the segments table, and saves screenshots to `target/web-e2e.png` (a query with a facet), `target/web-e2e-query.png`,
//! `target/web-e2e-themes.png`, `target/web-e2e-segments.png` and `target/serve-theme-tree.png`
//! (the theme tree: a parent that collapses and expands its children).
//!
//! Needs `chromium` (Debian: `apt-get install -y chromium chromium-driver`; or set
//! `VERBATIM_CHROMIUM=/path/to/chrome`) and `node`. Without them the test prints why and passes,
//! unless `VERBATIM_REQUIRE_BROWSER` is set (CI sets it), then it fails.

use crate::fixture::{build_run, response, Answer};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use verbatim::encode::{BertEncoder, EncoderOptions};
use verbatim::record::SentimentLabel::{Negative, Neutral, Positive};
use verbatim::retrieve::HybridSearcher;
use verbatim::serve::{start, App};

/// 26 answers in eight languages: more than one page (20), four late deliveries in four
/// languages (en, he, fa, ar) and nothing else about deliveries, RTL answers, markup, and enough
/// mentions of three themes (5 each) for the driver model.
const ANSWERS: &[Answer] = &[
    a(
        "The delivery was four days late and nobody told me.",
        "en",
        Negative,
        3,
        &["delivery"],
        &[("Country", "US"), ("Plan", "Pro")],
    ),
    a(
        "המשלוח הגיע באיחור של שבוע. לא אזמין שוב.",
        "he",
        Negative,
        2,
        &["delivery"],
        &[("Country", "IL"), ("Plan", "Basic")],
    ),
    a(
        "سفارشم با یک هفته تاخیر رسید.",
        "fa",
        Negative,
        4,
        &["delivery"],
        &[("Country", "IR"), ("Plan", "Basic")],
    ),
    a(
        "وصل الطلب متأخرا جدا، بعد أسبوعين.",
        "ar",
        Negative,
        1,
        &["delivery"],
        &[("Country", "AE"), ("Plan", "Pro")],
    ),
    a(
        "Support answered quickly and fixed my billing problem.",
        "en",
        Positive,
        10,
        &["support", "billing"],
        &[("Country", "US"), ("Plan", "Basic")],
    ),
    a(
        "The price is too high for what you get.",
        "en",
        Negative,
        5,
        &["price"],
        &[("Country", "GB"), ("Plan", "Pro")],
    ),
    a(
        "המחיר גבוה מדי.",
        "he",
        Negative,
        6,
        &["price"],
        &[("Country", "IL"), ("Plan", "Pro")],
    ),
    a(
        "The app works fine. Nothing special.",
        "en",
        Neutral,
        7,
        &["app_website"],
        &[("Country", "US"), ("Plan", "Basic")],
    ),
    a(
        "Great product quality, I love it!",
        "en",
        Positive,
        9,
        &["product_quality"],
        &[("Country", "GB"), ("Plan", "Basic")],
    ),
    a(
        "Nice <script>alert(1)</script> app, but =cmd|' /C calc'!A0 crashes.",
        "en",
        Negative,
        4,
        &["app_website"],
        &[("Country", "US"), ("Plan", "Pro")],
    ),
    a(
        "Служба поддержки ответила быстро и вежливо.",
        "ru",
        Positive,
        9,
        &["support", "staff"],
        &[("Country", "RU"), ("Plan", "Pro")],
    ),
    a(
        "El soporte tardó tres días en responder.",
        "es",
        Negative,
        3,
        &["support", "wait_time"],
        &[("Country", "ES"), ("Plan", "Basic")],
    ),
    a(
        "Der Kundendienst war unfreundlich und hat nicht geholfen.",
        "de",
        Negative,
        2,
        &["support", "staff"],
        &[("Country", "DE"), ("Plan", "Pro")],
    ),
    a(
        "Le personnel du magasin était très aimable.",
        "fr",
        Positive,
        10,
        &["staff"],
        &[("Country", "FR"), ("Plan", "Basic")],
    ),
    a(
        "נציג השירות היה אדיב ועזר לי מהר.",
        "he",
        Positive,
        9,
        &["support", "staff"],
        &[("Country", "IL"), ("Plan", "Basic")],
    ),
    a(
        "الأسعار مرتفعة جدا مقارنة بالمنافسين.",
        "ar",
        Negative,
        4,
        &["price"],
        &[("Country", "AE"), ("Plan", "Basic")],
    ),
    a(
        "قیمت‌ها خیلی گران است.",
        "fa",
        Negative,
        5,
        &["price"],
        &[("Country", "IR"), ("Plan", "Pro")],
    ),
    a(
        "Way too expensive, I will switch to a cheaper plan.",
        "en",
        Negative,
        3,
        &["price"],
        &[("Country", "US"), ("Plan", "Pro")],
    ),
    a(
        "I waited forty minutes on the phone before anyone picked up.",
        "en",
        Negative,
        2,
        &["wait_time"],
        &[("Country", "US"), ("Plan", "Basic")],
    ),
    a(
        "Die Rechnung wurde doppelt abgebucht.",
        "de",
        Negative,
        3,
        &["billing"],
        &[("Country", "DE"), ("Plan", "Basic")],
    ),
    a(
        "L'application plante à chaque connexion.",
        "fr",
        Negative,
        2,
        &["app_website"],
        &[("Country", "FR"), ("Plan", "Pro")],
    ),
    a(
        "Качество товара отличное, всё работает.",
        "ru",
        Positive,
        10,
        &["product_quality"],
        &[("Country", "RU"), ("Plan", "Basic")],
    ),
    a(
        "El vendedor fue grosero conmigo.",
        "es",
        Negative,
        1,
        &["staff"],
        &[("Country", "ES"), ("Plan", "Pro")],
    ),
    a(
        "האתר איטי ומסורבל.",
        "he",
        Negative,
        5,
        &["app_website"],
        &[("Country", "IL"), ("Plan", "Pro")],
    ),
    a(
        "Thanks, nothing to add.",
        "en",
        Neutral,
        8,
        &[],
        &[("Country", "GB"), ("Plan", "Basic")],
    ),
    a(
        "شكرا لكم، تجربة جيدة بشكل عام.",
        "ar",
        Positive,
        9,
        &[],
        &[("Country", "AE"), ("Plan", "Pro")],
    ),
];

/// One answer with a score and a fixed date.
const fn a(
    text: &'static str,
    lang: &'static str,
    sentiment: verbatim::record::SentimentLabel,
    score: u8,
    themes: &'static [&'static str],
    segments: &'static [(&'static str, &'static str)],
) -> Answer<'static> {
    Answer {
        text,
        lang,
        sentiment,
        score: Some(score),
        themes,
        segments,
        date: Some("2024-05-01"),
    }
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("VERBATIM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn node_works() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_page_works_in_a_real_browser() {
    let (browser, node) = (chromium(), node_works());
    if browser.is_none() || !node {
        let why = format!(
            "browser test skipped: {}{}",
            if browser.is_none() {
                "no chromium (apt-get install -y chromium chromium-driver, or set VERBATIM_CHROMIUM) "
            } else {
                ""
            },
            if node { "" } else { "no node on PATH" }
        );
        assert!(
            std::env::var_os("VERBATIM_REQUIRE_BROWSER").is_none(),
            "VERBATIM_REQUIRE_BROWSER is set but {why}"
        );
        println!("{why}");
        return;
    }
    let browser = browser.unwrap_or_default();

    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let (parents, provenance) = tree_codebook(dir.path());
    let responses: Vec<_> = ANSWERS
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut r = response(i as u64, a);
            verbatim::classify::hierarchy::roll_up(&mut r, &parents);
            r
        })
        .collect();
    build_run(&run, &responses, crate::common::encoder());
    provenance.save(&run).unwrap();
    let enc = BertEncoder::load(&crate::common::model_dir(), EncoderOptions::default()).unwrap();
    let searcher = HybridSearcher::open(&run, Arc::new(enc)).unwrap();
    let server = start(App::new(searcher), "127.0.0.1:0", 4).unwrap();
    let url = format!("http://{}/", server.addr());

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shots = root.join("target");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(root.join("tests/web/drive.js"))
        .arg(&url)
        .arg(&shots)
        .arg(&browser)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    println!("{log}{}", String::from_utf8_lossy(&out.stderr));
    server.stop();
    assert!(
        out.status.success() && log.trim_end().ends_with("PASS"),
        "browser checks failed (see the log above)"
    );
    assert!(shots.join("web-e2e.png").exists());
}

/// The run's codebook, written into `dir`: the fixture's themes, with `wait_time` a child of
/// `support`, so the workspace shows a theme tree. Returns the child-to-parent map and the
/// provenance that records the codebook (saved into the run, as `analyze` does).
fn tree_codebook(
    dir: &Path,
) -> (
    std::collections::BTreeMap<String, String>,
    verbatim::run::Provenance,
) {
    use verbatim::classify::codebook::Codebook;
    use verbatim::encode::Encoder;
    use verbatim::run::{FileHash, Provenance};
    let path = dir.join("themes.yaml");
    let ids = crate::common::eval_theme_ids();
    let themes: Vec<String> = ids
        .iter()
        .map(|id| match id.as_str() {
            "wait_time" => format!("  - id: {id}\n    parent: support\n"),
            _ => format!("  - id: {id}\n"),
        })
        .collect();
    std::fs::write(&path, format!("themes:\n{}", themes.concat())).unwrap();
    let prov = Provenance {
        input: None,
        shard: None,
        model: crate::common::encoder().name().to_string(),
        model_fingerprint: String::new(),
        codebook: Some(FileHash::of(&path).unwrap()),
        shards: Vec::new(),
        merged_from: Vec::new(),
    };
    (Codebook::load(&path).unwrap().parents(), prov)
}

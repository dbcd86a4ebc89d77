//! The workspace server end to end over HTTP on loopback: a run folder built from hand-written
//! answers (real encoder), the JSON API, errors, escaping and concurrent requests.

use crate::fixture::{build_run, response, Answer};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use verbatim::encode::{BertEncoder, EncoderOptions};
use verbatim::record::SentimentLabel::{Negative, Neutral, Positive};
use verbatim::retrieve::HybridSearcher;
use verbatim::serve::{start, App, Server};

const ANSWERS: &[Answer] = &[
    Answer {
        text: "The delivery was four days late and nobody told me.",
        lang: "en",
        sentiment: Negative,
        score: Some(3),
        themes: &["delivery"],
        segments: &[("Country", "US"), ("Plan", "Pro")],
        date: Some("2024-03-02"),
    },
    Answer {
        text: "המשלוח הגיע באיחור של שבוע. לא אזמין שוב.",
        lang: "he",
        sentiment: Negative,
        score: Some(2),
        themes: &["delivery"],
        segments: &[("Country", "IL"), ("Plan", "Basic")],
        date: Some("2024-03-05"),
    },
    Answer {
        text: "سفارشم با یک هفته تاخیر رسید.",
        lang: "fa",
        sentiment: Negative,
        score: Some(4),
        themes: &["delivery"],
        segments: &[("Country", "IR"), ("Plan", "Basic")],
        date: Some("2024-03-07"),
    },
    Answer {
        text: "وصل الطلب متأخرا جدا، بعد أسبوعين.",
        lang: "ar",
        sentiment: Negative,
        score: Some(1),
        themes: &["delivery"],
        segments: &[("Country", "AE"), ("Plan", "Pro")],
        date: Some("2024-03-09"),
    },
    Answer {
        text: "Support answered quickly and fixed my billing problem.",
        lang: "en",
        sentiment: Positive,
        score: Some(10),
        themes: &["support", "billing"],
        segments: &[("Country", "US"), ("Plan", "Basic")],
        date: Some("2024-03-10"),
    },
    Answer {
        text: "The price is too high for what you get.",
        lang: "en",
        sentiment: Negative,
        score: Some(5),
        themes: &["price"],
        segments: &[("Country", "GB"), ("Plan", "Pro")],
        date: Some("2024-04-01"),
    },
    Answer {
        text: "המחיר גבוה מדי.",
        lang: "he",
        sentiment: Negative,
        score: Some(6),
        themes: &["price"],
        segments: &[("Country", "IL"), ("Plan", "Pro")],
        date: Some("2024-04-02"),
    },
    Answer {
        text: "The app works fine. Nothing special.",
        lang: "en",
        sentiment: Neutral,
        score: Some(7),
        themes: &["app_website"],
        segments: &[("Country", "US"), ("Plan", "Basic")],
        date: Some("2024-04-03"),
    },
    Answer {
        text: "Great product quality, I love it!",
        lang: "en",
        sentiment: Positive,
        score: Some(9),
        themes: &["product_quality"],
        segments: &[("Country", "GB"), ("Plan", "Basic")],
        date: Some("2024-04-04"),
    },
    Answer {
        text: "Nice <script>alert(1)</script> app, but =cmd|' /C calc'!A0 crashes.",
        lang: "en",
        sentiment: Negative,
        score: Some(4),
        themes: &["app_website"],
        segments: &[("Country", "US"), ("Plan", "Pro")],
        date: Some("2024-04-05"),
    },
];

struct Fixture {
    _dir: tempfile::TempDir,
    server: Server,
}

fn fixture() -> SocketAddr {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let responses: Vec<_> = ANSWERS
            .iter()
            .enumerate()
            .map(|(i, a)| response(i as u64, a))
            .collect();
        build_run(dir.path(), &responses, crate::common::encoder());
        self_trained_codebook(dir.path());
        let enc =
            BertEncoder::load(&crate::common::model_dir(), EncoderOptions::default()).unwrap();
        let searcher = HybridSearcher::open(dir.path(), Arc::new(enc)).unwrap();
        let server = start(App::new(searcher), "127.0.0.1:0", 4).unwrap();
        Fixture { _dir: dir, server }
    })
    .server
    .addr()
}

/// Gives the fixture run the summary of `analyze --codebook FILE --self-train`, written
/// before provenance.json existed: the codebook path followed by the self-training seed.
fn self_trained_codebook(run: &std::path::Path) {
    let cb = run.join("themes.yaml");
    std::fs::write(
        &cb,
        "themes:\n  - id: delivery\n    name: Late or lost deliveries\n    description: shipping\n  \
         - id: price\n    name: Prices\n    parent: delivery\n    description: cost\n",
    )
    .unwrap();
    let summary = serde_json::json!({
        "theme_source": format!("codebook:{} (self-trained, seed 7)", cb.display()),
    });
    std::fs::write(run.join("summary.json"), summary.to_string()).unwrap();
}

/// A GET over a fresh connection: status, headers (lower-cased names) and body.
fn get(path: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(fixture()).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

fn json(path: &str) -> (u16, Value) {
    let (status, head, body) = get(path);
    assert!(
        head.contains("content-type: application/json"),
        "{path}: {head}"
    );
    (status, serde_json::from_slice(&body).unwrap())
}

fn seqs_langs(v: &Value) -> Vec<(u64, String)> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["seq"].as_u64().unwrap(),
                h["lang"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn serves_the_self_contained_page() {
    let (status, head, body) = get("/");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"));
    assert!(head.contains("content-security-policy: default-src 'none'"));
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("<title>verbatim workspace</title>"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no external URLs"
    );
}

#[test]
fn keyword_search_finds_words_and_counts_exactly() {
    let (status, v) = json("/api/search?q=delivery&mode=keyword");
    assert_eq!(status, 200);
    assert_eq!(v["mode"], "keyword");
    assert_eq!(v["total"], 1, "only the English answer has the word");
    assert_eq!(seqs_langs(&v), vec![(0, "en".to_string())]);
    assert!(
        v["hits"][0]["snippet_html"]
            .as_str()
            .unwrap()
            .contains("<b>delivery</b>")
            || v["hits"][0]["snippet_html"]
                .as_str()
                .unwrap()
                .contains("<b>Delivery</b>")
    );
}

#[test]
fn semantic_search_crosses_languages() {
    // An English query with none of the answers' words: the late deliveries in Hebrew, Persian
    // and Arabic lead. (The English one ranks lower with this model; keyword search finds it.)
    let (status, v) =
        json("/api/search?q=the%20package%20came%20a%20week%20late&mode=semantic&limit=3");
    assert_eq!(status, 200);
    assert_eq!(v["mode"], "semantic");
    let mut top: Vec<(u64, String)> = seqs_langs(&v);
    top.sort();
    assert_eq!(
        top,
        vec![(1, "he".into()), (2, "fa".into()), (3, "ar".into())],
        "{v}"
    );
    // A language filter applies to semantic hits too; all=1 ranks every Hebrew answer.
    let (_, v) = json("/api/search?q=late%20delivery&mode=semantic&lang=he&all=1");
    let hits = seqs_langs(&v);
    assert_eq!(v["total"], 2);
    assert!(hits.iter().all(|h| h.1 == "he"), "{hits:?}");
    assert_eq!(hits[0].0, 1);
    // The relevance cut keeps only the Hebrew answer about a late delivery, and counts it.
    let (_, v) = json("/api/search?q=late%20delivery&mode=semantic&lang=he");
    assert_eq!(
        (v["total"].as_u64(), seqs_langs(&v)),
        (Some(1), vec![(1, "he".to_string())])
    );
    assert_eq!(
        v["facets"]["lang"],
        serde_json::json!([{"value": "he", "count": 1}])
    );
    let (status, _) = json("/api/search?q=late&all=2");
    assert_eq!(status, 400);
    // Inline filter syntax too, stripped from the embedded text.
    let (_, v) = json("/api/search?q=late%20delivery%20lang:fa&mode=semantic");
    assert_eq!(seqs_langs(&v), vec![(2, "fa".to_string())]);
}

#[test]
fn hybrid_fuses_both_sides() {
    let (status, v) = json("/api/search?q=delivery&mode=hybrid&limit=10&all=1");
    assert_eq!(status, 200);
    let first = &v["hits"][0];
    assert_eq!(first["seq"], 0, "found by both retrievers: ranked first");
    assert_eq!(
        first["found_by"],
        serde_json::json!(["keyword", "semantic"])
    );
    let found: Vec<u64> = seqs_langs(&v).iter().map(|x| x.0).collect();
    for s in [1, 2, 3] {
        assert!(
            found.contains(&s),
            "semantic side adds the {s} answer: {found:?}"
        );
    }
    assert_eq!(
        v["total"], 10,
        "1 keyword match + 9 semantic-only hits (all answers in depth)"
    );
    // Without all=1 only answers above the relevance cut join the keyword match.
    let (_, cut) = json("/api/search?q=delivery&mode=hybrid&limit=10");
    assert!(cut["total"].as_u64().unwrap() < 10, "{cut}");
}

#[test]
fn facets_count_and_filter() {
    let (_, v) = json("/api/search");
    assert_eq!(v["total"], 10);
    let theme = &v["facets"]["theme"];
    assert_eq!(
        theme[0],
        serde_json::json!({"value": "delivery", "count": 4})
    );
    let (_, v) = json("/api/search?sentiment=negative&segment=Plan%3DPro");
    assert_eq!(v["total"], 5); // seqs 0, 3, 5, 6, 9
    let (_, v) = json("/api/search?q=score:%5B0%20TO%202%5D");
    let mut got: Vec<u64> = seqs_langs(&v).iter().map(|x| x.0).collect();
    got.sort();
    assert_eq!(got, vec![1, 3]);
}

#[test]
fn verbatim_text_is_escaped_in_the_api_and_the_export() {
    let (status, _, body) = get("/api/search?q=crashes&mode=keyword");
    assert_eq!(status, 200);
    let raw = String::from_utf8(body).unwrap();
    assert!(
        !raw.contains("<script>"),
        "no raw markup anywhere in the JSON body"
    );
    let v: Value = serde_json::from_str(&raw).unwrap();
    let snip = v["hits"][0]["snippet_html"].as_str().unwrap();
    assert!(
        snip.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{snip}"
    );
    assert_eq!(
        v["hits"][0]["text"].as_str().unwrap(),
        ANSWERS[9].text,
        "plain text survives JSON escaping"
    );

    let (status, head, body) = get("/api/export.csv?q=crashes&mode=keyword");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/csv"));
    let csv = String::from_utf8(body).unwrap();
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let headers = rows.headers().unwrap().clone();
    assert_eq!(&headers[0], "rank");
    let row = rows.records().next().unwrap().unwrap();
    assert_eq!(&row[headers.len() - 1], ANSWERS[9].text);
}

#[test]
fn export_has_every_row_of_the_result_set() {
    let (_, _, body) = get("/api/export.csv?lang=en");
    let n = csv::Reader::from_reader(&body[..]).records().count();
    assert_eq!(n, 6);
}

#[test]
fn similar_finds_translations_not_itself() {
    // The Persian late delivery: its nearest answers are the Arabic and Hebrew ones.
    let (status, v) = json("/api/similar/2?limit=3");
    assert_eq!(status, 200);
    let found: Vec<u64> = seqs_langs(&v).iter().map(|x| x.0).collect();
    assert_eq!(found.len(), 3);
    assert!(!found.contains(&2), "not itself: {found:?}");
    let mut top2 = found[..2].to_vec();
    top2.sort();
    assert_eq!(
        top2,
        vec![1, 3],
        "the other late deliveries lead: {found:?}"
    );
    assert!(
        v["hits"][0]["relevance"].as_f64().unwrap() >= v["hits"][2]["relevance"].as_f64().unwrap()
    );
}

#[test]
fn themes_table_counts_answers() {
    let (status, v) = json("/api/themes");
    assert_eq!(status, 200);
    assert_eq!(v["answers"], 10);
    let t = &v["themes"][0];
    assert_eq!(
        (t["theme"].as_str(), t["count"].as_u64()),
        (Some("delivery"), Some(4))
    );
    assert_eq!(t["nps"], -100.0, "four detractors");
    // Four answers are too few for an interval: none, and marked (not "-100 to -100").
    assert_eq!(t["nps_low"], Value::Null, "{t}");
    assert_eq!(t["nps_high"], Value::Null);
    assert_eq!(t["nps_small_n"], true);
    assert_eq!(v["nps_small_n"], false, "all 10 answers are scored: {v}");
    assert!(v["nps_low"].is_number());
}

#[test]
fn themes_of_a_self_trained_run_keep_their_codebook_names() {
    let (status, v) = json("/api/themes");
    assert_eq!(status, 200);
    let row = |id: &str| {
        v["themes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["theme"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no theme {id}: {v}"))
    };
    assert_eq!(row("delivery")["name"], "Late or lost deliveries", "{v}");
    assert_eq!(row("price")["parent"], "delivery", "{v}");
    assert_eq!(
        row("support")["name"],
        "support",
        "not in the codebook: its id"
    );
    let (status, v) = json("/api/segments");
    assert_eq!(status, 200);
    assert_eq!(v["names"]["price"], "Prices", "{v}");
}

#[test]
fn bad_input_gets_4xx_json_with_a_message() {
    for (path, status) in [
        ("/api/search?limit=abc", 400),
        ("/api/search?mode=fuzzy", 400),
        ("/api/search?q=%22unclosed&mode=keyword", 400),
        ("/api/search?q=score:%5Bx%20TO&mode=keyword", 400),
        ("/api/search?colour=red", 400),
        ("/api/similar/abc", 400),
        ("/api/similar/99999", 404),
        ("/nope", 404),
        ("/api/search?offset=99999999", 400),
    ] {
        let (got, v) = json(path);
        assert_eq!(got, status, "{path}: {v}");
        assert!(!v["error"].as_str().unwrap_or("").is_empty(), "{path}");
    }
}

#[test]
fn answers_concurrent_requests() {
    let addr = fixture();
    let workers: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                let mut ok = 0;
                for i in 0..20 {
                    let path = match (t + i) % 4 {
                        0 => "/api/search?q=delivery&mode=keyword",
                        1 => "/api/search?q=late%20delivery&mode=semantic",
                        2 => "/api/search?q=price&mode=hybrid&lang=he",
                        _ => "/api/similar/2",
                    };
                    let mut s = TcpStream::connect(addr).unwrap();
                    write!(
                        s,
                        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    )
                    .unwrap();
                    let mut raw = String::new();
                    s.read_to_string(&mut raw).unwrap();
                    ok += raw.starts_with("HTTP/1.1 200") as usize;
                }
                ok
            })
        })
        .collect();
    let ok: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(ok, 160);
}

#[test]
fn other_methods_get_405() {
    let mut s = TcpStream::connect(fixture()).unwrap();
    write!(
        s,
        "POST /api/search HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 405"), "{raw}");
    assert!(raw.contains("read-only"), "{raw}");
}

#[test]
fn a_panicking_handler_answers_500_and_the_server_keeps_serving() {
    let handler: Arc<verbatim::serve::http::Handler> = Arc::new(|_m: &str, url: &str| {
        if url.starts_with("/boom") {
            panic!("handler bug (expected in this test)");
        }
        verbatim::serve::Reply::json(200, &serde_json::json!({"ok": true}))
    });
    // One worker: if the panic killed it, the next request would never be answered.
    let server = Server::start("127.0.0.1:0", 1, handler).unwrap();
    let ask = |path: &str| {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        raw
    };
    for _ in 0..3 {
        let raw = ask("/boom");
        assert!(raw.starts_with("HTTP/1.1 500"), "{raw}");
        assert!(raw.contains("\"error\""), "{raw}");
        assert!(ask("/fine").starts_with("HTTP/1.1 200"));
    }
    server.stop();
}

/// Sends raw bytes on a fresh connection and returns what comes back (read for at most 10 s).
fn raw_exchange(bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(fixture()).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(bytes).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw).into_owned()
}

/// Status and time of a GET on a fresh connection, with a 5 s cap on the wait.
fn timed_get(path: &str) -> (u16, std::time::Duration) {
    let t = std::time::Instant::now();
    let mut s = TcpStream::connect(fixture()).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let status = String::from_utf8_lossy(&raw)
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, t.elapsed())
}

#[test]
fn refuses_bodies_huge_heads_and_foreign_hosts() {
    let r = raw_exchange(
        b"POST /api/search HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999\r\n\r\n",
    );
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    let r = raw_exchange(
        b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    let big = format!(
        "GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    assert!(raw_exchange(big.as_bytes()).starts_with("HTTP/1.1 431"));
    let long = format!("GET /api/search?q={} HTTP/1.1\r\n\r\n", "a".repeat(20_000));
    assert!(raw_exchange(long.as_bytes()).starts_with("HTTP/1.1 414"));
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends its own name.
    for host in [
        "evil.example",
        "evil.example:8080",
        "localhost.evil.example",
    ] {
        let r = raw_exchange(
            format!("GET /api/export.csv HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes(),
        );
        assert!(r.starts_with("HTTP/1.1 403"), "{host}: {r}");
        assert!(!r.contains("delivery"), "no data for {host}");
    }
    for host in ["localhost:1", "127.0.0.1", "[::1]:8080"] {
        let r = raw_exchange(
            format!("GET /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        assert!(r.starts_with("HTTP/1.1 200"), "{host}: {r}");
    }
}

#[test]
fn deep_queries_are_a_400_not_a_crash() {
    for deep in ["(", "-", "NOT%20", "!"] {
        let q = deep.repeat(2_000);
        let (status, v) = json(&format!("/api/search?q={q}a&mode=keyword"));
        assert_eq!(status, 400, "{deep}: {v}");
        let e = v["error"].as_str().unwrap();
        assert!(e.contains("deep") || e.contains("characters"), "{e}");
        assert!(e.contains("at character"), "{e}");
    }
    let (status, v) = json(&format!(
        "/api/search?q={}&mode=semantic",
        "a%20".repeat(3_000)
    ));
    assert_eq!(status, 400, "too long in every mode: {v}");
}

/// The hostile clients of issue 11 at once, then health and a search must still answer
/// within 1 s. Bounded: every client gives up after a few seconds.
#[test]
fn health_answers_within_a_second_under_hostile_load() {
    use std::time::Duration;
    let addr = fixture();
    let mut held = Vec::new();
    // Clients that pipeline hundreds of requests for large replies and never read.
    for i in 0..8 {
        let mut s = TcpStream::connect(addr).unwrap();
        let path = if i % 2 == 0 { "/api/export.csv" } else { "/" };
        let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").repeat(400);
        s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = s.write_all(req.as_bytes());
        held.push(s);
    }
    // Slow clients that start a request and stall.
    for _ in 0..16 {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /api/search?q=late HTTP/1.1\r\nHo")
            .unwrap();
        held.push(s);
    }
    // One-shot attacks, several at once.
    let attacks: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                raw_exchange(
                    b"GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999\r\n\r\n",
                );
                raw_exchange(
                    format!(
                        "GET / HTTP/1.1\r\nHost: localhost\r\nX: {}\r\n\r\n",
                        "a".repeat(40_000)
                    )
                    .as_bytes(),
                );
                raw_exchange(b"GET /api/health HTTP/1.1\r\nHost: evil.example\r\n\r\n");
                timed_get(&format!(
                    "/api/search?q={}a&mode=keyword",
                    "(".repeat(3_000)
                ))
            })
        })
        .collect();
    for a in attacks {
        assert_eq!(
            a.join().unwrap().0,
            400,
            "deep query refused, process alive"
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    for path in ["/api/health", "/api/search?q=delivery&mode=keyword"] {
        let (status, took) = timed_get(path);
        assert_eq!(status, 200, "{path}");
        assert!(took < Duration::from_secs(1), "{path} took {took:?}");
    }
    drop(held);
}

/// The follow-up tab's API: without owners in a codebook every detractor is `unassigned`,
/// lowest score first; a bad limit is a 400.
#[test]
fn followup_lists_detractors_worst_first() {
    let (status, v) = json("/api/followup");
    assert_eq!(status, 200, "{v}");
    let detractors = ANSWERS
        .iter()
        .filter(|a| a.score.is_some_and(|s| s <= 6))
        .count();
    let owners = v["owners"].as_array().unwrap();
    assert_eq!(owners.len(), 1, "{v}");
    assert_eq!(owners[0]["owner"], "unassigned");
    assert_eq!(owners[0]["count"], detractors as u64);
    let scores: Vec<u64> = owners[0]["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["score"].as_u64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] <= w[1]), "{scores:?}");
    assert!(scores.iter().all(|s| *s <= 6));
    let (status, _) = json("/api/followup?limit=0");
    assert_eq!(status, 400);
    let (_, one) = json("/api/followup?limit=1");
    assert_eq!(one["owners"][0]["answers"].as_array().unwrap().len(), 1);
}

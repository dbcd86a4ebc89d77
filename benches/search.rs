//! Search benchmark on synthetic runs: build times, index sizes, p50/p99 latency of keyword,
//! semantic and hybrid queries (absolute and against an exact brute-force vector scan measured
//! in the same run), ANN recall@10, and an HTTP load test on loopback.
//!
//! `cargo bench --bench search` runs 100,000 and 1,000,000 answers (about 3.5 minutes on 2
//! cores, most of it building the 1M run); `VERBATIM_BENCH_SIZES=100000` picks sizes;
//! `VERBATIM_BENCH_DIR=path` keeps the runs and reuses them next time. Under `cargo test
//! --all-targets` (no `--bench` argument) it does a 3,000-answer smoke run in a few seconds.
//! The HTTP load test fails the run if any request is not answered 200.
//!
//! Answers are synthetic: texts of pseudo-words in eight scripts (Latin, Hebrew, Arabic,
//! Cyrillic), Zipf-distributed with topic words mixed in, and 384-d vectors on a 32-d latent
//! manifold clustered by topic and sub-topic the way sentence embeddings are. The query encoder is synthetic too
//! (a topic word's text maps to a vector near that topic), so semantic latencies are the
//! retrieval part; the real model's query-embedding time is measured separately and added.

use rand::distributions::{Distribution, WeightedIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use verbatim::analyze::stats::RunStats;
use verbatim::encode::{EncodeError, Encoder, TextKind};
use verbatim::record::{
    NpsGroup, Response, SentenceResult, Sentiment, SentimentLabel, ThemeMention,
};
use verbatim::retrieve::{Filters, HybridSearcher, Mode, Query};
use verbatim::run::{AnswerFiles, RunDir, RunSummary, RunWriter};
use verbatim::vector::brute_force;

const DIM: usize = 384;
/// Intrinsic dimension of the synthetic embedding manifold.
const LATENT: usize = 32;
const TOPICS: usize = 40;
const SUBTOPICS: usize = 250;
const LANGS: [(&str, u32, u32); 8] = [
    ("en", 0x61, 0x7a),
    ("es", 0x61, 0x7a),
    ("de", 0x61, 0x7a),
    ("fr", 0x61, 0x7a),
    ("ru", 0x430, 0x44f),
    ("he", 0x5d0, 0x5ea),
    ("fa", 0x627, 0x64a),
    ("ar", 0x627, 0x64a),
];
/// The theme ids of the labeled eval codebook (`corpora/eval/themes.yaml`), which the synthetic
/// answers are tagged with.
fn themes() -> &'static [String] {
    static IDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/eval/themes.yaml");
        verbatim::classify::codebook::Codebook::load(&path)
            .expect("the eval codebook loads")
            .ids()
    })
}
const COUNTRIES: [&str; 6] = ["US", "IL", "IR", "AE", "DE", "FR"];
const PLANS: [&str; 3] = ["Basic", "Pro", "Team"];

fn normalize(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

fn gaussian(rng: &mut ChaCha8Rng, n: usize, sd: f32) -> Vec<f32> {
    (0..n)
        .map(|_| sd * rng.sample::<f32, _>(StandardNormal))
        .collect()
}

/// Word lists and cluster centres of the synthetic world.
struct World {
    /// Per language: common words (Zipf) and per-topic words.
    common: Vec<Vec<String>>,
    topic_words: Vec<Vec<Vec<String>>>,
    /// Latent position of each sub-topic (topic centre + spread).
    sub_z: Vec<Vec<f32>>,
    /// `DIM x LATENT` projection into the embedding space.
    proj: Vec<f32>,
    zipf: WeightedIndex<f64>,
    word_topic: HashMap<String, usize>,
}

fn word(rng: &mut ChaCha8Rng, lo: u32, hi: u32) -> String {
    let len = rng.gen_range(3..9);
    (0..len)
        .map(|_| char::from_u32(rng.gen_range(lo..=hi)).unwrap_or('x'))
        .collect()
}

impl World {
    fn new(seed: u64) -> World {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut common = Vec::new();
        let mut topic_words = Vec::new();
        let mut word_topic = HashMap::new();
        for &(_, lo, hi) in &LANGS {
            common.push((0..3000).map(|_| word(&mut rng, lo, hi)).collect());
            let per_topic: Vec<Vec<String>> = (0..TOPICS)
                .map(|t| {
                    (0..30)
                        .map(|_| {
                            let w = word(&mut rng, lo, hi);
                            word_topic.insert(w.clone(), t);
                            w
                        })
                        .collect()
                })
                .collect();
            topic_words.push(per_topic);
        }
        World {
            common,
            topic_words,
            sub_z: {
                let topics: Vec<Vec<f32>> = (0..TOPICS)
                    .map(|_| gaussian(&mut rng, LATENT, 1.0))
                    .collect();
                (0..TOPICS * SUBTOPICS)
                    .map(|i| {
                        let spread = gaussian(&mut rng, LATENT, 0.6);
                        topics[i / SUBTOPICS]
                            .iter()
                            .zip(spread)
                            .map(|(a, b)| a + b)
                            .collect()
                    })
                    .collect()
            },
            proj: gaussian(&mut rng, DIM * LATENT, 1.0 / (LATENT as f32).sqrt()),
            zipf: WeightedIndex::new((1..=3000).map(|r| 1.0 / r as f64)).expect("weights"),
            word_topic,
        }
    }

    /// A vector near topic `t`, sub-topic `s`: a point near the sub-topic in the latent space,
    /// projected to `DIM` dimensions, plus a little full-dimensional noise. Sentence embeddings
    /// lie near a low-dimensional manifold like this, so nearest neighbours are graded (not
    /// the near-ties of independent random directions) and ANN recall means something.
    fn vector(&self, t: usize, s: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
        let z: Vec<f32> = self.sub_z[t * SUBTOPICS + s]
            .iter()
            .zip(gaussian(rng, LATENT, 0.45))
            .map(|(a, b)| a + b)
            .collect();
        let mut v = gaussian(rng, DIM, 0.02);
        for (d, x) in v.iter_mut().enumerate() {
            let row = &self.proj[d * LATENT..(d + 1) * LATENT];
            *x += row.iter().zip(&z).map(|(a, b)| a * b).sum::<f32>();
        }
        normalize(&mut v);
        v
    }

    fn text(&self, lang: usize, topic: usize, rng: &mut ChaCha8Rng) -> String {
        let n = rng.gen_range(8..22);
        (0..n)
            .map(|_| {
                if rng.gen_bool(0.3) {
                    let tw = &self.topic_words[lang][topic];
                    tw[rng.gen_range(0..tw.len())].as_str()
                } else {
                    self.common[lang][self.zipf.sample(rng)].as_str()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Maps query text to a vector near the topic of its first topic word (a stand-in for the
/// real model, whose cost is measured separately).
struct WorldEncoder {
    world: Arc<World>,
}

impl Encoder for WorldEncoder {
    fn dim(&self) -> usize {
        DIM
    }
    fn name(&self) -> &str {
        "synthetic"
    }
    fn embed(&self, texts: &[&str], _kind: TextKind) -> Result<Vec<Vec<f32>>, EncodeError> {
        Ok(texts
            .iter()
            .map(|t| {
                let h = t.bytes().fold(1469598103934665603u64, |h, b| {
                    (h ^ b as u64).wrapping_mul(1099511628211)
                });
                let mut rng = ChaCha8Rng::seed_from_u64(h);
                let topic = t
                    .split_whitespace()
                    .find_map(|w| self.world.word_topic.get(w).copied())
                    .unwrap_or((h % TOPICS as u64) as usize);
                let s = rng.gen_range(0..SUBTOPICS);
                self.world.vector(topic, s, &mut rng)
            })
            .collect())
    }
}

fn sentiment(label: SentimentLabel) -> Sentiment {
    let mut probs = [0.15, 0.15, 0.15];
    probs[label.index()] = 0.7;
    Sentiment { label, probs }
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p).map_or(0, |rd| {
        rd.flatten()
            .map(|e| {
                let m = e
                    .metadata()
                    .map(|m| (m.is_dir(), m.len()))
                    .unwrap_or((false, 0));
                if m.0 {
                    dir_size(&e.path())
                } else {
                    m.1
                }
            })
            .sum()
    })
}

/// Synthetic answer `seq` and its topic: a text in a random language, a score, two segments
/// and one theme.
fn synthetic_response(world: &World, seq: usize, rng: &mut ChaCha8Rng) -> (Response, usize) {
    let lang = rng.gen_range(0..LANGS.len());
    let topic = rng.gen_range(0..TOPICS);
    let text = world.text(lang, topic, rng);
    let score: u8 = rng.gen_range(0..=10);
    let label = SentimentLabel::ALL[if score <= 6 {
        0
    } else if score <= 8 {
        1
    } else {
        2
    }];
    let mut segments = BTreeMap::new();
    segments.insert(
        "Country".to_string(),
        COUNTRIES[rng.gen_range(0..COUNTRIES.len())].to_string(),
    );
    segments.insert(
        "Plan".to_string(),
        PLANS[rng.gen_range(0..PLANS.len())].to_string(),
    );
    let r = Response {
        seq: seq as u64,
        row: seq as u64 + 1,
        id: format!("S{seq}"),
        score: Some(score),
        nps_group: Some(NpsGroup::of(score)),
        date: Some(format!(
            "2024-{:02}-{:02}",
            rng.gen_range(1..=12),
            rng.gen_range(1..=28)
        )),
        segments,
        fields: BTreeMap::new(),
        lang: LANGS[lang].0.to_string(),
        lang_confidence: 0.9,
        sentiment: sentiment(label),
        mixed: false,
        themes: vec![ThemeMention {
            theme: themes()[topic % themes().len()].clone(),
            score: 0.7,
            sentence: 0,
            sentiment: label,
        }],
        sentences: vec![SentenceResult {
            text: text.clone(),
            start: 0,
            end: text.len(),
            sentiment: sentiment(label),
            themes: Vec::new(),
            suggestion: false,
        }],
        text,
    };
    (r, topic)
}

/// Writes a synthetic run of `n` answers into `dir` through `RunWriter`, as `verbatim analyze`
/// does: answers and keyword index, embedding store, stats, summary and the vector index.
fn build(world: &World, n: usize, dir: &Path) {
    let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
    let t0 = Instant::now();
    let run = RunWriter::begin(dir, true).expect("run dir");
    let keys = vec!["Country".to_string(), "Plan".to_string()];
    let files = AnswerFiles {
        parquet: false,
        index: true,
    };
    let mut answers = run.answers(&keys, files).expect("answers");
    let mut store = run.store(DIM, "synthetic").expect("store");
    let theme_ids = themes().to_vec();
    let (mut stats, mut summary) = (RunStats::new(&theme_ids), RunSummary::default());
    let mut t_write = Duration::ZERO;
    for seq in 0..n {
        let (r, topic) = synthetic_response(world, seq, &mut rng);
        let ti = Instant::now();
        answers.write(&r).expect("answer");
        t_write += ti.elapsed();
        stats.add(&r);
        summary.add(&r);
        let v = world.vector(topic, rng.gen_range(0..SUBTOPICS), &mut rng);
        store.push(&v, &[]).expect("store push");
    }
    store.finish().expect("store");
    let ti = Instant::now();
    answers.finish().expect("answers finish");
    t_write += ti.elapsed();
    run.rejects().and_then(|r| r.finish()).expect("rejects");
    let gen = t0.elapsed();
    let tv = Instant::now();
    summary.rows.rows_read = summary.rows.analyzed;
    run.finish(&stats, None, || Some(summary)).expect("finish");
    let lists = RunDir::new(dir).vectors().expect("vectors").meta().lists;
    println!(
        "  built {n} answers in {:.1}s (answer files + tantivy {:.1}s), stats and vector index ({lists} lists) in {:.1}s",
        gen.as_secs_f64(),
        t_write.as_secs_f64(),
        tv.elapsed().as_secs_f64()
    );
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn time<F: FnMut(usize)>(n: usize, mut f: F) -> (f64, f64) {
    let mut ms = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        f(i);
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    (pct(&mut ms, 0.5), pct(&mut ms, 0.99))
}

/// A keep-alive client connection. The request goes out in one write with Nagle off, so the
/// numbers measure the server, not the 40 ms delayed-ACK stall of a request split in pieces.
fn connect(addr: std::net::SocketAddr) -> std::io::Result<BufReader<TcpStream>> {
    let s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    Ok(BufReader::new(s))
}

/// One keep-alive HTTP/1.1 GET; returns the status.
fn http_get(s: &mut BufReader<TcpStream>, path: &str) -> std::io::Result<u16> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    s.get_mut().write_all(req.as_bytes())?;
    let (mut status, mut len, mut line) = (0u16, 0usize, String::new());
    loop {
        line.clear();
        if s.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let l = line.trim_end().to_ascii_lowercase();
        if l.is_empty() {
            break;
        }
        if l.starts_with("http/") {
            status = l
                .split(' ')
                .nth(1)
                .and_then(|x| x.parse().ok())
                .unwrap_or(0);
        } else if let Some(v) = l.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body)?;
    Ok(status)
}

/// How much work one size does.
struct Plan {
    /// Distinct query texts (each is run once per mode).
    queries: usize,
    /// Most HTTP requests per load client.
    requests: usize,
    /// Longest HTTP load phase.
    http_secs: f64,
}

fn bench(world: Arc<World>, n: usize, base: &Path, real_embed_ms: Option<(f64, f64)>, plan: &Plan) {
    let dir = base.join(format!("run-{n}"));
    println!("\n== {n} answers ({})", dir.display());
    if !dir.join("vectors/meta.json").exists() {
        build(&world, n, &dir);
    }
    let sizes = [
        (
            "responses.jsonl",
            std::fs::metadata(dir.join("responses.jsonl")).map_or(0, |m| m.len()),
        ),
        ("index (tantivy)", dir_size(&dir.join("index"))),
        ("vectors (IVF int8)", dir_size(&dir.join("vectors"))),
        ("embeddings (f32)", dir_size(&dir.join("embeddings"))),
    ];
    for (k, v) in sizes {
        println!("  {k:<20} {:>8.1} MB", v as f64 / 1e6);
    }
    let t = Instant::now();
    let searcher = HybridSearcher::open(
        &dir,
        Arc::new(WorldEncoder {
            world: Arc::clone(&world),
        }),
    )
    .expect("open");
    println!(
        "  open (columns from responses.jsonl): {:.2}s",
        t.elapsed().as_secs_f64()
    );

    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let queries: Vec<String> = (0..plan.queries)
        .map(|_| {
            let (l, t) = (rng.gen_range(0..LANGS.len()), rng.gen_range(0..TOPICS));
            let tw = &world.topic_words[l][t];
            format!(
                "{} {}",
                tw[rng.gen_range(0..tw.len())],
                tw[rng.gen_range(0..tw.len())]
            )
        })
        .collect();
    let enc = WorldEncoder {
        world: Arc::clone(&world),
    };
    let qvecs: Vec<Vec<f32>> = queries
        .iter()
        .map(|q| enc.embed(&[q], TextKind::Query).expect("embed").remove(0))
        .collect();

    let store = searcher.vectors().store();
    let (bf50, bf99) = time(qvecs.len().min(50), |i| {
        std::hint::black_box(brute_force(store, &qvecs[i], 10, None));
    });
    let (ann50, ann99) = time(qvecs.len(), |i| {
        std::hint::black_box(searcher.vectors().search(&qvecs[i], 10, None));
    });
    let mut rec = 0.0;
    let m = qvecs.len().min(50);
    for q in qvecs.iter().take(m) {
        let want = brute_force(store, q, 10, None);
        let got = searcher.vectors().search(q, 10, None);
        rec += want
            .iter()
            .filter(|w| got.iter().any(|g| g.0 == w.0))
            .count() as f64
            / 10.0;
    }
    let recall = rec / m as f64;
    let he = |s: &HybridSearcher, mode, i: usize, filter: bool| {
        let q = Query {
            text: queries[i].clone(),
            mode,
            filters: Filters {
                lang: if filter {
                    vec!["he".into()]
                } else {
                    Vec::new()
                },
                ..Filters::default()
            },
            limit: 10,
            ..Query::default()
        };
        std::hint::black_box(s.search(&q).expect("search"));
    };
    // Warm the embedding cache so the semantic numbers are retrieval only.
    for q in &queries {
        let _ = searcher.embed_query(q);
    }
    let rows = [
        ("exact brute-force scan (f32)", (bf50, bf99)),
        ("ANN vector search (IVF)", (ann50, ann99)),
        (
            "keyword",
            time(queries.len(), |i| he(&searcher, Mode::Keyword, i, false)),
        ),
        (
            "semantic",
            time(queries.len(), |i| he(&searcher, Mode::Semantic, i, false)),
        ),
        (
            "hybrid",
            time(queries.len(), |i| he(&searcher, Mode::Hybrid, i, false)),
        ),
        (
            "keyword + lang filter",
            time(queries.len(), |i| he(&searcher, Mode::Keyword, i, true)),
        ),
        (
            "semantic + lang filter",
            time(queries.len(), |i| he(&searcher, Mode::Semantic, i, true)),
        ),
        (
            "hybrid + lang filter",
            time(queries.len(), |i| he(&searcher, Mode::Hybrid, i, true)),
        ),
    ];
    println!(
        "  ANN recall@10 vs exact: {recall:.3} (probe {} of {} lists)",
        searcher.vectors().probe(),
        searcher.vectors().meta().lists
    );
    println!("  | query | p50 ms | p99 ms | p50 / exact scan |");
    println!("  |---|---|---|---|");
    for (name, (p50, p99)) in rows {
        println!("  | {name} | {p50:.2} | {p99:.2} | {:.3} |", p50 / bf50);
    }
    if let Some((e50, e99)) = real_embed_ms {
        println!("  (+ real e5-small query embedding: p50 {e50:.1} ms, p99 {e99:.1} ms, cached per query text)");
    }

    // HTTP load: 2 keep-alive clients for 10 s or 2,500 requests each.
    let server = verbatim::serve::start(verbatim::serve::App::new(searcher), "127.0.0.1:0", 4)
        .expect("serve");
    let addr = server.addr();
    let (ok, err) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (requests, http_secs) = (plan.requests, plan.http_secs);
    let t = Instant::now();
    let clients: Vec<_> = (0..2)
        .map(|c| {
            let (ok, err, queries) = (Arc::clone(&ok), Arc::clone(&err), queries.clone());
            std::thread::spawn(move || {
                let mut s = connect(addr).expect("connect");
                let start = Instant::now();
                for i in 0..requests {
                    if start.elapsed() > Duration::from_secs_f64(http_secs) {
                        break;
                    }
                    let q: String = form_urlencoded::byte_serialize(
                        queries[(i * 2 + c) % queries.len()].as_bytes(),
                    )
                    .collect();
                    let mode = ["keyword", "semantic", "hybrid"][i % 3];
                    let path = format!("/api/search?q={q}&mode={mode}&limit=20");
                    match http_get(&mut s, &path) {
                        Ok(200) => ok.fetch_add(1, Ordering::Relaxed),
                        Ok(_) => err.fetch_add(1, Ordering::Relaxed),
                        Err(_) => {
                            err.fetch_add(1, Ordering::Relaxed);
                            s = connect(addr).expect("reconnect");
                            0
                        }
                    };
                }
            })
        })
        .collect();
    for c in clients {
        let _ = c.join();
    }
    let secs = t.elapsed().as_secs_f64();
    let (ok, err) = (ok.load(Ordering::Relaxed), err.load(Ordering::Relaxed));
    println!("  HTTP /api/search (2 clients, keep-alive, mixed modes, 20 hits/page): {ok} ok, {err} errors in {secs:.1}s = {:.0} requests/s", ok as f64 / secs);
    server.stop();
    assert!(
        ok > 0 && err == 0,
        "the load test must answer every request"
    );
}

fn main() {
    // `cargo bench` passes `--bench`. Without it the binary runs under `cargo test
    // --all-targets`: then a small smoke run checks that everything works, quickly.
    let full = std::env::args().any(|a| a == "--bench");
    let plan = if full {
        Plan {
            queries: 200,
            requests: 2500,
            http_secs: 10.0,
        }
    } else {
        Plan {
            queries: 20,
            requests: 100,
            http_secs: 2.0,
        }
    };
    let default_sizes = if full { "100000,1000000" } else { "3000" };
    let sizes: Vec<usize> = std::env::var("VERBATIM_BENCH_SIZES")
        .unwrap_or_else(|_| default_sizes.into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let keep = std::env::var("VERBATIM_BENCH_DIR").ok().map(PathBuf::from);
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    let world = Arc::new(World::new(42));

    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/e5-small");
    let real = verbatim::encode::BertEncoder::load(&model, Default::default())
        .ok()
        .filter(|_| full)
        .map(|enc| {
            let qs = [
                "late delivery",
                "rude staff at the pickup point",
                "המשלוח איחר",
                "app keeps crashing on login",
                "too expensive for what you get",
            ];
            let _ = enc.embed(&["warm up"], TextKind::Query);
            time(40, |i| {
                std::hint::black_box(enc.embed(&[qs[i % qs.len()]], TextKind::Query).ok());
            })
        });
    println!(
        "verbatim search bench{}: {} threads available",
        if full {
            ""
        } else {
            " (smoke run; `cargo bench --bench search` for the numbers)"
        },
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for n in sizes {
        bench(Arc::clone(&world), n, &base, real, &plan);
    }
}

//! `analyze` end to end on a real export with the real model: every row is either analyzed or
//! rejected with its reason, the run folder holds every output, and the answers carry the
//! language, sentiment, themes and sentence results a user expects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use verbatim::encode::{BertEncoder, EncoderOptions};
use verbatim::encode::{EncodeError, Encoder, TextKind};
use verbatim::ingest::IngestOptions;
use verbatim::pipeline::{analyze, AnalyzeOptions, NoProgress, ThemeSource};
use verbatim::record::Response;
use verbatim::retrieve::{HybridSearcher, Mode, Query};

fn repo(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn options(out: &Path, parquet: bool, shard: Option<(u64, u64)>) -> AnalyzeOptions {
    AnalyzeOptions {
        input: repo("tests/fixtures/analyze/mixed.csv"),
        ingest: IngestOptions {
            text_col: "Comment".into(),
            score_col: Some("Score".into()),
            id_col: Some("ResponseId".into()),
            date_col: Some("Date".into()),
            segment_cols: vec!["Plan".into()],
            ..Default::default()
        },
        out: out.to_path_buf(),
        force: false,
        sentiment_head: repo("models/heads/sentiment.json"),
        themes: ThemeSource::Codebook(repo("corpora/eval/themes.yaml")),
        shard,
        parquet,
        chunk: 4,
    }
}

fn run(out: &Path, parquet: bool, shard: Option<(u64, u64)>) -> verbatim::pipeline::RunSummary {
    let opts = options(out, parquet, shard);
    analyze(&opts, crate::common::encoder(), &NoProgress).expect("analyze runs")
}

/// [`options`] for the stub encoder ([`crate::common::stub`]): tests of plumbing.
fn stub_options(out: &Path, parquet: bool, shard: Option<(u64, u64)>) -> AnalyzeOptions {
    AnalyzeOptions {
        sentiment_head: crate::common::stub_head(),
        ..options(out, parquet, shard)
    }
}

/// [`run`] with the stub encoder.
fn stub_run(
    out: &Path,
    parquet: bool,
    shard: Option<(u64, u64)>,
) -> verbatim::pipeline::RunSummary {
    let opts = stub_options(out, parquet, shard);
    analyze(&opts, crate::common::stub(), &NoProgress).expect("analyze runs")
}

fn responses(out: &Path) -> Vec<Response> {
    std::fs::read_to_string(out.join("responses.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_row_is_analyzed_or_rejected_and_the_outputs_agree() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let s = run(&out, true, None);
    assert_eq!(s.rows.rows_read, 12);
    assert_eq!(s.rows.analyzed, 9);
    assert_eq!(s.rows.rejected, 3);
    assert_eq!(s.rows.analyzed + s.rows.rejected, s.rows.rows_read);

    let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines.len(), 1 + 3, "{rejects}");
    assert!(lines[0].starts_with("row,"), "{rejects}");
    assert!(rejects.contains("eleven"), "{rejects}");
    assert!(rejects.contains("empty answer text"), "{rejects}");
    assert!(rejects.contains("duplicate id a4"), "{rejects}");

    let rs = responses(&out);
    assert_eq!(rs.len(), 9);
    for name in [
        "summary.json",
        "stats.json",
        "responses.parquet",
        "index",
        "vectors",
        "embeddings",
    ] {
        assert!(out.join(name).exists(), "{name} missing");
    }
    let by_id = |id: &str| rs.iter().find(|r| r.id == id).unwrap();
    assert_eq!(by_id("a1").lang, "he");
    assert_eq!(by_id("a2").lang, "fa");
    assert_eq!(by_id("a3").lang, "ar");
    assert_eq!(by_id("a6").lang, "ru");
    assert_eq!(by_id("a1").segments["Plan"], "Pro");
    assert_eq!(by_id("a1").date.as_deref(), Some("2025-03-01"));

    // Late deliveries in Hebrew, Persian and Arabic raise the English-described theme.
    for id in ["a1", "a2", "a3"] {
        let r = by_id(id);
        assert!(
            r.themes.iter().any(|t| t.theme == "delivery"),
            "{id}: {:?}",
            r.themes
        );
        assert_eq!(r.sentiment.label.as_str(), "negative", "{id}");
    }
    assert_eq!(by_id("a4").sentiment.label.as_str(), "positive");
    assert!(by_id("a7").themes.iter().any(|t| t.theme == "app_website"));

    // Two sentences that disagree: mixed, each theme with its own sentence's sentiment.
    let a5 = by_id("a5");
    assert_eq!(a5.sentences.len(), 2);
    assert!(a5.mixed, "{:?}", a5.sentences);
    let staff = a5
        .themes
        .iter()
        .find(|t| t.theme == "staff")
        .expect("staff");
    let delivery = a5
        .themes
        .iter()
        .find(|t| t.theme == "delivery")
        .expect("delivery");
    assert_eq!(staff.sentiment.as_str(), "positive");
    assert_eq!(delivery.sentiment.as_str(), "negative");

    // The keyword index finds the Hebrew and Persian answers by a word of theirs.
    let encoder =
        BertEncoder::load(&crate::common::model_dir(), EncoderOptions::default()).unwrap();
    let s = HybridSearcher::open(&out, std::sync::Arc::new(encoder)).expect("open run");
    let mut q = Query::new("משלוח");
    q.mode = Mode::Keyword;
    let hits = s.search(&q).unwrap();
    assert_eq!(
        hits.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["a1"]
    );
    let mut q = Query::new("سفارش");
    q.mode = Mode::Keyword;
    let hits = s.search(&q).unwrap();
    assert_eq!(
        hits.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["a2"]
    );
}

#[test]
fn shards_split_the_rows_and_count_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let a = stub_run(&dir.path().join("s0"), false, Some((0, 2)));
    let b = stub_run(&dir.path().join("s1"), false, Some((1, 2)));
    assert_eq!(a.rows.analyzed + b.rows.analyzed, 9);
    assert_eq!(a.rows.rows_read, 12);
    assert_eq!(a.rows.rejected + b.rows.rejected, 3);
    assert_eq!(a.rows.analyzed + a.rows.rejected + a.rows.other_shards, 12);
    assert_eq!(b.rows.analyzed + b.rows.rejected + b.rows.other_shards, 12);
}

/// Shards of one codebook save the same theme model, and their merge keeps it; a merge
/// with a shard that has none (written before the file existed) has none either.
#[test]
fn merged_shards_keep_their_shared_theme_model() {
    use verbatim::run::{layout, merge::merge_runs, RunDir};
    let dir = tempfile::tempdir().unwrap();
    let shards = [dir.path().join("s0"), dir.path().join("s1")];
    run(&shards[0], false, Some((0, 2)));
    run(&shards[1], false, Some((1, 2)));
    let model = RunDir::new(&shards[0]).theme_model().unwrap();
    assert!(model.is_some(), "a codebook run saves its theme model");
    assert_eq!(RunDir::new(&shards[1]).theme_model().unwrap(), model);
    let merged = dir.path().join("merged");
    merge_runs(&shards, &merged).unwrap();
    assert_eq!(RunDir::new(&merged).theme_model().unwrap(), model);
    std::fs::remove_file(shards[1].join(layout::THEME_MODEL)).unwrap();
    let merged = dir.path().join("merged-old");
    merge_runs(&shards, &merged).unwrap();
    assert_eq!(RunDir::new(&merged).theme_model().unwrap(), None);
}

/// Every file under `dir` with its bytes (paths relative to `dir`).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The stub encoder, failing from its `fail_at`-th call on (a fatal error midway in a run).
struct FailingEncoder {
    calls: AtomicUsize,
    fail_at: usize,
}

impl Encoder for FailingEncoder {
    fn dim(&self) -> usize {
        crate::common::stub().dim()
    }
    fn name(&self) -> &str {
        crate::common::stub().name()
    }
    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>, EncodeError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) + 1 >= self.fail_at {
            return Err(EncodeError::Torch("out of memory (simulated)".into()));
        }
        crate::common::stub().embed(texts, kind)
    }
}

#[test]
fn a_run_that_fails_midway_leaves_the_previous_run_intact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    stub_run(&out, true, None);
    let before = snapshot(&out);
    assert!(before.contains_key(Path::new("provenance.json")));

    // Replacing a run needs --force.
    let opts = stub_options(&out, false, Some((0, 2)));
    let err = analyze(&opts, crate::common::stub(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("--force"), "{err}");

    // A forced re-run that dies at its last encoder call (after the other chunks were
    // written) changes nothing and leaves no temporary folder behind.
    let counting = FailingEncoder {
        calls: AtomicUsize::new(0),
        fail_at: usize::MAX,
    };
    let scratch = tempfile::tempdir().unwrap();
    analyze(
        &stub_options(&scratch.path().join("r"), false, None),
        &counting,
        &NoProgress,
    )
    .unwrap();
    let calls = counting.calls.load(Ordering::SeqCst);
    assert!(calls >= 3, "{calls}");
    let failing = FailingEncoder {
        calls: AtomicUsize::new(0),
        fail_at: calls,
    };
    let mut opts = stub_options(&out, false, None);
    opts.force = true;
    let err = analyze(&opts, &failing, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("simulated"), "{err}");
    let mut opts = stub_options(&out, false, Some((0, 2)));
    opts.force = true;
    assert_eq!(snapshot(&out), before, "the previous run is byte-identical");
    assert_eq!(names(dir.path()), ["run"]);

    // A forced re-run that succeeds replaces the whole run: no stale parquet file.
    let s = analyze(&opts, crate::common::stub(), &NoProgress).unwrap();
    assert_eq!(s.shard.as_deref(), Some("0/2"));
    assert!(!out.join("responses.parquet").exists());
    assert_eq!(names(dir.path()), ["run"]);
}

#[test]
fn analyze_refuses_a_folder_that_is_not_a_run_or_holds_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    std::fs::write(docs.join("notes.txt"), "keep me").unwrap();
    let mut opts = stub_options(&docs, false, None);
    opts.force = true;
    let err = analyze(&opts, crate::common::stub(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a verbatim run"), "{err}");
    assert_eq!(names(&docs), ["notes.txt"]);

    // `analyze X/responses.jsonl --out X` would destroy its own input.
    let out = dir.path().join("run");
    stub_run(&out, false, None);
    let input = out.join("responses.jsonl");
    let before = std::fs::read(&input).unwrap();
    let mut opts = stub_options(&out, false, None);
    opts.input = input.clone();
    opts.ingest = IngestOptions {
        text_col: "text".into(),
        score_col: None,
        id_col: Some("id".into()),
        ..Default::default()
    };
    opts.force = true;
    let err = analyze(&opts, crate::common::stub(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("contains the export"), "{err}");
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

fn verbatim() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_verbatim"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, _) in std::env::vars() {
        if k.starts_with("SLURM_") || k.starts_with("AWS_BATCH_") || k == "JOB_COMPLETION_INDEX" {
            c.env_remove(k);
        }
    }
    c
}

#[test]
fn shard_auto_reads_the_array_task_and_provenance_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shard");
    let args = |c: &mut Command| {
        c.args([
            "analyze",
            "tests/fixtures/analyze/mixed.csv",
            "--text-col",
            "Comment",
        ])
        .args([
            "--id-col",
            "ResponseId",
            "--codebook",
            "corpora/eval/themes.yaml",
        ])
        .args(["--chunk", "4", "--shard", "auto", "--out"])
        .arg(&out);
    };
    let mut c = verbatim();
    args(&mut c);
    let o = c.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("SLURM_ARRAY_TASK_ID"), "{err}");

    let mut c = verbatim();
    args(&mut c);
    c.env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "2");
    let o = c.output().unwrap();
    crate::common::ok(&o);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["shard"], "1/2");
    let p = verbatim::run::Provenance::load(&out).unwrap().unwrap();
    assert_eq!(p.shard.map(|s| (s.index, s.count)), Some((1, 2)));
    let (sha, bytes) =
        verbatim::run::sha256_file(&repo("tests/fixtures/analyze/mixed.csv")).unwrap();
    let input = p.input.unwrap();
    assert_eq!(sha.len(), 64);
    assert_eq!((input.sha256, input.bytes), (sha, bytes));
    assert_eq!(summary["model"], p.model.as_str());
    assert!(
        p.model_fingerprint.contains("sha256"),
        "{}",
        p.model_fingerprint
    );
    assert!(p.codebook.unwrap().path.ends_with("themes.yaml"));
}

/// Runs `cmd` as an unprivileged user when the tests run as root (root writes anywhere, so a
/// read-only folder is only read-only to others).
fn as_unprivileged(cmd: &mut Command) -> &mut Command {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;
    if std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0) {
        cmd.uid(65534).gid(65534);
    }
    cmd
}

/// `chmod -R a-w dir`: write bits cleared, read bits kept as the run was written.
fn make_read_only(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let read_only = |p: &Path| {
        let mode = std::fs::metadata(p).unwrap().permissions().mode();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode & !0o222)).unwrap();
    };
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            make_read_only(&p);
        } else {
            read_only(&p);
        }
    }
    read_only(dir);
}

#[test]
fn a_read_only_run_can_be_searched_and_its_ideas_listed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = dir.path().join("run");
    stub_run(&out, false, None);
    make_read_only(&out);
    let before = snapshot(&out);

    let o = as_unprivileged(verbatim().args(["search"]).arg(&out).args([
        "משלוח",
        "--mode",
        "keyword",
        "--json",
    ]))
    .output()
    .unwrap();
    let stdout = crate::common::ok(&o);
    assert!(stdout.contains("\"a1\""), "{stdout}");

    let o = as_unprivileged(verbatim().arg("ideas").arg(&out))
        .output()
        .unwrap();
    crate::common::ok(&o);
    assert_eq!(snapshot(&out), before, "readers wrote nothing into the run");

    // The CSV goes only where --csv says.
    let csv = dir.path().join("ideas.csv");
    let o = verbatim()
        .arg("ideas")
        .arg(&out)
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    crate::common::ok(&o);
    assert!(std::fs::read_to_string(&csv).unwrap().starts_with("rank,"));
    assert_eq!(snapshot(&out), before);
}

#[test]
fn a_killed_run_leaves_the_previous_run_intact_and_the_next_run_sweeps_its_temp_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    stub_run(&out, false, None);
    let before = snapshot(&out);
    let mut child = verbatim()
        .args([
            "analyze",
            "corpora/demo/feedback.csv",
            "--text-col",
            "Comment",
        ])
        .args([
            "--id-col",
            "ResponseId",
            "--codebook",
            "corpora/eval/themes.yaml",
        ])
        .args(["--chunk", "8", "--force", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let temp = dir.path().join(format!(".run.verbatim-tmp-{}", child.id()));
    // Killed once it is writing its rows (rejects.csv exists from the first row on).
    let started = std::time::Instant::now();
    while !temp.join("rejects.csv").exists() {
        assert!(started.elapsed().as_secs() < 120, "the run never started");
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(snapshot(&out), before, "the previous run is byte-identical");
    assert!(temp.exists(), "SIGKILL leaves the temporary folder");
    // The next run into the same folder removes what the killed one left.
    let mut opts = stub_options(&out, false, None);
    opts.force = true;
    analyze(&opts, crate::common::stub(), &NoProgress).unwrap();
    assert_eq!(names(dir.path()), ["run"]);
}

/// Content-free answers keep their row but get no theme; a score of N/A or in Persian digits
/// keeps its answer; one answer of thousands of sentences is embedded only up to the cap.
#[test]
fn non_answers_no_scores_and_very_long_answers_are_kept_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("odd.csv");
    let long: String = (0..3_000)
        .map(|i| format!("The delivery was late again, order {i}. "))
        .collect();
    let mut csv = String::from("id,score,text\n");
    csv.push_str("n1,9,...\n");
    csv.push_str("n2,8,😀😀👍\n");
    csv.push_str("n3,7,https://example.com/orders?id=42\n");
    csv.push_str("n4,5,\u{200F}\u{200E}\u{2067}\n");
    csv.push_str("n5,5,\"\0\0\0\"\n");
    csv.push_str("s1,N/A,The app crashes every time I open my cart.\n");
    csv.push_str("s2,۹,Delivery was quick and the courier was friendly.\n");
    csv.push_str(&format!("long,-,\"{long}\"\n"));
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("run");
    let opts = AnalyzeOptions {
        input,
        ingest: IngestOptions {
            text_col: "text".into(),
            score_col: Some("score".into()),
            id_col: Some("id".into()),
            ..Default::default()
        },
        out: out.clone(),
        sentiment_head: repo("models/heads/sentiment.json"),
        themes: ThemeSource::Codebook(repo("corpora/eval/themes.yaml")),
        shard: None,
        parquet: false,
        chunk: 8,
        force: false,
    };
    let started = std::time::Instant::now();
    let s = analyze(&opts, crate::common::encoder(), &NoProgress).expect("analyze runs");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(
        (s.rows.rows_read, s.rows.analyzed, s.rows.rejected),
        (8, 8, 0)
    );
    assert_eq!(s.non_answers, 5);
    assert_eq!(s.no_score, 2);
    assert_eq!(s.capped, 1);
    assert_eq!(s.encoding.as_deref(), Some("UTF-8"));

    let rs = responses(&out);
    let by_id = |id: &str| rs.iter().find(|r| r.id == id).unwrap();
    for id in ["n1", "n2", "n3", "n4", "n5"] {
        assert!(by_id(id).themes.is_empty(), "{id}: {:?}", by_id(id).themes);
    }
    assert!(!by_id("s1").themes.is_empty());
    assert_eq!(by_id("s1").score, None);
    assert_eq!(by_id("s2").score, Some(9));
    let l = by_id("long");
    assert_eq!(l.text, long, "the full text stays in the outputs");
    assert_eq!(l.sentences.len(), verbatim::pipeline::MAX_EMBED_SENTENCES);
    assert!(
        l.themes.iter().any(|t| t.theme == "delivery"),
        "{:?}",
        l.themes
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["non_answers"], 5);
    assert_eq!(json["capped"], 1);
    // 3,000 sentences unembedded would take minutes on a CPU; capped, seconds.
    assert!(seconds < 60.0, "{seconds:.1} s");
}

/// A run that rejects more than half of its rows is written but exits 3, naming the rejects
/// file, unless --allow-rejects is given.
#[test]
fn mostly_rejected_run_exits_non_zero_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("wrong.csv");
    std::fs::write(
        &input,
        "id,score,text\n1,9,fine\n2,eleven,bad\n3,x,bad\n4,,\n",
    )
    .unwrap();
    let run = |out: &str, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_verbatim"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["analyze", input.to_str().unwrap(), "--text-col", "text"])
            .args([
                "--score-col",
                "score",
                "--codebook",
                "corpora/eval/themes.yaml",
            ])
            .args(["--out", dir.path().join(out).to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let strict = run("strict", &[]);
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert_eq!(strict.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("3 of 4 rows were rejected"), "{stderr}");
    assert!(stderr.contains("rejects.csv") && stderr.contains("--allow-rejects"));
    assert!(dir.path().join("strict/summary.json").exists());
    let allowed = run("allowed", &["--allow-rejects"]);
    assert!(allowed.status.success(), "{:?}", allowed);
}

fn run_self_trained(out: &Path, codebook: &str) -> Result<Vec<Response>, String> {
    let opts = AnalyzeOptions {
        input: repo("corpora/demo/feedback.csv"),
        ingest: IngestOptions {
            text_col: "Comment".into(),
            score_col: Some("Score".into()),
            id_col: Some("ResponseId".into()),
            date_col: Some("Date".into()),
            ..Default::default()
        },
        out: out.to_path_buf(),
        sentiment_head: repo("models/heads/sentiment.json"),
        themes: ThemeSource::SelfTrainedCodebook {
            path: repo(codebook),
            seed: 7,
        },
        shard: None,
        parquet: false,
        chunk: 256,
        force: false,
    };
    let s = analyze(&opts, crate::common::encoder(), &NoProgress).map_err(|e| e.to_string())?;
    assert!(
        s.theme_source.contains("self-trained"),
        "{}",
        s.theme_source
    );
    assert_eq!(s.rows.analyzed, 420);
    Ok(responses(out))
}

#[test]
fn a_descriptions_only_codebook_self_trains_on_the_export_reproducibly() {
    let dir = tempfile::tempdir().unwrap();
    let a = run_self_trained(
        &dir.path().join("a"),
        "corpora/eval/themes-descriptions.yaml",
    )
    .unwrap();
    let b = run_self_trained(
        &dir.path().join("b"),
        "corpora/eval/themes-descriptions.yaml",
    )
    .unwrap();
    let themes = |rs: &[Response]| -> Vec<Vec<String>> {
        rs.iter()
            .map(|r| r.themes.iter().map(|t| t.theme.clone()).collect())
            .collect()
    };
    assert_eq!(themes(&a), themes(&b), "same seed, same themes");
    // The run keeps the self-trained model it tagged with, for search to route queries.
    let model = |run: &str| verbatim::run::RunDir::new(dir.path().join(run)).theme_model();
    let saved = model("a").unwrap();
    assert!(saved.is_some() && saved == model("b").unwrap());
    let tagged = a.iter().filter(|r| !r.themes.is_empty()).count();
    assert!(tagged >= 200, "{tagged} of 420 answers get a theme");
    let err = run_self_trained(&dir.path().join("c"), "corpora/eval/themes.yaml").unwrap_err();
    assert!(err.contains("without examples"), "{err}");
}

/// A hand-built export through the binary: personal data never reaches the run folder (the
/// answers, the index) and is counted in summary.json; `verbatim followup` then routes the
/// answers by the codebook's owners into one CSV per owner.
#[test]
fn pii_is_redacted_before_the_run_and_followup_routes_by_owner() {
    let dir = tempfile::tempdir().unwrap();
    let mut cb =
        verbatim::classify::codebook::Codebook::load(&repo("corpora/eval/themes.yaml")).unwrap();
    for t in &mut cb.themes {
        t.owner = match t.id.as_str() {
            "delivery" => Some("logistics".into()),
            "billing" | "price" => Some("billing-team".into()),
            _ => None,
        };
        if t.id == "wait_time" {
            t.parent = Some("support".into());
        }
    }
    let codebook = dir.path().join("themes.yaml");
    cb.save(&codebook).unwrap();
    let input = dir.path().join("export.csv");
    std::fs::write(
        &input,
        "id,score,plan,text\n\
         d1,1,Basic,The parcel arrived two weeks late and the box was crushed.\n\
         c1,8,Pro,Please call me back at 054-1234567 or mail dana.cohen@gmail.com about my order.\n\
         p1,10,Pro,Everything was perfect and the courier was lovely.\n\
         h1,2,Basic,המשלוח הגיע באיחור של שבועיים\n\
         w1,3,Pro,I waited forty minutes on the phone before anyone picked up.\n",
    )
    .unwrap();
    let bin = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_verbatim"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .unwrap();
        crate::common::ok(&o)
    };
    let run = dir.path().join("run");
    let (inp, cbp, runp) = (
        input.to_str().unwrap(),
        codebook.to_str().unwrap(),
        run.to_str().unwrap(),
    );
    let printed = bin(&[
        "analyze",
        inp,
        "--text-col",
        "text",
        "--score-col",
        "score",
        "--id-col",
        "id",
    ]
    .into_iter()
    .chain(["--segment-col", "plan", "--codebook", cbp, "--out", runp])
    .collect::<Vec<_>>());
    assert!(
        printed.contains("personal data redacted: email 1, phone 1"),
        "{printed}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        (
            summary["pii"]["phone"].as_u64(),
            summary["pii"]["email"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let jsonl = std::fs::read_to_string(run.join("responses.jsonl")).unwrap();
    assert!(!jsonl.contains("1234567") && !jsonl.contains("dana.cohen"));
    assert!(jsonl.contains("Please call me back at [phone] or mail [email] about my order."));
    let encoder =
        BertEncoder::load(&crate::common::model_dir(), EncoderOptions::default()).unwrap();
    let searcher = HybridSearcher::open(&run, std::sync::Arc::new(encoder)).unwrap();
    let mut q = Query::new("dana.cohen");
    q.mode = Mode::Keyword;
    assert_eq!(
        searcher.search(&q).unwrap().total,
        0,
        "the index never saw the email"
    );

    let printed = bin(&["followup", runp]);
    assert!(printed.contains("logistics:"), "{printed}");
    let read = |owner: &str| {
        std::fs::read_to_string(run.join("followup").join(format!("followup-{owner}.csv")))
            .unwrap_or_default()
    };
    let (logistics, all) = (
        read("logistics"),
        [read("logistics"), read("billing-team"), read("unassigned")].concat(),
    );
    assert!(
        logistics.starts_with("id,score,themes,trigger_sentence,reason,segments\nd1,1,"),
        "{logistics}"
    );
    assert!(logistics.contains("\nh1,2,"), "{logistics}");
    assert!(
        all.contains("asks for contact") && all.contains("c1,8,"),
        "{all}"
    );
    assert!(
        !all.contains("p1,10"),
        "a happy promoter needs no call: {all}"
    );

    // wait_time has `parent: support`: every answer about waiting counts for support too, and
    // the report's theme table lists it under support.
    let rs: Vec<Response> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let has = |r: &Response, t: &str| r.themes.iter().any(|m| m.theme == t);
    let w1 = rs.iter().find(|r| r.id == "w1").unwrap();
    assert!(has(w1, "wait_time"), "{:?}", w1.themes);
    assert!(rs
        .iter()
        .filter(|r| has(r, "wait_time"))
        .all(|r| has(r, "support")));
    bin(&["report", runp]);
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    let (s, w) = (
        html.find(">support</td>").unwrap(),
        html.find(">↳ wait_time</td>").unwrap(),
    );
    assert!(s < w, "the child row follows its parent");
}

/// `--split delivery` on the demo: discovery splits its delivery theme into at least two
/// sub-themes whose answer counts sum to at most the parent's (one sub-theme per answer),
/// every sub-theme answer also raises the parent, and the saved codebook (which the run
/// records) carries `parent:` for the report and the workspace tree.
#[test]
fn split_makes_sub_themes_that_roll_up_to_the_parent() {
    use verbatim::classify::discovery::DiscoveryOptions;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let saved = dir.path().join("themes.yaml");
    let mut opts = options(&out, false, None);
    opts.input = repo("corpora/demo/feedback.csv");
    opts.ingest.segment_cols = vec!["Plan".into(), "Country".into()];
    opts.chunk = 64;
    opts.themes = ThemeSource::Discover {
        options: DiscoveryOptions {
            k: Some(8),
            ..Default::default()
        },
        save_codebook: Some(saved.clone()),
        split: Some("delivery".into()),
    };
    analyze(&opts, crate::common::encoder(), &NoProgress).expect("analyze runs");
    let cb = verbatim::classify::codebook::Codebook::load(&saved).unwrap();
    let parents = cb.parents();
    let parent = parents
        .values()
        .next()
        .expect("sub-themes have a parent")
        .clone();
    // "delivery" is no theme's id label on the demo; it names the theme with it as a keyphrase.
    let def = cb.themes.iter().find(|t| t.id == parent).unwrap();
    assert!(def.description.contains("delivery"), "{def:?}");
    let subs: Vec<&String> = parents.keys().collect();
    assert!(subs.len() >= 2, "{subs:?}");
    let rs = responses(&out);
    let count = |t: &str| {
        rs.iter()
            .filter(|r| r.themes.iter().any(|m| m.theme == t))
            .count()
    };
    let sum: usize = subs.iter().map(|s| count(s)).sum();
    println!(
        "{parent}: {} answers; sub-themes {:?}",
        count(&parent),
        subs.iter().map(|s| (s, count(s))).collect::<Vec<_>>()
    );
    assert!(subs.iter().all(|s| count(s) > 0));
    assert!(
        sum <= count(&parent) && sum > 0,
        "{sum} vs {}",
        count(&parent)
    );
    for r in &rs {
        if r.themes.iter().any(|m| subs.contains(&&m.theme)) {
            assert!(
                r.themes.iter().any(|m| m.theme == parent),
                "rolls up: {}",
                r.id
            );
        }
    }
    // The run records the saved codebook, so report and serve see the tree.
    let recorded = verbatim::run::RunDir::new(&out)
        .codebook()
        .unwrap()
        .unwrap()
        .1;
    assert_eq!(recorded.parents(), parents);
    let stats = std::fs::read_to_string(out.join("stats.json")).unwrap();
    assert!(subs.iter().all(|s| stats.contains(s.as_str())));
}

/// An export that cannot be read is an I/O error: exit 1 (README "What happens to bad
/// input"), one message naming the file, the OS error said once.
#[test]
fn an_unreadable_export_exits_with_the_io_code_naming_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let input = dir.path().join("locked.csv");
    std::fs::write(&input, "id,text\n1,fine\n").unwrap();
    std::fs::set_permissions(&input, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = dir.path().join("run");
    let o = as_unprivileged(verbatim().args(["analyze", input.to_str().unwrap()]))
        .args(["--text-col", "text", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: cannot read ") && err.contains("locked.csv"),
        "{err}"
    );
    assert_eq!(err.matches("denied").count(), 1, "{err}");
    assert!(!out.exists());
}

/// `--engine` reaches the encoder: rust-bert's forward has no int8, and says so by name.
#[test]
fn engine_flag_selects_the_forward() {
    let dir = tempfile::tempdir().unwrap();
    let o = verbatim()
        .args([
            "analyze",
            "tests/fixtures/analyze/mixed.csv",
            "--text-col",
            "Comment",
        ])
        .args(["--engine", "rust-bert", "--precision", "int8", "--out"])
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("--precision int8 needs the lean forward"),
        "{err}"
    );
    let o = verbatim()
        .args([
            "analyze",
            "x.csv",
            "--text-col",
            "c",
            "--engine",
            "onnx",
            "--out",
            "y",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("possible values: lean, rust-bert"), "{err}");
}

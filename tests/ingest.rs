//! Ingest against real export files in tests/fixtures/ingest (see make_xlsx.py and
//! make_bytes.py there for the binary ones).

use std::io::Write;
use std::path::{Path, PathBuf};
use verbatim::ingest::{HeaderKind, Ingest, IngestError, IngestOptions, RowOutcome};
use verbatim::record::{Record, Reject};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ingest")
        .join(name)
}

fn opts(text: &str) -> IngestOptions {
    IngestOptions {
        text_col: text.into(),
        ..IngestOptions::default()
    }
}

/// Reads a whole file; checks that every data row came out exactly once, in order.
fn read_all(ingest: Ingest, data_rows: u64) -> (Vec<Record>, Vec<Reject>) {
    let mut records = Vec::new();
    let mut rejects = Vec::new();
    let mut rows = Vec::new();
    for outcome in ingest {
        match outcome {
            RowOutcome::Record(r) => {
                rows.push(r.row);
                records.push(r);
            }
            RowOutcome::Rejected(r) => {
                rows.push(r.row);
                rejects.push(r);
            }
        }
    }
    assert_eq!(
        (records.len() + rejects.len()) as u64,
        data_rows,
        "records + rejects must equal the data rows read"
    );
    assert!(
        rows.windows(2).all(|w| w[0] < w[1]),
        "rows in order: {rows:?}"
    );
    (records, rejects)
}

fn open(name: &str, opts: &IngestOptions) -> Ingest {
    match Ingest::open(&fixture(name), opts) {
        Ok(i) => i,
        Err(e) => panic!("opening {name}: {e}"),
    }
}

fn assert_reject(reject: &Reject, row: u64, column: Option<&str>, reason: &str) {
    assert_eq!(reject.row, row, "{reject:?}");
    assert_eq!(reject.column.as_deref(), column, "{reject:?}");
    assert!(
        reject.reason.contains(reason),
        "reason {:?} should contain {reason:?}",
        reject.reason
    );
}

#[test]
fn plain_csv_with_mixed_languages() {
    let o = IngestOptions {
        text_col: "Comment".into(),
        score_col: Some("score".into()),
        id_col: Some("id".into()),
        date_col: Some("date".into()),
        segment_cols: vec!["plan".into()],
        ..Default::default()
    };
    let ingest = open("plain.csv", &o);
    assert_eq!(ingest.format(), "csv");
    assert_eq!(ingest.header_kind(), HeaderKind::Plain);
    assert_eq!(ingest.columns(), ["id", "comment", "score", "date", "plan"]);
    assert_eq!(ingest.bytes_total(), Some(465));
    let (records, rejects) = read_all(ingest, 6);
    assert!(rejects.is_empty(), "{rejects:?}");
    let ids: Vec<_> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["r1", "r2", "r3", "r4", "r5", "r6"]);
    assert_eq!(records[0].text, "השירות מצוין, אבל האפליקציה איטית");
    assert_eq!(records[1].text, "پشتیبانی خیلی کند است");
    assert_eq!(records[2].text, "الخدمة رائعة وسريعة");
    assert_eq!(
        records[3].text,
        "Great product, but the price is too high.\nPlease add a yearly plan."
    );
    assert_eq!(records[4].text, "Доставка заняла слишком много времени");
    let scores: Vec<_> = records.iter().map(|r| r.score).collect();
    assert_eq!(scores, [Some(9), Some(3), Some(10), Some(7), Some(2), None]);
    let dates: Vec<_> = records.iter().map(|r| r.date.clone().unwrap()).collect();
    assert_eq!(
        dates,
        [
            "2024-03-01",
            "2024-03-02",
            "2024-03-03",
            "2024-03-04",
            "2024-03-05",
            "2024-03-06"
        ]
    );
    assert_eq!(records[3].row, 4);
    assert_eq!(records[3].segments["plan"], "team");
    assert_eq!(records[5].fields["score"], "");
    assert_eq!(records[5].fields["comment"], "Works fine");
    assert_eq!(records[5].fields.len(), 5);
}

#[test]
fn semicolon_csv_with_bom_and_crlf() {
    let o = IngestOptions {
        text_col: "kommentar".into(),
        score_col: Some("NPS".into()),
        id_col: Some("kunden-id".into()),
        date_col: Some("Datum".into()),
        segment_cols: vec![],
        ..Default::default()
    };
    let ingest = open("semicolon.csv", &o);
    // The BOM must not end up in the first column's name.
    assert_eq!(ingest.columns(), ["Kunden-ID", "Kommentar", "NPS", "Datum"]);
    let (records, rejects) = read_all(ingest, 3);
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(records[0].text, "Sehr gut; schnell geliefert");
    assert_eq!(records[1].text, "Zu teuer, leider");
    assert_eq!(records[2].text, "Très bon service");
    assert_eq!(records[0].date.as_deref(), Some("2024-03-05"));
    assert_eq!(records[2].score, Some(9));
    assert_eq!(records[2].id, "3");
}

#[test]
fn utf16le_tab_delimited_export() {
    let o = IngestOptions {
        text_col: "feedback".into(),
        score_col: Some("score".into()),
        ..IngestOptions::default()
    };
    let ingest = open("utf16le.csv", &o);
    assert_eq!(ingest.columns(), ["ResponseID", "Feedback", "Score"]);
    let (records, rejects) = read_all(ingest, 3);
    assert!(rejects.is_empty(), "{rejects:?}");
    let texts: Vec<_> = records.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts, ["שלום, השירות טוב", "خدمة سيئة", "Отлично"]);
    let scores: Vec<_> = records.iter().map(|r| r.score).collect();
    assert_eq!(scores, [Some(8), Some(1), Some(10)]);
    // No id column chosen: ids are row numbers.
    assert_eq!(records[2].id, "row-3");
}

#[test]
fn qualtrics_three_row_header() {
    let o = IngestOptions {
        // Question text, ImportId, column id and question text again.
        text_col: "what is the main reason for your score?".into(),
        score_col: Some("QID1".into()),
        id_col: Some("ResponseId".into()),
        date_col: Some("startdate".into()),
        segment_cols: vec!["Plan".into()],
        ..Default::default()
    };
    let ingest = open("qualtrics.csv", &o);
    assert_eq!(ingest.header_kind(), HeaderKind::Qualtrics);
    assert_eq!(
        ingest.columns(),
        ["StartDate", "ResponseId", "Q1", "Q2", "Q3"]
    );
    assert_eq!(ingest.segment_columns(), ["Q3"]);
    let (records, rejects) = read_all(ingest, 4);
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].row, 1, "first answer is data row 1");
    assert_eq!(records[0].id, "R_1a");
    assert_eq!(records[0].text, "Fast support, thank you");
    assert_eq!(records[0].score, Some(9));
    assert_eq!(records[0].date.as_deref(), Some("2024-03-01"));
    assert_eq!(records[0].segments["Q3"], "Pro");
    assert_eq!(records[1].text, "המחיר גבוה מדי");
    assert_eq!(records[2].score, None);
    assert_eq!(rejects.len(), 1);
    assert_reject(&rejects[0], 4, Some("Q2"), "empty answer text");
}

#[test]
fn surveymonkey_two_row_header() {
    let o = IngestOptions {
        text_col: "What could we do better?".into(),
        score_col: Some("How likely is it that you would recommend us? - Response".into()),
        id_col: Some("respondent id".into()),
        date_col: Some("Start Date".into()),
        segment_cols: vec!["Which plan do you use? - Other (please specify)".into()],
        ..Default::default()
    };
    let ingest = open("surveymonkey.csv", &o);
    assert_eq!(ingest.header_kind(), HeaderKind::SurveyMonkey);
    assert_eq!(
        ingest.columns(),
        [
            "Respondent ID",
            "Start Date",
            "How likely is it that you would recommend us?",
            "What could we do better?",
            "Which plan do you use? - Free",
            "Which plan do you use? - Pro",
            "Which plan do you use? - Other (please specify)",
        ]
    );
    let (records, rejects) = read_all(ingest, 3);
    assert!(rejects.is_empty(), "{rejects:?}");
    let ids: Vec<_> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["1001", "1002", "1003"]);
    assert_eq!(records[0].text, "Добавьте тёмную тему");
    assert_eq!(records[2].text, "عالی است");
    let dates: Vec<_> = records.iter().map(|r| r.date.clone().unwrap()).collect();
    assert_eq!(dates, ["2024-03-01", "2024-03-02", "2024-03-03"]);
    let scores: Vec<_> = records.iter().map(|r| r.score).collect();
    assert_eq!(scores, [Some(9), Some(2), Some(10)]);
    let other = "Which plan do you use? - Other (please specify)";
    assert_eq!(records[2].segments[other], "Enterprise");
    assert_eq!(records[0].fields["Which plan do you use? - Pro"], "Pro");
}

#[test]
fn surveymonkey_question_with_options_is_ambiguous() {
    let err = Ingest::open(
        &fixture("surveymonkey.csv"),
        &opts("Which plan do you use?"),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, IngestError::Column { .. }));
    assert!(
        msg.starts_with("column \"Which plan do you use?\" is ambiguous in "),
        "{msg}"
    );
    assert!(msg.contains("\"Which plan do you use? - Free\", \"Which plan do you use? - Pro\""));
}

#[test]
fn xlsx_first_sheet_with_typed_cells() {
    let o = IngestOptions {
        text_col: "comment".into(),
        score_col: Some("score".into()),
        id_col: Some("id".into()),
        date_col: Some("submitted".into()),
        segment_cols: vec!["region".into()],
        ..Default::default()
    };
    let ingest = open("responses.xlsx", &o);
    assert_eq!(ingest.format(), "xlsx");
    assert_eq!(
        ingest.columns(),
        ["id", "comment", "score", "submitted", "region"]
    );
    let (records, rejects) = read_all(ingest, 8);
    let ids: Vec<_> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["x1", "x2", "x4", "x6", "x8"]);
    assert_eq!(records[0].text, "המוצר מעולה");
    assert_eq!(records[1].text, "پرداخت کار نمی‌کند");
    let scores: Vec<_> = records.iter().map(|r| r.score).collect();
    assert_eq!(scores, [Some(10), Some(0), Some(8), Some(6), Some(9)]);
    let dates: Vec<_> = records.iter().map(|r| r.date.clone()).collect();
    assert_eq!(
        dates,
        [
            Some("2024-03-01".to_string()), // date-formatted cell
            Some("2024-03-02".to_string()), // date-time cell
            Some("2023-03-15".to_string()), // bare Excel serial 45000
            Some("2024-03-09".to_string()), // text date
            None,
        ]
    );
    assert_eq!(records[0].fields["submitted"], "2024-03-01");
    assert_eq!(records[0].fields["score"], "10");
    assert_eq!(records[4].segments["region"], "");
    assert_eq!(rejects.len(), 3);
    assert_reject(
        &rejects[0],
        3,
        Some("score"),
        "score 7.5 is not a whole number",
    );
    assert_reject(&rejects[1], 5, Some("comment"), "empty answer text");
    assert_reject(
        &rejects[2],
        7,
        Some("submitted"),
        "date \"soon\" is not a date",
    );
}

#[test]
fn jsonl_objects_by_key() {
    let o = IngestOptions {
        text_col: "text".into(),
        score_col: Some("score".into()),
        id_col: Some("id".into()),
        segment_cols: vec!["country".into()],
        ..IngestOptions::default()
    };
    let ingest = open("answers.jsonl", &o);
    assert_eq!(ingest.format(), "jsonl");
    // 8 non-blank lines; JSONL rows are line numbers, so line 6 (blank) is skipped.
    let (records, rejects) = read_all(ingest, 7);
    let ids: Vec<_> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["j1", "j2", "j4", "j5"]);
    let rows: Vec<_> = records.iter().map(|r| r.row).collect();
    assert_eq!(rows, [1, 2, 7, 8]);
    assert_eq!(records[1].text, "خیلی گران است");
    let scores: Vec<_> = records.iter().map(|r| r.score).collect();
    assert_eq!(scores, [Some(10), Some(6), None, None]);
    assert_eq!(records[2].segments["country"], "DE");
    assert_eq!(records[3].segments["country"], "");
    assert!(!records[2].fields.contains_key("extra"));
    assert_eq!(rejects.len(), 3);
    assert_reject(&rejects[0], 3, None, "line 3 is not valid JSON");
    assert_reject(
        &rejects[1],
        4,
        None,
        "line 4 is a JSON array, not an object",
    );
    assert_reject(
        &rejects[2],
        5,
        Some("score"),
        "score 9.5 is not a whole number",
    );
}

#[test]
fn malformed_csv_rejects_exactly_the_bad_rows() {
    let o = IngestOptions {
        text_col: "text".into(),
        score_col: Some("score".into()),
        id_col: Some("id".into()),
        date_col: Some("date".into()),
        segment_cols: vec![],
        ..Default::default()
    };
    let (records, rejects) = read_all(open("malformed.csv", &o), 14);
    let ok: Vec<_> = records
        .iter()
        .map(|r| (r.row, r.id.as_str(), r.score, r.date.as_deref()))
        .collect();
    assert_eq!(
        ok,
        [
            (1, "m1", Some(9), Some("2024-01-01")),
            (11, "m11", Some(9), Some("2024-03-15")),
            (12, "m12", Some(9), None),
            (13, "m13", None, Some("2024-01-13")),
        ]
    );
    let expected: [(u64, Option<&str>, &str); 10] = [
        (2, Some("score"), "score \"ten\" is not a number"),
        (3, Some("score"), "score 11 is outside 0-10"),
        (4, Some("score"), "score 9.5 is not a whole number"),
        (5, Some("text"), "empty answer text"),
        (6, Some("text"), "invalid UTF-8 in column text"),
        (7, None, "row has 5 fields but the header has 4"),
        (8, Some("id"), "duplicate id m1 (first seen at row 1)"),
        (9, Some("date"), "date \"2024-02-30\" is not a date"),
        (10, Some("date"), "date \"yesterday\" is not a date"),
        (14, None, "row has 2 fields but the header has 4"),
    ];
    assert_eq!(rejects.len(), expected.len(), "{rejects:#?}");
    for (reject, (row, column, reason)) in rejects.iter().zip(expected) {
        assert_reject(reject, row, column, reason);
    }
}

#[test]
fn missing_file_is_a_clear_error() {
    let err = Ingest::open(Path::new("no/such/feedback.csv"), &opts("text")).unwrap_err();
    assert!(matches!(err, IngestError::NotFound { .. }));
    assert_eq!(
        err.to_string(),
        "input file no/such/feedback.csv not found; check the path and the current directory"
    );
}

#[test]
fn missing_column_suggests_the_closest() {
    let path = fixture("plain.csv");
    let err = Ingest::open(&path, &opts("coment")).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "column \"coment\" not found in {}; did you mean \"comment\"? available: \
             \"id\", \"comment\", \"score\", \"date\", \"plan\"",
            path.display()
        )
    );
    // An optional column is checked as strictly as the text column.
    let o = IngestOptions {
        text_col: "comment".into(),
        score_col: Some("nps".into()),
        ..IngestOptions::default()
    };
    let msg = Ingest::open(&path, &o).unwrap_err().to_string();
    assert!(msg.starts_with("column \"nps\" not found in "), "{msg}");
    assert!(!msg.contains("did you mean"), "{msg}");
}

#[test]
fn unknown_extension_and_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("feedback.pdf");
    std::fs::write(&pdf, b"%PDF").unwrap();
    let msg = Ingest::open(&pdf, &opts("text")).unwrap_err().to_string();
    assert!(msg.contains("unsupported file type \"pdf\""), "{msg}");
    assert!(msg.contains(".csv"), "{msg}");

    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, b"").unwrap();
    let err = Ingest::open(&empty, &opts("text")).unwrap_err();
    assert!(matches!(err, IngestError::NoHeader { .. }), "{err}");
    assert!(err.to_string().contains("has no header row"));
}

/// Streams a generated file through ingest; `VERBATIM_INGEST_ROWS` overrides the row count
/// (used to measure memory on a million rows).
#[test]
fn large_csv_streams_and_counts_add_up() {
    let rows: u64 = std::env::var("VERBATIM_INGEST_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        writeln!(out, "id,text,score,segment").unwrap();
        for i in 1..=rows {
            // Every 1000th row has an out-of-range score.
            let score = if i % 1000 == 0 { 42 } else { i % 11 };
            writeln!(
                out,
                "id{i},\"answer number {i}, with a comma\",{score},s{}",
                i % 7
            )
            .unwrap();
        }
    }
    let o = IngestOptions {
        text_col: "text".into(),
        score_col: Some("score".into()),
        id_col: Some("id".into()),
        segment_cols: vec!["segment".into()],
        ..IngestOptions::default()
    };
    let mut ingest = Ingest::open(&path, &o).unwrap();
    let total = ingest.bytes_total().unwrap();
    let (mut records, mut rejects, mut last_row) = (0u64, 0u64, 0u64);
    for outcome in ingest.by_ref() {
        match outcome {
            RowOutcome::Record(r) => {
                records += 1;
                last_row = r.row;
            }
            RowOutcome::Rejected(r) => {
                assert_eq!(r.column.as_deref(), Some("score"));
                rejects += 1;
                last_row = r.row;
            }
        }
    }
    assert!(ingest.error().is_none());
    assert_eq!(records + rejects, rows);
    assert_eq!(rejects, rows / 1000);
    assert_eq!(last_row, rows);
    assert_eq!(ingest.bytes_read(), total);
}

#[test]
fn blank_rows_are_skipped_but_keep_their_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spaced.csv");
    std::fs::write(&path, "id,text\n1,first\n,\n , \n4,fourth\n,,\n").unwrap();
    let ingest = Ingest::open(&path, &opts("text")).unwrap();
    let outcomes: Vec<RowOutcome> = ingest.collect();
    let rows: Vec<(u64, bool)> = outcomes
        .iter()
        .map(|o| match o {
            RowOutcome::Record(r) => (r.row, true),
            RowOutcome::Rejected(r) => (r.row, false),
        })
        .collect();
    // Rows 2 and 3 are blank; row 5 has three fields for a two-column header: ragged, so it
    // is rejected rather than skipped.
    assert_eq!(rows, [(1, true), (4, true), (5, false)]);
}

/// Writes `text` as `name` in a fresh temp folder.
fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// A 30-row `id,score,text` export with row `bad` replaced by `bad_line`.
fn thirty_rows(bad: usize, bad_line: &str) -> String {
    let mut csv = String::from("id,score,text\n");
    for i in 1..=30 {
        if i == bad {
            csv.push_str(bad_line);
        } else if i % 5 == 0 {
            csv.push_str(&format!("{i},8,\"answer {i}, quoted\"\n"));
        } else {
            csv.push_str(&format!("{i},7,answer {i}\n"));
        }
    }
    csv
}

fn rows_of(ingest: Ingest) -> (Vec<Record>, Vec<Reject>) {
    let mut records = Vec::new();
    let mut rejects = Vec::new();
    for outcome in ingest {
        match outcome {
            RowOutcome::Record(r) => records.push(r),
            RowOutcome::Rejected(r) => rejects.push(r),
        }
    }
    (records, rejects)
}

#[test]
fn unclosed_quote_in_the_last_column_swallows_no_rows() {
    let csv = thirty_rows(6, "6,9,\"the quote opens here and never closes\n");
    let (_dir, path) = temp_file("last.csv", csv.as_bytes());
    let (records, rejects) = read_all(Ingest::open(&path, &opts("text")).unwrap(), 30);
    assert_eq!(records.len(), 29);
    assert_reject(&rejects[0], 6, Some("text"), "stray quote");
    assert_eq!(records[5].row, 7);
    assert_eq!(records[5].text, "answer 7");
    assert_eq!(records.last().unwrap().text, "answer 30, quoted");
}

#[test]
fn unclosed_quote_in_the_middle_swallows_no_rows() {
    // The stray quote would close at row 10's opening quote, taking rows 8-10 into one field.
    let csv = thirty_rows(8, "8,\"9,half a quote\n");
    let (_dir, path) = temp_file("middle.csv", csv.as_bytes());
    let o = IngestOptions {
        text_col: "text".into(),
        score_col: Some("score".into()),
        id_col: Some("id".into()),
        ..IngestOptions::default()
    };
    let (records, rejects) = read_all(Ingest::open(&path, &o).unwrap(), 30);
    assert_eq!(records.len(), 29, "{rejects:?}");
    assert_reject(&rejects[0], 8, Some("score"), "stray quote");
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(&ids[6..9], ["7", "9", "10"]);
    assert_eq!(records[8].text, "answer 10, quoted");
}

#[test]
fn long_quoted_fields_are_limited_and_the_limit_is_configurable() {
    let answer = (1..=6).map(|i| format!("line {i}")).collect::<Vec<_>>();
    let csv = format!("id,text\n1,\"{}\"\n2,after\n", answer.join("\n"));
    let (_dir, path) = temp_file("multi.csv", csv.as_bytes());
    // Within the default limits the answer keeps its line breaks.
    let (records, _) = read_all(Ingest::open(&path, &opts("text")).unwrap(), 2);
    assert_eq!(records[0].text, answer.join("\n"));
    // With three lines at most, row 1 is a reject and its later lines are rows again.
    let mut o = opts("text");
    o.field_limits.max_lines = 3;
    let (records, rejects) = rows_of(Ingest::open(&path, &o).unwrap());
    assert_reject(&rejects[0], 1, Some("text"), "runs past 3 lines");
    assert!(rejects[0].reason.contains("--max-field-lines"));
    assert!(rejects.iter().all(|r| r.row != 7), "{rejects:?}");
    assert_eq!(rejects.len() + records.len(), 7, "{rejects:?} {records:?}");
    assert_eq!(records.last().unwrap().text, "after");
    // The character limit applies to fields that span lines.
    let mut o = opts("text");
    o.field_limits.max_chars = 20;
    let (_, rejects) = rows_of(Ingest::open(&path, &o).unwrap());
    assert_reject(&rejects[0], 1, Some("text"), "runs past 20 characters");
}

#[test]
fn hebrew_and_arabic_excel_csvs_are_decoded() {
    let he =
        "מזהה,ציון,תשובה\r\n1,9,המשלוח הגיע מהר והשירות מצוין\r\n2,3,האפליקציה קורסת כל הזמן ₪\r\n";
    let (bytes, _, bad) = encoding_rs::WINDOWS_1255.encode(he);
    assert!(!bad);
    let (_dir, path) = temp_file("he.csv", &bytes);
    let o = IngestOptions {
        text_col: "תשובה".into(),
        score_col: Some("ציון".into()),
        ..IngestOptions::default()
    };
    let ingest = Ingest::open(&path, &o).unwrap();
    assert_eq!(ingest.encoding(), Some("windows-1255"));
    assert_eq!(ingest.columns(), ["מזהה", "ציון", "תשובה"]);
    let (records, _) = read_all(ingest, 2);
    assert_eq!(records[1].text, "האפליקציה קורסת כל הזמן ₪");
    assert_eq!(records[0].score, Some(9));

    let ar = "sep=;\r\nرقم;التقييم;الإجابة\r\n1;9;التطبيق ممتاز، لكن التوصيل متأخر\r\n2;2;خدمة العملاء سيئة جدا\r\n";
    let (bytes, _, bad) = encoding_rs::WINDOWS_1256.encode(ar);
    assert!(!bad);
    let (_dir, path) = temp_file("ar.csv", &bytes);
    let o = IngestOptions {
        text_col: "الإجابة".into(),
        score_col: Some("التقييم".into()),
        ..IngestOptions::default()
    };
    let ingest = Ingest::open(&path, &o).unwrap();
    assert_eq!(ingest.encoding(), Some("windows-1256"));
    let (records, rejects) = read_all(ingest, 2);
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(records[0].text, "التطبيق ممتاز، لكن التوصيل متأخر");
    assert_eq!(records[1].score, Some(2));

    // --encoding overrides the guess.
    let mut forced = o.clone();
    forced.encoding = Some("windows-1252".into());
    let err = Ingest::open(&path, &forced).unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
    forced.encoding = Some("klingon".into());
    let err = Ingest::open(&path, &forced).unwrap_err();
    assert!(
        matches!(err, IngestError::Encoding { .. }) && err.to_string().contains("--encoding"),
        "{err}"
    );
}

#[test]
fn excel_sep_line_names_the_delimiter() {
    let (_dir, path) = temp_file(
        "sep.csv",
        b"sep=;\r\nid;text\r\n1;hello, world\r\n2;fine, thanks\r\n",
    );
    let ingest = Ingest::open(&path, &opts("text")).unwrap();
    assert_eq!(ingest.columns(), ["id", "text"]);
    let (records, _) = read_all(ingest, 2);
    assert_eq!(records[0].text, "hello, world");
}

#[test]
fn scores_in_persian_arabic_and_full_width_digits_are_read() {
    let csv = "id,score,text\n1,۹,خیلی خوب\n2,٣,سيء\n3,１０,great\n4,\u{200F}٧\u{200F},ok\n\
               5,N/A,no score given\n6,-,dash\n7,na,lower\n8,,blank\n9,۹۹,too high\n";
    let (_dir, path) = temp_file("digits.csv", csv.as_bytes());
    let o = IngestOptions {
        text_col: "text".into(),
        score_col: Some("score".into()),
        ..IngestOptions::default()
    };
    let (records, rejects) = read_all(Ingest::open(&path, &o).unwrap(), 9);
    let scores: Vec<Option<u8>> = records.iter().map(|r| r.score).collect();
    assert_eq!(
        scores,
        [Some(9), Some(3), Some(10), Some(7), None, None, None, None]
    );
    assert_reject(&rejects[0], 9, Some("score"), "outside 0-10");
}

mod reader_properties {
    //! Property tests of the CSV reader: arbitrary bytes never panic, and with stray quotes
    //! among well-formed rows every physical row comes out exactly once.

    use super::*;
    use proptest::prelude::*;

    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    /// A cell: plain text, or quoted text (starting with a letter; may hold quotes, commas
    /// and line breaks).
    fn cell() -> impl Strategy<Value = (String, String)> {
        prop_oneof![
            "[a-zé ש]{0,6}".prop_map(|s| (s.clone(), s)),
            ("[a-z]", "[a-z,\"\n ]{0,8}").prop_map(|(a, b)| (
                format!("{a}{b}"),
                format!("\"{a}{}\"", b.replace('"', "\"\""))
            )),
        ]
    }

    /// A row: its cells (text as read, text as written) and whether it has a stray quote.
    fn row() -> impl Strategy<Value = (Vec<(String, String)>, bool)> {
        // A stray quote's tail starts with a letter, so that no other quote can close it on
        // a later line cleanly (`"` then a delimiter would be a valid multi-line field).
        (
            prop::collection::vec(cell(), 3),
            0..8usize,
            "[a-z][a-z ,]{0,9}",
        )
            .prop_map(|(mut cells, broken, tail)| {
                let stray = broken < 3;
                if stray {
                    cells[broken].1 = format!("\"{tail}");
                    cells.truncate(broken + 1);
                }
                (cells, stray)
            })
    }

    fn write(rows: &[(Vec<(String, String)>, bool)]) -> String {
        let mut csv = String::from("a,text,c\n");
        for (cells, _) in rows {
            let line: Vec<&str> = cells.iter().map(|c| c.1.as_str()).collect();
            csv.push_str(&line.join(","));
            csv.push('\n');
        }
        csv
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn every_physical_row_is_read_or_rejected(
            rows in prop::collection::vec(row(), 1..25)
        ) {
            let (_dir, path) = temp_file("p.csv", write(&rows).as_bytes());
            let Ok(ingest) = Ingest::open(&path, &opts("text")) else {
                return Ok(()); // a header that is not one (first row blank)
            };
            let mut out: Vec<(u64, Option<String>)> = Vec::new();
            for o in ingest {
                match o {
                    RowOutcome::Record(r) => out.push((r.row, Some(r.text))),
                    RowOutcome::Rejected(r) => out.push((r.row, None)),
                }
            }
            for (i, (cells, stray)) in rows.iter().enumerate() {
                let row = i as u64 + 1;
                let blank = !stray && cells.iter().all(|c| c.0.trim().is_empty());
                let got = out.iter().find(|(r, _)| *r == row);
                if blank {
                    prop_assert!(got.is_none(), "blank row {row} read: {got:?}");
                    continue;
                }
                let Some((_, text)) = got else {
                    return Err(TestCaseError::fail(format!("row {row} lost: {out:?}")));
                };
                let last = i + 1 == rows.len();
                if *stray && !last {
                    // (On the last row an open quote swallows nothing, so it may be read.)
                    prop_assert!(text.is_none(), "stray row {row} read as {text:?}");
                } else if *stray {
                } else if !cells[1].0.trim().is_empty() {
                    prop_assert_eq!(text.as_deref(), Some(cells[1].0.as_str()));
                }
            }
            prop_assert!(out.last().map(|o| o.0).unwrap_or(0) <= rows.len() as u64);
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_rows_stay_in_order(
            bytes in prop::collection::vec(
                prop_oneof![Just(b'"'), Just(b','), Just(b'\n'), Just(b'\r'), Just(b';'),
                            any::<u8>(), b'a'..b'f'],
                0..400,
            )
        ) {
            let mut file = b"id,text\n".to_vec();
            file.extend_from_slice(&bytes);
            let (_dir, path) = temp_file("b.csv", &file);
            let Ok(ingest) = Ingest::open(&path, &opts("text")) else {
                return Ok(());
            };
            let lines = file.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64 + 1;
            let rows: Vec<u64> = ingest
                .map(|o| match o {
                    RowOutcome::Record(r) => r.row,
                    RowOutcome::Rejected(r) => r.row,
                })
                .collect();
            prop_assert!(rows.windows(2).all(|w| w[0] < w[1]), "{rows:?}");
            prop_assert!(rows.last().copied().unwrap_or(0) <= lines);
        }
    }
}

/// Reads `csv` (columns id, score, date, contact, text) with PII redaction on or off.
fn pii_records(csv: &str, keep_pii: bool) -> (Vec<Record>, verbatim::text::pii::PiiCounts) {
    let (_dir, path) = temp_file("pii.csv", csv.as_bytes());
    let o = IngestOptions {
        text_col: "text".into(),
        score_col: Some("score".into()),
        id_col: Some("id".into()),
        date_col: Some("date".into()),
        keep_pii,
        ..IngestOptions::default()
    };
    let mut ingest = Ingest::open(&path, &o).unwrap();
    let records: Vec<Record> = ingest
        .by_ref()
        .map(|o| match o {
            RowOutcome::Record(r) => r,
            RowOutcome::Rejected(r) => panic!("{r:?}"),
        })
        .collect();
    (records, ingest.pii_counts())
}

/// Every kind of personal data is found in Hebrew, Persian, Arabic and English answers, in
/// ASCII, Persian and Arabic-Indic digits; order numbers, dates, scores and ids stay.
#[test]
fn pii_of_every_kind_is_redacted_in_he_fa_ar_en() {
    let csv = "id,score,date,contact,text\n\
        he1,3,2025-01-04,dana.cohen@gmail.com,\"חזרו אליי ל-054-1234567 או dana.cohen@gmail.com, ת״ז 039337423, כרטיס 4539 1488 0343 6467, חשבון IL14 0108 0000 0099 9999 99. הזמנה מספר 123456782\"\n\
        fa1,2,2025-01-05,,\"کد ملی من ۰۰۱۳۵۴۲۴۱۹ است، شماره‌ام ۰۹۱۲۳۴۵۶۷۸۹ و شبا IR۳۰ ۰۶۲۹ ۶۰۰۰ ۰۰۰۰ ۱۰۰۳ ۲۴۲۰ ۰۰۰۱ ایمیل ali.rezaei@yahoo.com کارت ۵۴۲۵-۲۳۳۴-۳۰۱۰-۹۹۰۳\"\n\
        ar1,1,2025-01-06,,\"اتصلوا بي على +٩٧١ ٥٠ ١٢٣ ٤٥٦٧ أو omar@example.ae، رقم الهوية ٠٣٩٣٣٧٤٢٣، البطاقة ٤٥٣٩١٤٨٨٠٣٤٣٦٤٦٧، الآيبان DE89 3704 0044 0532 0130 00\"\n\
        en1,0,2025-01-07,+1 415 555 0134,\"Call me at (555) 123-4567 or +1 415 555 0134, mail john.smith@example.com. Card 5425-2334-3010-9903, IBAN GB82 WEST 1234 5698 7654 32, national code 4608968882, ID 123456782. Order #123456782 came 2025-01-04, 9 days late, 10/10 would not buy again.\"\n";
    let (records, counts) = pii_records(csv, false);
    let text = |id: &str| records.iter().find(|r| r.id == id).unwrap().text.clone();
    assert_eq!(
        text("he1"),
        "חזרו אליי ל-[phone] או [email], ת״ז [id], כרטיס [card], חשבון [iban]. הזמנה מספר 123456782"
    );
    assert_eq!(
        text("fa1"),
        "کد ملی من [id] است، شماره‌ام [phone] و شبا [iban] ایمیل [email] کارت [card]"
    );
    assert_eq!(
        text("ar1"),
        "اتصلوا بي على [phone] أو [email]، رقم الهوية [id]، البطاقة [card]، الآيبان [iban]"
    );
    assert_eq!(
        text("en1"),
        "Call me at [phone] or [phone], mail [email]. Card [card], IBAN [iban], national code [id], ID [id]. Order #123456782 came 2025-01-04, 9 days late, 10/10 would not buy again."
    );
    let n = counts.by_name();
    let got: Vec<u64> = [
        "email",
        "phone",
        "card",
        "iban",
        "israeli_id",
        "iranian_national_code",
    ]
    .iter()
    .map(|k| n[*k])
    .collect();
    // The contact column's email and phone count too; the text column's copy does not.
    assert_eq!(got, vec![5, 6, 4, 4, 3, 2]);
    let en = records.iter().find(|r| r.id == "en1").unwrap();
    assert_eq!(en.fields["contact"], "[phone]");
    assert_eq!(en.fields["text"], en.text);
    assert_eq!(
        (en.score, en.date.as_deref(), en.fields["date"].as_str()),
        (Some(0), Some("2025-01-07"), "2025-01-07")
    );
    let (kept, counts) = pii_records(csv, true);
    assert!(kept[0].text.contains("dana.cohen@gmail.com"));
    assert!(counts.0.is_empty());
}

/// The demo export has no personal data: redaction changes no answer, score, date or id.
#[test]
fn pii_redaction_leaves_the_demo_untouched() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo/feedback.csv");
    let read = |keep_pii: bool| {
        let o = IngestOptions {
            text_col: "Comment".into(),
            score_col: Some("Score".into()),
            id_col: Some("ResponseId".into()),
            date_col: Some("Date".into()),
            segment_cols: vec!["Plan".into(), "Country".into()],
            keep_pii,
            ..IngestOptions::default()
        };
        let mut ingest = Ingest::open(&path, &o).unwrap();
        let rows: Vec<RowOutcome> = ingest.by_ref().collect();
        (rows, ingest.pii_counts())
    };
    let (redacted, counts) = read(false);
    let (kept, _) = read(true);
    assert_eq!(redacted.len(), 420);
    assert_eq!(redacted, kept);
    assert!(counts.by_name().values().all(|n| *n == 0), "{counts:?}");
}

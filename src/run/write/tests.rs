//! Round-trip tests of the run-file writers: each file is read back with an independent reader
//! (csv, serde_json, parquet's own reader).

use super::*;
use crate::record::{
    NpsGroup, Reject, Response, SentenceResult, Sentiment, SentimentLabel, ThemeMention,
};
use crate::run::layout::{PARQUET, REJECTS, RESPONSES};
use ::parquet::file::reader::{FileReader, SerializedFileReader};
use ::parquet::record::{Field, RowAccessor};
use std::collections::BTreeMap;

/// Answer `seq` with two sentences (one a suggestion), two themes, segments and a score,
/// date and mixed flag that vary with `seq`.
pub(crate) fn response(seq: u64) -> Response {
    let mut segments = BTreeMap::new();
    if seq.is_multiple_of(2) {
        segments.insert("plan".to_string(), format!("plan-{seq}"));
    }
    segments.insert("region".to_string(), "north".to_string());
    let sentiment = Sentiment {
        label: SentimentLabel::Negative,
        probs: [0.7, 0.2, 0.1],
    };
    Response {
        seq,
        row: seq + 1,
        id: format!("r{seq}"),
        text: format!("השירות איטי {seq}. Please add chat."),
        score: (!seq.is_multiple_of(3)).then_some((seq % 11) as u8),
        nps_group: (!seq.is_multiple_of(3)).then_some(NpsGroup::of((seq % 11) as u8)),
        date: (!seq.is_multiple_of(5)).then(|| "2024-03-05".to_string()),
        segments,
        fields: BTreeMap::new(),
        lang: "he".into(),
        lang_confidence: 0.9,
        sentiment,
        mixed: seq.is_multiple_of(4),
        themes: vec![
            ThemeMention {
                theme: "speed".into(),
                score: 0.8,
                sentence: 0,
                sentiment: SentimentLabel::Negative,
            },
            ThemeMention {
                theme: "support".into(),
                score: 0.6,
                sentence: 1,
                sentiment: SentimentLabel::Neutral,
            },
        ],
        sentences: vec![
            SentenceResult {
                text: format!("השירות איטי {seq}."),
                start: 0,
                end: 10,
                sentiment,
                themes: vec!["speed".into()],
                suggestion: false,
            },
            SentenceResult {
                text: "Please add chat.".into(),
                start: 11,
                end: 27,
                sentiment,
                themes: vec!["support".into()],
                suggestion: true,
            },
        ],
    }
}

#[test]
fn rejects_csv_has_header_even_when_empty() {
    let dir = tempfile::tempdir().unwrap();
    let writer = RejectsWriter::create(dir.path()).unwrap();
    // The header is on disk before finish.
    let early = std::fs::read_to_string(dir.path().join(REJECTS)).unwrap();
    assert_eq!(early, "row,column,reason\n");
    assert_eq!(writer.finish().unwrap(), 0);
    let text = std::fs::read_to_string(dir.path().join(REJECTS)).unwrap();
    assert_eq!(text, "row,column,reason\n");
}

#[test]
fn rejects_csv_quotes_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = RejectsWriter::create(dir.path()).unwrap();
    writer
        .write(&Reject {
            row: 3,
            column: Some("score".into()),
            reason: "score \"ten\" is not a number; expected a whole number 0-10".into(),
        })
        .unwrap();
    writer
        .write(&Reject {
            row: 7,
            column: None,
            reason: "row has 5 fields but the header has 4".into(),
        })
        .unwrap();
    assert_eq!(writer.finish().unwrap(), 2);
    let mut reader = csv::Reader::from_path(dir.path().join(REJECTS)).unwrap();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec![
                "3".to_string(),
                "score".into(),
                "score \"ten\" is not a number; expected a whole number 0-10".into()
            ],
            vec![
                "7".into(),
                "".into(),
                "row has 5 fields but the header has 4".into()
            ],
        ]
    );
}

#[test]
fn responses_jsonl_round_trips_and_keeps_seq_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = ResponsesWriter::create(dir.path()).unwrap();
    let written: Vec<Response> = (0..3).map(response).collect();
    for r in &written {
        writer.write(r).unwrap();
    }
    let err = writer.write(&response(7)).unwrap_err();
    assert!(matches!(
        err,
        OutputError::OutOfOrder {
            expected: 3,
            got: 7,
            ..
        }
    ));
    assert_eq!(writer.finish().unwrap(), 3);
    let text = std::fs::read_to_string(dir.path().join(RESPONSES)).unwrap();
    let read: Vec<Response> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(read, written);
}

/// Writes ten responses in row groups of four into a temporary folder.
fn write_ten_rows(dir: &std::path::Path) {
    let segments = vec!["plan".to_string(), "region".to_string()];
    // Small row groups so the file holds several, the last one partial.
    let mut writer = ParquetWriter::create_with_group_size(dir, &segments, 4).unwrap();
    for seq in 0..10 {
        writer.write(&response(seq)).unwrap();
    }
    assert_eq!(writer.finish().unwrap(), 10);
}

/// Checks the row count, the row groups and the column names in order.
fn assert_parquet_layout(reader: &SerializedFileReader<std::fs::File>) {
    let meta = reader.metadata();
    assert_eq!(meta.file_metadata().num_rows(), 10);
    assert_eq!(meta.num_row_groups(), 3);
    let names: Vec<String> = meta
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    // The fixed columns in file order (each is read back by position below), then segments.
    assert_eq!(names[..15], super::parquet::FIXED_COLUMNS);
    assert_eq!(names[15..], ["plan", "region"]);
}

/// Checks one read-back row against the response it was written from.
fn assert_row_matches(row: &::parquet::record::Row, seq: u64) {
    let expected = response(seq);
    assert_eq!(row.get_long(0).unwrap(), seq as i64);
    assert_eq!(row.get_long(1).unwrap(), seq as i64 + 1);
    assert_eq!(row.get_string(2).unwrap(), &expected.id);
    assert_eq!(row.get_string(3).unwrap(), &expected.text);
    match expected.score {
        Some(s) => {
            assert_eq!(row.get_int(4).unwrap(), i32::from(s));
            assert_eq!(
                row.get_string(5).unwrap(),
                expected.nps_group.unwrap().as_str()
            );
        }
        None => {
            assert!(row.get_int(4).is_err(), "seq {seq}: score must be null");
            assert!(row.get_string(5).is_err());
        }
    }
    let (name, date) = row.get_column_iter().nth(6).unwrap();
    assert_eq!(name, "date");
    match expected.date {
        // 2024-03-05 is day 19787 after 1970-01-01.
        Some(_) => assert_eq!(date, &Field::Date(19787)),
        None => assert_eq!(date, &Field::Null),
    }
    assert_eq!(row.get_string(7).unwrap(), "he");
    assert_eq!(row.get_string(8).unwrap(), "negative");
    assert_eq!(row.get_float(9).unwrap(), 0.7);
    assert_eq!(row.get_float(10).unwrap(), 0.2);
    assert_eq!(row.get_float(11).unwrap(), 0.1);
    assert_eq!(row.get_bool(12).unwrap(), seq.is_multiple_of(4));
    assert_eq!(row.get_string(13).unwrap(), "speed;support");
    assert_eq!(row.get_int(14).unwrap(), 2);
    match expected.segments.get("plan") {
        Some(plan) => assert_eq!(row.get_string(15).unwrap(), plan),
        None => assert!(row.get_string(15).is_err()),
    }
    assert_eq!(row.get_string(16).unwrap(), "north");
}

#[test]
fn parquet_reads_back_with_parquet_reader() {
    let dir = tempfile::tempdir().unwrap();
    write_ten_rows(dir.path());
    let file = std::fs::File::open(dir.path().join(PARQUET)).unwrap();
    let reader = SerializedFileReader::new(file).unwrap();
    assert_parquet_layout(&reader);
    let rows: Vec<_> = reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(rows.len(), 10);
    for (seq, row) in rows.iter().enumerate() {
        assert_row_matches(row, seq as u64);
    }
}

#[test]
fn parquet_rejects_a_malformed_date() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = ParquetWriter::create(dir.path(), &[]).unwrap();
    let mut r = response(1);
    r.date = Some("05/03/2024".into());
    let err = writer.write(&r).unwrap_err();
    assert!(err.to_string().contains("not YYYY-MM-DD"), "{err}");
    // Nothing was buffered for the bad row; the file still closes cleanly.
    assert_eq!(writer.finish().unwrap(), 0);
}

//! `responses.parquet` (`--format parquet`): the analyzed answers as a flat table for BI tools
//! and dataframes, written with parquet's low-level column writers in row groups so that
//! memory stays bounded by one group.

use super::OutputError;
use crate::error::IoResultExt;
use crate::record::Response;
use chrono::NaiveDate;
use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DataType, FloatType, Int32Type, Int64Type,
};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::types::{Type, TypePtr};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// File name of the Parquet table inside a run folder.
pub const PARQUET_FILE: &str = "responses.parquet";

/// Rows buffered before a row group is written.
pub const ROWS_PER_GROUP: usize = 32 * 1024;

/// Names of the fixed columns, in file order; segment columns follow.
const FIXED_COLUMNS: [&str; 15] = [
    "seq",
    "row",
    "id",
    "text",
    "score",
    "nps_group",
    "date",
    "lang",
    "sentiment",
    "p_negative",
    "p_neutral",
    "p_positive",
    "mixed",
    "themes",
    "n_sentences",
];

/// Values of an optional column: the present values plus a definition level per row
/// (1 present, 0 null), as Parquet stores nullable flat columns.
struct Nullable<T> {
    values: Vec<T>,
    defs: Vec<i16>,
}

impl<T> Default for Nullable<T> {
    fn default() -> Self {
        Nullable {
            values: Vec::new(),
            defs: Vec::new(),
        }
    }
}

impl<T> Nullable<T> {
    fn push(&mut self, value: Option<T>) {
        match value {
            Some(v) => {
                self.values.push(v);
                self.defs.push(1);
            }
            None => self.defs.push(0),
        }
    }

    fn clear(&mut self) {
        self.values.clear();
        self.defs.clear();
    }
}

/// One row group's worth of column values.
#[derive(Default)]
struct Buffer {
    seq: Vec<i64>,
    row: Vec<i64>,
    id: Vec<ByteArray>,
    text: Vec<ByteArray>,
    score: Nullable<i32>,
    nps_group: Nullable<ByteArray>,
    date: Nullable<i32>,
    lang: Vec<ByteArray>,
    sentiment: Vec<ByteArray>,
    p_negative: Vec<f32>,
    p_neutral: Vec<f32>,
    p_positive: Vec<f32>,
    mixed: Vec<bool>,
    themes: Vec<ByteArray>,
    n_sentences: Vec<i32>,
    segments: Vec<Nullable<ByteArray>>,
}

impl Buffer {
    fn len(&self) -> usize {
        self.seq.len()
    }

    fn clear(&mut self) {
        self.seq.clear();
        self.row.clear();
        self.id.clear();
        self.text.clear();
        self.score.clear();
        self.nps_group.clear();
        self.date.clear();
        self.lang.clear();
        self.sentiment.clear();
        self.p_negative.clear();
        self.p_neutral.clear();
        self.p_positive.clear();
        self.mixed.clear();
        self.themes.clear();
        self.n_sentences.clear();
        self.segments.iter_mut().for_each(Nullable::clear);
    }
}

/// Writes `RUN_DIR/responses.parquet`: columns `seq, row, id, text, score, nps_group, date,
/// lang, sentiment, p_negative, p_neutral, p_positive, mixed, themes, n_sentences`, then one
/// nullable text column per segment. `themes` holds the theme ids joined with `;`; `date` is a
/// Parquet DATE; `score`, `nps_group`, `date` and segments are nullable.
pub struct ParquetWriter {
    path: PathBuf,
    writer: Option<SerializedFileWriter<File>>,
    segments: Vec<String>,
    buffer: Buffer,
    rows_per_group: usize,
    count: u64,
}

fn bytes(s: &str) -> ByteArray {
    ByteArray::from(s.as_bytes().to_vec())
}

impl ParquetWriter {
    /// Creates `dir/responses.parquet` with one column per segment name in `segments`.
    pub fn create(dir: &Path, segments: &[String]) -> Result<ParquetWriter, OutputError> {
        Self::create_with_group_size(dir, segments, ROWS_PER_GROUP)
    }

    /// As [`ParquetWriter::create`], with `rows_per_group` rows per row group.
    pub fn create_with_group_size(
        dir: &Path,
        segments: &[String],
        rows_per_group: usize,
    ) -> Result<ParquetWriter, OutputError> {
        let path = dir.join(PARQUET_FILE);
        let parquet_err = |source| OutputError::Parquet {
            path: path.clone(),
            source,
        };
        let schema = schema(segments).map_err(parquet_err)?;
        let file = File::create(&path).at(&path)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("verbatim {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer =
            SerializedFileWriter::new(file, schema, Arc::new(props)).map_err(parquet_err)?;
        let buffer = Buffer {
            segments: segments.iter().map(|_| Nullable::default()).collect(),
            ..Buffer::default()
        };
        Ok(ParquetWriter {
            path,
            writer: Some(writer),
            segments: segments.to_vec(),
            buffer,
            rows_per_group: rows_per_group.max(1),
            count: 0,
        })
    }

    /// Path of the file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The column names of the file, in order (segment columns keep their names unless they
    /// clash with a fixed column, then they get a `segment_` prefix).
    pub fn column_names(&self) -> Vec<String> {
        column_names(&self.segments)
    }

    /// Adds one response (written when its row group fills or at [`ParquetWriter::finish`]).
    pub fn write(&mut self, response: &Response) -> Result<(), OutputError> {
        let date = match &response.date {
            Some(d) => Some(days_since_epoch(d).ok_or_else(|| OutputError::BadDate {
                path: self.path.clone(),
                seq: response.seq,
                date: d.clone(),
            })?),
            None => None,
        };
        let b = &mut self.buffer;
        b.seq.push(response.seq as i64);
        b.row.push(response.row as i64);
        b.id.push(bytes(&response.id));
        b.text.push(bytes(&response.text));
        b.score.push(response.score.map(i32::from));
        b.nps_group
            .push(response.nps_group.map(|g| bytes(g.as_str())));
        b.date.push(date);
        b.lang.push(bytes(&response.lang));
        b.sentiment.push(bytes(response.sentiment.label.as_str()));
        b.p_negative.push(response.sentiment.probs[0]);
        b.p_neutral.push(response.sentiment.probs[1]);
        b.p_positive.push(response.sentiment.probs[2]);
        b.mixed.push(response.mixed);
        let themes: Vec<&str> = response.themes.iter().map(|t| t.theme.as_str()).collect();
        b.themes.push(bytes(&themes.join(";")));
        b.n_sentences.push(response.sentences.len() as i32);
        for (name, column) in self.segments.iter().zip(b.segments.iter_mut()) {
            column.push(response.segments.get(name).map(|v| bytes(v)));
        }
        self.count += 1;
        if self.buffer.len() >= self.rows_per_group {
            self.flush_group()?;
        }
        Ok(())
    }

    fn flush_group(&mut self) -> Result<(), OutputError> {
        if self.buffer.len() == 0 {
            return Ok(());
        }
        let path = &self.path;
        let parquet_err = |source| OutputError::Parquet {
            path: path.clone(),
            source,
        };
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let mut group = writer.next_row_group().map_err(&parquet_err)?;
        let b = &self.buffer;
        let result = (|| {
            column::<Int64Type>(&mut group, &b.seq, None)?;
            column::<Int64Type>(&mut group, &b.row, None)?;
            column::<ByteArrayType>(&mut group, &b.id, None)?;
            column::<ByteArrayType>(&mut group, &b.text, None)?;
            column::<Int32Type>(&mut group, &b.score.values, Some(&b.score.defs))?;
            column::<ByteArrayType>(&mut group, &b.nps_group.values, Some(&b.nps_group.defs))?;
            column::<Int32Type>(&mut group, &b.date.values, Some(&b.date.defs))?;
            column::<ByteArrayType>(&mut group, &b.lang, None)?;
            column::<ByteArrayType>(&mut group, &b.sentiment, None)?;
            column::<FloatType>(&mut group, &b.p_negative, None)?;
            column::<FloatType>(&mut group, &b.p_neutral, None)?;
            column::<FloatType>(&mut group, &b.p_positive, None)?;
            column::<BoolType>(&mut group, &b.mixed, None)?;
            column::<ByteArrayType>(&mut group, &b.themes, None)?;
            column::<Int32Type>(&mut group, &b.n_sentences, None)?;
            for segment in &b.segments {
                column::<ByteArrayType>(&mut group, &segment.values, Some(&segment.defs))?;
            }
            group.close().map(|_| ())
        })();
        result.map_err(parquet_err)?;
        self.buffer.clear();
        Ok(())
    }

    /// Writes the last row group and the file footer; returns the number of rows written.
    pub fn finish(mut self) -> Result<u64, OutputError> {
        self.flush_group()?;
        if let Some(writer) = self.writer.take() {
            writer.close().map_err(|source| OutputError::Parquet {
                path: self.path.clone(),
                source,
            })?;
        }
        Ok(self.count)
    }
}

/// Writes the next column of `group` from `values` (with definition levels when nullable).
fn column<T: DataType>(
    group: &mut SerializedRowGroupWriter<'_, File>,
    values: &[T::T],
    defs: Option<&[i16]>,
) -> parquet::errors::Result<()> {
    let mut writer = group.next_column()?.ok_or_else(|| {
        parquet::errors::ParquetError::General("schema has fewer columns than written".into())
    })?;
    writer.typed::<T>().write_batch(values, defs, None)?;
    writer.close()
}

/// File column names: the fixed ones, then the segments.
fn column_names(segments: &[String]) -> Vec<String> {
    let mut names: Vec<String> = FIXED_COLUMNS.iter().map(|s| s.to_string()).collect();
    for segment in segments {
        let name = if names.iter().any(|n| n == segment) {
            format!("segment_{segment}")
        } else {
            segment.clone()
        };
        names.push(name);
    }
    names
}

fn schema(segments: &[String]) -> parquet::errors::Result<TypePtr> {
    use PhysicalType as P;
    let names = column_names(segments);
    let string = Some(LogicalType::String);
    let mut kinds: Vec<(P, Repetition, Option<LogicalType>)> = vec![
        (P::INT64, Repetition::REQUIRED, None),
        (P::INT64, Repetition::REQUIRED, None),
        (P::BYTE_ARRAY, Repetition::REQUIRED, string.clone()),
        (P::BYTE_ARRAY, Repetition::REQUIRED, string.clone()),
        (P::INT32, Repetition::OPTIONAL, None),
        (P::BYTE_ARRAY, Repetition::OPTIONAL, string.clone()),
        (P::INT32, Repetition::OPTIONAL, Some(LogicalType::Date)),
        (P::BYTE_ARRAY, Repetition::REQUIRED, string.clone()),
        (P::BYTE_ARRAY, Repetition::REQUIRED, string.clone()),
        (P::FLOAT, Repetition::REQUIRED, None),
        (P::FLOAT, Repetition::REQUIRED, None),
        (P::FLOAT, Repetition::REQUIRED, None),
        (P::BOOLEAN, Repetition::REQUIRED, None),
        (P::BYTE_ARRAY, Repetition::REQUIRED, string.clone()),
        (P::INT32, Repetition::REQUIRED, None),
    ];
    kinds.extend(
        segments
            .iter()
            .map(|_| (P::BYTE_ARRAY, Repetition::OPTIONAL, string.clone())),
    );
    let fields = names
        .iter()
        .zip(kinds)
        .map(|(name, (physical, repetition, logical))| {
            Type::primitive_type_builder(name, physical)
                .with_repetition(repetition)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<parquet::errors::Result<Vec<_>>>()?;
    Ok(Arc::new(
        Type::group_type_builder("response")
            .with_fields(fields)
            .build()?,
    ))
}

/// Days from 1970-01-01 to an ISO `YYYY-MM-DD` date (Parquet's DATE encoding).
fn days_since_epoch(date: &str) -> Option<i32> {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from((d - epoch).num_days()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_epoch() {
        assert_eq!(days_since_epoch("1970-01-01"), Some(0));
        assert_eq!(days_since_epoch("2024-03-05"), Some(19787));
        assert_eq!(days_since_epoch("1969-12-31"), Some(-1));
        assert_eq!(days_since_epoch("05/03/2024"), None);
    }

    #[test]
    fn segment_names_avoid_fixed_columns() {
        let names = column_names(&["plan".into(), "lang".into()]);
        assert_eq!(names.len(), 17);
        assert_eq!(names[15], "plan");
        assert_eq!(names[16], "segment_lang");
    }
}

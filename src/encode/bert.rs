//! [`BertEncoder`]: sentence embeddings from a local Hugging Face BERT, XLM-R/RoBERTa or
//! DistilBERT folder, run by rust-bert on libtorch and tokenized by the `tokenizers` crate.
//!
//! A model folder holds `config.json`, `tokenizer.json` and `model.safetensors` (or
//! `rust_model.ot`), and optionally `verbatim_encoder.json` with E5-style prefixes. Embeddings
//! are masked mean pooling of the last hidden layer, L2-normalized.
//!
//! By default the forward pass of BERT and XLM-R models is `lean::LeanBert` (fused
//! ops over the same loaded weights); rust-bert's own `BertModel` runs DistilBERT, activations
//! the lean forward lacks, and [`Engine::RustBert`] (the reference the tests compare against).
//!
//! Speed comes from length-sorted batching: texts are tokenized once, sorted by token count and
//! cut into batches under a token budget, so a batch pads to a similar length instead of to the
//! longest answer of the export.

use super::lean::{Activation, LeanBert, LeanConfig, Positions};
use super::parts::{Row, Rows};
use super::tuned::{self, Pools, TuneExample, TuneOptions, TunedTop};
use super::weights::{load_into, Header};
use super::{model_err, EncodeError, Encoded, Encoder, Part, TextKind};
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use rust_bert::distilbert::{DistilBertConfig, DistilBertModel};
use rust_bert::roberta::RobertaEmbeddings;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tch::{nn, Device, Kind, Tensor};
use tokenizers::{Encoding, Tokenizer, TruncationParams};

/// Options for loading an encoder.
#[derive(Debug, Clone)]
pub struct EncoderOptions {
    /// CPU threads for inference in all (0 = libtorch's default, one worker).
    pub threads: usize,
    /// Batches run at once, each by its own model replica on `threads / workers` libtorch
    /// threads. The replicas share one copy of the weights. On small CPU models several
    /// single-threaded forward passes beat one multi-threaded pass, whose many small ops each
    /// end in a thread barrier; one worker gives the lowest latency for a single batch.
    /// 0 = one worker per thread.
    pub workers: usize,
    /// Most texts in one forward pass.
    pub max_batch: usize,
    /// Most padded tokens (texts x longest text) in one forward pass.
    pub token_budget: usize,
    /// Sort texts by length before batching (turn off only to measure what it buys).
    pub sort_by_length: bool,
    /// Truncate texts to this many tokens (the model's limit when `None`).
    pub max_tokens: Option<usize>,
    /// Which forward pass runs BERT and XLM-R models.
    pub engine: Engine,
    /// Weights of the transformer's linear layers (int8 needs the lean forward).
    pub precision: Precision,
    /// How the parts of a text (an answer's sentences and clauses) are embedded.
    pub parts: Parts,
}

/// How [`Encoder::encode_parts`] embeds the parts of a text (an answer's sentences and
/// clauses).
///
/// Measured (tests/models.rs, benches/README.md "Parts pooled from the answer's pass"):
/// pooled parts run the encoder about 1.8x faster on survey answers and score dev themes a
/// little higher (micro-F1 0.772 vs 0.760), but a sentence read inside its answer takes on the
/// answer's sentiment: on dev answers joined in pairs of different labels, sentence sentiment
/// accuracy falls from 0.778 to 0.587 and mixed answers are found 8% of the time instead of
/// 57%. So each part alone is the default, and pooled is for runs that need themes and
/// search, not sentence sentiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Parts {
    /// Each part in a forward pass of its own (the default).
    #[default]
    Alone,
    /// Pooled from the text's own pass: each part averages its own tokens' states in the
    /// text's forward pass, so an answer runs the encoder once for itself, its sentences and
    /// its clauses.
    Pooled,
}

/// Precision of the linear layers' weights at inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Precision {
    /// f32 weights, as trained (the reference; rust-bert's forward and training use it).
    F32,
    /// Dynamic int8 quantization through fbgemm: int8 weights (one scale per row), f32
    /// activations quantized per token, in every linear layer of the transformer. Inference
    /// only. The default: about 2x the encoder speed of f32, and on corpora/dev sentiment,
    /// themes and cross-lingual recall within 0.01 of f32 (README "Speed").
    #[default]
    Int8,
}

/// The forward pass of BERT and XLM-R/RoBERTa models (DistilBERT always runs on rust-bert).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Engine {
    /// `LeanBert`: fused linear + bias, one GELU op, fused attention (the default).
    #[default]
    Lean,
    /// rust-bert's `BertModel`, the reference implementation.
    RustBert,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions {
            threads: 2,
            workers: 0,
            max_batch: 64,
            // Measured on the 2,000-answer bench: budgets of 256 padded tokens ran 1.7x faster
            // than 4096 (less padding, attention on short rows, batches that fit in cache).
            token_budget: 256,
            sort_by_length: true,
            max_tokens: None,
            engine: Engine::Lean,
            precision: Engine::Lean.default_precision(),
            parts: Parts::default(),
        }
    }
}

impl Engine {
    /// The precision an encoder on this forward runs when none is asked for: int8 on the lean
    /// forward, f32 on rust-bert's (which has no int8).
    pub fn default_precision(self) -> Precision {
        match self {
            Engine::Lean => Precision::Int8,
            Engine::RustBert => Precision::F32,
        }
    }
}

impl EncoderOptions {
    /// Options for embedding one search query at a time: a single worker on all threads,
    /// the lowest latency for one small batch.
    pub fn for_queries() -> Self {
        EncoderOptions {
            workers: 1,
            ..Default::default()
        }
    }
}

/// Optional `verbatim_encoder.json` of a model folder.
#[derive(Debug, Clone, Deserialize, Default)]
struct EncoderFile {
    name: Option<String>,
    #[serde(default)]
    query_prefix: String,
    #[serde(default)]
    passage_prefix: String,
    max_tokens: Option<usize>,
}

enum Backbone {
    Bert(BertModel<BertEmbeddings>),
    Roberta(BertModel<RobertaEmbeddings>),
    DistilBert(DistilBertModel),
    Lean(LeanBert),
}

impl Backbone {
    fn hidden(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor, EncodeError> {
        let torch = |e: rust_bert::RustBertError| EncodeError::Torch(e.to_string());
        Ok(match self {
            Backbone::Bert(m) => {
                m.forward_t(Some(ids), Some(mask), None, None, None, None, None, false)
                    .map_err(torch)?
                    .hidden_state
            }
            Backbone::Roberta(m) => {
                m.forward_t(Some(ids), Some(mask), None, None, None, None, None, false)
                    .map_err(torch)?
                    .hidden_state
            }
            Backbone::DistilBert(m) => {
                m.forward_t(Some(ids), Some(mask), None, false)
                    .map_err(torch)?
                    .hidden_state
            }
            Backbone::Lean(m) => m.hidden(ids, mask),
        })
    }
}

/// The output index of each vector of one batch, the vectors and, with a tuned sentiment top,
/// their class probabilities.
type Batch = (Vec<usize>, Vec<Vec<f32>>, Option<Vec<[f32; 3]>>);

struct Loaded {
    model: Backbone,
    /// The tuned sentiment top, when attached (its tensors shared between replicas).
    tuned: Option<TunedTop>,
    // Kept alive: the model's tensors live in this store (lean replicas hold handles to them).
    _vs: Option<nn::VarStore>,
}

/// A sentence encoder over a Hugging Face model folder. Each replica runs one batch at a time
/// behind its mutex; replicas share the weights, and tokenization runs outside the locks.
pub struct BertEncoder {
    replicas: Vec<Mutex<Loaded>>,
    tokenizer: Tokenizer,
    file: EncoderFile,
    name: String,
    /// SHA-256 of config.json and the size of the weights file.
    fingerprint: String,
    dim: usize,
    pad_id: i64,
    opts: EncoderOptions,
    /// Prefix of the encoder's tensor names in the weights file ("" or e.g. "bert.").
    var_prefix: String,
    /// Path of the attached tuned sentiment file, if any.
    tuned_path: Option<PathBuf>,
}

/// The lean forward's view of config.json, or `None` when the model needs rust-bert's
/// (DistilBERT, or an activation the lean forward lacks).
fn lean_config(config: &serde_json::Value, model_type: &str) -> Option<LeanConfig> {
    let positions = match model_type {
        "bert" => Positions::Absolute,
        // rust-bert's RobertaEmbeddings numbers positions after padding index 1.
        "roberta" | "xlm-roberta" | "camembert" => Positions::AfterPadding(1),
        _ => return None,
    };
    Some(LeanConfig {
        layers: config["num_hidden_layers"].as_u64()? as usize,
        heads: config["num_attention_heads"].as_i64()?,
        eps: config["layer_norm_eps"].as_f64().unwrap_or(1e-12),
        positions,
        activation: Activation::parse(config["hidden_act"].as_str().unwrap_or("gelu"))?,
    })
}

/// `workers` lean replicas over the loaded store `vs`: each holds handles to the same tensors,
/// so the weights exist once.
fn lean_replicas(
    vs: nn::VarStore,
    prefix: &str,
    cfg: LeanConfig,
    workers: usize,
    precision: Precision,
) -> Result<Vec<Mutex<Loaded>>, EncodeError> {
    let vars = vs.variables();
    let mut replicas = Vec::with_capacity(workers);
    for _ in 0..workers {
        let mut model = LeanBert::from_vars(&vars, prefix, cfg)?;
        if precision == Precision::Int8 {
            // Each replica packs its own int8 copy (about a quarter of the f32 linear weights).
            super::lean::quiet_stderr(|| {
                model.quantize_int8();
                model.warm_up();
            });
        }
        replicas.push(Mutex::new(Loaded {
            model: Backbone::Lean(model),
            tuned: None,
            _vs: None,
        }));
    }
    if let Some(first) = replicas.first_mut() {
        let first = first.get_mut().expect("fresh mutex");
        if let (Precision::Int8, Backbone::Lean(m)) = (precision, &first.model) {
            m.release_int8_f32_weights();
        }
        first._vs = Some(vs);
    }
    Ok(replicas)
}

/// Workers (model replicas) for `opts`; sets libtorch's threads per worker.
fn worker_count(opts: &EncoderOptions) -> usize {
    let workers = match opts.workers {
        0 => opts.threads.max(1),
        w => w.min(opts.threads.max(1)),
    };
    if opts.threads > 0 {
        tch::set_num_threads((opts.threads / workers).max(1) as i32);
    }
    workers
}

/// The files of a model folder: config.json, the optional verbatim_encoder.json, the weights
/// and the prefix the encoder's tensors are nested under.
struct ModelFolder<'a> {
    dir: &'a Path,
    config_text: String,
    config: serde_json::Value,
    model_type: String,
    file: EncoderFile,
    weights: PathBuf,
    /// The header of a safetensors weights file (`None` for a `rust_model.ot`), read once.
    header: Option<Header>,
    /// Task checkpoints nest the encoder under a prefix ("bert", "roberta", ...).
    prefix: Option<&'static str>,
}

impl<'a> ModelFolder<'a> {
    /// Reads the configuration files and finds the weights.
    fn read(dir: &'a Path) -> Result<ModelFolder<'a>, EncodeError> {
        let read = |name: &str| -> Result<String, EncodeError> {
            std::fs::read_to_string(dir.join(name))
                .map_err(|e| model_err(dir, format!("{name}: {e}")))
        };
        let config_text = read("config.json")?;
        let config: serde_json::Value = serde_json::from_str(&config_text)
            .map_err(|e| model_err(dir, format!("config.json: {e}")))?;
        let model_type = config["model_type"].as_str().unwrap_or("bert").to_string();
        let file: EncoderFile = match std::fs::read_to_string(dir.join("verbatim_encoder.json")) {
            Ok(s) => serde_json::from_str(&s)
                .map_err(|e| model_err(dir, format!("verbatim_encoder.json: {e}")))?,
            Err(_) => EncoderFile::default(),
        };
        let (weights, header) = find_weights(dir)?;
        let prefix = header.as_ref().and_then(encoder_prefix);
        Ok(ModelFolder {
            dir,
            config_text,
            config,
            model_type,
            file,
            weights,
            header,
            prefix,
        })
    }

    /// The prefix of the encoder's tensor names ("" or e.g. "bert.").
    fn var_prefix(&self) -> String {
        self.prefix.map(|p| format!("{p}.")).unwrap_or_default()
    }

    /// A rust-bert backbone of the model type with fresh tensors in `vs`, and its width.
    fn build(&self, vs: &nn::VarStore) -> Result<(Backbone, usize), EncodeError> {
        let root = match self.prefix {
            Some(p) => vs.root() / p,
            None => vs.root(),
        };
        let dir = self.dir;
        let config_text = &self.config_text;
        let parse_err = |e: serde_json::Error| model_err(dir, format!("config.json: {e}"));
        Ok(match self.model_type.as_str() {
            "bert" => {
                let c: BertConfig = serde_json::from_str(config_text).map_err(parse_err)?;
                let d = c.hidden_size as usize;
                (
                    Backbone::Bert(BertModel::new_with_optional_pooler(root, &c, false)),
                    d,
                )
            }
            "roberta" | "xlm-roberta" | "camembert" => {
                let c: BertConfig = serde_json::from_str(config_text).map_err(parse_err)?;
                let d = c.hidden_size as usize;
                (
                    Backbone::Roberta(BertModel::new_with_optional_pooler(root, &c, false)),
                    d,
                )
            }
            "distilbert" => {
                let c: DistilBertConfig = serde_json::from_str(config_text).map_err(parse_err)?;
                let d = c.dim as usize;
                (Backbone::DistilBert(DistilBertModel::new(root, &c)), d)
            }
            other => {
                return Err(model_err(
                    dir,
                    format!("model_type {other:?} is not supported; use a BERT, XLM-R/RoBERTa or DistilBERT model"),
                ))
            }
        })
    }

    /// Loads the weights once and makes `workers` replicas sharing them (lean unless the
    /// engine or the model rules it out); returns them and the embedding width.
    fn replicas(
        &self,
        opts: &EncoderOptions,
        workers: usize,
    ) -> Result<(Vec<Mutex<Loaded>>, usize), EncodeError> {
        let dir = self.dir;
        let lean = match opts.engine {
            Engine::Lean => lean_config(&self.config, &self.model_type),
            Engine::RustBert => None,
        };
        if let (Some(cfg), Some(header)) = (lean, &self.header) {
            return self.lean_from_file(header, cfg, opts, workers);
        }
        let mut vs = nn::VarStore::new(Device::Cpu);
        let (model, dim) = self.build(&vs)?;
        match &self.header {
            Some(header) => load_into(&vs, &self.weights, header)?,
            None => vs
                .load(&self.weights)
                .map_err(|e| model_err(dir, format!("loading {}: {e}", self.weights.display())))?,
        }
        let replicas = if let Some(cfg) = lean {
            drop(model); // its tensors are handles into `vs`, which the lean replicas share
            lean_replicas(vs, &self.var_prefix(), cfg, workers, opts.precision)?
        } else if opts.precision == Precision::Int8 {
            return Err(model_err(
                dir,
                "--precision int8 needs the lean forward (a BERT or XLM-R model with a gelu or relu activation); use --precision f32",
            ));
        } else {
            self.rust_bert_replicas(vs, model, workers)?
        };
        Ok((replicas, dim))
    }

    /// Lean replicas over variables made straight from the safetensors `header` (the
    /// encoder's embeddings and layers), filled from the file; no rust-bert model is built.
    fn lean_from_file(
        &self,
        header: &Header,
        cfg: LeanConfig,
        opts: &EncoderOptions,
        workers: usize,
    ) -> Result<(Vec<Mutex<Loaded>>, usize), EncodeError> {
        let dim = self.config["hidden_size"]
            .as_u64()
            .ok_or_else(|| model_err(self.dir, "config.json has no hidden_size"))?;
        let prefix = self.var_prefix();
        let vs = nn::VarStore::new(Device::Cpu);
        header.make_variables(
            &vs,
            &[format!("{prefix}embeddings."), format!("{prefix}encoder.")],
        );
        load_into(&vs, &self.weights, header)?;
        let replicas = lean_replicas(vs, &prefix, cfg, workers, opts.precision)?;
        Ok((replicas, dim as usize))
    }

    /// `workers` rust-bert replicas: `model` over the loaded `vs`, then fresh ones whose
    /// tensors point at the loaded weights' storage.
    fn rust_bert_replicas(
        &self,
        vs: nn::VarStore,
        model: Backbone,
        workers: usize,
    ) -> Result<Vec<Mutex<Loaded>>, EncodeError> {
        let shared = vs.variables();
        let mut replicas = vec![Mutex::new(Loaded {
            model,
            tuned: None,
            _vs: Some(vs),
        })];
        for _ in 1..workers {
            // A replica's own freshly initialized tensors are pointed at the loaded weights'
            // storage (set_data), so N replicas hold one copy of the weights.
            let vs = nn::VarStore::new(Device::Cpu);
            let (model, _) = self.build(&vs)?;
            for (name, mut var) in vs.variables() {
                let src = shared.get(&name).ok_or_else(|| {
                    model_err(
                        self.dir,
                        format!("replica variable {name} not in the loaded model"),
                    )
                })?;
                tch::no_grad(|| var.set_data(src));
            }
            replicas.push(Mutex::new(Loaded {
                model,
                tuned: None,
                _vs: Some(vs),
            }));
        }
        Ok(replicas)
    }

    /// The tokenizer, truncating at the options', the folder's or the model's limit.
    fn tokenizer(&self, opts: &EncoderOptions) -> Result<Tokenizer, EncodeError> {
        let mut tokenizer = Tokenizer::from_file(self.dir.join("tokenizer.json"))
            .map_err(|e| model_err(self.dir, format!("tokenizer.json: {e}")))?;
        let max_pos = self.config["max_position_embeddings"]
            .as_u64()
            .unwrap_or(512) as usize;
        let max_tokens = opts
            .max_tokens
            .or(self.file.max_tokens)
            .unwrap_or(512)
            .min(max_pos);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..Default::default()
            }))
            .map_err(|e| EncodeError::Tokenizer(e.to_string()))?;
        tokenizer.with_padding(None);
        Ok(tokenizer)
    }

    /// The encoder's name: verbatim_encoder.json's, else the folder's.
    fn name(&self) -> String {
        self.file.name.clone().unwrap_or_else(|| {
            self.dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "encoder".into())
        })
    }

    /// SHA-256 of config.json and the size of the weights file.
    fn fingerprint(&self) -> String {
        let weights_bytes = std::fs::metadata(&self.weights)
            .map(|m| m.len())
            .unwrap_or(0);
        format!(
            "config.json sha256 {}, {} {weights_bytes} bytes",
            sha256_hex(self.config_text.as_bytes()),
            self.weights
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
        )
    }
}

/// The weights file of `dir` and, for a safetensors file, its header.
fn find_weights(dir: &Path) -> Result<(PathBuf, Option<Header>), EncodeError> {
    let weights: PathBuf = ["model.safetensors", "rust_model.ot"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.exists())
        .ok_or_else(|| model_err(dir, "no model.safetensors or rust_model.ot"))?;
    let header = if weights.extension().is_some_and(|e| e == "safetensors") {
        Some(Header::read(&weights)?)
    } else {
        None
    };
    Ok((weights, header))
}

/// The prefix task checkpoints nest the encoder's tensors under ("bert.", "roberta.", ...),
/// if any.
fn encoder_prefix(header: &Header) -> Option<&'static str> {
    ["bert", "roberta", "distilbert", "model"]
        .into_iter()
        .find(|p| {
            header
                .names()
                .any(|n| n.starts_with(&format!("{p}.embeddings.")))
        })
}

impl BertEncoder {
    /// The options the encoder was loaded with.
    pub fn options(&self) -> &EncoderOptions {
        &self.opts
    }

    /// Loads the model folder `dir`: read its files, build the backbone and its replicas,
    /// then the tokenizer.
    pub fn load(dir: &Path, opts: EncoderOptions) -> Result<BertEncoder, EncodeError> {
        if !dir.is_dir() {
            return Err(model_err(
                dir,
                "not found; run scripts/install.sh to install the default model, or pass --model DIR with a Hugging Face model folder",
            ));
        }
        let workers = worker_count(&opts);
        let folder = ModelFolder::read(dir)?;
        let (replicas, dim) = folder.replicas(&opts, workers)?;
        let tokenizer = folder.tokenizer(&opts)?;
        let pad_id = folder.config["pad_token_id"].as_i64().unwrap_or(0);
        let name = folder.name();
        let fingerprint = folder.fingerprint();
        Ok(BertEncoder {
            replicas,
            tokenizer,
            name,
            fingerprint,
            dim,
            pad_id,
            opts,
            var_prefix: folder.var_prefix(),
            file: folder.file,
            tuned_path: None,
        })
    }

    /// Token ids of `text` as the model sees it (prefix and special tokens included).
    pub fn token_ids(&self, text: &str, kind: TextKind) -> Result<Vec<u32>, EncodeError> {
        let t = format!("{}{}", self.prefix(kind), text);
        let enc = self
            .tokenizer
            .encode(t, true)
            .map_err(|e| EncodeError::Tokenizer(e.to_string()))?;
        Ok(enc.get_ids().to_vec())
    }

    fn prefix(&self, kind: TextKind) -> &str {
        match kind {
            TextKind::Query => &self.file.query_prefix,
            TextKind::Passage => &self.file.passage_prefix,
        }
    }

    /// Embeds one batch of tokenized rows on replica `replica`, each output pooled from its
    /// row's tokens ([`Out`]); with a tuned sentiment top the lower layers run once and feed
    /// both the base top (vectors) and the tuned one.
    fn forward(&self, replica: usize, batch: &[&Row]) -> Result<Batch, EncodeError> {
        let ids: Vec<&[u32]> = batch.iter().map(|r| r.ids.as_slice()).collect();
        let (ids, mask) = super::lean::pad_batch(&ids, self.pad_id);
        let (pools, at) = batch_pools(batch, &mask);
        let loaded = self.replicas[replica]
            .lock()
            .map_err(|_| EncodeError::Torch("encoder poisoned by an earlier panic".into()))?;
        let (pooled, probs) = tch::no_grad(|| -> Result<(Tensor, Option<Tensor>), EncodeError> {
            Ok(match (&loaded.model, &loaded.tuned) {
                (Backbone::Lean(m), Some(t)) => {
                    let keys = LeanBert::keys(&mask);
                    let low = m.lower(&ids, &keys, t.first);
                    let probs = t.logits(m, &low, &pools, &keys).softmax(-1, Kind::Float);
                    let top = m.upper(low, &keys, t.first);
                    (pools.apply(&top), Some(probs))
                }
                (model, _) => (pools.apply(&model.hidden(&ids, &mask)?), None),
            })
        })?;
        drop(loaded);
        let flat = |t: Tensor| -> Result<Vec<f32>, EncodeError> {
            Vec::<f32>::try_from(t.contiguous().view([-1]))
                .map_err(|e| EncodeError::Torch(e.to_string()))
        };
        let vectors = flat(pooled)?.chunks(self.dim).map(|c| c.to_vec()).collect();
        let probs = match probs {
            Some(p) => Some(flat(p)?.chunks(3).map(|c| [c[0], c[1], c[2]]).collect()),
            None => None,
        };
        Ok((at, vectors, probs))
    }

    /// Attaches a tuned sentiment top (`train-sentiment --fine-tune`'s safetensors file): from
    /// now on [`Encoder::encode`] also returns its class probabilities.
    pub fn attach_sentiment(&mut self, path: &Path) -> Result<(), EncodeError> {
        let vars = tuned::read_file(path)?;
        for r in &mut self.replicas {
            let loaded = r
                .get_mut()
                .map_err(|_| EncodeError::Torch("encoder poisoned by an earlier panic".into()))?;
            let Backbone::Lean(m) = &loaded.model else {
                return Err(model_err(
                    path,
                    "a tuned sentiment top needs the lean forward (a BERT or XLM-R model); use --sentiment linear",
                ));
            };
            loaded.tuned = Some(TunedTop::from_vars(&vars, m.depth())?);
        }
        self.tuned_path = Some(path.to_path_buf());
        Ok(())
    }

    /// Token ids of `texts` (prefix and special tokens included, truncated as configured).
    pub fn tokenize(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<u32>>, EncodeError> {
        let encodings = self.encodings(texts, kind)?;
        Ok(encodings.iter().map(|e| e.get_ids().to_vec()).collect())
    }

    /// The tokenizer's encodings of `texts` with the prefix of `kind` (ids and offsets).
    fn encodings(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Encoding>, EncodeError> {
        let prefix = self.prefix(kind);
        let inputs: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
        self.tokenizer
            .encode_batch(inputs, true)
            .map_err(|e| EncodeError::Tokenizer(e.to_string()))
    }

    /// Fine-tunes the top `opts.layers` layers and a 3-class classifier (started from the
    /// linear head's `[hidden, 3]` weights and bias `init`) on `examples`; see [`tuned`].
    pub fn fine_tune(
        &self,
        examples: &[TuneExample],
        init: (&[f32], &[f32]),
        opts: &TuneOptions,
        progress: &dyn Fn(&str, usize, usize),
    ) -> Result<Vec<(String, Tensor)>, EncodeError> {
        if self.opts.precision == Precision::Int8 {
            // An int8 encoder has released its f32 linear weights (see `lean_replicas`).
            return Err(EncodeError::Torch(
                "fine-tuning needs an encoder loaded at f32 (EncoderOptions::precision, --precision f32)"
                    .into(),
            ));
        }
        let loaded = self.replicas[0]
            .lock()
            .map_err(|_| EncodeError::Torch("encoder poisoned by an earlier panic".into()))?;
        let (Backbone::Lean(m), Some(vs)) = (&loaded.model, &loaded._vs) else {
            return Err(EncodeError::Torch(
                "fine-tuning needs the lean forward of a BERT or XLM-R model".into(),
            ));
        };
        let vars = vs.variables();
        tuned::fine_tune(
            m,
            &vars,
            &self.var_prefix,
            self.pad_id,
            examples,
            init,
            opts,
            progress,
        )
    }
}

impl Encoder for BertEncoder {
    fn dim(&self) -> usize {
        self.dim
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn fingerprint(&self) -> String {
        match &self.tuned_path {
            Some(p) => format!("{}, tuned sentiment {}", self.fingerprint, p.display()),
            None => self.fingerprint.clone(),
        }
    }

    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>, EncodeError> {
        Ok(self.encode(texts, kind)?.vectors)
    }

    fn encode(&self, texts: &[&str], kind: TextKind) -> Result<Encoded, EncodeError> {
        self.run(texts, &[], kind)
    }

    fn pools_parts(&self) -> bool {
        self.opts.parts == Parts::Pooled
    }

    /// A part costs no pass of its own: it is pooled from its text's row.
    fn encode_pooled(
        &self,
        texts: &[&str],
        parts: &[Part],
        kind: TextKind,
    ) -> Result<Encoded, EncodeError> {
        self.run(texts, parts, kind)
    }
}

impl BertEncoder {
    /// Tokenizes, attaches each part to its text's row (`parts::Rows::of`), sorts the rows by
    /// length, cuts batches, runs them on the replicas and puts the vectors (and sentiment
    /// probabilities) back in output order.
    fn run(&self, texts: &[&str], parts: &[Part], kind: TextKind) -> Result<Encoded, EncodeError> {
        let encodings = self.encodings(texts, kind)?;
        let prefix = self.prefix(kind).len();
        let tokenize = |t: &[&str], k: TextKind| self.encodings(t, k);
        let Rows { rows, outputs } = Rows::of(texts, encodings, parts, prefix, tokenize, kind)?;
        let ids: Vec<&[u32]> = rows.iter().map(|r| r.ids.as_slice()).collect();
        let mut order: Vec<usize> = (0..ids.len()).collect();
        if self.opts.sort_by_length {
            order.sort_by_key(|&i| ids[i].len());
        }
        let batches = cut_batches(&ids, &order, &self.opts);
        let run = |replica: usize, (start, end): (usize, usize)| {
            let batch: Vec<&Row> = order[start..end].iter().map(|&i| &rows[i]).collect();
            self.forward(replica, &batch)
        };
        let workers = self.replicas.len().min(batches.len());
        let done = run_batches(workers, &batches, &run)?;
        Ok(scatter(done, outputs))
    }
}

/// The pools of one batch (each row's outputs, in row order) and the output index of each.
/// A batch whose rows give only their own vector pools each row whole.
fn batch_pools(batch: &[&Row], mask: &Tensor) -> (Pools, Vec<usize>) {
    let at: Vec<usize> = batch
        .iter()
        .flat_map(|r| r.outs.iter().map(|o| o.at))
        .collect();
    if at.len() == batch.len() && batch.iter().all(|r| r.outs[0].tokens.is_none()) {
        return (Pools::whole(mask), at);
    }
    let len = mask.size()[1] as usize;
    let mut rows = Vec::with_capacity(at.len());
    let mut weights = Vec::with_capacity(at.len() * len);
    for (b, r) in batch.iter().enumerate() {
        for o in &r.outs {
            rows.push(b as i64);
            let n = match &o.tokens {
                Some(t) => {
                    weights.extend_from_slice(t);
                    t.len()
                }
                None => {
                    weights.extend(std::iter::repeat_n(1.0, r.ids.len()));
                    r.ids.len()
                }
            };
            weights.extend(std::iter::repeat_n(0.0, len - n));
        }
    }
    (Pools::select(&rows, &weights, len), at)
}

/// Cuts the texts into batches under both limits, `(start, end)` into `order`. Sorted by
/// length, a batch holds texts of one length: nothing is padded, so no work is spent on
/// padding and each batch's attention is one call (2,000 bench answers: 1.15x the encoder
/// speed of mixing neighbouring lengths, same vectors). Unsorted, lengths mix and the longest
/// text of a batch sets its padded width (attention still runs per length,
/// `lean::attention`, so the vectors stay the same).
fn cut_batches(ids: &[&[u32]], order: &[usize], opts: &EncoderOptions) -> Vec<(usize, usize)> {
    let mut batches: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len()
            && end - start < opts.max_batch
            && (end - start + 1) * ids[order[end]].len() <= opts.token_budget
            && (!opts.sort_by_length || ids[order[end]].len() == ids[order[start]].len())
        {
            end += 1;
        }
        batches.push((start, end));
        start = end;
    }
    batches
}

/// Runs every batch through `run(replica, batch)` on `workers` threads (inline for one);
/// the first error wins.
fn run_batches<F>(
    workers: usize,
    batches: &[(usize, usize)],
    run: &F,
) -> Result<Vec<Batch>, EncodeError>
where
    F: Fn(usize, (usize, usize)) -> Result<Batch, EncodeError> + Sync,
{
    if workers <= 1 {
        return batches.iter().map(|&b| run(0, b)).collect();
    }
    // Workers take the next batch from a shared counter, so long and short batches
    // even out between them.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Result<Vec<Batch>, EncodeError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let next = &next;
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&b) = batches.get(i) else { break };
                        done.push(run(w, b)?);
                    }
                    Ok(done)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(EncodeError::Torch("an encoder worker panicked".into()))
                })
            })
            .collect()
    });
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    Ok(all)
}

/// Puts each batch's vectors and probabilities back at their output positions.
fn scatter(done: Vec<Batch>, n: usize) -> Encoded {
    let mut out: Vec<Vec<f32>> = vec![Vec::new(); n];
    let mut probs: Option<Vec<[f32; 3]>> = None;
    for (at, vectors, p) in done {
        for (&i, v) in at.iter().zip(vectors) {
            out[i] = v;
        }
        for (&i, p) in at.iter().zip(p.into_iter().flatten()) {
            probs.get_or_insert_with(|| vec![[0.0; 3]; n])[i] = p;
        }
    }
    Encoded {
        vectors: out,
        sentiment: probs,
    }
}

/// Lowercase hex SHA-256 of `bytes` (the model fingerprint; the same digest as
/// `run::sha256_hex`, computed here so the encoder does not depend on the run folder).
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

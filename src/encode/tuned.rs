//! `TunedTop`: a task-tuned sentiment model that shares the encoder's lower layers.
//!
//! The top K transformer layers of the encoder are copied, fine-tuned with a 3-class classifier
//! (negative, neutral, positive) on labeled answers, and shipped as fp16 safetensors holding only
//! those layers (`encoder.layer.{i}.*`, Hugging Face names) and `classifier.weight`/`.bias`.
//! At inference the shared lower layers run once per batch; the base model's top layers give the
//! embeddings (search, themes, ideas unchanged) and the tuned copies give sentiment.
//!
//! Training (`fine_tune`) runs the frozen lower layers once per example and keeps their hidden
//! states in memory as fp16, then trains only the top layers over them with tch autograd and
//! AdamW. The classifier starts from the linear head's weights (the same softmax over the
//! L2-normalized mean of the last hidden states), so step 0 is exactly the linear head. No
//! dropout and a seeded shuffle: the same seed gives the same weights up to float rounding of
//! libtorch's CPU kernels (measured: at most ~4e-6 apart, against ~1e-2 for another seed).

use super::lean::{LeanBert, Vars};
use super::EncodeError;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::path::Path;
use tch::{nn, nn::OptimizerConfig, Kind, Tensor};

/// Name of the classifier's weight `[3, hidden]` and bias `[3]` in the tuned file.
pub const CLASSIFIER: &str = "classifier";

/// The tuned top layers and classifier, ready to run over the base model's hidden states.
pub(crate) struct TunedTop {
    /// Index of the first tuned layer (= the number of shared lower layers).
    pub first: usize,
    layers: Vec<super::lean::Layer>,
    cls_w: Tensor,
    cls_b: Tensor,
}

fn torch_err(e: impl std::fmt::Display) -> EncodeError {
    EncodeError::Torch(e.to_string())
}

/// Masked mean of `hidden` `[batch, len, h]` over `mask` `[batch, len]`, L2-normalized.
pub(crate) fn pool(hidden: &Tensor, mask: &Tensor) -> Tensor {
    let m = mask.unsqueeze(-1).to_kind(Kind::Float);
    let sum = (hidden * &m).sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
    let count = m
        .sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
        .clamp_min(1e-9);
    let mean = sum / count;
    let norm = mean
        .norm_scalaropt_dim(2, [1i64].as_slice(), true)
        .clamp_min(1e-12);
    mean / norm
}

/// Which token states each output row of a batch averages: batch row `rows[r]` (row `r` when
/// `rows` is `None`), weighted by `weights[r]` `[rows, len]`. A whole text pools its tokens
/// ([`Pools::whole`]); a part of a text (a sentence of an answer) pools its own tokens and the
/// text's special and prefix tokens from the text's pass.
pub(crate) struct Pools {
    rows: Option<Tensor>,
    weights: Tensor,
}

impl Pools {
    /// Each row of a batch pools all its tokens (`mask` `[batch, len]`).
    pub(crate) fn whole(mask: &Tensor) -> Pools {
        Pools {
            rows: None,
            weights: mask.shallow_clone(),
        }
    }

    /// Output row `r` pools batch row `rows[r]` over the 0/1 `weights[r]` (`len` each).
    pub(crate) fn select(rows: &[i64], weights: &[f32], len: usize) -> Pools {
        Pools {
            rows: Some(Tensor::from_slice(rows)),
            weights: Tensor::from_slice(weights).view([rows.len() as i64, len as i64]),
        }
    }

    /// The L2-normalized masked means of `hidden` `[batch, len, h]`, one per output row.
    pub(crate) fn apply(&self, hidden: &Tensor) -> Tensor {
        match &self.rows {
            None => pool(hidden, &self.weights),
            Some(rows) => pool(&hidden.index_select(0, rows), &self.weights),
        }
    }
}

/// Reads a tuned file (fp16 or f32 safetensors) into f32 tensors by name.
pub(crate) fn read_file(path: &Path) -> Result<HashMap<String, Tensor>, EncodeError> {
    let bad = |why: String| EncodeError::Model {
        dir: path.to_path_buf(),
        why: format!(
            "{why}; re-create it with `verbatim train-sentiment --fine-tune` or restore it from git"
        ),
    };
    let tensors = Tensor::read_safetensors(path).map_err(|e| bad(e.to_string()))?;
    Ok(tensors
        .into_iter()
        .map(|(n, t)| (n, t.to_kind(Kind::Float)))
        .collect())
}

impl TunedTop {
    /// The tuned top of a model with `depth` layers from `vars` (names as in the tuned file).
    pub(crate) fn from_vars(
        vars: &HashMap<String, Tensor>,
        depth: usize,
    ) -> Result<TunedTop, EncodeError> {
        let tuned: Vec<usize> = (0..depth)
            .filter(|i| vars.contains_key(&format!("encoder.layer.{i}.output.dense.weight")))
            .collect();
        let first = depth - tuned.len();
        if tuned.is_empty() || tuned.iter().enumerate().any(|(k, &i)| i != first + k) {
            return Err(torch_err(format!(
                "tuned sentiment weights hold layers {tuned:?}, not the top layers of a {depth}-layer encoder; train them for this model with `verbatim train-sentiment --fine-tune --model DIR`"
            )));
        }
        let v = Vars { vars, prefix: "" };
        let get = |n: &str| {
            vars.get(n)
                .map(Tensor::shallow_clone)
                .ok_or_else(|| torch_err(format!("tuned sentiment weights lack {n}")))
        };
        Ok(TunedTop {
            first,
            layers: tuned
                .iter()
                .map(|&i| v.layer(i))
                .collect::<Result<_, _>>()?,
            cls_w: get(&format!("{CLASSIFIER}.weight"))?,
            cls_b: get(&format!("{CLASSIFIER}.bias"))?,
        })
    }

    /// Class logits `[rows, 3]`, one per row of `pools`, from hidden states `x` of layer
    /// `first`.
    pub(crate) fn logits(
        &self,
        base: &LeanBert,
        x: &Tensor,
        pools: &Pools,
        keys: &Tensor,
    ) -> Tensor {
        let mut h = x.shallow_clone();
        for l in &self.layers {
            h = base.layer(&h, l, keys);
        }
        pools.apply(&h).linear(&self.cls_w, Some(&self.cls_b))
    }
}

/// One labeled training text, already tokenized.
pub struct TuneExample {
    /// Token ids as the encoder sees them (prefix and special tokens included).
    pub ids: Vec<u32>,
    /// Class index: 0 negative, 1 neutral, 2 positive.
    pub label: i64,
    /// Weight of the example in the loss.
    pub weight: f32,
}

/// Settings of a fine-tuning run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TuneOptions {
    /// Top layers to tune (1 or 2 on e5-small).
    pub layers: usize,
    /// Passes over the data.
    pub epochs: usize,
    /// AdamW step size of the transformer layers.
    pub lr: f64,
    /// AdamW step size of the classifier.
    pub lr_classifier: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Most examples per step.
    pub batch: usize,
    /// Seed of the batch order.
    pub seed: u64,
}

impl Default for TuneOptions {
    fn default() -> Self {
        TuneOptions {
            layers: 1,
            epochs: 3,
            lr: 5e-5,
            lr_classifier: 1e-3,
            weight_decay: 0.01,
            batch: 32,
            seed: 7,
        }
    }
}

/// One cached batch: fp16 hidden states of the frozen layers, mask, labels, weights.
struct Cached {
    states: Tensor,
    mask: Tensor,
    labels: Tensor,
    weights: Tensor,
}

/// Fixed batches of similar length over `examples` (sorted by token count).
fn batches(examples: &[TuneExample], batch: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..examples.len()).collect();
    order.sort_by_key(|&i| (examples[i].ids.len(), i));
    order.chunks(batch.max(1)).map(<[usize]>::to_vec).collect()
}

/// Runs the frozen lower layers over each batch once, keeping fp16 states.
fn cache_states(
    base: &LeanBert,
    examples: &[TuneExample],
    groups: &[Vec<usize>],
    first: usize,
    pad_id: i64,
    progress: &dyn Fn(usize, usize),
) -> Vec<Cached> {
    let mut done = 0;
    groups
        .iter()
        .map(|g| {
            let rows: Vec<&[u32]> = g.iter().map(|&i| examples[i].ids.as_slice()).collect();
            let (ids, mask) = super::lean::pad_batch(&rows, pad_id);
            let keys = LeanBert::keys(&mask);
            let states = tch::no_grad(|| base.lower(&ids, &keys, first).to_kind(Kind::Half));
            done += g.len();
            progress(done, examples.len());
            Cached {
                states,
                mask,
                labels: Tensor::from_slice(
                    &g.iter().map(|&i| examples[i].label).collect::<Vec<_>>(),
                ),
                weights: Tensor::from_slice(
                    &g.iter().map(|&i| examples[i].weight).collect::<Vec<_>>(),
                ),
            }
        })
        .collect()
}

/// A trainable copy of the base model's top layers (named as in the tuned file) and a
/// classifier initialized from `init` (`[hidden, 3]` row-major weights and `[3]` bias).
fn trainable(
    base_vars: &HashMap<String, Tensor>,
    prefix: &str,
    depth: usize,
    first: usize,
    init: (&[f32], &[f32]),
) -> Result<nn::VarStore, EncodeError> {
    let vs = nn::VarStore::new(tch::Device::Cpu);
    let layer_root = vs.root().set_group(0);
    for i in first..depth {
        let p = format!("{prefix}encoder.layer.{i}.");
        for (name, t) in base_vars.iter().filter(|(n, _)| n.starts_with(&p)) {
            let short = &name[prefix.len()..];
            let parts: Vec<&str> = short.split('.').collect();
            let (last, dirs) = parts.split_last().expect("a tensor name has parts");
            let path = dirs.iter().fold(layer_root.clone(), |acc, d| acc / *d);
            let _ = path.var_copy(last, &t.detach());
        }
    }
    let cls = vs.root().set_group(1) / CLASSIFIER;
    let (w, b) = init;
    let hidden = (w.len() / 3) as i64;
    let w = Tensor::from_slice(w).view([hidden, 3]).tr().contiguous();
    let _ = cls.var_copy("weight", &w);
    let _ = cls.var_copy("bias", &Tensor::from_slice(b));
    if vs.variables().len() < 3 {
        return Err(torch_err(
            "fine-tune: the base model has no top layers to copy",
        ));
    }
    Ok(vs)
}

/// Fine-tunes the top `opts.layers` layers of `base` (whose loaded tensors are `base_vars`, under
/// `prefix`) and a classifier started from `init` on `examples`. Returns the tuned tensors
/// (named as in the tuned file), f32.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fine_tune(
    base: &LeanBert,
    base_vars: &HashMap<String, Tensor>,
    prefix: &str,
    pad_id: i64,
    examples: &[TuneExample],
    init: (&[f32], &[f32]),
    opts: &TuneOptions,
    progress: &dyn Fn(&str, usize, usize),
) -> Result<Vec<(String, Tensor)>, EncodeError> {
    let depth = base.depth();
    if opts.layers == 0 || opts.layers > depth {
        return Err(torch_err(format!(
            "--layers {} must be between 1 and the model's {depth} layers",
            opts.layers
        )));
    }
    let first = depth - opts.layers;
    let groups = batches(examples, opts.batch);
    let cached = cache_states(base, examples, &groups, first, pad_id, &|d, n| {
        progress("hidden states", d, n)
    });
    let vs = trainable(base_vars, prefix, depth, first, init)?;
    let vars = vs.variables();
    let top = TunedTop::from_vars(&vars, depth)?;
    let mut opt = nn::AdamW {
        wd: opts.weight_decay,
        ..Default::default()
    }
    .build(&vs, opts.lr)
    .map_err(torch_err)?;
    opt.set_lr_group(1, opts.lr_classifier);
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let steps = opts.epochs * cached.len();
    for epoch in 0..opts.epochs {
        let mut order: Vec<usize> = (0..cached.len()).collect();
        order.shuffle(&mut rng);
        for (k, &b) in order.iter().enumerate() {
            let c = &cached[b];
            let keys = LeanBert::keys(&c.mask);
            let logits = top.logits(
                base,
                &c.states.to_kind(Kind::Float),
                &Pools::whole(&c.mask),
                &keys,
            );
            let per = logits.cross_entropy_loss::<Tensor>(
                &c.labels,
                None,
                tch::Reduction::None,
                -100,
                0.0,
            );
            let loss = (per * &c.weights).sum(Kind::Float) / c.weights.sum(Kind::Float);
            opt.backward_step_clip_norm(&loss, 1.0);
            progress("training", epoch * cached.len() + k + 1, steps);
        }
    }
    let mut out: Vec<(String, Tensor)> = vars
        .into_iter()
        .map(|(n, t)| (n, t.detach().contiguous()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Writes tuned tensors as fp16 safetensors.
pub fn save(tensors: &[(String, Tensor)], path: &Path) -> Result<(), EncodeError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| torch_err(format!("{}: {e}", dir.display())))?;
    }
    let half: Vec<(&str, Tensor)> = tensors
        .iter()
        .map(|(n, t)| (n.as_str(), t.to_kind(Kind::Half)))
        .collect();
    Tensor::write_safetensors(&half, path)
        .map_err(|e| torch_err(format!("writing {}: {e}", path.display())))
}

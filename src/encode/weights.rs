//! A model's `model.safetensors`, read straight into the tensors that hold the weights.
//!
//! tch's `VarStore::load` reads the whole file into memory and converts every tensor before
//! copying it into the model's variables: three copies of the weights at once (about 1.4 GB
//! for multilingual-e5-small, the peak memory of a whole `verbatim analyze`). Here each
//! variable's bytes are read from the file into the variable itself; only a tensor stored in
//! another precision (f16, bf16) passes through a buffer of its own size.

use super::{model_err, EncodeError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;
use tch::{nn, Kind, Tensor};

/// A tensor's entry in the file's JSON header.
#[derive(Debug, Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<i64>,
    data_offsets: [u64; 2],
}

/// The file's header: each tensor's entry, and where the tensor data starts.
pub(crate) struct Header {
    entries: BTreeMap<String, Entry>,
    data_start: u64,
}

/// A model-folder error about the file `path`, naming it.
fn err(path: &Path, why: impl Into<String>) -> EncodeError {
    let file = path.file_name().unwrap_or_default().to_string_lossy();
    model_err(
        path.parent().unwrap_or(path),
        format!("{file}: {}", why.into()),
    )
}

impl Header {
    /// Reads the header of the safetensors file `path`.
    pub(crate) fn read(path: &Path) -> Result<Header, EncodeError> {
        let mut f = File::open(path).map_err(|e| err(path, e.to_string()))?;
        let mut len = [0u8; 8];
        f.read_exact(&mut len)
            .map_err(|e| err(path, e.to_string()))?;
        let n = u64::from_le_bytes(len);
        if n > 100 << 20 {
            return Err(err(path, "the safetensors header is implausibly large"));
        }
        let mut h = vec![0u8; n as usize];
        f.read_exact(&mut h).map_err(|e| err(path, e.to_string()))?;
        let mut v: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&h)
            .map_err(|e| err(path, format!("safetensors header: {e}")))?;
        v.remove("__metadata__");
        let entries = v
            .into_iter()
            .map(|(name, e)| Ok((name, serde_json::from_value(e)?)))
            .collect::<Result<_, serde_json::Error>>()
            .map_err(|e| err(path, format!("safetensors header: {e}")))?;
        Ok(Header {
            entries,
            data_start: 8 + n,
        })
    }

    /// Names of the tensors in the file.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Adds to `vs` one zero-filled f32 variable per floating-point tensor of the file whose
    /// name starts with one of `prefixes`, named and shaped as in the file, for
    /// [`load_into`] to fill. The lean forward reads its weights by name, so it needs no
    /// rust-bert model built first, whose constructors fill every variable with random values
    /// (half a second of each load for multilingual-e5-small's 118M parameters).
    pub(crate) fn make_variables(&self, vs: &nn::VarStore, prefixes: &[String]) {
        let floats = ["F32", "F16", "BF16"];
        for (name, e) in &self.entries {
            if !floats.contains(&e.dtype.as_str()) || !prefixes.iter().any(|p| name.starts_with(p))
            {
                continue;
            }
            // tch names a variable by its path: every dot-separated part but the last is a
            // sub-path.
            let mut parts: Vec<&str> = name.split('.').collect();
            let last = parts.pop().unwrap_or_default();
            let path = parts.iter().fold(vs.root(), |p, part| p.sub(part));
            let _ = path.zeros(last, &e.shape);
        }
    }
}

/// Fills every variable of `vs` from the safetensors file `path` whose [`Header`] was read
/// (each variable must be in the file with its shape; other tensors of the file are ignored).
pub(crate) fn load_into(
    vs: &nn::VarStore,
    path: &Path,
    header: &Header,
) -> Result<(), EncodeError> {
    let file = File::open(path).map_err(|e| err(path, e.to_string()))?;
    for (name, mut var) in vs.variables() {
        let e = header
            .entries
            .get(&name)
            .ok_or_else(|| err(path, format!("tensor {name} is missing")))?;
        if e.shape != var.size() {
            let why = format!(
                "tensor {name} has shape {:?}, the model wants {:?}",
                e.shape,
                var.size()
            );
            return Err(err(path, why));
        }
        let [start, end] = e.data_offsets;
        let at = header.data_start + start;
        let len = end
            .checked_sub(start)
            .ok_or_else(|| err(path, format!("tensor {name}: bad offsets")))?;
        let read = |buf: &mut [u8]| {
            file.read_exact_at(buf, at)
                .map_err(|x| err(path, format!("tensor {name}: {x}")))
        };
        match (e.dtype.as_str(), var.kind()) {
            ("F32", Kind::Float) => {
                check_len(path, &name, len, var.numel() * 4)?;
                // SAFETY: a fresh variable is a contiguous CPU tensor of `numel` f32s, and
                // nothing else reads or writes it while it is filled.
                let dst = unsafe {
                    std::slice::from_raw_parts_mut(var.data_ptr() as *mut u8, var.numel() * 4)
                };
                read(dst)?;
            }
            (dtype @ ("F16" | "BF16"), Kind::Float) => {
                check_len(path, &name, len, var.numel() * 2)?;
                let mut buf = vec![0u8; len as usize];
                read(&mut buf)?;
                let kind = if dtype == "F16" {
                    Kind::Half
                } else {
                    Kind::BFloat16
                };
                let t = Tensor::from_data_size(&buf, &e.shape, kind).to_kind(Kind::Float);
                tch::no_grad(|| var.copy_(&t));
            }
            (dtype, kind) => {
                let why = format!("tensor {name} is {dtype}; the model wants {kind:?}");
                return Err(err(path, why));
            }
        }
    }
    Ok(())
}

fn check_len(path: &Path, name: &str, got: u64, want: usize) -> Result<(), EncodeError> {
    if got == want as u64 {
        Ok(())
    } else {
        Err(err(
            path,
            format!("tensor {name} holds {got} bytes, its shape needs {want}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    /// A store with `a` [2, 3] and `b` [4] (fresh, zero-filled).
    fn store() -> nn::VarStore {
        let vs = nn::VarStore::new(Device::Cpu);
        let root = vs.root();
        let _ = root.zeros("a", &[2, 3]);
        let _ = root.zeros("b", &[4]);
        vs
    }

    /// Reads the header of `path`, then fills [`store`] from it.
    fn load(path: &Path) -> Result<(), EncodeError> {
        load_into(&store(), path, &Header::read(path)?)
    }

    fn write(path: &Path, tensors: &[(&str, Tensor)]) {
        Tensor::write_safetensors(tensors, path).unwrap();
    }

    #[test]
    fn fills_every_variable_from_f32_and_f16_tensors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("model.safetensors");
        let a = Tensor::from_slice(&[1.5f32, -2.0, 3.25, 0.0, 7.0, -0.5]).reshape([2, 3]);
        let b = Tensor::from_slice(&[0.5f32, 1.0, -1.0, 2.0]);
        let extra = Tensor::from_slice(&[9.0f32]);
        write(
            &p,
            &[
                ("a", a.shallow_clone()),
                ("b", b.to_kind(Kind::Half)),
                ("unused", extra),
            ],
        );
        let vs = store();
        load_into(&vs, &p, &Header::read(&p).unwrap()).unwrap();
        let got = vs.variables();
        assert!(got["a"].equal(&a), "{}", got["a"]);
        assert!(got["b"].equal(&b), "{}", got["b"]);
        let header = Header::read(&p).unwrap();
        assert_eq!(header.names().collect::<Vec<_>>(), ["a", "b", "unused"]);
    }

    #[test]
    fn variables_made_from_the_header_are_filled_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("model.safetensors");
        let w = Tensor::from_slice(&[1.5f32, -2.0, 3.25, 0.0]).reshape([2, 2]);
        let ids = Tensor::from_slice(&[0i64, 1]);
        write(
            &p,
            &[
                ("bert.encoder.layer.0.w", w.shallow_clone()),
                ("bert.embeddings.position_ids", ids),
                ("classifier.weight", Tensor::from_slice(&[9.0f32])),
            ],
        );
        let header = Header::read(&p).unwrap();
        let vs = nn::VarStore::new(Device::Cpu);
        header.make_variables(&vs, &["bert.encoder.".into(), "bert.embeddings.".into()]);
        load_into(&vs, &p, &header).unwrap();
        let got = vs.variables();
        assert_eq!(got.keys().collect::<Vec<_>>(), ["bert.encoder.layer.0.w"]);
        assert!(got["bert.encoder.layer.0.w"].equal(&w));
    }

    #[test]
    fn a_missing_or_misshapen_tensor_is_an_error_naming_it_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("model.safetensors");
        write(
            &p,
            &[("a", Tensor::zeros([2, 3], (Kind::Float, Device::Cpu)))],
        );
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("model.safetensors: tensor b is missing"), "{e}");
        write(
            &p,
            &[
                ("a", Tensor::zeros([3, 2], (Kind::Float, Device::Cpu))),
                ("b", Tensor::zeros([4], (Kind::Float, Device::Cpu))),
            ],
        );
        let e = load(&p).unwrap_err().to_string();
        assert!(
            e.contains("tensor a has shape [3, 2], the model wants [2, 3]"),
            "{e}"
        );
        std::fs::write(&p, b"\xff\xff\xff\xff\xff\xff\xff\xff").unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("implausibly large"), "{e}");
    }
}

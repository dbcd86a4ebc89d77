"""Python reference for the encoder bench: the same model folder run by sentence-transformers.

    python benches/python_reference.py MODEL_DIR TEXTS_FILE [--threads 2] [--batch 32]
        [--runs 1] [--save VECTORS.npy]

Loads MODEL_DIR (config.json, model.safetensors, tokenizer.json as written by
`verbatim import-model`) as a SentenceTransformer built in code: Transformer -> mean Pooling ->
Normalize, so its vectors are comparable with verbatim's BertEncoder. transformers needs a
tokenizer_config.json, which is written into a temporary copy of the folder (symlinks), never
into MODEL_DIR (transformers also needs a "format" entry in the safetensors header, so the
copy holds re-saved weights). Texts get the E5 "passage: " prefix, as verbatim adds for answers.

Timed: `model.encode(texts, batch_size=...)` with its defaults, which sort texts by length
before batching (the same trick verbatim uses). Model load is not timed. One warm-up batch runs
first. Prints one JSON line per run: {"side": "python", "texts": N, "seconds": S, "per_s": R}.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

PREFIX = "passage: "
TOKENIZER_CONFIG = {
    "tokenizer_class": "PreTrainedTokenizerFast",
    "model_max_length": 512,
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "sep_token": "</s>",
    "cls_token": "<s>",
    "pad_token": "<pad>",
    "mask_token": "<mask>",
}


def model_copy(model_dir):
    """A temp folder with the model files plus tokenizer_config.json.

    transformers also insists on a {"format": "pt"} entry in the safetensors header, which
    verbatim's importer does not write, so the weights are re-saved (same tensors) with it.
    """
    from safetensors.torch import load_file, save_file

    tmp = tempfile.mkdtemp(prefix="verbatim-bench-model-")
    for name in ("config.json", "tokenizer.json"):
        os.symlink(os.path.abspath(os.path.join(model_dir, name)), os.path.join(tmp, name))
    tensors = load_file(os.path.join(model_dir, "model.safetensors"))
    save_file(tensors, os.path.join(tmp, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(tmp, "tokenizer_config.json"), "w") as f:
        json.dump(TOKENIZER_CONFIG, f)
    return tmp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("texts")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--save", help="write the vectors of the last run here (.npy)")
    args = ap.parse_args()

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer, models

    torch.set_num_threads(args.threads)
    with open(args.texts, encoding="utf-8") as f:
        texts = [PREFIX + line.rstrip("\n") for line in f if line.strip()]

    tmp = model_copy(args.model_dir)
    try:
        word = models.Transformer(tmp, max_seq_length=512)
        pool = models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
        model = SentenceTransformer(modules=[word, pool, models.Normalize()], device="cpu")
        model.eval()
        model.encode(texts[: args.batch], batch_size=args.batch)  # warm-up
        for _ in range(args.runs):
            t0 = time.perf_counter()
            vecs = model.encode(texts, batch_size=args.batch, show_progress_bar=False)
            dt = time.perf_counter() - t0
            print(json.dumps({"side": "python", "texts": len(texts), "seconds": round(dt, 3),
                              "per_s": round(len(texts) / dt, 2)}), flush=True)
        if args.save:
            np.save(args.save, vecs.astype(np.float32))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

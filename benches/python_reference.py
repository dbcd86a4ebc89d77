"""Python reference for the encoder bench: the same model folder run by sentence-transformers.

    python benches/python_reference.py MODEL_DIR TEXTS_FILE [--threads 2] [--batch 32]
        [--runs 1] [--save VECTORS.npy] [--st-dir target/bench/e5-small-st]

MODEL_DIR is verbatim's model folder (config.json, model.safetensors, tokenizer.json and
verbatim_encoder.json, as written by `verbatim import-model`). sentence-transformers cannot load
it as is, so a sentence-transformers copy is written once to --st-dir (never into MODEL_DIR):

- model.safetensors: the same tensors, re-saved with the {"format": "pt"} header entry that
  transformers insists on (verbatim's importer writes no metadata);
- config.json, tokenizer.json: copied; tokenizer_config.json: a PreTrainedTokenizerFast over
  that tokenizer.json with the XLM-R special tokens;
- modules.json: Transformer -> 1_Pooling (mean) -> 2_Normalize, the e5 recipe and what
  verbatim's BertEncoder does;
- sentence_bert_config.json: max_seq_length from verbatim_encoder.json (512 for e5-small), the
  same truncation as the Rust side;
- config_sentence_transformers.json: prompts "query: " / "passage: " from
  verbatim_encoder.json; texts are encoded with prompt_name="passage", as verbatim embeds
  answers.

Timed: `model.encode(texts, batch_size=..., prompt_name="passage")` with its defaults, which
sort texts by length before batching (the same trick verbatim uses). Model load is not timed.
One warm-up batch runs first. Prints one JSON line per run:
{"side": "python", "texts": N, "seconds": S, "per_s": R}.
"""

import argparse
import json
import os
import shutil
import sys
import time

TOKENIZER_CONFIG = {
    "tokenizer_class": "PreTrainedTokenizerFast",
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "sep_token": "</s>",
    "cls_token": "<s>",
    "pad_token": "<pad>",
    "mask_token": "<mask>",
}


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1)


def st_folder(model_dir, st_dir):
    """Writes (once) the sentence-transformers layout of model_dir into st_dir."""
    done = os.path.join(st_dir, "modules.json")
    weights = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(done) and os.path.getmtime(done) >= os.path.getmtime(weights):
        return st_dir
    from safetensors.torch import load_file, save_file

    os.makedirs(os.path.join(st_dir, "1_Pooling"), exist_ok=True)
    os.makedirs(os.path.join(st_dir, "2_Normalize"), exist_ok=True)
    with open(os.path.join(model_dir, "verbatim_encoder.json"), encoding="utf-8") as f:
        enc = json.load(f)
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    max_tokens = min(enc.get("max_tokens") or 512, config.get("max_position_embeddings", 512))
    for name in ("config.json", "tokenizer.json"):
        shutil.copyfile(os.path.join(model_dir, name), os.path.join(st_dir, name))
    save_file(load_file(weights), os.path.join(st_dir, "model.safetensors"),
              metadata={"format": "pt"})
    write_json(os.path.join(st_dir, "tokenizer_config.json"),
               {**TOKENIZER_CONFIG, "model_max_length": max_tokens})
    write_json(os.path.join(st_dir, "sentence_bert_config.json"),
               {"max_seq_length": max_tokens, "do_lower_case": False})
    write_json(os.path.join(st_dir, "config_sentence_transformers.json"),
               {"prompts": {"query": enc.get("query_prefix", ""),
                            "passage": enc.get("passage_prefix", "")},
                "default_prompt_name": None, "similarity_fn_name": "cosine"})
    write_json(os.path.join(st_dir, "1_Pooling", "config.json"),
               {"word_embedding_dimension": config["hidden_size"],
                "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
                "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
                "include_prompt": True})
    write_json(done, [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.models.Normalize"},
    ])
    return st_dir


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("texts")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--save", help="write the vectors of the last run here (.npy)")
    ap.add_argument("--st-dir", default="target/bench/e5-small-st",
                    help="where the sentence-transformers copy of the model is written")
    args = ap.parse_args()

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    with open(args.texts, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f if line.strip()]

    model = SentenceTransformer(st_folder(args.model_dir, args.st_dir), device="cpu")
    model.eval()
    print(f"python: torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"max_seq_length {model.max_seq_length}, modules "
          f"{[type(m).__name__ for m in model]}", file=sys.stderr)
    model.encode(texts[: args.batch], batch_size=args.batch, prompt_name="passage")  # warm-up
    for _ in range(args.runs):
        t0 = time.perf_counter()
        vecs = model.encode(texts, batch_size=args.batch, prompt_name="passage",
                            show_progress_bar=False)
        dt = time.perf_counter() - t0
        print(json.dumps({"side": "python", "texts": len(texts), "seconds": round(dt, 3),
                          "per_s": round(len(texts) / dt, 2)}), flush=True)
    if args.save:
        np.save(args.save, vecs.astype(np.float32))
    return 0


if __name__ == "__main__":
    sys.exit(main())

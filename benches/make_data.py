"""Writes the bench inputs from the real multilingual texts in ../shared/data (stdlib only).

    python3 benches/make_data.py DATA_DIR OUT_DIR [N ...]

OUT_DIR/texts-2000.txt  2,000 answers, one per line, for the encoder bench (Rust and Python read
                        the same file). A fixed quota per language and source, so the mix of
                        languages and of short and long answers is the same on every run.
OUT_DIR/export-N.csv    an N-row survey export for `verbatim analyze`: real answers drawn by
                        language weight, plus synthetic respondent id, date, 0-10 score (drawn
                        from the source's sentiment label where it has one) and segments.

Selection is seeded, so the same data folder always gives byte-identical files.
"""

import csv
import os
import random
import re
import sys

csv.field_size_limit(10**8)

# Longest answer kept, in characters: survey answers past this are rare, and the encoder
# truncates at 512 tokens anyway.
MAX_CHARS = 1500


def clean(text):
    return re.sub(r"\s+", " ", text or "").strip()


def read_rows(path, delimiter=","):
    with open(path, newline="", encoding="utf-8") as f:
        yield from csv.DictReader(f, delimiter=delimiter)


def polarity(label):
    """Maps a source label to -1/0/+1 (None when the source has no sentiment)."""
    label = str(label).strip().lower()
    if label in ("positive", "pos", "happy", "1", "2"):
        return 1
    if label in ("negative", "neg", "sad", "-1", "-2"):
        return -1
    if label in ("neutral", "neu", "0"):
        return 0
    return None


def load_sources(data):
    """(source, lang) -> list of (text, polarity), in file order."""
    out = {}

    def add(key, text, pol):
        t = clean(text)
        if 2 <= len(t) <= MAX_CHARS:
            out.setdefault(key, []).append((t, pol))

    for r in read_rows(os.path.join(data, "hebrew-sentiment-onlplab/hebrew_sentiment.csv")):
        add(("onlplab", "he"), r["text"], polarity(r["label"]))
    for name in ("test.csv", "dev.csv"):
        for r in read_rows(os.path.join(data, "persian-snappfood", name), delimiter="\t"):
            add(("snappfood", "fa"), r["comment"], polarity(r["label"]))
    for r in read_rows(os.path.join(data, "persian-sentipers/sentipers.csv")):
        add(("sentipers", "fa"), r["text"], polarity(r["score"]))
    for name in ("PROD.csv", "RES2.csv", "ATT.csv"):
        for r in read_rows(os.path.join(data, "arabic-reviews", name)):
            add(("arabic-" + name[:-4].lower(), "ar"), r["text"], polarity(r["polarity"]))
    for r in read_rows(os.path.join(data, "xlmt-umsab-tweets/umsab_test.csv")):
        add(("xlmt", r["lang"]), r["text"], polarity(r["label"]))
    for r in read_rows(os.path.join(data, "german-germeval2017/germeval2017_db_feedback.csv")):
        if r["relevant"] == "true":
            add(("germeval", "de"), r["text"], polarity(r["label"]))
    for r in read_rows(os.path.join(data, "semeval-absa/semeval_absa.csv")):
        if r["lang"] == "en":
            add(("semeval", "en"), r["text"], None)
    for r in read_rows(os.path.join(data, "banking77/banking77_test.csv")):
        add(("banking77", "en"), r["text"], None)
    return out


# Answers per (source, lang) in the 2,000-text encoder set.
QUOTA = {
    ("onlplab", "he"): 350,
    ("snappfood", "fa"): 250,
    ("sentipers", "fa"): 150,
    ("arabic-prod", "ar"): 100,
    ("arabic-res2", "ar"): 100,
    ("arabic-att", "ar"): 50,
    ("xlmt", "ar"): 100,
    ("semeval", "en"): 150,
    ("banking77", "en"): 100,
    ("xlmt", "en"): 100,
    ("germeval", "de"): 150,
    ("xlmt", "de"): 100,
    ("xlmt", "fr"): 150,
    ("xlmt", "es"): 150,
}

# Language weights of the analyze exports (a multilingual customer base).
LANG_WEIGHT = {"he": 20, "fa": 20, "ar": 17, "en": 18, "de": 12, "fr": 7, "es": 6}
REGION = {"he": "IL", "fa": "IR", "ar": "AE", "en": "US", "de": "DE", "fr": "FR", "es": "ES"}
PLANS = ["free", "plus", "business"]
CHANNELS = ["app", "web", "email", "store"]


def encoder_texts(sources):
    rng = random.Random(20261123)
    picked = []
    for key, n in QUOTA.items():
        pool = sources.get(key, [])
        if len(pool) < n:
            sys.exit(f"make_data: source {key} has {len(pool)} texts, need {n}")
        picked.extend(t for t, _ in rng.sample(pool, n))
    rng.shuffle(picked)
    return picked


def score_for(pol, rng):
    """A 0-10 score consistent with the answer's labeled sentiment."""
    if pol == 1:
        return rng.choice([7, 8, 9, 9, 10, 10, 10])
    if pol == -1:
        return rng.choice([0, 1, 2, 3, 4, 5, 6, 6])
    return rng.randint(0, 10)


def export(sources, n, path):
    rng = random.Random(1000 + n)
    by_lang = {}
    for (src, lang), rows in sources.items():
        by_lang.setdefault(lang, []).extend(rows)
    langs = sorted(LANG_WEIGHT)
    weights = [LANG_WEIGHT[lang] for lang in langs]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["respondent_id", "submitted_at", "nps", "plan", "region", "channel",
                    "comment"])
        for i in range(n):
            lang = rng.choices(langs, weights)[0]
            text, pol = rng.choice(by_lang[lang])
            day = rng.randint(0, 364)
            month, mday = 1 + day // 31 % 12, 1 + day % 28
            w.writerow([f"R{i + 1:06d}", f"2026-{month:02d}-{mday:02d}",
                        score_for(pol, rng), rng.choice(PLANS), REGION[lang],
                        rng.choice(CHANNELS), text])


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: make_data.py DATA_DIR OUT_DIR [N ...]")
    data, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    sources = load_sources(data)
    texts = encoder_texts(sources)
    with open(os.path.join(out, "texts-2000.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(texts) + "\n")
    lens = sorted(len(t) for t in texts)
    print(f"texts-2000.txt: {len(texts)} answers, chars median {lens[len(lens) // 2]}, "
          f"p90 {lens[len(lens) * 9 // 10]}, max {lens[-1]}")
    for n in (int(x) for x in sys.argv[3:]):
        path = os.path.join(out, f"export-{n}.csv")
        export(sources, n, path)
        print(f"{os.path.basename(path)}: {n} rows")


if __name__ == "__main__":
    main()

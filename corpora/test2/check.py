#!/usr/bin/env python3
"""Validate corpora/test2/labeled.jsonl and check its separation from the other labelled sets.

Run from the repository root: python3 corpora/test2/check.py
Prints only counts and similarity numbers (never the other sets' texts).
"""
import json, re, sys, unicodedata
from collections import Counter

LANGS = ["ar", "de", "en", "es", "fa", "fr", "he", "ru"]
SENTS = ["negative", "neutral", "positive"]
T2 = "corpora/test2/labeled.jsonl"
THEMES_YAML = "corpora/eval/themes.yaml"
OTHERS = ["corpora/eval/labeled.jsonl", "corpora/dev/labeled.jsonl",
          "corpora/test/labeled.jsonl", "corpora/train/sentiment.jsonl"]
LIMIT = 0.6


def theme_file():
    """Theme ids and all example strings (examples + none_examples) of themes.yaml."""
    ids, examples = [], []
    for line in open(THEMES_YAML, encoding="utf-8"):
        m = re.match(r"\s*- id:\s*(\S+)", line)
        if m:
            ids.append(m.group(1))
            continue
        m = re.match(r'\s*- "(.*)"\s*$', line)
        if m:
            examples.append(m.group(1).replace('\\"', '"'))
    return ids, examples


def norm(s):
    s = unicodedata.normalize("NFC", s).lower()
    return "".join(c for c in s if not (unicodedata.category(c)[0] in "PZ" or c.isspace()))


def grams(s):
    return {s[i:i + 3] for i in range(len(s) - 2)} if len(s) >= 3 else {s}


def jac(a, b):
    return len(a & b) / len(a | b) if a or b else 1.0


def main():
    theme_ids, examples = theme_file()
    errors = []
    rows = []
    for n, line in enumerate(open(T2, encoding="utf-8"), 1):
        try:
            o = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: bad JSON ({e})")
            continue
        if set(o) != {"id", "text", "lang", "sentiment", "themes"}:
            errors.append(f"line {n}: keys {sorted(o)}")
            continue
        if o["lang"] not in LANGS:
            errors.append(f"line {n}: lang {o['lang']}")
        if o["sentiment"] not in SENTS:
            errors.append(f"line {n}: sentiment {o['sentiment']}")
        if not isinstance(o["themes"], list) or len(o["themes"]) > 3 or len(set(o["themes"])) != len(o["themes"]):
            errors.append(f"line {n}: themes {o['themes']}")
        for t in o["themes"]:
            if t not in theme_ids:
                errors.append(f"line {n}: theme id {t}")
        if not re.fullmatch(r"t2-%s-\d{3}" % re.escape(o["lang"]), o["id"]):
            errors.append(f"line {n}: id {o['id']}")
        if not o["text"].strip():
            errors.append(f"line {n}: empty text")
        if o["text"] != unicodedata.normalize("NFC", o["text"]):
            errors.append(f"line {n}: text not NFC")
        if o["lang"] == "he" and any(0x0591 <= ord(c) <= 0x05C7 for c in o["text"]):
            errors.append(f"line {n}: Hebrew niqqud")
        rows.append(o)
    ids = Counter(o["id"] for o in rows)
    errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    per_lang = Counter(o["lang"] for o in rows)
    errors += [f"{l}: {per_lang[l]} answers, want 40" for l in LANGS if per_lang[l] != 40]
    own = Counter(norm(o["text"]) for o in rows)
    errors += [f"text repeated within test2 ({c}x)" for t, c in own.items() if c > 1]
    print(f"validation: {len(rows)} lines, {len(errors)} errors")
    for e in errors:
        print("  " + e)

    # within-test2 similarity
    g = [grams(norm(o["text"])) for o in rows]
    mx_self = max(jac(g[i], g[j]) for i in range(len(g)) for j in range(i + 1, len(g)))
    print(f"within test2: max trigram Jaccard {mx_self:.3f}")

    # separation from the other sets
    sources = [(p, [json.loads(l)["text"] for l in open(p, encoding="utf-8") if l.strip()]) for p in OTHERS]
    sources.append((THEMES_YAML + " (examples + none_examples)", examples))
    overall, over = 0.0, {}
    all_norm = set()
    print("| other set | texts | exact duplicates | max trigram Jaccard | test2 texts > %.1f |" % LIMIT)
    print("|---|---|---|---|---|")
    for name, texts in sources:
        normed = [norm(t) for t in texts]
        all_norm |= set(normed)
        og = [grams(t) for t in normed]
        exact = sum(1 for o in rows if norm(o["text"]) in set(normed))
        best, n_over = 0.0, 0
        for o, gg in zip(rows, g):
            m = max((jac(gg, x) for x in og), default=0.0)
            best = max(best, m)
            if m > LIMIT:
                n_over += 1
                over[o["id"]] = max(over.get(o["id"], 0.0), m)
        overall = max(overall, best)
        print(f"| {name} | {len(texts)} | {exact} | {best:.3f} | {n_over} |")
    print(f"overall max trigram Jaccard vs other sets: {overall:.3f}")
    if over:
        print("test2 ids above the limit (rewrite these):")
        for i, m in sorted(over.items()):
            print(f"  {i} {m:.3f}")
    # distribution of each test2 text's best match, for the README
    best_all = []
    allg = [grams(t) for t in all_norm]
    for gg in g:
        best_all.append(max(jac(gg, x) for x in allg))
    best_all.sort()
    q = lambda p: best_all[min(len(best_all) - 1, int(p * len(best_all)))]
    print(f"per-text best match: median {q(0.5):.3f}, 90th pct {q(0.9):.3f}, "
          f">=0.5: {sum(b >= 0.5 for b in best_all)}, >=0.4: {sum(b >= 0.4 for b in best_all)}")
    return 1 if errors or over else 0


if __name__ == "__main__":
    sys.exit(main())

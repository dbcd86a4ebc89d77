#!/usr/bin/env python3
"""Lists import cycles between the modules of src/ (exit 1 if there is one).

Each file is a module (src/a/b.rs and src/a/b/mod.rs are `a::b`). Every `crate::` path and
every `super::` path in a file's code (comments and `#[cfg(test)]` code left out) is an edge
from that module to the deepest module the path names. Edges between a module and one of its
ancestors (a parent re-exporting its children, a child using its parent's types) are not
cycles; every other edge is lifted to the two siblings under the modules' common ancestor, so
`index::builder -> retrieve::columns` counts as `index -> retrieve` and
`retrieve::keyword::facets -> retrieve::hybrid` as `keyword -> hybrid` inside `retrieve`.
A cycle is a strongly connected set of two or more siblings.

Usage: scripts/cycles.py [SRC_DIR]
"""
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
ROOTS = {"lib.rs", "main.rs"}


def module_of(rel):
    parts = rel[:-3].split(os.sep)
    if parts[-1] == "mod" or (len(parts) == 1 and parts[0] in ("lib", "main")):
        parts = parts[:-1]
    return tuple(parts)


def code_lines(text):
    """The file's code without comments, stopping at the first `#[cfg(test)]`."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out = []
    for line in text.splitlines():
        if line.strip().startswith("#[cfg(test)]"):
            break
        out.append(re.sub(r"//.*", "", line))
    return "\n".join(out)


def expand_use(body):
    """Paths of a `use` tree body such as `a::{b, c::{d, e}}`."""
    body = re.sub(r"\s+", "", body)

    def rec(prefix, s):
        m = re.match(r"^([^{]*)\{(.*)\}$", s)
        if not m:
            return [prefix + s]
        head, inner = m.group(1), m.group(2)
        items, depth, cur = [], 0, ""
        for ch in inner:
            if ch == "," and depth == 0:
                items.append(cur)
                cur = ""
                continue
            depth += ch == "{"
            depth -= ch == "}"
            cur += ch
        items.append(cur)
        return [p for it in items if it for p in rec(prefix + head, it)]

    return rec("", body)


def main():
    files = {}
    for dirpath, _, names in os.walk(SRC):
        for n in names:
            if n.endswith(".rs"):
                rel = os.path.relpath(os.path.join(dirpath, n), SRC)
                if os.path.basename(rel) == "tests.rs" or rel.startswith("bin" + os.sep):
                    continue
                files[module_of(rel)] = open(os.path.join(dirpath, n), encoding="utf-8").read()
    modules = set(files)
    edges = set()
    for mod, text in files.items():
        code = code_lines(text)
        paths = []
        for m in re.finditer(r"\buse\s+([^;]+);", code):
            paths += expand_use(m.group(1))
        paths += re.findall(r"(?<![:\w])((?:crate|super)(?:::(?:super|\w+))+)", code)
        for p in paths:
            segs = p.split("::")
            if segs[0] == "crate":
                base, rest = [], segs[1:]
            elif segs[0] == "super":
                base = list(mod)
                rest = segs
                while rest and rest[0] == "super":
                    # a mod.rs is its folder's module: `super` from it is the folder's parent
                    base = base[:-1]
                    rest = rest[1:]
            else:
                continue
            target = tuple(base)
            for s in rest:
                if target + (s,) in modules:
                    target = target + (s,)
                else:
                    break
            edges.add((mod, target))
    lifted = {}
    for a, b in edges:
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        if n == len(a) or n == len(b):
            continue  # one is the other's ancestor
        key = (a[: n + 1], b[: n + 1])
        lifted.setdefault(key, []).append((a, b))
    graph = {}
    for a, b in lifted:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    cycles = [c for c in sccs(graph) if len(c) > 1]
    name = lambda m: "::".join(m) or "crate"
    for c in sorted(cycles, key=lambda c: sorted(c)):
        members = sorted(c)
        print("cycle: " + " <-> ".join(name(m) for m in members))
        for a in members:
            for b in members:
                for src, dst in sorted(lifted.get((a, b), [])):
                    print(f"    {name(src)} -> {name(dst)}")
    if cycles:
        print(f"{len(cycles)} import cycle(s) among {len(files)} modules")
        return 1
    print(f"no import cycles among {len(files)} modules ({len(edges)} edges)")
    return 0


def sccs(graph):
    """Tarjan's strongly connected components."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            out.append(comp)

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    sys.exit(main())

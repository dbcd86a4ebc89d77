"""Makes `import torch` work on CPU with the CUDA build of the torch wheel, without the ~2.5 GB
of nvidia-* wheels it links against.

libtorch_cuda.so and libtorch_python.so list cuBLAS, cuDNN, cuFFT, cuSPARSE, cuRAND, NCCL and
NVTX as NEEDED, so the loader refuses to load torch without them, although a CPU run never calls
into them. For each missing library this writes a tiny stub .so with the right SONAME and
symbol versions, exporting every symbol torch imports from it as a function that aborts. CPU
kernels live in libtorch_cpu.so and are untouched, so CPU speed is that of the real wheel.
libcudart and libcupti (small) come from their real wheels.

usage: python3 cuda_stubs.py TORCH_LIB_DIR
"""

import os
import re
import subprocess
import sys
import tempfile

MISSING = [
    "libcublas.so.12",
    "libcublasLt.so.12",
    "libcudnn.so.9",
    "libcufft.so.11",
    "libcurand.so.10",
    "libcusparse.so.12",
    "libnccl.so.2",
    "libnvToolsExt.so.1",
]
# Libraries loaded by `import torch` whose undefined symbols the stubs must satisfy.
IMPORTERS = [
    "libtorch_cuda.so",
    "libtorch_python.so",
    "libc10_cuda.so",
    "libtorch_global_deps.so",
    "libtorch_cuda_linalg.so",
    "libcaffe2_nvrtc.so",
]
PROVIDERS = ["libtorch_cpu.so", "libc10.so", "libc10_cuda.so", "libtorch_cuda.so", "libshm.so",
             "libtorch.so", "libgomp-a34b3233.so.1", "libcusparseLt-f80c68d1.so.0",
             "libtorch_python.so", "libtorch_cuda_linalg.so"]


def dynsyms(path):
    out = subprocess.run(["readelf", "--dyn-syms", "-W", path], capture_output=True,
                         text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].endswith(":"):
            rows.append((f[4], f[6], f[7]))  # bind, ndx, name[@ver]
    return rows


def needed(path):
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True,
                         check=True).stdout
    return re.findall(r"\(NEEDED\).*\[(.*)\]", out)


def main():
    lib = sys.argv[1]
    versioned = {m: set() for m in MISSING}
    unversioned = {m: set() for m in MISSING}
    defined = set()
    for p in PROVIDERS:
        if os.path.exists(os.path.join(lib, p)):
            for bind, ndx, name in dynsyms(os.path.join(lib, p)):
                if ndx != "UND":
                    defined.add(name.split("@")[0])
    for imp in IMPORTERS:
        path = os.path.join(lib, imp)
        if not os.path.exists(path):
            continue
        deps = [m for m in needed(path) if m in MISSING]
        for bind, ndx, name in dynsyms(path):
            if ndx != "UND" or bind == "WEAK":
                continue
            sym, _, ver = name.partition("@")
            ver = ver.split(" ")[0].lstrip("@")
            if ver in versioned:
                versioned[ver].add(sym)
            elif not ver and sym not in defined and deps and not sym.startswith(("Py", "_Py")):
                # Unversioned: owned by one of this importer's missing libraries; NCCL and
                # NVTX export no versions. Name prefixes tell which.
                owner = next((m for m in deps if sym.lower().startswith(
                    m[3:].split(".")[0].lower().replace("nvtoolsext", "nvtx"))), None)
                if owner is None:
                    owner = "libnccl.so.2" if "libnccl.so.2" in deps else deps[0]
                unversioned[owner].add(sym)
    tmp = tempfile.mkdtemp()
    for m in MISSING:
        syms = sorted(versioned[m] | unversioned[m])
        c = os.path.join(tmp, m + ".c")
        with open(c, "w") as f:
            f.write("#include <stdlib.h>\n")
            for s in syms:
                f.write(f"void {s}(void) {{ abort(); }}\n")
        args = ["gcc", "-shared", "-fPIC", "-O0", "-o", os.path.join(lib, m), c,
                f"-Wl,-soname,{m}"]
        if versioned[m]:
            vs = os.path.join(tmp, m + ".map")
            with open(vs, "w") as f:
                f.write(m + " {\n  global:\n")
                for s in sorted(versioned[m]):
                    f.write(f"    {s};\n")
                f.write("  local: *;\n};\n")
                if unversioned[m]:
                    pass
            args.append(f"-Wl,--version-script={vs}")
        subprocess.run(args, check=True)
        print(f"stub {m}: {len(syms)} symbols")


if __name__ == "__main__":
    main()

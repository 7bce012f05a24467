#!/usr/bin/env bash
# Measures ggml's ternary matmul (TQ2_0, TQ1_0) and ours in one invocation on the same machine and
# thread count, for docs/PERFORMANCE.md's "Against ggml" table:
#   1. builds the user's ggml checkout in a scratch directory (Release, GGML_NATIVE=ON, CPU backend
#      only, no BLAS), nothing of it inside this repository;
#   2. runs ggml's own `test-backend-ops perf -o MUL_MAT -b CPU` on the one ternary shape it has
#      (4096 x 14336 at n = 1 and 512; TQ2_0 only, its list leaves TQ1_0 out);
#   3. builds and runs scripts/peers/ggml_ternary_matmul.c (ours, over ggml's public API) on every
#      shape of the table, TQ2_0 and TQ1_0;
#   4. runs `bitnet bench --suite ternary` with the same threads;
#   5. prints the table of the docs (times in µs, ratio = ours / ggml's) from steps 3 and 4.
#
# Usage: scripts/peers/ggml-ternary.sh GGML_DIR [THREADS] [BITNET_BINARY]
#   GGML_DIR        a checkout of ggml-org/ggml (any commit with TQ1_0/TQ2_0)
#   THREADS         threads for ggml and bitnet (default: nproc)
#   BITNET_BINARY   our CLI (default: $BITNET_BIN, else build/release/tools/bitnet/bitnet)
# Environment: GGML_BUILD_DIR (scratch build, default ${TMPDIR:-/tmp}/bitnet-peer-ggml-build),
#   BENCH_ARGS (more `bitnet bench` options, e.g. "--quick"), SAMPLES (11) and MIN_MS (20) for the
#   driver, SKIP_TEST_BACKEND_OPS=1 to leave out step 2. Run it on an otherwise idle machine: the
#   load average is printed before and after.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
repository=$(cd "$here/../.." && pwd)
ggml=$(cd "$1" && pwd)
threads=${2:-$(nproc)}
bitnet=${3:-${BITNET_BIN:-$repository/build/release/tools/bitnet/bitnet}}
build=${GGML_BUILD_DIR:-${TMPDIR:-/tmp}/bitnet-peer-ggml-build}
samples=${SAMPLES:-11}
min_ms=${MIN_MS:-20}
read -r -a bench_args <<<"${BENCH_ARGS:-}"

fail() {
  echo "ggml-ternary.sh: $*" >&2
  exit 1
}

if [ ! -f "$ggml/include/ggml.h" ] || [ ! -f "$ggml/CMakeLists.txt" ]; then
  fail "$ggml does not look like a ggml checkout (no include/ggml.h)"
fi
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || fail "THREADS must be a positive integer, not '$threads'"
[ -x "$bitnet" ] || fail "no bitnet binary at $bitnet (build it, or pass its path / set BITNET_BIN)"
case "$build" in
  "$repository"/*) fail "GGML_BUILD_DIR must be outside this repository: $build" ;;
esac

ggml_commit=unknown
if git -C "$ggml" rev-parse HEAD >/dev/null 2>&1; then
  ggml_commit=$(git -C "$ggml" rev-parse HEAD)
  [ -z "$(git -C "$ggml" status --porcelain --untracked-files=no)" ] ||
    ggml_commit="$ggml_commit (with local changes)"
fi
echo "== ggml at $ggml, commit $ggml_commit"
echo "== bitnet: $bitnet"
echo "== $threads threads; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"

echo "== building ggml in $build"
cmake -S "$ggml" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
  -DGGML_BLAS=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DGGML_OPENCL=OFF \
  -DGGML_BUILD_TESTS=ON -DGGML_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=ON \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; fail "configuring ggml failed"; }
ninja -C "$build" ggml test-backend-ops >"$build.build.log" 2>&1 ||
  { tail -40 "$build.build.log"; fail "building ggml failed"; }

# The driver links ggml's three libraries directly (ggml-cpu holds ggml_backend_cpu_init).
library_dirs=()
for library in libggml.so libggml-base.so libggml-cpu.so; do
  found=$(find "$build" -name "$library" -print -quit)
  [ -n "$found" ] || fail "$library not found under $build"
  library_dirs+=("$(dirname "$found")")
done
link_flags=()
for directory in $(printf '%s\n' "${library_dirs[@]}" | sort -u); do
  link_flags+=("-L$directory" "-Wl,-rpath,$directory")
done
driver="$build/ggml_ternary_matmul"
"${CC:-cc}" -O2 -std=c11 -Wall -Wextra -I"$ggml/include" "$here/ggml_ternary_matmul.c" \
  -o "$driver" "${link_flags[@]}" -lggml -lggml-cpu -lggml-base -lm

# test-backend-ops sizes its CPU thread pool by the hardware threads it sees; with fewer THREADS
# than CPUs it runs pinned to the first THREADS of them.
pin=()
if [ "$threads" -lt "$(nproc)" ]; then
  pin=(taskset -c "0-$((threads - 1))")
fi
if [ "${SKIP_TEST_BACKEND_OPS:-0}" != 1 ]; then
  test_backend_ops=$(find "$build" -name test-backend-ops -type f -perm -u+x -print -quit)
  [ -n "$test_backend_ops" ] || fail "test-backend-ops was not built"
  echo
  echo "== ggml test-backend-ops perf -o MUL_MAT -b CPU (ternary types, 4096 x 14336)"
  "${pin[@]}" "$test_backend_ops" perf -o MUL_MAT -b CPU \
    -p 'type_a=tq[12]_0,type_b=f32,m=4096,n=(1|512),k=14336,'
fi

echo
echo "== ggml through its public API (scripts/peers/ggml_ternary_matmul.c)"
results=$(mktemp -d "${TMPDIR:-/tmp}/bitnet-peer-ggml-XXXXXX")
trap 'rm -rf "$results"' EXIT
"$driver" --threads "$threads" --samples "$samples" --min-ms "$min_ms" --json "$results/ggml.json"

echo
echo "== bitnet --threads $threads bench --suite ternary ${bench_args[*]:-}"
"$bitnet" --threads "$threads" bench --suite ternary "${bench_args[@]}" | tee "$results/bitnet.txt"

echo
echo "== load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== ggml ($ggml_commit) against bitnet, $threads threads: times in µs, ratio = ours / ggml's"
if ! command -v python3 >/dev/null 2>&1; then
  echo "(python3 not found: compare the two tables above by hand)"
  exit 0
fi
python3 - "$results/ggml.json" "$results/bitnet.txt" <<'PYTHON'
import json
import re
import sys

ggml = json.load(open(sys.argv[1]))
ggml_us = {(r["type"], r["m"], r["k"], r["n"]): r["median_us"] for r in ggml["results"]}

# Rows of `bitnet bench`'s table: suite, case, impl, time/iter, throughput[, memory], speed-up.
units = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}
ours = {}
for line in open(sys.argv[2], encoding="utf-8"):
    fields = re.split(r"\s{2,}", line.strip())
    if len(fields) < 5 or fields[0] != "ternary":
        continue
    value, unit = fields[3].split()
    ours[(fields[1], fields[2])] = float(value) * units[unit]


def ours_for(m, k, n, impl):
    # Cache-resident cases carry an `_l3` suffix (one copy of the weights, reused); older builds
    # named them without it.
    name = f"gemv_{m}x{k}" if n == 1 else f"gemm_{m}x{k}x{n}"
    for candidate in (name + "_l3", name):
        if (candidate, impl) in ours:
            return ours[(candidate, impl)]
    return None


def show(value):
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}"


def ratio(mine, theirs):
    return "-" if mine is None or theirs is None else f"{mine / theirs:.2f}"


print("| shape (m x k) | n | ggml TQ2_0 | `bitnet` (t2) | ratio | ggml TQ1_0 | `bitnet_t1` | ratio "
      "| `onednn_s8` |")
print("|---|---|---|---|---|---|---|---|---|")
shapes = []
for r in ggml["results"]:
    key = (r["m"], r["k"], r["n"])
    if key not in shapes:
        shapes.append(key)
for m, k, n in shapes:
    tq2 = ggml_us.get(("tq2_0", m, k, n))
    tq1 = ggml_us.get(("tq1_0", m, k, n))
    t2 = ours_for(m, k, n, "bitnet")
    t1 = ours_for(m, k, n, "bitnet_t1")
    onednn = ours_for(m, k, n, "onednn_s8")
    print(f"| {m} x {k} | {n} | {show(tq2)} | {show(t2)} | {ratio(t2, tq2)} | {show(tq1)} "
          f"| {show(t1)} | {ratio(t1, tq1)} | {show(onednn)} |")
PYTHON

#!/usr/bin/env bash
# Runs THERE (the GPU machine), after tests/gpu/gpu-check.sh --build-only: Nsight Compute over ~5 decode steps of
# ModelBench (4-layer LLaMA-2-7B-shape model, bf16, batch 64, rank-16 adapter on all seven projections), then the
# kernels summed by name: launches, µs in all, µs per launch, DRAM bytes and rate, L2 bytes (what the SMs read and
# wrote through L2: above the DRAM bytes when L2 served repeated reads). Kernels are timed one by one
# (--clock-control none, as METHOD.md asks), so the sum is kernel time without overlap or launch gaps.
# LORAPAR_PROFILE_MAIN="class args..." profiles another benchmark, e.g. the GRPO rollouts' decode (prompts sharing
# their KV prefix): LORAPAR_PROFILE_MAIN="dev.lorapar.bench.gpu.GrpoBench --layers 4 --steps 1" with skip ≈ 130
# decode steps of ~60 launches.
# usage: bash benchmarks/cuda/profile-decode.sh OUT_DIR [launches to skip (3000)] [launches to profile (500)]
set -euo pipefail
out=${1:?usage: profile-decode.sh OUT_DIR [skip] [count]}
skip=${2:-3000}
count=${3:-500}
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
java=${LORAPAR_JRE_ROOT:-/tmp/lorapar-jre}/jre/bin/java
lib=${LORAPAR_LIB:-/tmp/lorapar-build/liblorapar.so}
bundle=$repo_root/.gpu-bundle
ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n1 || true)
[[ -n $ncu ]] || { echo "profile-decode.sh: ncu not found" >&2; exit 1; }
mkdir -p "$out"
cp="$bundle/benchmarks.jar:$(ls "$bundle"/lib/*.jar | paste -sd:)"
read -r -a main <<<"${LORAPAR_PROFILE_MAIN:-dev.lorapar.bench.gpu.ModelBench --layers 4 --no-train --decode-batches 64}"
"$ncu" --clock-control none --metrics gpu__time_duration.sum,dram__bytes.sum,lts__t_bytes.sum --launch-skip "$skip" \
    --launch-count "$count" --csv "$java" --enable-native-access=ALL-UNNAMED -Dlorapar.library.path="$lib" -cp "$cp" \
    "${main[@]}" >"$out/ncu-decode.csv" \
    2>"$out/ncu-decode.err" || echo "profile-decode.sh: ncu exited with $? (see $out/ncu-decode.err)"
python3 - "$out/ncu-decode.csv" <<'PY'
import csv, re, sys, collections
rows = [l for l in open(sys.argv[1], errors="replace") if l.startswith('"')]
per = collections.defaultdict(lambda: collections.defaultdict(float))
launches = collections.Counter()
seen = set()
for r in csv.DictReader(rows):
    name = re.sub(r"<.*", "", r.get("Kernel Name", "?")).replace("void ", "")[:56]
    key = (r.get("ID"), name)
    if key not in seen:
        seen.add(key); launches[name] += 1
    v = float(r["Metric Value"].replace(",", "") or 0)
    unit = r.get("Metric Unit", "")
    if r["Metric Name"] == "gpu__time_duration.sum":
        per[name]["us"] += v / 1e3 if unit in ("nsecond", "ns") else v * 1e3 if unit in ("msecond", "ms") else v
    else:
        scale = {"byte": 1, "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9}.get(unit, 1)
        per[name]["l2" if r["Metric Name"].startswith("lts") else "bytes"] += v * scale
total = sum(p["us"] for p in per.values())
print(f"{'kernel':56} {'launches':>8} {'us all':>9} {'us each':>8} {'MB each':>8} {'TB/s':>6} {'L2 MB':>8}")
for name, p in sorted(per.items(), key=lambda kv: -kv[1]["us"]):
    n = launches[name]
    tbs = p["bytes"] / (p["us"] * 1e-6) / 1e12 if p["us"] else 0
    print(f"{name:56} {n:8d} {p['us']:9.1f} {p['us']/n:8.2f} {p['bytes']/n/1e6:8.2f} {tbs:6.2f} {p['l2']/n/1e6:8.2f}")
print(f"{'all':56} {sum(launches.values()):8d} {total:9.1f}")
PY

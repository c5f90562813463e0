#!/usr/bin/env bash
# The GPU check. Runs THERE: Linux x86-64 with an NVIDIA GPU and a CUDA toolkit with cuBLAS, no JDK,
# no Maven; needs the repository and the .gpu-bundle/ that tests/gpu/prepare-bundle.sh made here.
#   1. unpacks the bundled Java 25 runtime to /tmp/lorapar-jre
#   2. builds liblorapar.so with the CUDA backend: cmake -S native -B /tmp/lorapar-build -DLORAPAR_CUDA=ON
#   3. runs the JUnit suites with the console launcher: the GPU suite (tag gpu), then the whole suite
#   4. runs GpuBench (results.md, results.csv)
#   5. prints a short summary LAST: tests run/passed/failed/skipped per suite, then the benchmark table
# Every log goes to the out folder: $OUT when set, else /tmp/lorapar-gpu-out.
#
# usage: bash tests/gpu/gpu-check.sh [--skip-bench | --bench-only] [--quick] [--no-cuda]
#   --skip-bench  tests only            --bench-only  benchmark only (still builds the library)
#   --quick       GpuBench --quick (r = 16 only, 20 samples)
#   --no-cuda     a rehearsal on a machine without a GPU: CPU-only build, GPU tests skip, GpuBench --smoke on the CPU
# Exit status: 0 when every suite passed and the benchmark ran; 1 otherwise (MISS rows do not fail it).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly repo_root
readonly bundle=${LORAPAR_GPU_BUNDLE:-$repo_root/.gpu-bundle}
readonly out=${OUT:-/tmp/lorapar-gpu-out}
readonly jre_root=/tmp/lorapar-jre
readonly java="$jre_root/jre/bin/java"
readonly cuda_home=${CUDA_HOME:-/usr/local/cuda}

readonly command_line="$*"
run_tests=1
run_bench=1
bench_args=()
cuda_flag=ON
build_dir=/tmp/lorapar-build

usage() {
    sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while (($# > 0)); do
    case $1 in
        --skip-bench) run_bench=0 ;;
        --bench-only) run_tests=0 ;;
        --quick) bench_args+=(--quick) ;;
        --no-cuda)
            cuda_flag=OFF
            build_dir=/tmp/lorapar-build-cpu
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "gpu-check.sh: unknown option '$1'" >&2
            usage >&2
            exit 2
            ;;
    esac
    shift
done
if ((run_tests == 0 && run_bench == 0)); then
    echo "gpu-check.sh: --skip-bench and --bench-only together leave nothing to do" >&2
    exit 2
fi
if [[ $cuda_flag == OFF ]]; then
    if [[ " ${bench_args[*]} " == *" --quick "* ]]; then
        echo "gpu-check.sh: --quick does not apply to --no-cuda (GpuBench runs --smoke on the CPU)" >&2
        exit 2
    fi
    bench_args+=(--smoke --device cpu)
fi
readonly run_tests run_bench cuda_flag build_dir
readonly lib="$build_dir/liblorapar.so"

# Summary rows, printed last: "suite run passed failed skipped status".
summary_rows=()
bench_ran=0
failures=0

step() {
    echo
    echo "==== gpu-check: $* ($(date -u +%H:%M:%S))"
}

fail() {
    echo "gpu-check.sh: $*" >&2
    failures=$((failures + 1))
}

# lorapar-core's runtime dependencies (lib/*.jar of the bundle), ':'-separated.
dependency_class_path() {
    local jars=("$bundle"/lib/*.jar)
    local IFS=:
    echo "${jars[*]}"
}

check_prerequisites() {
    local file
    for file in jre.tgz core.jar tests.jar junit-platform-console-standalone.jar benchmarks.jar; do
        [[ -f $bundle/$file ]] || {
            echo "gpu-check.sh: $bundle/$file is missing: run 'bash tests/gpu/prepare-bundle.sh' on the build machine and copy .gpu-bundle/ here" >&2
            return 1
        }
    done
    compgen -G "$bundle/lib/*.jar" >/dev/null || {
        echo "gpu-check.sh: $bundle/lib/ has no jars (lorapar-core's dependencies): run 'bash tests/gpu/prepare-bundle.sh' again" >&2
        return 1
    }
    command -v cmake >/dev/null 2>&1 || {
        echo "gpu-check.sh: cmake not found (CMake >= 3.24 is needed to build liblorapar.so)" >&2
        return 1
    }
    if [[ $cuda_flag == ON ]]; then
        if ! command -v nvcc >/dev/null 2>&1 && [[ ! -x $cuda_home/bin/nvcc ]]; then
            echo "gpu-check.sh: nvcc not found on PATH nor in $cuda_home/bin: install the CUDA toolkit (with cuBLAS)" >&2
            return 1
        fi
        if command -v nvidia-smi >/dev/null 2>&1; then
            nvidia-smi --query-gpu=index,name,driver_version,memory.total,clocks.max.sm --format=csv |
                tee "$out/nvidia-smi.txt" || true
        else
            echo "gpu-check.sh: nvidia-smi not found (going on: the library reports what it sees)"
        fi
    fi
    [[ -f $bundle/BUNDLE.txt ]] && cat "$bundle/BUNDLE.txt"
    return 0
}

unpack_jre() {
    step "unpacking the Java runtime to $jre_root"
    rm -rf "$jre_root"
    mkdir -p "$jre_root"
    tar -xzf "$bundle/jre.tgz" -C "$jre_root" || return 1
    "$java" -version 2>&1 || {
        echo "gpu-check.sh: the bundled Java runtime does not start" >&2
        return 1
    }
}

build_library() {
    step "building liblorapar.so (LORAPAR_CUDA=$cuda_flag) in $build_dir"
    # A build folder configured from another checkout cannot be reused.
    if [[ -f $build_dir/CMakeCache.txt ]] &&
        ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$repo_root/native" "$build_dir/CMakeCache.txt"; then
        echo "gpu-check.sh: $build_dir was configured from another source folder: starting it afresh"
        rm -rf "$build_dir"
    fi
    local status=0
    {
        cmake -S "$repo_root/native" -B "$build_dir" -DLORAPAR_CUDA="$cuda_flag" -DCMAKE_BUILD_TYPE=Release &&
            cmake --build "$build_dir" -j "$(nproc)"
    } 2>&1 | tee "$out/build.log" || status=$?
    if ((status != 0)) || [[ ! -f $lib ]]; then
        echo "gpu-check.sh: the native build failed (status $status): see $out/build.log" >&2
        return 1
    fi
}

# The count on the JUnit summary line "[  N <what>  ]" of log $1, e.g. what="tests failed"; empty if absent.
junit_count() {
    sed -nE "s/^\[ *([0-9]+) $2 *\]\$/\1/p" "$1" | tail -n1
}

# run_suite NAME [launcher options...]: one JUnit console run, its log and reports under $out.
run_suite() {
    local name=$1
    shift
    local log="$out/tests-$name.log"
    step "JUnit suite '$name' $*"
    local status=0
    "$java" --enable-native-access=ALL-UNNAMED -Dlorapar.library.path="$lib" \
        -jar "$bundle/junit-platform-console-standalone.jar" execute \
        --class-path "$bundle/core.jar:$(dependency_class_path):$bundle/tests.jar" --scan-class-path \
        --details=summary --disable-banner --disable-ansi-colors --fail-if-no-tests \
        --reports-dir "$out/junit-$name" "$@" 2>&1 | tee "$log" || status=$?

    local started successful failed skipped aborted containers_failed
    started=$(junit_count "$log" "tests started")
    successful=$(junit_count "$log" "tests successful")
    failed=$(junit_count "$log" "tests failed")
    skipped=$(junit_count "$log" "tests skipped")
    aborted=$(junit_count "$log" "tests aborted")
    containers_failed=$(junit_count "$log" "containers failed")
    local verdict=ok
    if [[ -z $started || -z $failed ]]; then
        verdict="NO SUMMARY (exit $status)"
        fail "suite '$name': the launcher printed no summary (exit $status): see $log"
    elif ((status != 0 || failed > 0 || ${containers_failed:-0} > 0)); then
        verdict="FAILED (exit $status, ${containers_failed:-0} containers failed)"
        fail "suite '$name' failed: see $log"
    elif [[ $cuda_flag == ON && $name == gpu ]] && ((${skipped:-0} + ${aborted:-0} > 0)); then
        verdict="ok, but GPU tests skipped: see $log"
    fi
    summary_rows+=("$(printf '%-8s %6s %7s %7s %8s   %s' "$name" "${started:-?}" "${successful:-?}" "${failed:-?}" \
        "$((${skipped:-0} + ${aborted:-0}))" "$verdict")")
}

run_benchmark() {
    step "GpuBench ${bench_args[*]}"
    bench_ran=1
    local status=0
    "$java" --enable-native-access=ALL-UNNAMED -Dlorapar.library.path="$lib" \
        -cp "$bundle/benchmarks.jar:$(dependency_class_path)" dev.lorapar.bench.gpu.GpuBench --out "$out" "${bench_args[@]}" 2>&1 |
        tee "$out/bench.log" || status=$?
    if ((status != 0)); then
        fail "GpuBench exited with $status: see $out/bench.log"
    fi
    return 0
}

# The PyTorch / PEFT baselines of the same shapes, on the same GPU, in the same call (skipped without torch).
run_torch_baseline() {
    step "PyTorch / PEFT baselines (benchmarks/pytorch/core_ops_torch.py)"
    if ! python3 -c 'import torch, peft; assert torch.cuda.is_available()' >/dev/null 2>&1; then
        echo "gpu-check.sh: python3 with torch (CUDA) and peft not found: baselines skipped"
        return 0
    fi
    local status=0
    local quick=()
    [[ " ${bench_args[*]} " == *" --quick "* ]] && quick=(--quick)
    PYTHONUNBUFFERED=1 python3 "$repo_root/benchmarks/pytorch/core_ops_torch.py" --out "$out" "${quick[@]}" 2>&1 |
        tee "$out/torch-bench.log" || status=$?
    ((status == 0)) || fail "the PyTorch baseline exited with $status: see $out/torch-bench.log"
    return 0
}

print_summary() {
    echo
    echo "==================== lorapar GPU check: summary ===================="
    echo "out folder: $out    library: $lib (LORAPAR_CUDA=$cuda_flag)"
    if ((run_tests)); then
        if ((${#summary_rows[@]} == 0)); then
            echo "tests: not run"
        else
            printf '%-8s %6s %7s %7s %8s   %s\n' suite run passed failed skipped status
            local row
            for row in "${summary_rows[@]}"; do
                echo "$row"
            done
        fi
    fi
    if ((run_bench)); then
        echo
        if ((bench_ran == 0)); then
            echo "benchmark: not run"
        elif [[ -f $out/results.md ]]; then
            grep -E '^- (date|device|config):' "$out/results.md" || true
            grep -E '^\|' "$out/results.md" || true
        else
            echo "benchmark: no results.md (see $out/bench.log)"
        fi
        [[ -f $out/torch-bench.log ]] && grep -E '^torch ' "$out/torch-bench.log"
    fi
    echo
    if ((failures == 0)); then
        echo "gpu-check: PASSED"
    else
        echo "gpu-check: FAILED ($failures problem(s) above)"
    fi
}

main() {
    echo "gpu-check.sh $command_line — repository $repo_root, bundle $bundle, out $out"
    rm -f "$out/results.md" "$out/results.csv" # never summarize a previous run's numbers
    if ! check_prerequisites || ! unpack_jre || ! build_library; then
        fail "stopped before the tests: see above"
        print_summary | tee "$out/summary.txt"
        return 1
    fi
    if [[ $cuda_flag == ON ]]; then
        export LD_LIBRARY_PATH="$cuda_home/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
    if ((run_tests)); then
        run_suite gpu --include-tag gpu
        run_suite all
    fi
    if ((run_bench)); then
        run_benchmark
        [[ $cuda_flag == ON ]] && run_torch_baseline
    fi
    print_summary | tee "$out/summary.txt"
    ((failures == 0))
}

mkdir -p "$out"
status=0
main 2>&1 | tee "$out/gpu-check.log" || status=$?
exit "$status"

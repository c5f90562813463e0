#!/usr/bin/env bash
# The GPU check. Runs THERE: Linux x86-64 with an NVIDIA GPU and a CUDA toolkit with cuBLAS, no JDK,
# no Maven; needs the repository and the .gpu-bundle/ that tests/gpu/prepare-bundle.sh made here.
#   1. unpacks the bundled Java 25 runtime to /tmp/lorapar-jre
#   2. builds liblorapar.so with the CUDA backend: cmake -S native -B /tmp/lorapar-build -DLORAPAR_CUDA=ON
#   3. makes the Hugging Face parity references (python3 tests/gpu/hf_make_reference.py --out /tmp/hf-ref:
#      needs torch + transformers) and passes -Dlorapar.hf.reference to the JUnit runs (HfParityTest)
#   4. runs the JUnit suites with the console launcher: the GPU suite (tag gpu), then the whole suite
#   5. the PEFT interchange check: PeftCheckFixture (tests.jar) writes lorapar's PEFT and merged exports with
#      lorapar's logits to $OUT/peft-cases, then tests/gpu/peft_check.py loads them with transformers + peft
#      and compares (needs torch, transformers, peft; on --no-cuda without them only the structure is checked)
#   6. runs GpuBench (results.md, results.csv) and the PyTorch / PEFT baselines of the same ops
#   7. with --model-bench: the model-level benchmarks (PyTorch + PEFT training step and decoding of a
#      LLaMA-2-7B shape, the Hugging Face Trainer + PEFT SFT baseline of issue 4; lorapar's ModelBench,
#      ModelBench --sft and EvalBench (GSM8K throughput), when the benchmarks jar has them);
#      LORAPAR_MODEL_BENCH_STEPS=torch-sft,lorapar-sft,… runs a subset (see model_step)
#   8. prints a short summary LAST: tests run/passed/failed/skipped per suite, the parity errors, then the
#      benchmark tables
# Every log goes to the out folder: $OUT when set, else /tmp/lorapar-gpu-out.
#
# usage: bash tests/gpu/gpu-check.sh [--skip-bench | --bench-only] [--quick] [--no-cuda] [--model-bench]
#                                    [--model-bench-only] [--hf-ref DIR]
#   --skip-bench        tests only         --bench-only  benchmark only (still builds the library)
#   --quick             GpuBench --quick (r = 16 only, 20 samples); fewer model-benchmark steps
#   --no-cuda           a rehearsal on a machine without a GPU: CPU-only build, GPU tests skip, GpuBench --smoke
#                       on the CPU, model benchmarks skipped; no torch/transformers there is reported, not failed
#   --model-bench       also run the model-level benchmarks (off by default; they take minutes)
#   --model-bench-only  only the model-level benchmarks (still builds the library)
#   --hf-ref DIR        use parity references already made in DIR instead of running hf_make_reference.py
#   --build-only        unpack the runtime and build the library, nothing else
#   --no-build          reuse the runtime and library a previous run left (several runs at once, one GPU each)
#   --gpu-suite-only    of the tests, only the GPU suite ($LORAPAR_GPU_SUITE_ARGS: its launcher selection,
#                       default --include-tag gpu); no whole suite, no parity references, no PEFT check
# Environment: LORAPAR_JRE_ROOT, LORAPAR_BUILD_DIR (defaults /tmp/lorapar-jre, /tmp/lorapar-build),
#   LORAPAR_BENCH_TIMEOUT_S (each model-level benchmark step's limit, default 900), LORAPAR_TORCH_DECODE_BATCHES
#   and LORAPAR_TORCH_DECODE_REPS (llama_decode_torch.py's batch sizes, default 1,16,64 as ServeBench's clients,
#   and timed runs per batch),
#   LORAPAR_DP_BENCH_ARGS (more DataParallelBench arguments, e.g. --masked 0.3),
#   CUDA_VISIBLE_DEVICES as usual.
# Exit status: 0 when every suite passed and every step ran; 1 otherwise (MISS rows do not fail it).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly repo_root
readonly bundle=${LORAPAR_GPU_BUNDLE:-$repo_root/.gpu-bundle}
readonly out=${OUT:-/tmp/lorapar-gpu-out}
readonly jre_root=${LORAPAR_JRE_ROOT:-/tmp/lorapar-jre}
readonly java="$jre_root/jre/bin/java"
readonly cuda_home=${CUDA_HOME:-/usr/local/cuda}
# OpenMP threads of the CPU backend sleep when idle (as in the Maven test runs and ./lorapar)
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
readonly default_hf_ref=/tmp/hf-ref
readonly hf_ref_timeout_s=600
readonly model_bench_timeout_s=${LORAPAR_BENCH_TIMEOUT_S:-900}
readonly model_bench_class=dev.lorapar.bench.gpu.ModelBench
readonly peft_fixture_class=dev.lorapar.tests.train.export.PeftCheckFixture
readonly peft_timeout_s=900

readonly command_line="$*"
run_tests=1
run_bench=1
run_model_bench=0
bench_args=()
cuda_flag=ON
build_dir=${LORAPAR_BUILD_DIR:-/tmp/lorapar-build}
hf_ref_given=
build_mode=build
gpu_suite_only=0

usage() {
    # the header comment: every line after the first up to the first that is not a comment
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

while (($# > 0)); do
    case $1 in
        --skip-bench) run_bench=0 ;;
        --bench-only) run_tests=0 ;;
        --quick) bench_args+=(--quick) ;;
        --model-bench) run_model_bench=1 ;;
        --model-bench-only)
            run_model_bench=1
            run_tests=0
            run_bench=0
            ;;
        --build-only)
            build_mode=only
            run_tests=0
            run_bench=0
            ;;
        --no-build) build_mode=reuse ;;
        --gpu-suite-only) gpu_suite_only=1 ;;
        --hf-ref)
            (($# >= 2)) || {
                echo "gpu-check.sh: --hf-ref needs a folder" >&2
                exit 2
            }
            hf_ref_given=$2
            shift
            ;;
        --no-cuda)
            cuda_flag=OFF
            build_dir=${LORAPAR_BUILD_DIR:-/tmp/lorapar-build-cpu}
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
if [[ $build_mode != only ]] && ((run_tests == 0 && run_bench == 0 && run_model_bench == 0)); then
    echo "gpu-check.sh: --skip-bench and --bench-only together leave nothing to do" >&2
    exit 2
fi
quick_mode=0
if [[ " ${bench_args[*]} " == *" --quick "* ]]; then
    quick_mode=1
fi
if [[ $cuda_flag == OFF ]]; then
    if ((quick_mode)); then
        echo "gpu-check.sh: --quick does not apply to --no-cuda (GpuBench runs --smoke on the CPU)" >&2
        exit 2
    fi
    bench_args+=(--smoke --device cpu)
fi
if [[ -n $hf_ref_given ]]; then
    if ((run_tests == 0)); then
        echo "gpu-check.sh: --hf-ref is for the tests; --bench-only / --model-bench-only run none" >&2
        exit 2
    fi
    [[ -d $hf_ref_given ]] || {
        echo "gpu-check.sh: --hf-ref $hf_ref_given: no such folder" >&2
        exit 2
    }
    hf_ref_given=$(cd "$hf_ref_given" && pwd)
fi
readonly run_tests run_bench run_model_bench quick_mode cuda_flag build_dir hf_ref_given build_mode gpu_suite_only
readonly lib="$build_dir/liblorapar.so"

# Logs of the lorapar benchmark classes run (run_java_bench), whose tables the summary prints.
java_bench_logs=()
# Summary rows, printed last: "suite run passed failed skipped status".
summary_rows=()
# Steps besides the suites and GpuBench, printed last: "step: status".
step_rows=()
# System properties for the JUnit runs (the parity references, when made).
junit_properties=()
# The small trained checkpoints prepare-bundle.sh copied from ../shared/data (the reference-checkpoint tests).
if [[ -f $bundle/shared-data/README.md ]]; then
    export LORAPAR_SHARED_DATA="$bundle/shared-data"
fi
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

# unpack_jre + build_library, or with --no-build check that an earlier run left both.
prepare_runtime_and_library() {
    if [[ $build_mode == reuse ]]; then
        if [[ -x $java && -f $lib ]]; then
            echo "gpu-check.sh: --no-build: reusing $java and $lib"
            return 0
        fi
        echo "gpu-check.sh: --no-build, but $java or $lib is missing: run once with --build-only first" >&2
        return 1
    fi
    unpack_jre && build_library
}

# NCCL (data parallelism) is opened with dlopen("libnccl.so.2"): when the loader cannot find it, add the folder of
# the first copy found (the CUDA toolkit's, else PyTorch's nvidia-nccl wheel) to LD_LIBRARY_PATH.
add_nccl_to_library_path() {
    if ldconfig -p 2>/dev/null | grep -qF 'libnccl.so.2 '; then
        return 0
    fi
    local found
    found=$({ ls "$cuda_home"/lib64/libnccl.so.2 /usr/lib/x86_64-linux-gnu/libnccl.so.2 2>/dev/null
        python3 -c 'import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], "lib", "libnccl.so.2"))' 2>/dev/null
    } | while read -r f; do [[ -f $f ]] && echo "$f"; done | head -n1 || true)
    if [[ -n $found ]]; then
        export LD_LIBRARY_PATH="$(dirname "$found"):$LD_LIBRARY_PATH"
        echo "gpu-check.sh: NCCL for data parallelism: $found"
    else
        echo "gpu-check.sh: libnccl.so.2 not found: the data-parallel (NCCL) tests and benchmark will report it"
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
    # explicit selectors (--select-class ...) and a class-path scan do not go together in the launcher
    local -a scan=(--scan-class-path="$bundle/tests.jar")
    [[ " $* " == *" --select"* ]] && scan=()
    # Everything on the JVM's own class path (not the launcher's --class-path): tests that start a child JVM with
    # java.class.path (the kill-and-resume tests) need the test classes and lorapar-core there too.
    "$java" --enable-native-access=ALL-UNNAMED -Dlorapar.library.path="$lib" "${junit_properties[@]}" \
        -cp "$bundle/core.jar:$(dependency_class_path):$bundle/tests.jar:$bundle/junit-platform-console-standalone.jar" \
        org.junit.platform.console.ConsoleLauncher execute "${scan[@]}" \
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

# Adds a row to the steps part of the summary; a FAILED one also counts as a failure.
step_result() {
    local name=$1 verdict=$2
    step_rows+=("$(printf '%-22s %s' "$name" "$verdict")")
    if [[ $verdict == FAILED* ]]; then
        fail "$name: $verdict"
    fi
}

# The Hugging Face parity references (HfParityTest): made here by transformers, or given with --hf-ref.
# On success the JUnit runs get -Dlorapar.hf.reference; otherwise HfParityTest skips and this step is FAILED
# (on a --no-cuda rehearsal a python3 without torch/transformers is only reported).
make_hf_reference() {
    local log="$out/hf-reference.log"
    if [[ -n $hf_ref_given ]]; then
        step "Hugging Face parity references: using $hf_ref_given (--hf-ref)"
        if [[ -f $hf_ref_given/models.json ]]; then
            junit_properties+=("-Dlorapar.hf.reference=$hf_ref_given")
            step_result "hf parity references" "ok (given: $hf_ref_given)"
        else
            step_result "hf parity references" "FAILED: $hf_ref_given/models.json is missing (not a finished reference folder)"
        fi
        return 0
    fi
    step "Hugging Face parity references (tests/gpu/hf_make_reference.py --out $default_hf_ref)"
    local why=
    if ! command -v python3 >/dev/null 2>&1; then
        why="python3 not found"
    elif ! python3 -c 'import torch, transformers' >"$log" 2>&1; then
        why="python3 cannot import torch and transformers ($(tail -n1 "$log"))"
    fi
    if [[ -n $why ]]; then
        echo "gpu-check.sh: $why: the Hugging Face parity check cannot run"
        if [[ $cuda_flag == OFF ]]; then
            step_result "hf parity references" "skipped (--no-cuda rehearsal): $why"
        else
            step_result "hf parity references" "FAILED: $why; HfParityTest skips"
        fi
        return 0
    fi
    local device=cuda status=0
    [[ $cuda_flag == OFF ]] && device=cpu
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1 timeout "$hf_ref_timeout_s" \
        python3 "$repo_root/tests/gpu/hf_make_reference.py" --out "$default_hf_ref" --device "$device" 2>&1 |
        tee "$log" || status=$?
    if ((status == 0)) && [[ -f $default_hf_ref/models.json ]]; then
        junit_properties+=("-Dlorapar.hf.reference=$default_hf_ref")
        step_result "hf parity references" "ok ($default_hf_ref, $device; see $log)"
    elif ((status == 124)); then
        step_result "hf parity references" "FAILED: timed out after ${hf_ref_timeout_s} s; HfParityTest skips (see $log)"
    else
        step_result "hf parity references" "FAILED (exit $status); HfParityTest skips (see $log)"
    fi
    return 0
}

# The PEFT interchange check (issue 4): PeftCheckFixture writes the cases (lorapar's PEFT adapter and merged exports
# of small random models, and lorapar's fp32 CPU logits) to $out/peft-cases, then tests/gpu/peft_check.py loads them
# with transformers + peft and compares. Its row is PASS, or FAILED (counted like a failed suite); without torch,
# transformers and peft it is FAILED on a CUDA run, and on a --no-cuda rehearsal "skipped" after the checks that
# need no torch (peft_check.py --structure-only).
run_peft_check() {
    local cases="$out/peft-cases" fixture_log="$out/peft-fixture.log" log="$out/peft-check.log"
    step "PEFT interchange check: $peft_fixture_class writes $cases"
    rm -rf "$cases"
    local status=0
    timeout "$peft_timeout_s" "$java" --enable-native-access=ALL-UNNAMED -Dlorapar.library.path="$lib" \
        -cp "$bundle/tests.jar:$bundle/core.jar:$(dependency_class_path):$bundle/junit-platform-console-standalone.jar" \
        "$peft_fixture_class" "$cases" 2>&1 | tee "$fixture_log" || status=$?
    if ((status != 0)) || [[ ! -f $cases/cases.json ]]; then
        step_result "peft interchange" "FAILED: $peft_fixture_class exited with $status$( ((status == 124)) && echo " (timed out after ${peft_timeout_s} s)") (see $fixture_log)"
        return 0
    fi
    local why=
    if ! command -v python3 >/dev/null 2>&1; then
        why="python3 not found"
    elif ! python3 -c 'import torch, transformers, peft' >"$log" 2>&1; then
        why="python3 cannot import torch, transformers and peft ($(tail -n1 "$log"))"
    fi
    local device=cuda
    [[ $cuda_flag == OFF ]] && device=cpu
    local mode=(--device "$device")
    if [[ -n $why ]]; then
        if [[ $cuda_flag == ON ]]; then
            step_result "peft interchange" "FAILED: $why"
            return 0
        fi
        if ! command -v python3 >/dev/null 2>&1; then
            step_result "peft interchange" "skipped (--no-cuda rehearsal): $why; the cases were written"
            return 0
        fi
        mode=(--structure-only)
    fi
    step "PEFT interchange check: tests/gpu/peft_check.py ${mode[*]}"
    status=0
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1 timeout "$peft_timeout_s" \
        python3 "$repo_root/tests/gpu/peft_check.py" "$cases" "${mode[@]}" 2>&1 | tee "$log" || status=$?
    local verdict
    verdict=$(grep -E '^PEFT-CHECK: (PASS|FAIL)' "$log" | tail -n1 || true)
    if ((status == 0)) && [[ $verdict == "PEFT-CHECK: PASS"* ]]; then
        if [[ -n $why ]]; then
            step_result "peft interchange" "skipped (--no-cuda rehearsal): $why; structure only: ${verdict#PEFT-CHECK: } (see $log)"
        else
            step_result "peft interchange" "${verdict#PEFT-CHECK: } on $device (see $log)"
        fi
    elif ((status == 124)); then
        step_result "peft interchange" "FAILED: peft_check.py timed out after ${peft_timeout_s} s (see $log)"
    else
        step_result "peft interchange" "FAILED (exit $status): ${verdict:-no PEFT-CHECK verdict} (see $log)"
    fi
    return 0
}

# True when the benchmarks jar holds class $1 (a dotted name).
benchmarks_jar_has() {
    local entry="${1//.//}.class"
    if command -v unzip >/dev/null 2>&1; then
        # grep without -q reads the whole listing: an early exit would fail the pipe (pipefail, SIGPIPE)
        unzip -Z1 "$bundle/benchmarks.jar" 2>/dev/null | grep -xF "$entry" >/dev/null
    else
        # zip stores entry names uncompressed in its directory
        grep -qaF "$entry" "$bundle/benchmarks.jar"
    fi
}

# model_step NAME: whether the model-level benchmark step NAME runs: all of them unless $LORAPAR_MODEL_BENCH_STEPS
# (comma-separated: torch-train, torch-decode, torch-sft, lorapar, lorapar-sft, layer-ops, eval, grpo, hf-rollout,
# serve, pipeline, classify, demo, demo-assets, data-parallel) names a subset.
model_step() {
    [[ -z ${LORAPAR_MODEL_BENCH_STEPS:-} || ",${LORAPAR_MODEL_BENCH_STEPS}," == *",$1,"* ]]
}

# run_python_bench NAME LOG SCRIPT [args...]: one model-level PyTorch benchmark, with a time limit.
run_python_bench() {
    local name=$1 log=$2
    shift 2
    local status=0
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1 timeout "$model_bench_timeout_s" python3 "$@" 2>&1 |
        tee "$log" || status=$?
    if ((status == 0)); then
        step_result "$name" "ok (see $log)"
    elif ((status == 124)); then
        step_result "$name" "FAILED: timed out after ${model_bench_timeout_s} s (see $log)"
    else
        step_result "$name" "FAILED (exit $status, see $log)"
    fi
}

# lorapar's side of the SFT comparison: ModelBench --sft --no-decode [$LORAPAR_MODEL_BENCH_SFT_ARGS], its log in
# model-bench-lorapar-sft.log (its table, after the last blank line, goes to the summary). A benchmarks jar whose
# ModelBench predates --sft refuses the flag before touching the GPU: reported "not run", not failed.
run_lorapar_sft_bench() {
    local log="$out/model-bench-lorapar-sft.log"
    step "lorapar $model_bench_class --sft --no-decode ${LORAPAR_MODEL_BENCH_SFT_ARGS:-}"
    local status=0
    local -a extra=()
    read -r -a extra <<<"${LORAPAR_MODEL_BENCH_SFT_ARGS:-}"
    timeout "$model_bench_timeout_s" "$java" --enable-native-access=ALL-UNNAMED -Dlorapar.library.path="$lib" \
        -cp "$bundle/benchmarks.jar:$(dependency_class_path)" "$model_bench_class" --sft --no-decode "${extra[@]}" 2>&1 |
        tee "$log" || status=$?
    if ((status == 0)); then
        step_result "model bench lorapar sft" "ok (see $log)"
    elif grep -qF 'unknown argument --sft' "$log"; then
        step_result "model bench lorapar sft" "not run: this benchmarks.jar's ModelBench has no --sft yet"
        rm -f "$log"
    elif ((status == 124)); then
        step_result "model bench lorapar sft" "FAILED: timed out after ${model_bench_timeout_s} s (see $log)"
    else
        step_result "model bench lorapar sft" "FAILED (exit $status, see $log)"
    fi
}

# run_java_bench NAME CLASS LOG [args...]: one of lorapar's benchmark classes (benchmarks jar) with a time limit; its
# table (the lines after its last blank line) goes to the summary.
run_java_bench() {
    local name=$1 class=$2 log=$3
    shift 3
    if ! benchmarks_jar_has "$class"; then
        step_result "$name" "not run: $class is not in benchmarks.jar"
        return 0
    fi
    step "lorapar ${class##*.} $*"
    local status=0
    timeout "$model_bench_timeout_s" "$java" --enable-native-access=ALL-UNNAMED -Dlorapar.library.path="$lib" \
        -cp "$bundle/benchmarks.jar:$(dependency_class_path)" "$class" "$@" 2>&1 | tee "$log" || status=$?
    step_result "$name" "$( ((status == 0)) && echo ok || echo "FAILED (exit $status)") (see $log)"
    java_bench_logs+=("$log")
}

# GSM8K evaluation throughput (issue 7): EvalBench over the bundle's copy of gsm8k/test.jsonl with the LLaMA-2
# tokenizer, 7B shape, random weights [$LORAPAR_EVAL_BENCH_ARGS]; log in model-bench-eval.log.
run_eval_bench() {
    local data="${LORAPAR_SHARED_DATA:-}"
    if [[ -z $data || ! -f $data/gsm8k/test.jsonl || ! -f $data/llama2-tokenizer/tokenizer.model ]]; then
        step_result "model bench eval" "not run: the bundle has no gsm8k/test.jsonl or llama2-tokenizer (prepare-bundle.sh copies them from ../shared/data)"
        return 0
    fi
    local -a extra=()
    read -r -a extra <<<"${LORAPAR_EVAL_BENCH_ARGS:-}"
    run_java_bench "model bench eval" dev.lorapar.bench.gpu.EvalBench "$out/model-bench-eval.log" \
        --gsm8k "$data/gsm8k/test.jsonl" --tokenizer "$data/llama2-tokenizer/tokenizer.model" "${extra[@]}"
}

# The benchmarks of issues 5, 6, 8 and 9 (7B shape unless noted), each when its step is selected.
run_issue_benchmarks() {
    local pytorch="$repo_root/benchmarks/pytorch"
    if model_step grpo; then
        run_java_bench "model bench grpo" dev.lorapar.bench.gpu.GrpoBench "$out/model-bench-grpo.log" --steps 4
    fi
    if model_step hf-rollout; then
        step "Hugging Face generate with LoRA, sampled, batch 64, prompt 128 + 256 new (GRPO's rollout shape)"
        run_python_bench "model bench hf rollout" "$out/model-bench-hf-rollout.log" "$pytorch/llama_decode_torch.py" \
            --batches 64 --prompt 128 --new 256 --temperature 0.9 --json "$out/model-bench-hf-rollout.json"
    fi
    if model_step serve; then
        run_java_bench "model bench serve" dev.lorapar.bench.gpu.ServeBench "$out/model-bench-serve.log"
    fi
    if model_step pipeline; then
        run_java_bench "model bench pipeline" dev.lorapar.bench.gpu.PipelineBench "$out/model-bench-pipeline.log"
    fi
    local data="${LORAPAR_SHARED_DATA:-}"
    if model_step classify && [[ -n $data && -f $data/gsm8k/test.jsonl && -f $data/llama2-tokenizer/tokenizer.model ]]; then
        run_java_bench "model bench classify" dev.lorapar.bench.gpu.ClassifyBench "$out/model-bench-classify.log" \
            --data "$data/gsm8k/test.jsonl" --tokenizer "$data/llama2-tokenizer/tokenizer.model" --items 256
    fi
    if model_step demo; then
        # the three seeds share the GPU (a 50-100M base leaves most of it idle); each run's log in demo-cache/
        run_java_bench "model bench demo seeds" dev.lorapar.bench.gpu.DemoSeedsBench "$out/model-bench-demo-seeds.log" \
            --scale gpu --seeds 1,2,3 --device cuda:0 --jobs 3 --cache_dir "$out/demo-cache"
    fi
    if model_step demo-assets; then
        run_java_bench "model bench demo assets" dev.lorapar.bench.gpu.DemoAssetsBench "$out/model-bench-demo.log" \
            --scale gpu --seeds 1,2,3 --out "$out/demo-bench"
    fi
    if model_step data-parallel && (($(nvidia-smi -L 2>/dev/null | wc -l) >= 2)); then
        local -a dp_extra=()
        read -r -a dp_extra <<<"${LORAPAR_DP_BENCH_ARGS:-}"
        run_java_bench "model bench data parallel" dev.lorapar.bench.gpu.DataParallelBench \
            "$out/model-bench-data-parallel.log" --gpus "1,$(nvidia-smi -L | wc -l)" "${dp_extra[@]}"
    fi
}

# --model-bench: PyTorch + PEFT at the model level (LLaMA-2-7B shape), then lorapar's ModelBench.
run_model_benchmarks() {
    step "model-level benchmarks (benchmarks/pytorch/llama_train_torch.py, llama_decode_torch.py, sft_trainer_torch.py; $model_bench_class)"
    if [[ $cuda_flag == OFF ]]; then
        echo "gpu-check.sh: --no-cuda: the model-level benchmarks need a GPU: skipped"
        step_result "model bench" "skipped (--no-cuda rehearsal: they need a GPU)"
        return 0
    fi
    local pytorch="$repo_root/benchmarks/pytorch"
    # forward + backward only (no optimizer step): what lorapar's ModelBench times
    local train_args=(--batches "1,4") decode_args=(--batches "${LORAPAR_TORCH_DECODE_BATCHES:-1,16,64}")
    local sft_args=(--batches "1,4")
    [[ -n ${LORAPAR_TORCH_DECODE_REPS:-} ]] && decode_args+=(--reps "$LORAPAR_TORCH_DECODE_REPS")
    if ((quick_mode)); then
        train_args+=(--warmup 2 --steps 4)
        decode_args+=(--reps 1)
        sft_args+=(--warmup 2 --steps 4)
    fi
    if python3 -c 'import torch, transformers, peft; assert torch.cuda.is_available()' >"$out/model-bench-python.log" 2>&1; then
        if model_step torch-train; then
            step "PyTorch + PEFT LoRA training step, LLaMA-2-7B shape (${train_args[*]})"
            run_python_bench "model bench torch train" "$out/model-bench-torch-train.log" "$pytorch/llama_train_torch.py" \
                "${train_args[@]}" --json "$out/model-bench-torch-train.json"
        fi
        if model_step torch-decode; then
            step "PyTorch + PEFT greedy decoding with LoRA, LLaMA-2-7B shape (${decode_args[*]})"
            run_python_bench "model bench torch decode" "$out/model-bench-torch-decode.log" "$pytorch/llama_decode_torch.py" \
                "${decode_args[@]}" --json "$out/model-bench-torch-decode.json"
        fi
        if model_step torch-sft; then
            step "Hugging Face Trainer + PEFT SFT (issue 4), LLaMA-2-7B shape, LoRA r=8 alpha 64 QKVGUD (${sft_args[*]})"
            run_python_bench "model bench torch sft" "$out/model-bench-torch-sft.log" "$pytorch/sft_trainer_torch.py" \
                "${sft_args[@]}" --json "$out/model-bench-torch-sft.json"
        fi
    else
        step_result "model bench torch" "FAILED: python3 with torch (CUDA), transformers and peft not found ($(tail -n1 "$out/model-bench-python.log"))"
    fi

    # ---- lorapar's side: dev.lorapar.bench.gpu.ModelBench (written separately). It runs when the benchmarks
    # jar holds the class, with the arguments in $LORAPAR_MODEL_BENCH_ARGS (default: its own defaults); its
    # output goes to model-bench-lorapar.log and the lines after its last blank line (its table) to the summary.
    if benchmarks_jar_has "$model_bench_class"; then
        local status=0
        if model_step lorapar; then
            step "lorapar $model_bench_class ${LORAPAR_MODEL_BENCH_ARGS:-}"
            local -a extra=()
            read -r -a extra <<<"${LORAPAR_MODEL_BENCH_ARGS:-}"
            timeout "$model_bench_timeout_s" "$java" --enable-native-access=ALL-UNNAMED -Dlorapar.library.path="$lib" \
                -cp "$bundle/benchmarks.jar:$(dependency_class_path)" "$model_bench_class" "${extra[@]}" 2>&1 |
                tee "$out/model-bench-lorapar.log" || status=$?
            if ((status == 0)); then
                step_result "model bench lorapar" "ok (see $out/model-bench-lorapar.log)"
            else
                step_result "model bench lorapar" "FAILED (exit $status, see $out/model-bench-lorapar.log)"
            fi
        fi
        if model_step lorapar-sft; then
            run_lorapar_sft_bench
        fi
        if model_step eval; then
            run_eval_bench
        fi
        run_issue_benchmarks
        if model_step layer-ops && benchmarks_jar_has dev.lorapar.bench.gpu.LayerOpsBench; then
            step "lorapar LayerOpsBench (where a 7B training step spends its time)"
            status=0
            timeout 300 "$java" --enable-native-access=ALL-UNNAMED -Dlorapar.library.path="$lib" \
                -cp "$bundle/benchmarks.jar:$(dependency_class_path)" dev.lorapar.bench.gpu.LayerOpsBench 2>&1 |
                tee "$out/model-bench-layer-ops.log" || status=$?
            step_result "layer ops bench" "$( ((status == 0)) && echo ok || echo "FAILED (exit $status)") (see $out/model-bench-layer-ops.log)"
        fi
    else
        echo "gpu-check.sh: $model_bench_class is not in $bundle/benchmarks.jar yet: lorapar's model benchmark skipped"
        step_result "model bench lorapar" "not run: $model_bench_class is not in benchmarks.jar yet"
    fi
    return 0
}

# The table at the end of log $1: the lines after its last blank line (at most 30).
last_block() {
    awk 'NF == 0 { n = 0; next } { block[n++] = $0 } END { for (i = 0; i < n && i < 30; i++) print block[i] }' "$1"
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
        if [[ -f $out/tests-all.log ]] && grep -qE '^hf-parity ' "$out/tests-all.log"; then
            echo
            echo "Hugging Face parity (HfParityTest: measured against transformers' fp32 logits and greedy ids):"
            grep -E '^hf-parity ' "$out/tests-all.log"
        fi
        if [[ -f $out/peft-check.log ]] && grep -qE '^PEFT-CHECK' "$out/peft-check.log"; then
            echo
            echo "PEFT interchange (tests/gpu/peft_check.py: lorapar's exports loaded by transformers + peft; failures and verdict):"
            grep -E '^PEFT-CHECK( .*: FAIL|: (PASS|FAIL|logits checks skipped))' "$out/peft-check.log" || true
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
        if [[ -f $out/torch-bench.log ]]; then
            grep -E '^torch ' "$out/torch-bench.log" || true
        fi
    fi
    if ((run_model_bench)); then
        echo
        echo "model-level benchmarks (LLaMA-2-7B shape, bf16, seq 2048; train step and generation: LoRA r=16 on 7"
        echo "projections; SFT (issue 4): LoRA r=8 alpha 64 on q,k,v,gate,up,down, AdamW, Trainer + PEFT vs lorapar):"
        local log
        for log in "$out/model-bench-torch-train.log" "$out/model-bench-torch-decode.log" "$out/model-bench-torch-sft.log" \
            "$out/model-bench-hf-rollout.log"; do
            if [[ -f $log ]]; then
                grep -E '^model-bench ' "$log" || echo "(no table in $log)"
            fi
        done
        for log in "$out/model-bench-lorapar.log" "$out/model-bench-lorapar-sft.log" "${java_bench_logs[@]}"; do
            if [[ -f $log ]]; then
                last_block "$log"
            fi
        done
    fi
    if ((${#step_rows[@]} > 0)); then
        echo
        local step_row
        for step_row in "${step_rows[@]}"; do
            echo "$step_row"
        done
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
    # never summarize a previous run's numbers
    rm -f "$out/results.md" "$out/results.csv" "$out/torch-bench.log" "$out/tests-gpu.log" "$out/tests-all.log" \
        "$out"/model-bench-* "$out/hf-reference.log" "$out/peft-fixture.log" "$out/peft-check.log"
    rm -rf "$out/peft-cases"
    if ! check_prerequisites || ! prepare_runtime_and_library; then
        fail "stopped before the tests: see above"
        print_summary | tee "$out/summary.txt"
        return 1
    fi
    if [[ $cuda_flag == ON ]]; then
        export LD_LIBRARY_PATH="$cuda_home/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        add_nccl_to_library_path
    fi
    if ((run_tests)); then
        if ((gpu_suite_only)); then
            local -a selection=()
            read -r -a selection <<<"${LORAPAR_GPU_SUITE_ARGS:---include-tag gpu}"
            run_suite gpu "${selection[@]}"
        else
            make_hf_reference
            run_suite gpu --include-tag gpu
            run_suite all
            run_peft_check
        fi
    fi
    if ((run_bench)); then
        run_benchmark
        [[ $cuda_flag == ON ]] && run_torch_baseline
    fi
    if ((run_model_bench)); then
        run_model_benchmarks
    fi
    print_summary | tee "$out/summary.txt"
    ((failures == 0))
}

mkdir -p "$out"
status=0
main 2>&1 | tee "$out/gpu-check.log" || status=$?
exit "$status"

#!/usr/bin/env bash
# One device call's worth of GPU work, spread over the machine's GPUs. Runs THERE, like gpu-check.sh (which it drives):
#   1. gpu-check.sh --build-only: the Java runtime unpacked and liblorapar.so built once
#   2. per GPU, in the order given, its parts (CUDA_VISIBLE_DEVICES = that GPU); the GPUs work at the same time:
#        --tests GPU          the tests (gpu-check.sh --skip-bench: GPU suite, whole suite, HF parity, PEFT check)
#        --gpu-tests GPU      the GPU suite alone (gpu-check.sh --skip-bench --gpu-suite-only)
#        --bench GPU STEPS    model-level benchmark steps (gpu-check.sh --model-bench-only, LORAPAR_MODEL_BENCH_STEPS)
#      correctness runs do not care about a neighbour; timings do, so a GPU whose numbers count runs benchmarks alone
#   3. then, with every GPU visible:
#        --multi-gpu-test     GpuDataParallelTest (NCCL, needs 2 GPUs), or the classes in $LORAPAR_MULTI_GPU_TESTS
#        --multi-gpu STEPS    model-level steps that use every GPU (data-parallel)
#   4. a table last: each part's summary (or, when the deadline cut it, its last steps), and the logs packed into
#      $OUT/session.tgz (files under 2 MB: no model weights)
# Everything stops at --deadline SECONDS after the start (default 560: inside the device tool's 10-minute call).
#
# usage: bash tests/gpu/device-session.sh [--deadline S] [--tests GPU] [--gpu-tests GPU] [--bench GPU STEPS]...
#                                         [--multi-gpu-test]
#                                         [--multi-gpu STEPS] [--no-cuda]
set -uo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly repo_root
readonly check="$repo_root/tests/gpu/gpu-check.sh"
readonly out=${OUT:-/tmp/lorapar-session-out}
readonly work=/tmp/lorapar-session
readonly started=$SECONDS

deadline=560
# per GPU: its parts in order, "tests" or "bench:STEPS", space-separated
declare -A gpu_parts=()
multi_test=0
multi_steps=
# --no-cuda: a rehearsal on a machine without a GPU (passed on to every gpu-check.sh run)
no_cuda=()
while (($# > 0)); do
    case $1 in
        --deadline) deadline=$2; shift ;;
        --tests) gpu_parts[$2]+=" tests"; shift ;;
        --gpu-tests) gpu_parts[$2]+=" gpu-tests"; shift ;;
        --bench) gpu_parts[$2]+=" bench:$3"; shift 2 ;;
        --multi-gpu-test) multi_test=1 ;;
        --multi-gpu) multi_steps=$2; shift ;;
        --no-cuda) no_cuda=(--no-cuda) ;;
        *)
            echo "device-session.sh: unknown option '$1'" >&2
            awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
            exit 2
            ;;
    esac
    shift
done
readonly deadline multi_test multi_steps

# seconds left before the deadline (at least 1, so that timeout never gets 0 = no limit)
left() {
    local s=$((deadline - (SECONDS - started)))
    echo $((s > 1 ? s : 1))
}

# part NAME [env assignments...] -- gpu-check.sh options: one gpu-check run into $work/NAME, cut at the deadline
part() {
    local name=$1
    shift
    local -a env_vars=()
    while [[ $1 != -- ]]; do
        env_vars+=("$1")
        shift
    done
    shift
    mkdir -p "$work/$name"
    env "${env_vars[@]}" OUT="$work/$name" timeout --kill-after=10 "$(left)" bash "$check" "${no_cuda[@]}" "$@" \
        >"$work/$name/console.log" 2>&1
    echo "$?" >"$work/$name/exit-status"
}

rm -rf "$work"
mkdir -p "$work" "$out"
echo "device-session: $(date -u +%FT%TZ), $(nvidia-smi -L 2>/dev/null | wc -l) GPU(s), deadline ${deadline} s"
part build -- --build-only
echo "device-session: build done at $((SECONDS - started)) s (exit $(cat "$work/build/exit-status"))"

# run_gpu GPU: that GPU's parts, one after another (part names: tests-GPU, bench-GPU-1, bench-GPU-2, ...)
run_gpu() {
    local gpu=$1 item n=0
    for item in ${gpu_parts[$gpu]}; do
        if [[ $item == tests ]]; then
            part "tests-$gpu" CUDA_VISIBLE_DEVICES="$gpu" -- --no-build --skip-bench
        elif [[ $item == gpu-tests ]]; then
            part "gpu-tests-$gpu" CUDA_VISIBLE_DEVICES="$gpu" -- --no-build --skip-bench --gpu-suite-only
        else
            n=$((n + 1))
            part "bench-$gpu-$n" CUDA_VISIBLE_DEVICES="$gpu" LORAPAR_MODEL_BENCH_STEPS="${item#bench:}" -- --no-build \
                --model-bench-only
        fi
    done
}

pids=()
for gpu in "${!gpu_parts[@]}"; do
    run_gpu "$gpu" &
    pids+=($!)
done
((${#pids[@]} > 0)) && wait "${pids[@]}"
echo "device-session: single-GPU parts done at $((SECONDS - started)) s"
if ((multi_test)); then
    selection=""
    for class in ${LORAPAR_MULTI_GPU_TESTS:-dev.lorapar.tests.gpu.GpuDataParallelTest}; do
        selection+=" --select-class $class"
    done
    part multi-test LORAPAR_GPU_SUITE_ARGS="$selection" -- --no-build --skip-bench --gpu-suite-only
fi
if [[ -n $multi_steps ]]; then
    part multi LORAPAR_MODEL_BENCH_STEPS="$multi_steps" -- --no-build --model-bench-only
fi

# the logs, without weights (files under 2 MB), and each part's summary beside them
(cd "$work" && find . -type f -size -2M -print0 | tar --null -czf "$out/session.tgz" -T -)
for dir in "$work"/*/; do
    name=$(basename "$dir")
    echo
    echo "######## $name: exit $(cat "$dir/exit-status" 2>/dev/null || echo '?')"
    if [[ -f $dir/summary.txt ]]; then
        [[ $name == build ]] || {
            cp "$dir/summary.txt" "$out/$name-summary.txt"
            cat "$dir/summary.txt"
        }
    else
        echo "(no summary: cut by the deadline?) last steps and lines:"
        grep -E '^==== gpu-check' "$dir/console.log" | tail -n 4
        tail -n 15 "$dir/console.log"
    fi
done
echo "device-session: done at $((SECONDS - started)) s"

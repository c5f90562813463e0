#!/usr/bin/env python3
"""PyTorch + PEFT model-level baseline: greedy generation with a LoRA adapter active on a LLaMA-2-7B-shaped model
(random bf16 weights) on one GPU, against the GPU's weight-bandwidth bound.

What is measured:
  model     as llama_train_torch.py: LlamaForCausalLM 7B shape, bf16, attn_implementation="sdpa", eager (no
            torch.compile); PEFT LoRA r=16, alpha=32 on the seven projections, active (lora_B non-zero, not merged)
  generate  model.generate(prompt [batch×128], max_new_tokens=128, do_sample=False, use_cache=True, no eos stop),
            for batch 1 and 64 (--batches); wall time between torch.cuda.synchronize() calls, median of --reps runs
            after one short warmup generate; tokens/s = 128 · batch / time
  prefill   model(prompt, use_cache=True) alone, median of --reps; per decode step ≈ (generate − prefill) / 127
  bound     a decode step reads every weight once: bytes = all parameters except the token-embedding table (a
            step gathers only `batch` rows of it) including the LoRA matrices; at the copy bandwidth measured here
            (device-to-device copy of 4 GiB, read + write bytes / time, CUDA events, median) a step takes at least
            bytes / bandwidth, so tokens/s ≤ batch / that. The KV-cache bytes a step also reads are reported apart.
Prints one "model-bench torch-decode" line per batch size and writes everything to --json.

Usage: python3 llama_decode_torch.py [--batches 1,64] [--prompt 128] [--new 128] [--reps 3] [--layers 32] [--temperature 0]
                                     [--adapter-dtype peft|bf16] [--json PATH]
"""
import argparse
import os
import statistics
import sys
import time

import llama_train_torch as common


def copy_bandwidth(torch, nbytes, reps=10, warmup=3):
    """Device-to-device copy of nbytes: (read + write bytes) / median time, in bytes/s; and the median ms."""
    src = torch.empty(nbytes, dtype=torch.uint8, device="cuda").random_()
    dst = torch.empty_like(src)
    for _ in range(warmup):
        dst.copy_(src)
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        dst.copy_(src)
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    ms = statistics.median(times)
    del src, dst
    common.free_memory(torch)
    return 2 * nbytes / (ms / 1000.0), ms


def weight_bytes(model):
    """(bytes of all parameters, bytes a decode step reads: all but the token-embedding table)."""
    total = read = 0
    for name, p in model.named_parameters():
        size = p.numel() * p.element_size()
        total += size
        if "embed_tokens" not in name:
            read += size
    return total, read


def kv_bytes_per_step(layers, batch, prompt, new, element_size=2):
    """Average bytes of K and V cache read per decode step (context grows from prompt to prompt + new − 1)."""
    mean_context = prompt + (new - 1) / 2.0
    return 2 * layers * common.KV_HEADS * (common.HIDDEN // common.HEADS) * element_size * mean_context * batch


def timed(torch, fn):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    result = fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1000.0, result


def measure(torch, model, layers, batch, prompt_len, new, reps, bandwidth, step_bytes, seed, temperature=0.0):
    gen = torch.Generator(device="cuda").manual_seed(seed)
    prompt = torch.randint(0, common.VOCAB, (batch, prompt_len), device="cuda", generator=gen)  # [b×prompt]
    mask = torch.ones_like(prompt)

    sampling = dict(do_sample=False) if temperature <= 0 else dict(do_sample=True, temperature=temperature, top_k=0,
                                                                     top_p=1.0)

    def generate(max_new):
        return model.generate(input_ids=prompt, attention_mask=mask, max_new_tokens=max_new, num_beams=1,
                              use_cache=True, eos_token_id=None, **sampling)

    with torch.no_grad():
        timed(torch, lambda: generate(8))  # warmup: kernels, allocator, cache classes
        prefill = [timed(torch, lambda: model(input_ids=prompt, attention_mask=mask, use_cache=True))[0]
                   for _ in range(reps)]
        runs, out = [], None
        for _ in range(reps):
            ms, out = timed(torch, lambda: generate(new))
            runs.append(ms)
    produced = out.shape[1] - prompt_len
    gen_ms, prefill_ms = statistics.median(runs), statistics.median(prefill)
    step_ms = (gen_ms - prefill_ms) / max(1, produced - 1)
    bound_step_ms = step_bytes / bandwidth * 1000.0
    kv = kv_bytes_per_step(layers, batch, prompt_len, produced)
    return dict(status="ok", new_tokens_produced=produced, generate_ms_median=round(gen_ms, 2),
                generate_ms_all=[round(t, 2) for t in runs], prefill_ms_median=round(prefill_ms, 2),
                decode_step_ms=round(step_ms, 3), tokens_per_s=round(produced * batch / (gen_ms / 1000.0), 1),
                bound_step_ms=round(bound_step_ms, 3), bound_tokens_per_s=round(batch / (bound_step_ms / 1000.0), 1),
                decode_step_vs_bound=round(bound_step_ms / step_ms, 3) if step_ms > 0 else None,
                kv_cache_bytes_per_step_mean=int(kv),
                bound_step_ms_with_kv=round((step_bytes + kv) / bandwidth * 1000.0, 3),
                peak_allocated_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2))


def print_table(rows):
    common.log("")
    common.log(f"model-bench torch-decode {'config':<16} {'status':<6} {'tokens/s':>10} {'step ms':>8} "
               f"{'bound ms':>9} {'of bound':>9} {'bound tok/s':>12} {'prefill ms':>10}")
    for r in rows:
        config = f"b{r['batch']} {r['prompt']}+{r['new']}"
        if r["status"] == "ok":
            common.log(f"model-bench torch-decode {config:<16} {'ok':<6} {r['tokens_per_s']:>10.1f} {r['decode_step_ms']:>8.2f} "
                       f"{r['bound_step_ms']:>9.2f} {100 * r['decode_step_vs_bound']:>8.1f}% "
                       f"{r['bound_tokens_per_s']:>12.1f} {r['prefill_ms_median']:>10.1f}")
        else:
            common.log(f"model-bench torch-decode {config:<16} {r['status']:<6}  {r.get('error', '')[:100]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batches", type=common.parse_ints, default=[1, 64], help="batch sizes (default 1,64)")
    ap.add_argument("--prompt", type=int, default=128, help="prompt tokens (default 128)")
    ap.add_argument("--new", type=int, default=128, help="new tokens (default 128)")
    ap.add_argument("--reps", type=int, default=3, help="timed generate runs per batch size (median)")
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--copy-gib", type=float, default=4.0, help="size of the bandwidth-measuring copy (default 4 GiB)")
    ap.add_argument("--adapter-dtype", choices=["peft", "bf16"], default="peft")
    ap.add_argument("--temperature", type=float, default=0.0,
                    help="0 = greedy (default); > 0 samples at this temperature, top-k and top-p off (GRPO rollouts)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if min(args.prompt, args.new, args.reps, args.layers) <= 0 or args.copy_gib <= 0:
        ap.error("--prompt, --new, --reps, --layers and --copy-gib must be positive")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    import transformers
    import peft
    if not torch.cuda.is_available():
        common.log("llama_decode_torch: FAILED: torch.cuda.is_available() is False (this baseline needs a GPU)")
        return 1
    transformers.logging.set_verbosity_error()

    copy_bytes = int(args.copy_gib * 2**30)
    bandwidth, copy_ms = copy_bandwidth(torch, copy_bytes)
    common.log(f"llama_decode_torch: {torch.cuda.get_device_name(0)}: device copy of {args.copy_gib:g} GiB in "
               f"{copy_ms:.3f} ms = {bandwidth / 1e9:.0f} GB/s (read + write)")

    model, seconds = common.build_model(torch, transformers, args.layers, "sdpa")
    model, lora = common.add_lora(torch, peft, model, args.adapter_dtype)
    model.eval()
    gen_config = model.generation_config if hasattr(model, "generation_config") else model.base_model.generation_config
    gen_config.eos_token_id = None  # no eos: every run produces --new tokens
    gen_config.pad_token_id = None
    all_bytes, step_bytes = weight_bytes(model)
    common.log(f"llama_decode_torch: model built in {seconds:.1f} s; weights {all_bytes / 1e9:.2f} GB, read per decode "
               f"step {step_bytes / 1e9:.2f} GB (embedding table excluded) -> at least "
               f"{step_bytes / bandwidth * 1000:.2f} ms per step")

    report = dict(benchmark="llama_decode_torch", date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  device=common.device_info(torch), versions=common.versions(torch),
                  model=dict(hidden=common.HIDDEN, intermediate=common.INTERMEDIATE, layers=args.layers,
                             heads=common.HEADS, kv_heads=common.KV_HEADS, vocab=common.VOCAB, dtype="bfloat16",
                             attn_implementation="sdpa", torch_compile=False, build_seconds=round(seconds, 1),
                             weight_bytes=all_bytes, weight_bytes_read_per_step=step_bytes),
                  lora=lora,
                  copy=dict(bytes=copy_bytes, median_ms=round(copy_ms, 4), bandwidth_gbs=round(bandwidth / 1e9, 1),
                            definition="(read + write bytes) / median time of dst.copy_(src), CUDA events"),
                  generate=dict(prompt=args.prompt, new=args.new, greedy=args.temperature <= 0, temperature=args.temperature, use_cache=True, eos=None,
                                timing="wall time between torch.cuda.synchronize() calls, median of reps"),
                  results=[])
    for batch in args.batches:
        label = dict(batch=batch, prompt=args.prompt, new=args.new, reps=args.reps)
        error = None
        try:
            row = dict(label, **measure(torch, model, args.layers, batch, args.prompt, args.new, args.reps, bandwidth,
                                        step_bytes, seed=batch, temperature=args.temperature))
        except RuntimeError as e:
            if not common.is_oom(torch, e):
                raise
            error = str(e).splitlines()[0][:300]
        if error is not None:
            common.free_memory(torch)
            row = dict(label, status="OOM", error=error)
        report["results"].append(row)
        if row["status"] == "ok":
            common.log(f"llama_decode_torch: batch {batch}: {row['tokens_per_s']:.1f} tokens/s, {row['decode_step_ms']:.2f} ms "
                       f"per decode step (bound {row['bound_step_ms']:.2f} ms), prefill {row['prefill_ms_median']:.1f} ms, "
                       f"{row['new_tokens_produced']} new tokens")
            if row["new_tokens_produced"] != args.new:
                common.log(f"llama_decode_torch: warning: generate produced {row['new_tokens_produced']} tokens, not {args.new}")
        else:
            common.log(f"llama_decode_torch: batch {batch}: {row['status']}: {row['error']}")
        common.write_json(args.json, report)
    print_table(report["results"])
    common.write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

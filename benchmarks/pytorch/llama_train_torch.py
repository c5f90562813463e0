#!/usr/bin/env python3
"""PyTorch + PEFT model-level baseline: one LoRA fine-tuning step of a LLaMA-2-7B-shaped model on one GPU, the
comparison point of lorapar's dev.lorapar.bench.gpu.ModelBench (run in the same GPU check, on the same GPU).

What is measured (bf16 base weights, random; no checkpoint needed):
  model     LlamaForCausalLM, hidden 4096, intermediate 11008, 32 layers, 32 heads / 32 kv heads, vocab 32000,
            attn_implementation="sdpa", eager PyTorch (no torch.compile), no gradient checkpointing
  adapter   PEFT LoRA r=16, alpha=32, dropout 0 on q, k, v, o, gate, up, down (PEFT's default adapter dtype:
            fp32 adapters on a bf16 base; --adapter-dtype bf16 keeps them bf16)
  step      logits = model(ids); loss = cross_entropy(logits.float(), random targets) over all batch·seq tokens;
            loss.backward(); with --optimizer also torch.optim.AdamW(fused=True).step() over the LoRA parameters
            and zero_grad (without it the gradients are dropped with zero_grad(set_to_none=True))
  timing    warmup steps, then N steps each between two CUDA events: median / mean / min ms, tokens/s =
            batch·seq / median; peak memory torch.cuda.max_memory_allocated / max_memory_reserved over warmup + steps
  FLOPs     "model TFLOP/s" counts what ModelBench counts: 4·N·T for the projections and LM head (N their weights,
            T = batch·seq; forward plus the input-gradient half of the backward; LoRA's own FLOPs left out) plus
            7·seq²·hidden per layer and sequence for causal attention (2 forward, 5 backward)
A configuration that runs out of GPU memory is reported as OOM (in the table and the JSON), not a crash.
Prints one "model-bench torch-train" line per configuration and writes everything to --json.

Usage: python3 llama_train_torch.py [--batches 1,4] [--seq 2048] [--warmup 3] [--steps 10] [--optimizer]
                                    [--layers 32] [--adapter-dtype peft|bf16] [--json PATH]
"""
import argparse
import gc
import inspect
import json
import os
import statistics
import sys
import time

HIDDEN, INTERMEDIATE, HEADS, KV_HEADS, VOCAB = 4096, 11008, 32, 32, 32000
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def log(msg):
    print(msg, flush=True)


def parse_ints(text):
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, got {text!r}")
    return values


def versions(torch):
    out = dict(python=sys.version.split()[0], torch=torch.__version__, cuda=getattr(torch.version, "cuda", None))
    for name in ("transformers", "peft"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            out[name] = None
    return out


def device_info(torch):
    props = torch.cuda.get_device_properties(0)
    return dict(name=props.name, total_memory_gib=round(props.total_memory / 2**30, 1),
                multiprocessors=props.multi_processor_count)


def llama_7b_config(transformers, layers, attn_implementation):
    return transformers.LlamaConfig(
        hidden_size=HIDDEN, intermediate_size=INTERMEDIATE, num_hidden_layers=layers,
        num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, vocab_size=VOCAB,
        max_position_embeddings=4096, rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False,
        bos_token_id=None, eos_token_id=None, pad_token_id=None, use_cache=False,
        attn_implementation=attn_implementation)


def build_model(torch, transformers, layers, attn_implementation, seed=0):
    """A bf16 LlamaForCausalLM made directly on the GPU, weights refilled from a seeded generator:
    matrices N(0, 0.02²), norms 1. Returns (model, seconds)."""
    t0 = time.time()
    config = llama_7b_config(transformers, layers, attn_implementation)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device("cuda"):
            model = transformers.LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    gen = torch.Generator(device="cuda").manual_seed(seed)
    with torch.no_grad():
        for _, p in model.named_parameters():
            if p.dim() >= 2:
                p.normal_(0.0, 0.02, generator=gen)
            else:
                p.fill_(1.0)
    impl = getattr(model.config, "_attn_implementation", None)
    if impl != attn_implementation:
        log(f"warning: the model runs attention implementation {impl!r}, not {attn_implementation!r}")
    torch.cuda.synchronize()
    return model, time.time() - t0


def add_lora(torch, peft, model, adapter_dtype, seed=1):
    """PEFT LoRA r=16, alpha=32, dropout 0 on the seven projections; lora_B drawn small (not PEFT's zeros) so
    the adapter changes the output. Returns (peft model, summary dict)."""
    config = peft.LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, bias="none", target_modules=LORA_TARGETS,
                             task_type="CAUSAL_LM")
    kwargs = {}
    if "autocast_adapter_dtype" in inspect.signature(peft.get_peft_model).parameters:
        kwargs["autocast_adapter_dtype"] = adapter_dtype == "peft"
    model = peft.get_peft_model(model, config, **kwargs)
    gen = torch.Generator(device="cuda").manual_seed(seed)
    lora = [(n, p) for n, p in model.named_parameters() if "lora_" in n]
    with torch.no_grad():
        for name, p in lora:
            if adapter_dtype == "bf16" and p.dtype != torch.bfloat16:
                p.data = p.data.to(torch.bfloat16)
            if "lora_B" in name:
                p.normal_(0.0, 0.01, generator=gen)
    trainable = [p for p in model.parameters() if p.requires_grad]
    summary = dict(r=16, alpha=32, dropout=0.0, targets=LORA_TARGETS, adapter_dtype_option=adapter_dtype,
                   lora_tensors=len(lora), lora_parameters=sum(p.numel() for _, p in lora),
                   lora_dtypes=sorted({str(p.dtype) for _, p in lora}),
                   trainable_parameters=sum(p.numel() for p in trainable),
                   base_dtypes=sorted({str(p.dtype) for n, p in model.named_parameters() if "lora_" not in n}))
    if summary["trainable_parameters"] != summary["lora_parameters"]:
        log(f"warning: {summary['trainable_parameters']} trainable parameters but {summary['lora_parameters']} LoRA ones")
    return model, summary


def projection_weights(layers):
    """N of the FLOP formula: weights of the 7 projections in every layer plus the LM head."""
    per_layer = 4 * HIDDEN * HIDDEN + 3 * HIDDEN * INTERMEDIATE  # MHA: k, v are hidden×hidden too
    return layers * per_layer + VOCAB * HIDDEN


def model_flops(layers, batch, seq):
    return 4 * projection_weights(layers) * batch * seq + 7 * seq * seq * HIDDEN * layers * batch


def is_oom(torch, error):
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    return (oom_type is not None and isinstance(error, oom_type)) or "out of memory" in str(error).lower()


def free_memory(torch):
    gc.collect()
    torch.cuda.empty_cache()


def measure(torch, F, model, layers, batch, seq, warmup, steps, with_optimizer, seed):
    """Times forward + loss + backward (+ AdamW) steps of one batch shape; returns a result dict."""
    gen = torch.Generator(device="cuda").manual_seed(seed)
    ids = torch.randint(0, VOCAB, (batch, seq), device="cuda", generator=gen)      # [b×s]
    targets = torch.randint(0, VOCAB, (batch, seq), device="cuda", generator=gen)  # [b×s]
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0, fused=True) if with_optimizer else None

    def step():
        logits = model(input_ids=ids, use_cache=False).logits  # [b×s×vocab]
        loss = F.cross_entropy(logits.float().reshape(-1, VOCAB), targets.reshape(-1))
        loss.backward()
        if opt is not None:
            opt.step()
            opt.zero_grad(set_to_none=True)
        else:
            model.zero_grad(set_to_none=True)
        return loss.detach()

    torch.cuda.synchronize()
    resident = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    loss = None
    for _ in range(warmup):
        loss = step()
    torch.cuda.synchronize()
    times = []
    for _ in range(steps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        loss = step()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    median = statistics.median(times)
    tokens = batch * seq
    loss_value = float(loss.item()) if loss is not None else float("nan")
    result = dict(status="ok", step_ms_median=round(median, 3), step_ms_mean=round(statistics.fmean(times), 3),
                  step_ms_min=round(min(times), 3), step_ms_all=[round(t, 3) for t in times],
                  tokens_per_s=round(tokens / (median / 1000.0), 1),
                  model_tflops=round(model_flops(layers, batch, seq) / (median / 1000.0) / 1e12, 1),
                  loss=round(loss_value, 4), loss_finite=loss_value == loss_value and abs(loss_value) != float("inf"),
                  resident_gib_before=round(resident / 2**30, 2),
                  peak_allocated_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2),
                  peak_reserved_gib=round(torch.cuda.max_memory_reserved() / 2**30, 2))
    if opt is not None:
        opt.zero_grad(set_to_none=True)
    return result


def run_config(torch, F, model, layers, batch, seq, warmup, steps, with_optimizer, seed):
    """measure(), with an out-of-memory error turned into an OOM result (memory freed before returning)."""
    label = dict(batch=batch, seq=seq, tokens=batch * seq, optimizer=with_optimizer, warmup=warmup, steps=steps)
    error = None
    try:
        return dict(label, **measure(torch, F, model, layers, batch, seq, warmup, steps, with_optimizer, seed))
    except RuntimeError as e:  # torch.cuda.OutOfMemoryError is a RuntimeError
        if not is_oom(torch, e):
            raise
        error = str(e).splitlines()[0][:300]
    model.zero_grad(set_to_none=True)
    free_memory(torch)
    return dict(label, status="OOM", error=error, peak_allocated_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2))


def print_table(kind, rows):
    log("")
    log(f"model-bench torch-{kind} {'config':<22} {'status':<6} {'median ms':>10} {'tokens/s':>10} {'TFLOP/s':>8} "
        f"{'peak alloc GiB':>14} {'peak resv GiB':>13}")
    for r in rows:
        config = f"{r['batch']}x{r['seq']}{' +AdamW' if r['optimizer'] else ''}"
        if r["status"] == "ok":
            log(f"model-bench torch-{kind} {config:<22} {'ok':<6} {r['step_ms_median']:>10.1f} {r['tokens_per_s']:>10.0f} "
                f"{r['model_tflops']:>8.1f} {r['peak_allocated_gib']:>14.2f} {r['peak_reserved_gib']:>13.2f}")
        else:
            log(f"model-bench torch-{kind} {config:<22} {r['status']:<6} {'':>10} {'':>10} {'':>8} "
                f"{r.get('peak_allocated_gib', float('nan')):>14.2f} {'':>13}  {r.get('error', '')[:80]}")


def write_json(path, obj):
    if not path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    log(f"wrote {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batches", type=parse_ints, default=[1, 4], help="batch sizes, comma-separated (default 1,4)")
    ap.add_argument("--seq", type=int, default=2048)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--optimizer", action="store_true",
                    help="also measure each batch size with the LoRA AdamW step included")
    ap.add_argument("--layers", type=int, default=32, help="decoder layers (32 for LLaMA-2-7B; fewer for a quick try)")
    ap.add_argument("--adapter-dtype", choices=["peft", "bf16"], default="peft",
                    help="peft: PEFT's default (fp32 adapters on a bf16 base); bf16: adapters kept bf16")
    ap.add_argument("--json", default=None, help="write the results here")
    args = ap.parse_args()
    if args.steps <= 0 or args.warmup < 0 or args.seq <= 0 or args.layers <= 0:
        ap.error("--steps, --seq and --layers must be positive and --warmup non-negative")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    import torch.nn.functional as F
    import transformers
    import peft
    if not torch.cuda.is_available():
        log("llama_train_torch: FAILED: torch.cuda.is_available() is False (this baseline needs a GPU)")
        return 1
    transformers.logging.set_verbosity_error()

    report = dict(benchmark="llama_train_torch", date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  device=device_info(torch), versions=versions(torch),
                  model=dict(hidden=HIDDEN, intermediate=INTERMEDIATE, layers=args.layers, heads=HEADS,
                             kv_heads=KV_HEADS, vocab=VOCAB, dtype="bfloat16", attn_implementation="sdpa",
                             torch_compile=False, gradient_checkpointing=False,
                             cuda_matmul_allow_tf32=bool(torch.backends.cuda.matmul.allow_tf32)),
                  step=("logits = model(ids); loss = cross_entropy(logits.float(), random targets) over all tokens; "
                        "loss.backward(); [+ fused AdamW over the LoRA parameters]"),
                  timing="CUDA events around each step after warmup; median, mean, min, all",
                  flops_formula="4*N*T (N = 7 projections x layers + LM head weights, T = batch*seq) "
                                "+ 7*seq^2*hidden*layers*batch",
                  results=[])
    log(f"llama_train_torch: {report['device']['name']}, torch {torch.__version__}, transformers "
        f"{transformers.__version__}, peft {peft.__version__}; {args.layers} layers, batches {args.batches} x {args.seq}")
    model, seconds = build_model(torch, transformers, args.layers, "sdpa")
    report["model"]["build_seconds"] = round(seconds, 1)
    report["model"]["parameters"] = sum(p.numel() for p in model.parameters())
    model, lora = add_lora(torch, peft, model, args.adapter_dtype)
    model.train()
    report["lora"] = lora
    log(f"llama_train_torch: model built in {seconds:.1f} s, {report['model']['parameters'] / 1e9:.2f}B parameters; "
        f"LoRA {lora['lora_parameters'] / 1e6:.1f}M parameters ({', '.join(lora['lora_dtypes'])}) in "
        f"{lora['lora_tensors']} tensors; weights resident {torch.cuda.memory_allocated() / 2**30:.1f} GiB")

    configs = [(b, False) for b in args.batches]
    if args.optimizer:
        configs += [(b, True) for b in args.batches]
    for batch, with_optimizer in configs:
        row = run_config(torch, F, model, args.layers, batch, args.seq, args.warmup, args.steps, with_optimizer, seed=batch)
        report["results"].append(row)
        if row["status"] == "ok":
            log(f"llama_train_torch: {batch}x{args.seq}{' +AdamW' if with_optimizer else ''}: median "
                f"{row['step_ms_median']:.1f} ms, {row['tokens_per_s']:.0f} tokens/s, loss {row['loss']}, peak "
                f"{row['peak_allocated_gib']:.1f} GiB allocated")
        else:
            log(f"llama_train_torch: {batch}x{args.seq}{' +AdamW' if with_optimizer else ''}: {row['status']}: {row['error']}")
        write_json(args.json, report)  # after each configuration: a later crash keeps what was measured
    print_table("train", report["results"])
    write_json(args.json, report)
    bad = [r for r in report["results"] if r["status"] == "ok" and not r["loss_finite"]]
    if bad:
        log(f"llama_train_torch: FAILED: non-finite loss in {len(bad)} configuration(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Hugging Face Trainer + PEFT SFT baseline: SFT tokens/s of a LLaMA-2-7B-shaped model on one GPU, the comparison
point of issue 4 for lorapar's `dev.lorapar.bench.gpu.ModelBench --sft` (run in the same GPU check, on the same GPU).

What is measured (bf16 base weights, random; no checkpoint, no tokenizer, no network):
  model     LlamaForCausalLM, hidden 4096, intermediate 11008, 32 layers, 32 heads / 32 kv heads, vocab 32000, bf16,
            attn_implementation="sdpa", eager PyTorch, no gradient checkpointing (built as llama_train_torch.py does)
  adapter   the method's LoRA setup: PEFT LoRA r=8, lora_alpha=64, dropout 0, target_modules q_proj, k_proj, v_proj,
            gate_proj, up_proj, down_proj ("QKVGUD"), PEFT's default init and adapter dtype (fp32 on the bf16 base)
  data      an in-memory dataset of random token sequences of length seq (2048), labels = input_ids (every token
            trained; the model shifts them), no padding, no attention mask; default_data_collator
  trainer   transformers.Trainer: per_device_train_batch_size B, gradient_accumulation_steps 1, bf16=True,
            optim adamw_torch_fused (adamw_torch when refused), lr 2e-4, cosine schedule with warm-up ratio 0.03,
            max_grad_norm 1.0, weight_decay 0, report_to none, save_strategy no, logging_steps 10^6, dataloader
            workers 0, max_steps = warmup + steps
  timing    a TrainerCallback: on_step_begin and on_step_end each do torch.cuda.synchronize() + perf_counter(); the
            first --warmup steps are dropped; median / mean / min step ms; tokens/s = B·seq / median step ms. Also the
            median interval between consecutive step ends (which includes the Trainer's batch fetch and collation,
            done before on_step_begin) and its tokens/s. Peak memory: torch.cuda.max_memory_allocated / reserved
            over the whole train() call (stats reset, cache emptied before it)
  FLOPs     "model TFLOP/s" as llama_train_torch.py / ModelBench count it: 4·N·T (N = the 7 projections of every layer
            plus the LM head, T = B·seq) + 7·seq²·hidden per layer and sequence
transformers 5 renamed or removed several TrainingArguments (warmup_ratio went in 5.15: warmup_steps takes a float
ratio instead). Arguments are checked against the TrainingArguments fields of the installed version; any that is
refused is mapped or dropped and logged ("api:" lines, and "api_notes" in the JSON).
A configuration that runs out of GPU memory is reported as OOM (in the table and the JSON), not a crash.
Prints one "model-bench torch-sft" line per configuration and writes everything to --json.

Usage: python3 sft_trainer_torch.py [--batches 1,4] [--seq 2048] [--warmup 3] [--steps 10] [--layers 32]
                                    [--optim adamw_torch_fused] [--json PATH]
Exit status: 0 every configuration ran or was OOM with finite losses; 1 otherwise (an error, a non-finite loss, or
no GPU).
"""
import argparse
import dataclasses
import gc
import inspect
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
import traceback

from llama_train_torch import (VOCAB, build_model, device_info, free_memory, is_oom, log, model_flops, parse_ints,
                               versions, write_json)

LORA_R, LORA_ALPHA = 8, 64
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "down_proj"]
LEARNING_RATE, LR_WARMUP_RATIO, MAX_GRAD_NORM = 2e-4, 0.03, 1.0


def add_lora(peft, model):
    """PEFT LoRA r=8, alpha=64, dropout 0 on QKVGUD with PEFT's defaults. Returns (peft model, summary dict)."""
    config = peft.LoraConfig(r=LORA_R, lora_alpha=LORA_ALPHA, lora_dropout=0.0, bias="none",
                             target_modules=LORA_TARGETS, task_type="CAUSAL_LM")
    model = peft.get_peft_model(model, config)
    lora = [(n, p) for n, p in model.named_parameters() if "lora_" in n]
    trainable = [p for p in model.parameters() if p.requires_grad]
    summary = dict(r=LORA_R, alpha=LORA_ALPHA, dropout=0.0, targets=LORA_TARGETS, init="peft default",
                   lora_tensors=len(lora), lora_parameters=sum(p.numel() for _, p in lora),
                   lora_dtypes=sorted({str(p.dtype) for _, p in lora}),
                   trainable_parameters=sum(p.numel() for p in trainable))
    if summary["trainable_parameters"] != summary["lora_parameters"]:
        log(f"warning: {summary['trainable_parameters']} trainable parameters but {summary['lora_parameters']} LoRA ones")
    return model, summary


def make_dataset(torch, count, seq, seed):
    """count random sequences [count×seq] of token ids; each item {input_ids, labels} (labels = input_ids)."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, VOCAB, (count, seq), generator=gen, dtype=torch.long)  # [count×seq]

    class RandomTokens(torch.utils.data.Dataset):
        def __len__(self):
            return count

        def __getitem__(self, i):
            row = ids[i]
            return {"input_ids": row, "labels": row.clone()}

    return RandomTokens()


class ApiNotes:
    """What the installed transformers refused and what was done instead."""

    def __init__(self):
        self.notes = []

    def add(self, text):
        if text not in self.notes:
            self.notes.append(text)
            log(f"api: {text}")


def trainer_version_major(transformers):
    try:
        return int(transformers.__version__.split(".")[0])
    except ValueError:
        return 0


def training_arguments(transformers, notes, output_dir, batch, max_steps, optim, seed):
    """TrainingArguments for one configuration, adapted to the installed version: kwargs that are not fields are
    mapped (warmup_ratio <-> warmup_steps) or dropped, a refused optimizer falls back to adamw_torch; each change is
    noted. Returns (args, effective kwargs)."""
    cls = transformers.TrainingArguments
    fields = {f.name for f in dataclasses.fields(cls)}
    wanted = dict(
        output_dir=output_dir, per_device_train_batch_size=batch, gradient_accumulation_steps=1, max_steps=max_steps,
        bf16=True, optim=optim, learning_rate=LEARNING_RATE, weight_decay=0.0, lr_scheduler_type="cosine",
        max_grad_norm=MAX_GRAD_NORM, gradient_checkpointing=False, report_to="none", save_strategy="no",
        logging_steps=1_000_000, logging_first_step=False, disable_tqdm=True, dataloader_num_workers=0,
        remove_unused_columns=False, label_names=["labels"], seed=seed, use_cache=False)
    # transformers >= 5: warmup_steps < 1 is a ratio (warmup_ratio deprecated in 5.0, removed in 5.15)
    if trainer_version_major(transformers) >= 5 or "warmup_ratio" not in fields:
        wanted["warmup_steps"] = LR_WARMUP_RATIO
    else:
        wanted["warmup_ratio"] = LR_WARMUP_RATIO
    kwargs = {}
    for key, value in wanted.items():
        if key in fields:
            kwargs[key] = value
        elif key == "warmup_ratio" and "warmup_steps" in fields:
            kwargs["warmup_steps"] = value
            notes.add(f"TrainingArguments has no warmup_ratio: warmup_steps={value} (a ratio) instead")
        elif key == "use_cache":
            pass  # a TrainingArguments field only in newer versions; the model config has use_cache=False anyway
        else:
            notes.add(f"TrainingArguments has no field {key!r}: dropped ({key}={value!r})")
    for _ in range(4):
        try:
            return cls(**kwargs), kwargs
        except (TypeError, ValueError) as e:
            text = str(e)
            if "warmup_steps" in kwargs and isinstance(kwargs["warmup_steps"], float) and "warmup" in text \
                    and "warmup_ratio" in fields:
                kwargs["warmup_ratio"] = kwargs.pop("warmup_steps")
                notes.add(f"warmup_steps={kwargs['warmup_ratio']} refused ({text.splitlines()[0][:160]}): "
                          f"warmup_ratio instead")
            elif kwargs.get("optim") != "adamw_torch" and ("optim" in text or "fused" in text):
                notes.add(f"optim={kwargs.get('optim')!r} refused ({text.splitlines()[0][:160]}): adamw_torch instead")
                kwargs["optim"] = "adamw_torch"
            else:
                raise
    return cls(**kwargs), kwargs


def make_trainer(transformers, notes, model, args, dataset, callback):
    """transformers.Trainer with the kwargs its signature takes (no tokenizer / processing_class needed)."""
    params = inspect.signature(transformers.Trainer.__init__).parameters
    kwargs = dict(model=model, args=args, train_dataset=dataset, data_collator=transformers.default_data_collator,
                  callbacks=[callback])
    for key in list(kwargs):
        if key not in params and not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            notes.add(f"Trainer.__init__ has no parameter {key!r}: dropped")
            kwargs.pop(key)
    return transformers.Trainer(**kwargs)


def step_timer(torch, transformers):
    """A TrainerCallback recording, per optimizer step, begin -> end ms (GPU synchronized) and the end times."""

    class StepTimer(transformers.TrainerCallback):
        def __init__(self):
            self.begin = None
            self.step_ms = []  # on_step_begin -> on_step_end, per step
            self.ends = []  # perf_counter at each on_step_end

        def on_step_begin(self, args, state, control, **kwargs):
            torch.cuda.synchronize()
            self.begin = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            torch.cuda.synchronize()
            now = time.perf_counter()
            if self.begin is not None:
                self.step_ms.append((now - self.begin) * 1e3)
            self.begin = None
            self.ends.append(now)

    return StepTimer()


def summarize(timer, warmup, batch, seq, layers):
    """The timing part of a result from a StepTimer, the first `warmup` steps dropped."""
    steps = timer.step_ms[warmup:]
    intervals = [(timer.ends[i] - timer.ends[i - 1]) * 1e3 for i in range(max(1, warmup), len(timer.ends))]
    out = dict(steps_seen=len(timer.ends), step_ms_all=[round(t, 3) for t in timer.step_ms],
               interval_ms_all=[round(t, 3) for t in intervals])
    timed = steps
    if not timer.step_ms:
        timed = intervals
        out["timing_note"] = "on_step_begin never fired: step ms are the intervals between step ends"
    if not timed:
        out["status"] = "no-steps"
        out["error"] = f"only {len(timer.ends)} steps seen, {warmup} warm-up steps dropped: nothing to time"
        return out
    median = statistics.median(timed)
    tokens = batch * seq
    out.update(status="ok", step_ms_median=round(median, 3), step_ms_mean=round(statistics.fmean(timed), 3),
               step_ms_min=round(min(timed), 3), tokens_per_s=round(tokens / (median / 1e3), 1),
               model_tflops=round(model_flops(layers, batch, seq) / (median / 1e3) / 1e12, 1))
    if intervals:
        interval = statistics.median(intervals)
        out.update(interval_ms_median=round(interval, 3), tokens_per_s_interval=round(tokens / (interval / 1e3), 1))
    return out


def enum_text(value):
    """'adamw_torch_fused' for OptimizerNames.ADAMW_TORCH_FUSED (and plain strings as they are)."""
    return str(getattr(value, "value", value))


def release(trainer, notes):
    """Undo accelerate's autocast wrapper of model.forward (so the next configuration's Trainer wraps it once) and
    drop the Trainer's and the Accelerator's references to the optimizer and scheduler."""
    try:
        trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
    except Exception as e:  # noqa: BLE001 - cosmetic: a double wrapper only nests autocast
        notes.add(f"accelerator.unwrap_model(keep_fp32_wrapper=False) failed ({type(e).__name__}: {e}); going on")
    trainer.optimizer = None
    trainer.lr_scheduler = None
    try:
        trainer.accelerator.free_memory()
    except Exception as e:  # noqa: BLE001 - only memory held a little longer
        notes.add(f"accelerator.free_memory() failed ({type(e).__name__}: {e}); going on")


def train_once(torch, transformers, notes, model, batch, seq, layers, warmup, steps, optim, seed):
    """One Trainer run of warmup + steps optimizer steps at batch B; returns a result dict (raises on errors other
    than out-of-memory)."""
    max_steps = warmup + steps
    output_dir = tempfile.mkdtemp(prefix="sft-trainer-torch-")
    label = dict(batch=batch, seq=seq, tokens=batch * seq, warmup=warmup, steps=steps, max_steps=max_steps)
    trainer = None
    try:
        args, effective = training_arguments(transformers, notes, output_dir, batch, max_steps, optim, seed)
        timer = step_timer(torch, transformers)
        dataset = make_dataset(torch, max_steps * batch, seq, seed)
        trainer = make_trainer(transformers, notes, model, args, dataset, timer)
        free_memory(torch)
        torch.cuda.synchronize()
        resident = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        try:
            output = trainer.train()
        except RuntimeError as e:  # torch.cuda.OutOfMemoryError is a RuntimeError
            if not is_oom(torch, e):
                raise
            peak = torch.cuda.max_memory_allocated()
            return dict(label, status="OOM", error=str(e).splitlines()[0][:300], optim=effective.get("optim"),
                        steps_seen=len(timer.ends), peak_allocated_gib=round(peak / 2**30, 2))
        torch.cuda.synchronize()
        wall = time.perf_counter() - t0
        result = dict(label, **summarize(timer, warmup, batch, seq, layers))
        loss = float(getattr(output, "training_loss", float("nan")))
        metrics = {k: v for k, v in (getattr(output, "metrics", None) or {}).items() if isinstance(v, (int, float))}
        result.update(train_loss=round(loss, 4), loss_finite=math.isfinite(loss), train_wall_s=round(wall, 2),
                      trainer_metrics=metrics, resident_gib_before=round(resident / 2**30, 2),
                      peak_allocated_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2),
                      peak_reserved_gib=round(torch.cuda.max_memory_reserved() / 2**30, 2),
                      optim=enum_text(getattr(args, "optim", effective.get("optim"))),
                      lr_scheduler=enum_text(getattr(args, "lr_scheduler_type", "cosine")),
                      lr_warmup=dict((k, effective[k]) for k in ("warmup_steps", "warmup_ratio") if k in effective),
                      bf16=bool(getattr(args, "bf16", True)))
        if result["steps_seen"] != max_steps:
            result["timing_note"] = (result.get("timing_note", "") + f" {result['steps_seen']} steps seen, "
                                     f"{max_steps} expected").strip()
        return result
    finally:
        if trainer is not None:
            release(trainer, notes)
        del trainer
        model.zero_grad(set_to_none=True)
        free_memory(torch)
        shutil.rmtree(output_dir, ignore_errors=True)


def run_config(torch, transformers, notes, model, batch, args):
    """train_once with the optimizer fallback (a fused AdamW refused at train time: adamw_torch) and any other error
    turned into an error row (traceback printed), so the other configurations still run."""
    optim = args.optim
    for attempt in range(2):
        try:
            return train_once(torch, transformers, notes, model, batch, args.seq, args.layers, args.warmup,
                              args.steps, optim, seed=batch)
        except Exception as e:  # noqa: BLE001 - reported in the table and the JSON
            text = f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"
            if attempt == 0 and optim != "adamw_torch" and "fused" in str(e).lower():
                notes.add(f"optim={optim!r} failed at train time ({text}): retrying with adamw_torch")
                optim = "adamw_torch"
                continue
            traceback.print_exc()
            return dict(batch=batch, seq=args.seq, tokens=batch * args.seq, warmup=args.warmup, steps=args.steps,
                        status="ERROR", error=text)
    raise AssertionError("unreachable")


def print_table(rows):
    log("")
    log(f"model-bench torch-sft {'config':<22} {'status':<6} {'median ms':>10} {'tokens/s':>10} {'TFLOP/s':>8} "
        f"{'e2e tok/s':>10} {'peak alloc GiB':>14} {'peak resv GiB':>13}")
    for r in rows:
        config = f"r8 QKVGUD {r['batch']}x{r['seq']}"
        if r["status"] == "ok":
            e2e = r.get("tokens_per_s_interval")
            log(f"model-bench torch-sft {config:<22} {'ok':<6} {r['step_ms_median']:>10.1f} {r['tokens_per_s']:>10.0f} "
                f"{r['model_tflops']:>8.1f} {'' if e2e is None else f'{e2e:.0f}':>10} "
                f"{r['peak_allocated_gib']:>14.2f} {r['peak_reserved_gib']:>13.2f}")
        else:
            peak = r.get("peak_allocated_gib")
            log(f"model-bench torch-sft {config:<22} {r['status']:<6} {'':>10} {'':>10} {'':>8} {'':>10} "
                f"{'' if peak is None else f'{peak:.2f}':>14} {'':>13}  {r.get('error', '')[:80]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batches", type=parse_ints, default=[1, 4], help="per-device batch sizes (default 1,4)")
    ap.add_argument("--seq", type=int, default=2048)
    ap.add_argument("--warmup", type=int, default=3, help="optimizer steps run first and not timed (default 3)")
    ap.add_argument("--steps", type=int, default=10, help="timed optimizer steps (default 10)")
    ap.add_argument("--layers", type=int, default=32, help="decoder layers (32 for LLaMA-2-7B; fewer for a quick try)")
    ap.add_argument("--optim", default="adamw_torch_fused", help="Trainer optim (adamw_torch when refused)")
    ap.add_argument("--json", default=None, help="write the results here")
    args = ap.parse_args()
    if args.steps <= 0 or args.warmup < 0 or args.seq <= 0 or args.layers <= 0:
        ap.error("--steps, --seq and --layers must be positive and --warmup non-negative")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("WANDB_DISABLED", "true")
    import torch
    import transformers
    import peft
    if not torch.cuda.is_available():
        log("sft_trainer_torch: FAILED: torch.cuda.is_available() is False (this baseline needs a GPU)")
        return 1
    transformers.logging.set_verbosity_error()
    notes = ApiNotes()

    report = dict(benchmark="sft_trainer_torch", date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  device=device_info(torch), versions=versions(torch),
                  model=dict(hidden=4096, intermediate=11008, layers=args.layers, heads=32, kv_heads=32, vocab=VOCAB,
                             dtype="bfloat16", attn_implementation="sdpa", torch_compile=False,
                             gradient_checkpointing=False,
                             cuda_matmul_allow_tf32=bool(torch.backends.cuda.matmul.allow_tf32)),
                  trainer=dict(per_device_train_batch_size="B", gradient_accumulation_steps=1, bf16=True,
                               optim_requested=args.optim, learning_rate=LEARNING_RATE, lr_scheduler_type="cosine",
                               lr_warmup_ratio=LR_WARMUP_RATIO, max_grad_norm=MAX_GRAD_NORM, weight_decay=0.0,
                               dataloader_num_workers=0, max_steps=args.warmup + args.steps,
                               data="random token sequences, labels = input_ids, no padding, no attention mask"),
                  timing=("TrainerCallback on_step_begin/on_step_end with torch.cuda.synchronize + perf_counter; "
                          f"first {args.warmup} steps dropped; tokens/s = B*seq / median step ms; e2e = median "
                          "interval between step ends (includes the batch fetch)"),
                  flops_formula="4*N*T (N = 7 projections x layers + LM head weights, T = batch*seq) "
                                "+ 7*seq^2*hidden*layers*batch",
                  api_notes=notes.notes, results=[])
    log(f"sft_trainer_torch: {report['device']['name']}, torch {torch.__version__}, transformers "
        f"{transformers.__version__}, peft {peft.__version__}; {args.layers} layers, batches {args.batches} x "
        f"{args.seq}, {args.warmup} warm-up + {args.steps} timed steps")
    model, seconds = build_model(torch, transformers, args.layers, "sdpa")
    report["model"]["build_seconds"] = round(seconds, 1)
    report["model"]["parameters"] = sum(p.numel() for p in model.parameters())
    model, lora = add_lora(peft, model)
    model.train()
    report["lora"] = lora
    log(f"sft_trainer_torch: model built in {seconds:.1f} s, {report['model']['parameters'] / 1e9:.2f}B parameters; "
        f"LoRA r={LORA_R} alpha={LORA_ALPHA} on {','.join(LORA_TARGETS)}: {lora['lora_parameters'] / 1e6:.1f}M "
        f"parameters ({', '.join(lora['lora_dtypes'])}) in {lora['lora_tensors']} tensors; weights resident "
        f"{torch.cuda.memory_allocated() / 2**30:.1f} GiB")

    for batch in args.batches:
        row = run_config(torch, transformers, notes, model, batch, args)
        report["results"].append(row)
        if row["status"] == "ok":
            log(f"sft_trainer_torch: {batch}x{args.seq}: median step {row['step_ms_median']:.1f} ms, "
                f"{row['tokens_per_s']:.0f} tokens/s (e2e {row.get('tokens_per_s_interval', float('nan')):.0f}), "
                f"train loss {row['train_loss']}, peak {row['peak_allocated_gib']:.1f} GiB allocated, optim "
                f"{row['optim']}; steps ms {row['step_ms_all']}")
        else:
            log(f"sft_trainer_torch: {batch}x{args.seq}: {row['status']}: {row.get('error', '')}")
        write_json(args.json, report)  # after each configuration: a later crash keeps what was measured
    print_table(report["results"])
    write_json(args.json, report)
    errors = [r for r in report["results"] if r["status"] not in ("ok", "OOM")]
    bad = [r for r in report["results"] if r["status"] == "ok" and not r["loss_finite"]]
    if errors or bad:
        log(f"sft_trainer_torch: FAILED: {len(errors)} configuration(s) did not run, {len(bad)} with a non-finite loss")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

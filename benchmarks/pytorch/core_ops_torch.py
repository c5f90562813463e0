#!/usr/bin/env python3
"""PyTorch / PEFT baselines for the tensor-core benchmarks, run on the same GPU in the same GPU check
as dev.lorapar.bench.gpu.GpuBench. Prints one line per measurement and writes a CSV.

What each baseline is (bf16 unless noted, LLaMA-2-7B shapes, CUDA-event timing, median of many, inputs
rotated over several sets so the 60 MB L2 does not flatter):
  dense_fwd        y = x·wᵀ                                   (torch.nn.functional.linear → cuBLAS)
  peft_fwd         a PEFT LoRA-wrapped nn.Linear, forward     (peft.get_peft_model, r, alpha = 2r)
  dense_bwd_dx     dx = dy·w
  peft_bwd         autograd backward of the PEFT layer (dx, dA, dB; w frozen)
  importance       s1 += g·p; s2 += (g·p)² over the 384 LoRA tensors of LLaMA-2-7B QKVGUD r=8 (torch._foreach)
  adamw_masked     the reference script's path: grad ⊙ mask, then torch.optim.AdamW(fused=True).step()
  top_mass         torch.sort (descending) + cumsum + searchsorted over 17,891,328 importances
Usage: python3 core_ops_torch.py [--quick] [--out DIR]
"""
import argparse
import csv
import os
import statistics

import torch
import torch.nn as nn
import torch.nn.functional as F


def time_ms(fn, sets, warmup=5, reps=30):
    """Median and min milliseconds of fn(set) over rotating input sets, timed with CUDA events."""
    for i in range(warmup):
        fn(sets[i % len(sets)])
    torch.cuda.synchronize()
    times = []
    for i in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn(sets[i % len(sets)])
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times), min(times)


def lora_7b_shapes(r=8, layers=32, dim=4096, ffn=11008):
    """(rows, cols) of every LoRA matrix of LLaMA-2-7B with QKVGUD adapters: 384 tensors, 17,891,328 elements."""
    shapes = []
    for _ in range(layers):
        for d_in, d_out in [(dim, dim), (dim, dim), (dim, dim), (dim, ffn), (dim, ffn), (ffn, dim)]:
            shapes.append((r, d_in))   # A [r×d_in]
            shapes.append((d_out, r))  # B [d_out×r]
    return shapes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=os.environ.get("OUT", "/tmp/lorapar-gpu-out"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    dev = torch.device("cuda")
    torch.manual_seed(0)
    rows = []

    def report(name, shape, ms, ms_min, flops=None, bytes_moved=None):
        tf = flops / ms / 1e9 if flops else float("nan")
        gbs = bytes_moved / ms / 1e6 if bytes_moved else float("nan")
        rows.append(dict(name=name, shape=shape, median_ms=f"{ms:.4f}", min_ms=f"{ms_min:.4f}",
                         tflops=f"{tf:.1f}", gbs=f"{gbs:.0f}"))
        print(f"torch {name:<14} {shape:<28} median {ms:8.3f} ms  min {ms_min:8.3f} ms  "
              f"{tf:7.1f} TFLOP/s  {gbs:7.0f} GB/s", flush=True)

    # ceilings, measured here
    n_copy = 1 << 30
    src = torch.empty(n_copy, dtype=torch.uint8, device=dev).random_()
    dst = torch.empty_like(src)
    ms, mn = time_ms(lambda s: dst.copy_(src), [None])
    report("copy_ceiling", "1 GiB d2d", ms, mn, bytes_moved=2 * n_copy)
    del src, dst
    g = 8192
    ga = [torch.randn(g, g, device=dev, dtype=torch.bfloat16) for _ in range(2)]
    ms, mn = time_ms(lambda s: ga[0] @ ga[1], [None])
    report("gemm_ceiling", "8192^3 bf16", ms, mn, flops=2 * g ** 3)
    del ga

    from peft import LoraConfig, get_peft_model

    class Proj(nn.Module):
        def __init__(self, k, n):
            super().__init__()
            self.proj = nn.Linear(k, n, bias=False)

        def forward(self, x):
            return self.proj(x)

    m, k = 8192, 4096
    ns = [4096] if args.quick else [4096, 11008]
    ranks = [16] if args.quick else [8, 16, 64]
    for n in ns:
        w = torch.randn(n, k, device=dev, dtype=torch.bfloat16) * 0.02
        xs = [torch.randn(m, k, device=dev, dtype=torch.bfloat16) for _ in range(3)]
        dys = [torch.randn(m, n, device=dev, dtype=torch.bfloat16) for _ in range(3)]
        flops = 2 * m * n * k
        ms, mn = time_ms(lambda x: F.linear(x, w), xs)
        report("dense_fwd", f"m{m} k{k} n{n}", ms, mn, flops=flops)
        ms, mn = time_ms(lambda dy: dy @ w, dys)
        report("dense_bwd_dx", f"m{m} k{k} n{n}", ms, mn, flops=flops)
        for r in ranks:
            base = Proj(k, n).to(dev, torch.bfloat16)
            base.proj.weight.data.copy_(w)
            model = get_peft_model(base, LoraConfig(r=r, lora_alpha=2 * r, target_modules=["proj"], lora_dropout=0.0))
            for name, p in model.named_parameters():
                if "lora_" in name:
                    p.data.normal_(0, 0.01)
            with torch.no_grad():
                ms, mn = time_ms(lambda x: model(x), xs)
            report(f"peft_fwd_r{r}", f"m{m} k{k} n{n}", ms, mn, flops=flops + 2 * m * r * (k + n))
            xg = [x.clone().requires_grad_(True) for x in xs]

            def fwd_bwd(i):
                y = model(xg[i])
                y.backward(dys[i])
            idx = list(range(3))
            ms_fb, mn_fb = time_ms(fwd_bwd, idx)
            with torch.no_grad():
                ms_f, _ = time_ms(lambda x: model(x), xs)
            report(f"peft_fwdbwd_r{r}", f"m{m} k{k} n{n}", ms_fb, mn_fb)
            report(f"peft_bwd_r{r}", f"m{m} k{k} n{n} (fwdbwd-fwd)", ms_fb - ms_f, mn_fb - ms_f)
            del model, base, xg
        del w, xs, dys
        torch.cuda.empty_cache()

    shapes = lora_7b_shapes()
    numel = sum(a * b for a, b in shapes)
    params = [torch.randn(s, device=dev) * 0.01 for s in shapes]
    grads = [torch.randn(s, device=dev) for s in shapes]
    s1 = [torch.zeros(s, device=dev) for s in shapes]
    s2 = [torch.zeros(s, device=dev) for s in shapes]

    def importance(_):
        prod = torch._foreach_mul(grads, params)
        torch._foreach_add_(s1, prod)
        torch._foreach_mul_(prod, prod)
        torch._foreach_add_(s2, prod)
    ms, mn = time_ms(importance, [None])
    report("importance", f"{len(shapes)} tensors {numel}", ms, mn, bytes_moved=numel * 4 * 6)

    masks = [(torch.rand(s, device=dev) < 0.4).float() for s in shapes]
    ps = [nn.Parameter(p.clone()) for p in params]
    opt = torch.optim.AdamW(ps, lr=2e-4, weight_decay=0.1, fused=True)
    for p, gr in zip(ps, grads):
        p.grad = gr.clone()

    def adamw(_):
        torch._foreach_mul_([p.grad for p in ps], masks)
        opt.step()
    ms, mn = time_ms(adamw, [None])
    report("adamw_masked", f"{len(shapes)} tensors {numel}", ms, mn, bytes_moved=numel * 4 * (4 + 3 + 2))

    imp = torch.rand(numel, device=dev)

    def top_mass(_):
        vals, idx = torch.sort(imp, descending=True, stable=True)
        cum = torch.cumsum(vals.double(), 0)
        cut = torch.searchsorted(cum, 0.9 * cum[-1]).item() + 1
        mask = torch.zeros(numel, dtype=torch.uint8, device=dev)
        mask[idx[:cut]] = 1
        return mask
    ms, mn = time_ms(top_mass, [None], warmup=2, reps=10)
    report("top_mass", f"n {numel}", ms, mn)

    with open(os.path.join(args.out, "torch_results.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        wr.writeheader()
        wr.writerows(rows)


if __name__ == "__main__":
    main()

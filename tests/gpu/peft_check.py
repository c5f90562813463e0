#!/usr/bin/env python3
"""PEFT / transformers check of lorapar's Hugging Face exports (dev.lorapar.train.export).

Reads the cases written by the Java side (dev.lorapar.tests.train.export.PeftCheckFixture), each a folder with
  case.json           token ids [batch][seq], vocabulary size, the names below, the tolerance (relative L2)
  base/               a Hugging Face LlamaForCausalLM folder (config.json + safetensors)
  adapter/            lorapar's PEFT export (adapter_config.json + adapter_model.safetensors [+ lorapar_masks.*])
  merged/             lorapar's merged export (W + scale·B·A as a LlamaForCausalLM folder, maybe sharded)
  base_logits.f32     lorapar's fp32 logits of the base alone            [batch·seq × vocab] little-endian float32
  adapter_logits.f32  lorapar's fp32 logits of the base + the adapter     (same layout)
  merged_logits.f32   lorapar's fp32 logits of merged/ as lorapar loads it
and checks, per case, with transformers and peft in fp32 (eager attention, TF32 off):
  structure   adapter_config.json and the adapter's tensor names / shapes are what PEFT expects for this base
  base        transformers' logits of base/                         vs base_logits.f32
  adapter     peft.PeftModel.from_pretrained(base, adapter/) logits vs adapter_logits.f32; every LoRA parameter PEFT
              created holds the file's values (nothing silently left at its init), and the adapter changes the logits
  merged      transformers' logits of merged/                       vs merged_logits.f32 (and, for an fp32 export,
              also vs the PEFT model's logits)
  peft-merge  (fp32 exports) peft's merge_and_unload() weights      vs merged/'s tensors
Each check prints one line "PEFT-CHECK <case> <check>: PASS|FAIL <detail>"; the last line is
"PEFT-CHECK: PASS (n checks)" or "PEFT-CHECK: FAIL (k of n checks failed: ...)".

Usage: python3 tests/gpu/peft_check.py DIR [DIR ...] [--device auto|cuda|cpu] [--tolerance T] [--structure-only]
  DIR is a folder with cases.json (all its cases) or one case folder (with case.json).
  --structure-only runs only the checks that need no torch (for machines without it).
Exit status: 0 all passed; 1 a check failed; 2 bad usage, unreadable cases or torch / transformers / peft missing.
Needs no network: everything is loaded from the given folders (HF_HUB_OFFLINE is set).
"""
import argparse
import array
import json
import math
import os
import re
import struct
import sys

FORMAT = "lorapar-peft-check/1"
KEY = re.compile(r"^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.(q|k|v|o|gate|up|down)_proj\."
                 r"lora_(A|B)\.weight$")
BLOCK = {"q": "self_attn", "k": "self_attn", "v": "self_attn", "o": "self_attn",
         "gate": "mlp", "up": "mlp", "down": "mlp"}


class CaseError(Exception):
    """A case folder is incomplete or malformed (exit status 2)."""


# ---------------------------------------------------------------- pure Python helpers (no torch needed)

def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise CaseError(f"{path}: {e}")


def read_f32(path, count):
    data = array.array("f")
    try:
        with open(path, "rb") as f:
            data.frombytes(f.read())
    except OSError as e:
        raise CaseError(f"{path}: {e}")
    if sys.byteorder != "little":
        data.byteswap()
    if len(data) != count:
        raise CaseError(f"{path}: {len(data)} floats, expected {count}")
    return data


def safetensors_header(path):
    """The JSON header of a safetensors file (name -> {dtype, shape, data_offsets}), without __metadata__."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) != 8:
                raise CaseError(f"{path}: too short for a safetensors header")
            (length,) = struct.unpack("<Q", head)
            if length > 100_000_000:
                raise CaseError(f"{path}: header length {length} is implausible")
            header = json.loads(f.read(length).decode("utf-8"))
    except (OSError, ValueError) as e:
        raise CaseError(f"{path}: {e}")
    header.pop("__metadata__", None)
    return header


def relative_l2(got, ref):
    """||got − ref|| / ||ref|| in float64 (the absolute norm when ref is 0); inf when got has a non-finite value."""
    diff = norm = 0.0
    for g, r in zip(got, ref):
        if not math.isfinite(g):
            return math.inf
        diff += (g - r) ** 2
        norm += r * r
    return math.sqrt(diff / norm) if norm > 0 else math.sqrt(diff)


def projection_shape(config, proj):
    """(out_features, in_features) of a LLaMA projection under an HF config.json."""
    dim, hidden = config["hidden_size"], config["intermediate_size"]
    heads = config["num_attention_heads"]
    kv = config.get("num_key_value_heads") or heads
    kv_dim = kv * (config.get("head_dim") or dim // heads)
    return {"q": (dim, dim), "k": (kv_dim, dim), "v": (kv_dim, dim), "o": (dim, dim),
            "gate": (hidden, dim), "up": (hidden, dim), "down": (dim, hidden)}[proj]


def check_structure(case_dir, case):
    """Problems (strings) with adapter_config.json and the adapter's tensors for the base in case_dir."""
    problems = []
    adapter = os.path.join(case_dir, case["adapter"])
    base_config = read_json(os.path.join(case_dir, case["base"], "config.json"))
    cfg = read_json(os.path.join(adapter, "adapter_config.json"))
    expect = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "bias": "none", "fan_in_fan_out": False,
              "use_dora": False, "lora_dropout": 0.0}
    for key, want in expect.items():
        if cfg.get(key) != want:
            problems.append(f"adapter_config.json {key} = {cfg.get(key)!r}, expected {want!r}")
    r = cfg.get("r")
    targets = cfg.get("target_modules")
    if not isinstance(r, int) or r < 1:
        problems.append(f"adapter_config.json r = {r!r} is not a positive integer")
        return problems
    if not isinstance(targets, list) or not targets:
        problems.append(f"adapter_config.json target_modules = {targets!r} is not a non-empty list")
        return problems
    header = safetensors_header(os.path.join(adapter, "adapter_model.safetensors"))
    expected = set()
    for layer in range(base_config["num_hidden_layers"]):
        for module in targets:
            proj = module[:-len("_proj")] if module.endswith("_proj") else module
            if proj not in BLOCK:
                problems.append(f"target_modules entry {module!r} is not a LLaMA projection")
                continue
            out_f, in_f = projection_shape(base_config, proj)
            prefix = f"base_model.model.model.layers.{layer}.{BLOCK[proj]}.{module}"
            expected.add(prefix + ".lora_A.weight")
            expected.add(prefix + ".lora_B.weight")
            for name, shape in ((prefix + ".lora_A.weight", [r, in_f]), (prefix + ".lora_B.weight", [out_f, r])):
                entry = header.get(name)
                if entry is None:
                    problems.append(f"adapter_model.safetensors lacks {name}")
                elif entry.get("shape") != shape:
                    problems.append(f"{name} has shape {entry.get('shape')}, expected {shape}")
                elif entry.get("dtype") not in ("F32", "BF16", "F16"):
                    problems.append(f"{name} has dtype {entry.get('dtype')}")
    for name in header:
        if name not in expected:
            problems.append(f"adapter_model.safetensors has an unexpected tensor {name}"
                            + ("" if KEY.match(name) else " (not a PEFT LoRA key)"))
    if not os.path.isfile(os.path.join(case_dir, case["merged"], "config.json")):
        problems.append("merged/ has no config.json")
    return problems


def load_case(case_dir):
    case = read_json(os.path.join(case_dir, "case.json"))
    if case.get("format") != FORMAT:
        raise CaseError(f"{case_dir}/case.json: format {case.get('format')!r} is not {FORMAT!r}")
    tokens = case.get("tokens")
    if not tokens or not all(isinstance(row, list) and len(row) == len(tokens[0]) and row for row in tokens):
        raise CaseError(f"{case_dir}/case.json: tokens must be a non-empty [batch][seq] list of equal-length rows")
    count = len(tokens) * len(tokens[0]) * case["vocab"]
    for key in ("base_logits", "adapter_logits", "merged_logits"):
        case[key + "_values"] = read_f32(os.path.join(case_dir, case[key]), count)
    return case


def case_dirs(paths):
    out = []
    for p in paths:
        if os.path.isfile(os.path.join(p, "case.json")):
            out.append(p)
        elif os.path.isfile(os.path.join(p, "cases.json")):
            listed = read_json(os.path.join(p, "cases.json"))
            if listed.get("format") != FORMAT:
                raise CaseError(f"{p}/cases.json: format {listed.get('format')!r} is not {FORMAT!r}")
            out.extend(os.path.join(p, name) for name in listed["cases"])
        else:
            raise CaseError(f"{p}: neither case.json nor cases.json")
    if not out:
        raise CaseError("no cases")
    return out


class Report:
    def __init__(self):
        self.results = []

    def add(self, case, check, ok, detail):
        self.results.append((case, check, ok))
        print(f"PEFT-CHECK {case} {check}: {'PASS' if ok else 'FAIL'} {detail}", flush=True)

    def compare(self, case, check, got, ref, tolerance):
        err = relative_l2(got, ref)
        self.add(case, check, err <= tolerance, f"rel_l2={err:.3e} (tolerance {tolerance:.0e}, n={len(ref)})")
        return err

    def finish(self):
        failed = [f"{c} {k}" for c, k, ok in self.results if not ok]
        if failed:
            print(f"PEFT-CHECK: FAIL ({len(failed)} of {len(self.results)} checks failed: {', '.join(failed)})")
            return 1
        print(f"PEFT-CHECK: PASS ({len(self.results)} checks)")
        return 0


# ---------------------------------------------------------------- torch / transformers / peft part

def configure_precision(torch):
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")


def load_hf(transformers, torch, folder, device):
    model = transformers.LlamaForCausalLM.from_pretrained(folder, attn_implementation="eager", torch_dtype=torch.float32)
    model = model.to(device=device, dtype=torch.float32).eval()
    dtypes = {p.dtype for p in model.parameters()}
    if dtypes != {torch.float32}:
        raise CaseError(f"{folder}: loaded with parameter dtypes {dtypes}, expected float32 only")
    return model


def logits_of(torch, model, tokens, device):
    ids = torch.tensor(tokens, dtype=torch.long, device=device)  # [b×s]
    with torch.no_grad():
        out = model(input_ids=ids, use_cache=False).logits.float()  # [b×s×v]
    return out.reshape(-1).cpu().tolist()


def check_lora_parameters(torch, peft_model, adapter_dir):
    """Problems: LoRA parameters of the PEFT model that do not hold the adapter file's values, and file tensors no
    parameter took."""
    from safetensors.torch import load_file
    stored = load_file(os.path.join(adapter_dir, "adapter_model.safetensors"))
    problems, seen = [], set()
    for name, param in peft_model.named_parameters():
        if "lora_" not in name:
            continue
        key = name.replace(".default.", ".")
        want = stored.get(key)
        if want is None:
            problems.append(f"parameter {name} has no tensor {key} in the file")
            continue
        seen.add(key)
        if tuple(want.shape) != tuple(param.shape) or not torch.equal(want.to(torch.float32), param.detach().cpu().float()):
            problems.append(f"parameter {name} does not hold the file's {key}")
    problems += [f"file tensor {k} was not loaded into any parameter" for k in stored if k not in seen]
    return problems


def run_case(modules, case_dir, case, device, tolerance, report):
    torch, transformers, peft = modules
    name = case.get("name") or os.path.basename(case_dir)
    tokens = case["tokens"]
    base_dir = os.path.join(case_dir, case["base"])
    adapter_dir = os.path.join(case_dir, case["adapter"])
    merged_dir = os.path.join(case_dir, case["merged"])

    base = load_hf(transformers, torch, base_dir, device)
    report.compare(name, "base", logits_of(torch, base, tokens, device), case["base_logits_values"], tolerance)

    model = peft.PeftModel.from_pretrained(base, adapter_dir, is_trainable=False).to(device).eval()
    problems = check_lora_parameters(torch, model, adapter_dir)
    report.add(name, "adapter-weights", not problems, "; ".join(problems[:5]) if problems
               else "every LoRA parameter holds the file's values")
    peft_logits = logits_of(torch, model, tokens, device)
    report.compare(name, "adapter", peft_logits, case["adapter_logits_values"], tolerance)
    moved = relative_l2(peft_logits, case["base_logits_values"])
    report.add(name, "adapter-active", moved > 1e-3, f"adapted vs base logits rel_l2={moved:.3e} (must be > 1e-3)")

    merged = load_hf(transformers, torch, merged_dir, device)
    report.compare(name, "merged", logits_of(torch, merged, tokens, device), case["merged_logits_values"], tolerance)
    if case.get("export_dtype") == "float32":
        report.compare(name, "merged-vs-peft", logits_of(torch, merged, tokens, device), peft_logits, tolerance)
        unloaded = model.merge_and_unload()
        theirs = {k: v.detach().cpu() for k, v in unloaded.state_dict().items()}
        worst, worst_name = 0.0, None
        for k, v in merged.state_dict().items():
            if k not in theirs:
                continue
            ref = theirs[k].double()
            err = ((v.detach().cpu().double() - ref).norm() / ref.norm().clamp_min(1e-30)).item()
            if err > worst:
                worst, worst_name = err, k
        report.add(name, "peft-merge", worst <= 1e-5,
                   f"max tensor rel_l2={worst:.3e} ({worst_name}) vs peft merge_and_unload (tolerance 1e-05)")
    del base, model, merged


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dirs", nargs="+", help="a folder with cases.json, or case folders")
    parser.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"])
    parser.add_argument("--tolerance", type=float, default=None, help="relative L2 bound (default: case.json's)")
    parser.add_argument("--structure-only", action="store_true", help="only the checks that need no torch")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    report = Report()
    try:
        dirs = case_dirs(args.dirs)
        cases = [(d, load_case(d)) for d in dirs]
    except CaseError as e:
        print(f"PEFT-CHECK: FAIL (bad case: {e})")
        return 2
    for d, case in cases:
        problems = check_structure(d, case)
        report.add(case.get("name") or os.path.basename(d), "structure", not problems,
                   "; ".join(problems[:5]) if problems else "adapter_config.json and tensor names/shapes as PEFT expects")
    if args.structure_only:
        print("PEFT-CHECK: logits checks skipped (--structure-only)")
        return report.finish()
    try:
        import torch
        import transformers
        import peft
    except Exception as e:  # noqa: BLE001 - any import failure means the check cannot run
        print(f"PEFT-CHECK: FAIL (cannot import torch, transformers and peft: {e})")
        return 2
    configure_precision(torch)
    device = torch.device("cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
                          else "cpu")
    print(f"PEFT-CHECK: torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}, "
          f"device {device}", flush=True)
    for d, case in cases:
        tolerance = args.tolerance if args.tolerance is not None else float(case.get("tolerance", 1e-4))
        try:
            run_case((torch, transformers, peft), d, case, device, tolerance, report)
        except Exception as e:  # noqa: BLE001 - report and go on with the other cases
            report.add(case.get("name") or os.path.basename(d), "load", False, f"{type(e).__name__}: {e}")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())

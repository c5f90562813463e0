#!/usr/bin/env python3
"""Hugging Face parity references for lorapar (read by tests/src/test/java/dev/lorapar/tests/gpu/HfParityTest.java).

Builds seeded, random-weight LlamaForCausalLM models with transformers, saves each with save_pretrained
(safetensors), reloads it from disk with from_pretrained, and writes what transformers computes from the
saved weights in fp32 (eager attention; on CUDA with TF32 off):
  DIR/<model>/config.json, model.safetensors or model-0000k-of-0000n.safetensors + model.safetensors.index.json
  DIR/<model>/reference.json     the prompts, the config as transformers understood it, per case the logits
                                 file and shape and the greedy continuation (model.generate, do_sample=False,
                                 no eos stop, KV cache), and the checks made here
  DIR/<model>/logits_<case>.f32  logits [batch×seq×vocab] of the prompts, every position, little-endian float32
  DIR/models.json                the model names; written LAST, only when every model succeeded

The models (both have several prompt batches of different lengths; sequences within a batch have equal length):
  gqa-untied-f32-sharded  hidden 256, intermediate 688, 4 layers, 8 heads / 4 kv heads, vocab 1000, rope_theta 1e4,
                          rms_norm_eps 1e-5, untied LM head, saved fp32 in several shards with an index
  mha-tied-bf16           hidden 192, intermediate 520, 3 layers, 6 heads (MHA), vocab 777, rope_theta 5e5,
                          rms_norm_eps 1e-6, tied embeddings, saved bf16 in one file (the reference is computed
                          from the bf16 weights upcast to fp32, exactly what lorapar reads)

Weights (a seeded CPU generator, so the same on every machine): embedding N(0, 0.2²) (0.1² for the tied model);
q, k, v, gate, up N(0, 1/in_features); o and down 3× that std (OUT_PROJ_GAIN); the untied LM head
N(0, 9/hidden); RMSNorm weights 1 + N(0, 0.1²). Logits then have a standard deviation of about 3 (1.4 tied) and
greedy continuations do not collapse into repeating the last token. A prompt batch is re-drawn (deterministically) when some
greedy step's top-1 / top-2 logit margin is under --min-margin or when the cached generate and a full
forward disagree on a greedy token, so that the reference continuation is not decided by rounding.

Usage: python3 tests/gpu/hf_make_reference.py --out DIR [--device auto|cuda|cpu] [--min-margin 1e-3]
Exit status 0 when every model was written and checked; 1 otherwise (the reason is printed last).
"""
import argparse
import array
import hashlib
import json
import os
import random
import shutil
import struct
import sys
import time

FORMAT = "lorapar-hf-parity/1"
NEW_TOKENS = 24

# One entry per model: the config, how it is saved, its prompt batches (batch, seq) and its seed.
MODELS = [
    dict(name="gqa-untied-f32-sharded", hidden_size=256, intermediate_size=688, num_hidden_layers=4,
         num_attention_heads=8, num_key_value_heads=4, vocab_size=1000, rope_theta=10000.0, rms_norm_eps=1e-5,
         tie_word_embeddings=False, max_position_embeddings=512, save_dtype="float32", max_shard_size="4MB",
         embed_std=0.2, out_proj_gain=1.0, cases=[(1, 1), (2, 7), (3, 24), (1, 61)], seed=20251),
    dict(name="mha-tied-bf16", hidden_size=192, intermediate_size=520, num_hidden_layers=3,
         num_attention_heads=6, num_key_value_heads=6, vocab_size=777, rope_theta=500000.0, rms_norm_eps=1e-6,
         tie_word_embeddings=True, max_position_embeddings=1024, save_dtype="bfloat16", max_shard_size=None,
         embed_std=0.1, out_proj_gain=3.0, cases=[(1, 2), (2, 9), (4, 33)], seed=20252),
]

CONFIG_KEYS = ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
               "num_key_value_heads", "vocab_size", "rope_theta", "rms_norm_eps", "tie_word_embeddings",
               "max_position_embeddings"]


def log(msg):
    print(f"hf_make_reference: {msg}", flush=True)


class ReferenceError(Exception):
    """A check of this script failed: the reference would not be trustworthy."""


# ---------------------------------------------------------------- pure Python helpers (no torch needed)

def case_name(batch, seq):
    return f"b{batch}_s{seq}"


def draw_prompts(rng, batch, seq, vocab, draw=1):
    """batch token-id lists of length seq, uniform in [0, vocab); on the first draw the first sequence starts
    with vocab − 1 and the last ends with 0 so that both ends of the embedding table are read (later draws are
    plain random: a pinned end would make every re-draw of a one- or two-token prompt identical)."""
    prompts = [[rng.randrange(vocab) for _ in range(seq)] for _ in range(batch)]
    if draw == 1:
        prompts[0][0] = vocab - 1
        prompts[-1][-1] = 0
    return prompts


def init_spec(name, spec):
    """(mean, std) of the normal distribution the parameter `name` of model `spec` is drawn from; a negative
    std −g means g/sqrt(in_features) (the matrix's second dimension)."""
    if name.endswith("norm.weight"):
        return 1.0, 0.1
    if name.endswith("embed_tokens.weight"):
        return 0.0, spec["embed_std"]
    if name == "lm_head.weight":
        return 0.0, 3.0 / spec["hidden_size"] ** 0.5
    if name.endswith(("o_proj.weight", "down_proj.weight")):
        return 0.0, -spec["out_proj_gain"]  # out_proj_gain/sqrt(in_features): decided from the shape
    if name.endswith("proj.weight"):
        return 0.0, -1.0  # 1/sqrt(in_features): decided from the shape
    raise ReferenceError(f"no initialisation rule for parameter {name}")


def write_f32(path, values):
    """Writes an iterable of floats as little-endian float32; returns (bytes written, sha256 hex)."""
    data = array.array("f", values)
    if sys.byteorder != "little":
        data.byteswap()
    raw = data.tobytes()
    with open(path, "wb") as f:
        f.write(raw)
    return len(raw), hashlib.sha256(raw).hexdigest()


def read_f32(path):
    data = array.array("f")
    with open(path, "rb") as f:
        data.frombytes(f.read())
    if sys.byteorder != "little":
        data.byteswap()
    return data


def safetensors_header(path):
    """The JSON header of a safetensors file as a dict (name -> {dtype, shape, data_offsets})."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise ReferenceError(f"{path}: too short for a safetensors header")
        (length,) = struct.unpack("<Q", head)
        if length > 100_000_000:
            raise ReferenceError(f"{path}: header length {length} is implausible")
        return json.loads(f.read(length).decode("utf-8"))


def describe_saved(model_dir, spec):
    """Checks the files save_pretrained wrote (sharding, index, dtypes) and returns a summary for reference.json."""
    files = sorted(os.listdir(model_dir))
    index = os.path.join(model_dir, "model.safetensors.index.json")
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        shards = ["model.safetensors"]
    elif os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f).get("weight_map") or {}
        shards = sorted(set(weight_map.values()))
    else:
        raise ReferenceError(f"{model_dir}: save_pretrained wrote neither model.safetensors nor an index ({files})")
    dtypes, names = set(), []
    for shard in shards:
        header = safetensors_header(os.path.join(model_dir, shard))
        for name, entry in header.items():
            if name == "__metadata__":
                continue
            names.append(name)
            dtypes.add(entry["dtype"])
    want_dtype = {"float32": "F32", "bfloat16": "BF16"}[spec["save_dtype"]]
    if dtypes != {want_dtype}:
        raise ReferenceError(f"{model_dir}: tensors saved as {sorted(dtypes)}, expected only {want_dtype}")
    if spec["max_shard_size"] is not None:
        if not os.path.exists(index) or os.path.exists(single) or len(shards) < 2:
            raise ReferenceError(f"{model_dir}: expected several shards and model.safetensors.index.json "
                                 f"(max_shard_size {spec['max_shard_size']}), got {files}")
    elif shards != ["model.safetensors"]:
        raise ReferenceError(f"{model_dir}: expected one model.safetensors, got {files}")
    return dict(files=files, shards=shards, tensor_dtypes=sorted(dtypes), tensor_count=len(names),
                has_lm_head=("lm_head.weight" in names))


def config_json_notes(model_dir, spec):
    """What in the saved config.json a reader keyed on the classic LLaMA config keys could misread."""
    with open(os.path.join(model_dir, "config.json")) as f:
        saved = json.load(f)
    notes = []
    for key in CONFIG_KEYS:
        if key not in saved:
            notes.append(f"config.json has no top-level {key!r}"
                         + (f" (rope settings: {saved.get('rope_parameters')!r})" if key == "rope_theta" else ""))
        elif saved[key] != spec[key]:
            notes.append(f"config.json has {key} = {saved[key]!r}, the model was made with {spec[key]!r}")
    return notes


def greedy_margin_ok(margins, min_margin):
    return min(margins) >= min_margin


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------- torch / transformers part

def configure_precision(torch):
    """fp32 means fp32: no TF32 in matmuls or cuDNN convolutions, highest matmul precision."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    return dict(cuda_matmul_allow_tf32=bool(torch.backends.cuda.matmul.allow_tf32),
                cudnn_allow_tf32=bool(torch.backends.cudnn.allow_tf32),
                float32_matmul_precision=torch.get_float32_matmul_precision())


def make_config(transformers, spec):
    kwargs = {k: spec[k] for k in CONFIG_KEYS}
    config = transformers.LlamaConfig(bos_token_id=None, eos_token_id=None, pad_token_id=None,
                                      attn_implementation="eager", **kwargs)
    if effective_rope_theta(config) != spec["rope_theta"] and isinstance(getattr(config, "rope_parameters", None), dict):
        # transformers versions that keep RoPE settings in rope_parameters only
        config.rope_parameters = dict(config.rope_parameters, rope_type="default", rope_theta=spec["rope_theta"])
    theta = effective_rope_theta(config)
    if theta != spec["rope_theta"]:
        raise ReferenceError(f"LlamaConfig(rope_theta={spec['rope_theta']}) gave rope theta {theta}")
    if getattr(config, "rope_scaling", None) not in (None, {}) and \
            (config.rope_scaling or {}).get("rope_type", "default") != "default":
        raise ReferenceError(f"LlamaConfig has RoPE scaling {config.rope_scaling}: plain RoPE expected")
    return config


def effective_rope_theta(config):
    params = getattr(config, "rope_parameters", None)
    if isinstance(params, dict) and "rope_theta" in params:
        return float(params["rope_theta"])
    return float(getattr(config, "rope_theta"))


def check_rotary(torch, model, spec):
    """The inverse frequencies the loaded model rotates with must be θ^(−2i/d) for the requested θ, in fp32. A
    buffer that lost precision on the way (a bf16 load casts it) is recomputed in fp32, as an fp32 load would
    have made it. Returns (max relative error as loaded, whether it was recomputed)."""
    head_dim = spec["hidden_size"] // spec["num_attention_heads"]
    want = torch.tensor([spec["rope_theta"] ** (-(2 * i) / head_dim) for i in range(head_dim // 2)], dtype=torch.float64)
    owners = [m for m in model.modules() if isinstance(getattr(m, "inv_freq", None), torch.Tensor)]
    if not owners:
        log("  (no inv_freq buffer found: rotary frequencies not checked)")
        return None, False

    def error():
        worst = 0.0
        for m in owners:
            found = m.inv_freq.detach().double().cpu()
            if found.shape != want.shape:
                raise ReferenceError(f"rotary inv_freq has shape {tuple(found.shape)}, expected {tuple(want.shape)}")
            worst = max(worst, ((found - want).abs() / want).max().item())
        return worst

    loaded = error()
    if loaded <= 1e-6:
        return loaded, False
    log(f"  rotary inv_freq as loaded is off by {loaded:.2e} (relative): recomputing it in fp32")
    for m in owners:
        m.inv_freq = want.to(device=m.inv_freq.device, dtype=torch.float32)
        if isinstance(getattr(m, "original_inv_freq", None), torch.Tensor):
            m.original_inv_freq = want.to(device=m.inv_freq.device, dtype=torch.float32)
    if error() > 1e-6:
        raise ReferenceError(f"rotary inv_freq disagrees with rope_theta {spec['rope_theta']} even after recomputing it")
    return loaded, True


def initialise(torch, model, spec):
    """Seeded, deterministic (CPU generator) weights per init_spec; tied weights are drawn once."""
    gen = torch.Generator(device="cpu").manual_seed(spec["seed"])
    seen = set()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if id(p) in seen:
                continue
            seen.add(id(p))
            mean, std = init_spec(name, spec)
            if std < 0:
                std = -std / p.shape[1] ** 0.5
            values = torch.randn(tuple(p.shape), generator=gen, dtype=torch.float32) * std + mean
            p.copy_(values.to(p.device, p.dtype))


def save(model, model_dir, spec):
    import inspect
    kwargs = {}
    params = inspect.signature(model.save_pretrained).parameters
    if "safe_serialization" in params:
        kwargs["safe_serialization"] = True
    if spec["max_shard_size"] is not None:
        kwargs["max_shard_size"] = spec["max_shard_size"]
    model.save_pretrained(model_dir, **kwargs)


def load(transformers, torch, model_dir, device):
    # torch_dtype (an alias of dtype in newer transformers) asks for an fp32 load; .to() below makes sure
    model = transformers.LlamaForCausalLM.from_pretrained(model_dir, attn_implementation="eager", torch_dtype=torch.float32)
    model = model.to(device=device, dtype=torch.float32).eval()
    dtypes = {p.dtype for p in model.parameters()}
    if dtypes != {torch.float32}:
        raise ReferenceError(f"reloaded model has parameter dtypes {dtypes}, expected float32 only")
    impl = getattr(model.config, "_attn_implementation", None)
    if impl not in (None, "eager"):
        raise ReferenceError(f"reloaded model uses attention implementation {impl!r}, expected 'eager'")
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = None
    model.generation_config.bos_token_id = None
    return model


def margins_of(torch, logits_rows):
    """top-1 minus top-2 logit per row of [n×vocab]."""
    top = torch.topk(logits_rows.double(), 2, dim=-1).values
    return (top[:, 0] - top[:, 1]).tolist()


def run_case(torch, model, spec, batch, seq, rng, device, min_margin, max_draws):
    """Draws prompts until greedy decoding is unambiguous; returns (prompts, logits [b×s×v], greedy ids, info)."""
    vocab = spec["vocab_size"]
    for draw in range(1, max_draws + 1):
        prompts = draw_prompts(rng, batch, seq, vocab, draw)
        ids = torch.tensor(prompts, dtype=torch.long, device=device)  # [b×s]
        with torch.no_grad():
            logits = model(input_ids=ids, use_cache=False).logits.float()  # [b×s×v]
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=NEW_TOKENS,
                                 do_sample=False, num_beams=1, use_cache=True, eos_token_id=None)
        if out.shape != (batch, seq + NEW_TOKENS):
            raise ReferenceError(f"generate returned shape {tuple(out.shape)}, expected {(batch, seq + NEW_TOKENS)}")
        if not torch.equal(out[:, :seq], ids):
            raise ReferenceError("generate changed the prompt tokens")
        greedy = out[:, seq:]  # [b×24]
        with torch.no_grad():
            full = model(input_ids=out, use_cache=False).logits.float()  # [b×(s+24)×v]
        steps = full[:, seq - 1:seq - 1 + NEW_TOKENS, :]                 # [b×24×v]: predicts each new token
        recomputed = steps.argmax(dim=-1)
        margins = margins_of(torch, steps.reshape(-1, vocab))
        prefix_diff = (full[:, :seq, :] - logits).abs().max().item()
        agree = torch.equal(recomputed, greedy)
        if agree and greedy_margin_ok(margins, min_margin):
            info = dict(draws=draw, min_margin=min(margins), full_forward_agrees=True,
                        prefix_logits_max_abs_diff=prefix_diff,
                        distinct_new_tokens=[len(set(row)) for row in greedy.tolist()],
                        logits_std=logits.std().item())
            return prompts, logits, greedy.tolist(), info
        log(f"  {case_name(batch, seq)} draw {draw}: min margin {min(margins):.2e}, full forward agrees: {agree}: drawing again")
    raise ReferenceError(f"{case_name(batch, seq)}: no prompt draw with unambiguous greedy decoding in {max_draws} draws")


def build_model(transformers, torch, spec, out_dir, device, min_margin, max_draws, versions, precision):
    name = spec["name"]
    model_dir = os.path.join(out_dir, name)
    if os.path.exists(model_dir):
        shutil.rmtree(model_dir)
    os.makedirs(model_dir)
    t0 = time.time()
    config = make_config(transformers, spec)
    torch.manual_seed(spec["seed"])
    made = transformers.LlamaForCausalLM(config).float()
    initialise(torch, made, spec)
    if spec["tie_word_embeddings"]:
        def tied():
            return made.lm_head.weight.data_ptr() == made.model.embed_tokens.weight.data_ptr()
        if not tied():
            made.tie_weights()
        if not tied():
            raise ReferenceError("tie_word_embeddings=True but lm_head.weight is not the embedding")
    save_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[spec["save_dtype"]]
    made = made.to(save_dtype)
    save(made, model_dir, spec)
    saved = describe_saved(model_dir, spec)
    log(f"{name}: saved {saved['tensor_count']} tensors ({', '.join(saved['tensor_dtypes'])}) in {saved['shards']}")
    saved["config_json_notes"] = config_json_notes(model_dir, spec)
    for note in saved["config_json_notes"]:
        log(f"  warning: {note}")

    model = load(transformers, torch, model_dir, device)
    rotary_err, rotary_recomputed = check_rotary(torch, model, spec)
    hf_config = {k: getattr(model.config, k) for k in CONFIG_KEYS if k != "rope_theta"}
    hf_config["rope_theta"] = effective_rope_theta(model.config)
    for k in CONFIG_KEYS:
        if hf_config[k] != spec[k]:
            raise ReferenceError(f"reloaded config has {k} = {hf_config[k]}, expected {spec[k]}")

    # the weights in memory (as saved, upcast) and the reloaded ones must give the same logits
    made = made.to(device=device, dtype=torch.float32).eval()
    check_rotary(torch, made, spec)  # .to(bfloat16) above also cast its rotary buffer
    rng = random.Random(spec["seed"])
    cases = []
    for batch, seq in spec["cases"]:
        prompts, logits, greedy, info = run_case(torch, model, spec, batch, seq, rng, device, min_margin, max_draws)
        with torch.no_grad():
            again = made(input_ids=torch.tensor(prompts, device=device), use_cache=False).logits.float()
        roundtrip = ((again - logits).norm() / logits.norm()).item()
        if not roundtrip <= 1e-6:
            raise ReferenceError(f"{case_name(batch, seq)}: the reloaded model's logits differ from the saved model's "
                                 f"(relative {roundtrip:.3e}): save/load did not round-trip")
        fname = f"logits_{case_name(batch, seq)}.f32"
        nbytes, digest = write_f32(os.path.join(model_dir, fname), logits.detach().cpu().reshape(-1).tolist())
        if nbytes != 4 * batch * seq * spec["vocab_size"]:
            raise ReferenceError(f"{fname}: wrote {nbytes} bytes")
        info["reload_vs_saved_relative_diff"] = roundtrip
        cases.append(dict(name=case_name(batch, seq), prompts=prompts, logits_file=fname,
                          logits_shape=[batch, seq, spec["vocab_size"]], logits_sha256=digest,
                          greedy_new_tokens=NEW_TOKENS, greedy_ids=greedy, checks=info))
        log(f"{name} {case_name(batch, seq)}: logits std {info['logits_std']:.3f}, greedy min margin "
            f"{info['min_margin']:.3e} (draw {info['draws']}), distinct new tokens {info['distinct_new_tokens']}, "
            f"greedy[0][:8] {greedy[0][:8]}")
        if min(info["distinct_new_tokens"]) < 4:
            log(f"  warning: a continuation of {case_name(batch, seq)} uses fewer than 4 distinct tokens")

    reference = dict(format=FORMAT, model=name, saved_dtype=spec["save_dtype"], config=hf_config,
                     attn_implementation="eager", device=device_name(torch, device), precision=precision,
                     versions=versions, saved=saved, rotary_inv_freq_max_relative_error=rotary_err,
                     rotary_inv_freq_recomputed=rotary_recomputed,
                     new_tokens=NEW_TOKENS, min_margin_required=min_margin, cases=cases,
                     seconds=round(time.time() - t0, 2))
    write_json(os.path.join(model_dir, "reference.json"), reference)
    del made, model
    return name


def device_name(torch, device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return "cpu"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="folder to write the models and references into")
    ap.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"])
    ap.add_argument("--min-margin", type=float, default=1e-3,
                    help="smallest top-1/top-2 logit gap accepted at a greedy step (default 1e-3)")
    ap.add_argument("--max-draws", type=int, default=16, help="prompt draws per case before giving up")
    args = ap.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        import transformers
    except ImportError as e:
        log(f"FAILED: python3 cannot import torch and transformers ({e})")
        return 1
    transformers.logging.set_verbosity_error()
    if args.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        log("FAILED: --device cuda but torch.cuda.is_available() is False")
        return 1
    precision = configure_precision(torch)
    versions = dict(python=sys.version.split()[0], torch=torch.__version__, transformers=transformers.__version__,
                    cuda=getattr(torch.version, "cuda", None))
    log(f"torch {torch.__version__}, transformers {transformers.__version__}, device {device_name(torch, device)}, "
        f"precision {precision}")

    os.makedirs(args.out, exist_ok=True)
    manifest = os.path.join(args.out, "models.json")
    if os.path.exists(manifest):
        os.remove(manifest)  # never leave a previous run's manifest beside a failed run
    names = []
    try:
        for spec in MODELS:
            names.append(build_model(transformers, torch, spec, args.out, device, args.min_margin,
                                     args.max_draws, versions, precision))
    except ReferenceError as e:
        log(f"FAILED: {e}")
        return 1
    write_json(manifest, dict(format=FORMAT, models=names, versions=versions))
    log(f"done: {len(names)} models in {args.out} ({', '.join(names)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

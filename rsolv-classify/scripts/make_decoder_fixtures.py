#!/usr/bin/env python3
"""Build the decoder parity fixtures of rsolv-classify.

Creates tiny, randomly initialised (seeded) LlamaForCausalLM and
GraniteForCausalLM models with Hugging Face transformers and writes, per
model, into rsolv-classify/tests/fixtures/decoder/<name>/:

  config.json, model.safetensors   the model (float32)
  expected.json                    input ids [batch, seq] and the logits
                                   transformers computes for them

The Rust tests load the directory and assert their logits match within 1e-4.
Needs torch and transformers (CPU is fine); downloads nothing.

    python rsolv-classify/scripts/make_decoder_fixtures.py
"""

import json
import pathlib

import torch
from transformers import GraniteConfig, GraniteForCausalLM, LlamaConfig, LlamaForCausalLM

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "decoder"

COMMON = dict(
    vocab_size=64,
    hidden_size=32,
    intermediate_size=48,
    num_hidden_layers=2,
    num_attention_heads=4,
    max_position_embeddings=64,
    rms_norm_eps=1e-5,
    bos_token_id=1,
    eos_token_id=2,
    pad_token_id=0,
    initializer_range=0.2,
)


def randomise_norms(model: torch.nn.Module, generator: torch.Generator) -> None:
    """RMSNorm weights start at 1; make them differ so loading them is tested."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("norm.weight"):
                param.copy_(0.5 + torch.rand(param.shape, generator=generator))


def build(name: str, model_cls, config) -> None:
    torch.manual_seed(1234)
    generator = torch.Generator().manual_seed(99)
    model = model_cls(config).eval()
    randomise_norms(model, generator)
    ids = torch.randint(0, config.vocab_size, (2, 10), generator=generator)
    with torch.no_grad():
        logits = model(input_ids=ids).logits
    out = OUT / name
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    (out / "generation_config.json").unlink(missing_ok=True)
    expected = {
        "input_ids": ids.tolist(),
        "shape": list(logits.shape),
        "logits": [round(x, 7) for x in logits.flatten().tolist()],
    }
    (out / "expected.json").write_text(json.dumps(expected) + "\n")
    size = sum(p.stat().st_size for p in out.iterdir())
    print(f"{name}: {size} bytes in {out}")


def main() -> None:
    build(
        "llama-tiny",
        LlamaForCausalLM,
        LlamaConfig(**COMMON, num_key_value_heads=2, rope_theta=10000.0, tie_word_embeddings=False),
    )
    build(
        "granite-tiny",
        GraniteForCausalLM,
        GraniteConfig(
            **COMMON,
            num_key_value_heads=1,
            rope_theta=500.0,
            tie_word_embeddings=True,
            embedding_multiplier=12.0,
            attention_multiplier=0.125,
            residual_multiplier=0.22,
            logits_scaling=8.0,
        ),
    )


if __name__ == "__main__":
    main()

"""The model card (README.md) written next to the adapter: what was trained, on what, how, and how it went."""

from __future__ import annotations

from typing import Any

from stages.train.report import samples_markdown, summary_markdown


def model_card(summary: dict[str, Any], config_yaml: str) -> str:
    adapter = summary["adapter"]
    base = summary["model"]
    tags = ["refinery", "trl", summary["method"]] + (["peft", "lora"] if adapter != "full" else [])
    front = "---\n" + f"base_model: {base}\n" + "library_name: " + ("peft" if adapter != "full" else "transformers")
    front += "\ntags:\n" + "".join(f"- {t}\n" for t in tags) + "---\n"
    if adapter == "full":
        usage = (
            "```python\nfrom transformers import AutoModelForCausalLM, AutoTokenizer\n"
            "model = AutoModelForCausalLM.from_pretrained('model')\n"
            "tokenizer = AutoTokenizer.from_pretrained('model')\n```"
        )
    else:
        usage = (
            "```python\nfrom peft import AutoPeftModelForCausalLM\nfrom transformers import AutoTokenizer\n"
            "model = AutoPeftModelForCausalLM.from_pretrained('adapter')\n"
            "tokenizer = AutoTokenizer.from_pretrained('adapter')\n```\n"
            + (
                "`merged/` holds the adapter merged into the base weights (plain transformers).\n"
                if summary["merged"]
                else ""
            )
        )
    rejected = ", ".join(f"{k} {v}" for k, v in summary["data"]["rejected"].items()) or "none"
    return (
        f"{front}\n# {summary['method'].upper()} {adapter} fine-tune of {base}\n\n"
        f"Trained with `refinery train` (TRL {summary['versions']['trl']}, PEFT {summary['versions']['peft']}, "
        f"transformers {summary['versions']['transformers']}) on {', '.join(summary['data']['files'])}.\n\n"
        f"{summary_markdown(summary)}\n"
        f"Records left out of training, by reason: {rejected}.\n\n"
        "## Loss\n\n![loss](loss.png)\n\n"
        f"## Samples before and after (greedy)\n\n{samples_markdown(summary['samples'])}\n"
        f"## Usage\n\n{usage}\n\n"
        f"## Multi-GPU\n\n`{summary['launch_command']}`\n\n"
        f"## Config\n\n```yaml\n{config_yaml}```\n"
    )

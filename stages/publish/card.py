"""README.md dataset card: YAML metadata the Hub reads (configs, license, language, sizes) and a body that tells a
reader what is inside and how it was made. Every number comes from the run's manifest (or, for `refinery convert`
output, which has none, from its files) or from the shards just written.
"""

from __future__ import annotations

import importlib.metadata
from datetime import UTC, datetime
from typing import Any

import yaml

from stages.publish.layout import RepoLayout
from stages.publish.source import RefineryOutput

# The Hub's size_categories buckets, as (upper bound, label); the last one has no bound.
SIZE_BUCKETS = [
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
]
# Stage name in the manifest -> the config section holding its settings (curate).
CURATE_STAGE_SECTIONS = {"ingest": "input", "write": "output"}
_PREFERENCE_FORMATS = {"preference", "kto", "dpo"}


def size_category(rows: int) -> str:
    for bound, label in SIZE_BUCKETS:
        if rows < bound:
            return label
    return "n>1T"


def refinery_version() -> str:
    try:
        return importlib.metadata.version("refinery")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def card_languages(output: RefineryOutput, override: list[str] | None) -> list[str]:
    if override:
        return override
    manifest = output.manifest
    mix = manifest.get("kept_languages") or manifest.get("languages")
    if isinstance(mix, dict):
        return [lang for lang in mix if lang not in ("unlabelled", "unknown", "")]
    language = (manifest.get("config") or {}).get("language") or {}
    if language.get("enabled") and language.get("languages"):
        return list(language["languages"])
    return []


def card_tags(output: RefineryOutput, extra: list[str]) -> list[str]:
    tags = ["refinery"]
    if output.kind == "curate":
        tags += ["pretraining", "web-text"]
    else:
        formats = str(output.manifest.get("write_format", "")).replace(",", " ").split()
        tags += ["sft"] if not any(f in _PREFERENCE_FORMATS for f in formats) else ["preference", "dpo"]
        tags += [f for f in formats if f]
        if any(d.lf_entry for d in output.datasets):
            tags.append("llama-factory")
    tags += [str(tag) for tag in output.manifest.get("tags", []) if isinstance(tag, str)]
    tags += extra
    return list(dict.fromkeys(tags))


def front_matter(
    output: RefineryOutput,
    layout: RepoLayout,
    license_id: str,
    pretty_name: str,
    languages: list[str],
    tags: list[str],
) -> dict[str, Any]:
    kept_rows = sum(c.rows for c in layout.configs if c.name != "rejected")
    meta: dict[str, Any] = {"pretty_name": pretty_name, "license": license_id}
    if languages:
        meta["language"] = languages
    meta["task_categories"] = ["text-generation"]
    meta["size_categories"] = [size_category(kept_rows)]
    meta["tags"] = tags
    meta["configs"] = [
        {
            "config_name": config.name,
            "data_files": [{"split": config.split, "path": f"data/{config.name}/{config.split}-*"}],
            **({"default": True} if index == 0 else {}),
        }
        for index, config in enumerate(layout.configs)
    ]
    return meta


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "-" if value is None else str(value)


def _sources(output: RefineryOutput) -> list[str]:
    manifest = output.manifest
    config = manifest.get("config") or {}
    candidates = (config.get("input") or {}).get("paths") or (config.get("input") or {}).get("path")
    candidates = candidates or manifest.get("input") or manifest.get("inputs") or manifest.get("sources")
    if isinstance(candidates, dict):  # distill's manifest: {"path": ..., "kind": ...}
        candidates = candidates.get("path")
    if isinstance(candidates, str):
        candidates = [candidates]
    return [str(c) for c in candidates or []]


def _stages(output: RefineryOutput) -> list[tuple[str, Any]]:
    """(stage, its settings) in the order the run applied them."""
    config = output.manifest.get("config") or {}
    if output.kind == "curate":
        names = list(output.manifest.get("stage_seconds") or [])
        names = names or ["ingest", "extract", "language", "quality", "dedup", "tokens", "write"]
        return [(name, config.get(CURATE_STAGE_SECTIONS.get(name, name))) for name in names]
    if output.kind == "sft-curate":
        stages = [("read", config.get("input"))]
        stages += [(name, config.get(name)) for name in output.manifest.get("checks", [])]
        return [*stages, ("write", config.get("output"))]
    if output.kind == "convert":
        return [("convert", {"to": output.manifest.get("write_format")})]
    # distill and others: top-level scalars (task, limit, ...) form a `run` step, each section its own step.
    scalars = {name: value for name, value in config.items() if not isinstance(value, dict)}
    sections = [(name, value) for name, value in config.items() if isinstance(value, dict)]
    return ([("run", scalars)] if scalars else []) + sections


class _SettingsDumper(yaml.SafeDumper):
    """Block style for mappings, flow style for lists: `top_n_grams: [[2, 0.2], [3, 0.18]]` reads as in the config."""


_SettingsDumper.add_representer(
    list, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)


def _settings_block(settings: Any) -> str:
    if settings is None:
        return "_settings not recorded in the manifest_"
    if isinstance(settings, dict) and settings.get("enabled") is False:
        return "**disabled**"
    text = yaml.dump(settings, Dumper=_SettingsDumper, sort_keys=False, allow_unicode=True, width=110).rstrip()
    if text.count("\n") > 25:  # long sections (quality's per-language overrides) fold away
        return f"<details><summary>settings</summary>\n\n```yaml\n{text}\n```\n\n</details>"
    return f"```yaml\n{text}\n```"


def _counts(output: RefineryOutput) -> str:
    manifest = output.manifest
    rows: list[list[Any]] = []
    if "input_records" in manifest:
        rows.append(["input", "", "", _number(manifest["input_records"])])
    rows.append(["kept", "", "", _number(manifest.get("kept_samples", manifest.get("kept_records")))])
    for stage, reasons in (manifest.get("rejected") or {}).items():
        for reason, count in reasons.items():
            rows.append(["removed", stage, reason, _number(count)])
    if "error_records" in manifest:
        rows.append(["unreadable (errors)", "", "", _number(manifest["error_records"])])
    text = _table(["outcome", "stage", "reason", "records"], rows)
    if "accounted" in manifest:
        verdict = "holds" if manifest["accounted"] else "does NOT hold"
        text += f"\n\nAccounting: input = kept + removed + errors {verdict} for this run."
    if output.kind == "distill":
        text += (
            f"\n\nCounts are teacher samples; the {_number(manifest.get('kept_records'))} published records were "
            "built from the kept ones."
        )
    if output.manifest_derived:
        text += (
            "\n\n`refinery convert` writes no manifest: these counts were read from its files (rows written, "
            "`rejected.jsonl`, `errors.jsonl`)."
        )
    return text


def _languages(output: RefineryOutput, languages: list[str]) -> str:
    mix = output.manifest.get("kept_languages") or output.manifest.get("languages")
    if isinstance(mix, dict) and mix:
        total = sum(mix.values()) or 1
        rows = [[lang, _number(n), f"{100 * n / total:.1f}%"] for lang, n in mix.items()]
        return _table(["language", "records", "share"], rows)
    if languages:
        return f"Not measured per record; the run kept only: {', '.join(languages)}."
    return "Not recorded by this run."


def _quality(output: RefineryOutput) -> str | None:
    signals = output.manifest.get("quality_signals")
    if not signals:
        return None
    rows = [
        [name, _number(s.get("documents"))] + [s.get(f"p{q}") for q in (5, 25, 50, 75, 95)]
        for name, s in signals.items()
    ]
    return _table(["signal", "documents", "p5", "p25", "p50", "p75", "p95"], rows)


def _command(output: RefineryOutput) -> str:
    recorded = output.manifest.get("command")
    if recorded:
        return " ".join(recorded) if isinstance(recorded, list) else str(recorded)
    if output.kind == "curate":
        return "refinery curate refinery/config.yaml --output OUTPUT   # the run's effective config, in this repo"
    if output.kind == "sft-curate":
        return f"refinery sft-curate CONFIG --input {output.manifest.get('input', 'INPUT')} --output OUTPUT"
    if output.kind == "convert":
        return f"refinery convert INPUT --to {output.manifest.get('write_format', 'FORMAT')} --output OUTPUT"
    if output.kind == "distill":
        return "refinery distill CONFIG --output OUTPUT   # CONFIG: the settings above"
    return "see refinery/manifest.json"


def render_card(
    output: RefineryOutput,
    layout: RepoLayout,
    repo_id: str,
    license_id: str,
    pretty_name: str | None = None,
    languages: list[str] | None = None,
    tags: list[str] | None = None,
    publish_command: str | None = None,
) -> str:
    """The README.md text: YAML front matter, then the body."""
    pretty_name = pretty_name or repo_id.split("/")[1]
    languages = card_languages(output, languages)
    meta = front_matter(output, layout, license_id, pretty_name, languages, card_tags(output, tags or []))
    manifest = output.manifest
    kept_configs = [c for c in layout.configs if c.name != "rejected"]
    first = layout.configs[0].name

    parts = [f"# {pretty_name}", ""]
    what = {"curate": "web documents curated", "distill": "records distilled"}.get(output.kind, "records processed")
    parts.append(
        f"{_number(manifest.get('kept_records'))} {what} by refinery "
        f"(`{output.kind}` output), published as Parquet shards in {len(kept_configs)} config(s)."
        + (f" {_number(manifest['kept_tokens'])} tokens." if manifest.get("kept_tokens") is not None else "")
    )
    parts += ["", "## Configs", ""]
    parts.append(
        _table(
            ["config", "split", "rows", "shards", "size", "what", "columns"],
            [
                [
                    c.name,
                    c.split,
                    _number(c.rows),
                    len(c.files),
                    f"{c.bytes / 1e6:.2f} MB",
                    c.description,
                    ", ".join(f"`{name}`" for name in c.columns),
                ]
                for c in layout.configs
            ],
        )
    )
    parts += ["", "## How to load it", "", "```python", "from datasets import load_dataset", ""]
    parts += [
        f'{c.name.replace("-", "_").replace(".", "_")} = load_dataset("{repo_id}", "{c.name}", split="{c.split}")'
        for c in layout.configs
    ]
    parts.append("```")
    if "dataset_info.json" in layout.extra_files:
        parts += [
            "",
            "LLaMA-Factory: `dataset_info.json` in this repo has an entry per config that reads it from the Hub "
            f"(`hf_hub_url: {repo_id}`, `subset: CONFIG`); copy an entry into your `data/dataset_info.json` and "
            f"use `dataset: {first}`.",
        ]

    parts += ["", "## Sources", ""]
    sources = _sources(output)
    parts += [f"- `{source}`" for source in sources] if sources else ["Not recorded by this run."]
    teacher = manifest.get("teacher")
    if isinstance(teacher, dict) and teacher.get("model"):
        parts.append(f"- teacher model: `{teacher['model']}` ({teacher.get('backend', 'openai')} backend)")

    parts += ["", "## How it was made", ""]
    parts.append("The stages ran in this order; each with the settings it ran with (from the run's manifest).")
    for number, (stage, settings) in enumerate(_stages(output), 1):
        seconds = (manifest.get("stage_seconds") or {}).get(stage)
        timing = f" ({seconds:.1f} s)" if isinstance(seconds, int | float) else ""
        parts += ["", f"### {number}. {stage}{timing}", "", _settings_block(settings)]

    parts += ["", "## What was kept and removed", "", _counts(output)]
    parts += ["", "## Tokens", ""]
    if manifest.get("kept_tokens") is not None:
        tokenizer = ((manifest.get("config") or {}).get("tokens") or {}).get("tokenizer", "the configured tokenizer")
        parts.append(f"{_number(manifest['kept_tokens'])} tokens in the kept records (`{tokenizer}`).")
    elif isinstance(manifest.get("tokens_all_responses"), dict):
        spent = manifest["tokens_all_responses"]
        parts.append(
            f"Teacher tokens over every answered request: {_number(spent.get('prompt'))} prompt, "
            f"{_number(spent.get('completion'))} completion ({_number(spent.get('reasoning'))} of them reasoning)."
        )
    else:
        parts.append("Not counted by this run.")
    parts += ["", "## Languages", "", _languages(output, languages)]
    quality = _quality(output)
    if quality:
        parts += ["", "## Quality signals", "", "Percentiles of each measured value over all scored documents:", ""]
        parts.append(quality)
    if layout.assets:
        parts += ["", "## Plots", ""]
        parts += [f"![{a.removeprefix('assets/').removesuffix('.png')}]({a})" for a in layout.assets]

    parts += ["", "## Provenance", ""]
    recorded_version = manifest.get("refinery_version")
    version = recorded_version or f"{refinery_version()} (the version that published it)"
    parts.append(f"- refinery version: {version}")
    parts.append(f"- produced with: `{_command(output)}`")
    if publish_command:
        parts.append(f"- published with: `{publish_command}`")
    if manifest.get("wall_seconds") is not None:
        parts.append(f"- run wall time: {manifest['wall_seconds']} s")
    parts.append(f"- published: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}")
    parts.append("- `refinery/manifest.json`: the run's full manifest (counts, per-stage reasons, config)")
    if "refinery/config.yaml" in layout.extra_files:
        parts.append("- `refinery/config.yaml`: the run's effective config")
    if license_id == "other":
        parts += ["", "License: not stated at publishing time; the licenses of the sources above apply."]

    body = "\n".join(parts) + "\n"
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{header}---\n\n{body}"


def card_metadata(card: str) -> dict[str, Any]:
    """The YAML front matter of a card (for tests and checks)."""
    _, header, _ = card.split("---\n", 2)
    return yaml.safe_load(header)

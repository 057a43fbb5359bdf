"""Config of the end-to-end `pipeline` flow: curate -> convert -> distill -> train -> publish.

Each step points at the config file its own command reads (`refinery curate`, `refinery distill`, `refinery train`)
plus `--set`-style overrides, so a step behaves exactly as when it is run alone. The flow gives every step a folder
of its own under `output_dir` and wires one step's output into the next one's input. Steps left out are skipped.
These models are also the flow's parameters, so Prefect validates them and shows their JSON schema in the UI.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from schemas.section import ConfigSection

StepName = Literal["curate", "convert", "distill", "train", "publish"]


class ConfiguredStep(ConfigSection):
    config: str | None = Field(
        default=None, description="YAML config of the step's own command; None starts from that command's defaults."
    )
    overrides: list[str] = Field(
        default_factory=list, description="`dotted.key=value` overrides applied after the file, as with `--set`."
    )


class CurateStep(ConfiguredStep):
    """`refinery curate`: web text in, documents out (output.dir is set by the flow)."""


class ConvertDataset(ConfigSection):
    path: str = Field(description="SFT or preference dataset: a file, a folder, or a Hugging Face dataset name.")
    mapping: str | None = Field(
        default=None, description="Read through a LLaMA-Factory entry, as PATH/dataset_info.json:NAME."
    )
    from_format: str | None = Field(default=None, description="Format to read; None detects it.")
    name: str | None = Field(default=None, description="Output name and dataset_info.json key; None: from the input.")


class ConvertStep(ConfigSection):
    """`refinery convert` for each dataset into one folder with one LLaMA-Factory dataset_info.json."""

    datasets: list[ConvertDataset] = Field(min_length=1, description="Datasets to convert.")
    to: str = Field(default="sharegpt", description="Format to write (see `refinery convert --help`).")
    file_format: Literal["json", "jsonl", "parquet"] = Field(default="jsonl", description="File format to write.")


class DistillStep(ConfiguredStep):
    """`refinery distill`: teacher-written reasoning data, questions from documents, or preference pairs."""

    documents_from_curate: bool = Field(
        default=False,
        description="Read the documents of the questions-from-documents task from this run's curate output.",
    )


class TrainStep(ConfiguredStep):
    """`refinery train`: SFT or DPO on this run's data."""

    data_from: Literal["convert", "distill", "config"] = Field(
        default="convert",
        description="Which step's output to train on; `config` keeps the data paths of the train config.",
    )
    dataset: str | None = Field(
        default=None,
        description="With data_from=convert: the converted dataset to train on (its name); None: the first one.",
    )


class PublishStep(ConfigSection):
    """`refinery publish` of one step's output."""

    source: Literal["curate", "convert", "distill"] = Field(
        default="curate", description="Which step's output to publish."
    )
    repo_id: str = Field(description="Hub dataset repo, ORG/NAME.")
    private: bool = Field(default=True, description="Create the repo private (only when it does not exist yet).")
    local_dir: str | None = Field(
        default=None, description="Write the repo layout to this folder and upload nothing (a dry run)."
    )
    token_secret: str | None = Field(
        default=None, description="Name of a Prefect Secret block holding the Hub token; None reads HF_TOKEN."
    )


class EndToEndConfig(ConfigSection):
    output_dir: str = Field(default="out/pipeline", description="Each step writes to a folder of its name in here.")
    curate: CurateStep | None = Field(default=None, description="Curate web text; None skips the step.")
    convert: ConvertStep | None = Field(default=None, description="Convert SFT datasets; None skips the step.")
    distill: DistillStep | None = Field(default=None, description="Distill from a teacher; None skips the step.")
    train: TrainStep | None = Field(default=None, description="Train a model; None skips the step.")
    publish: PublishStep | None = Field(default=None, description="Publish a dataset; None skips the step.")

    @model_validator(mode="after")
    def _inputs_exist(self) -> EndToEndConfig:
        """A step that reads another step's output needs that step in the run."""
        wanted: list[tuple[str, StepName]] = []
        if self.distill is not None and self.distill.documents_from_curate:
            wanted.append(("distill.documents_from_curate", "curate"))
        if self.train is not None and self.train.data_from != "config":
            wanted.append(("train.data_from", self.train.data_from))
        if self.publish is not None:
            wanted.append(("publish.source", self.publish.source))
        for field, step in wanted:
            if getattr(self, step) is None:
                raise ValueError(f"{field} reads the output of `{step}`, but the config has no `{step}` step")
        if not any(getattr(self, step) is not None for step in ("curate", "convert", "distill", "train", "publish")):
            raise ValueError("no steps: give at least one of curate, convert, distill, train, publish")
        return self

    def steps(self) -> list[StepName]:
        """The configured steps in the order they run."""
        order: list[StepName] = ["curate", "convert", "distill", "train", "publish"]
        return [step for step in order if getattr(self, step) is not None]

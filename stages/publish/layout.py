"""The Hub repo layout of a refinery output: Parquet shards per config and split, assets and provenance files.

```
README.md                                   dataset card (stages/publish/card.py)
data/CONFIG/train-00000-of-00002.parquet    the records, in shards of about `max_shard_bytes`
assets/*.png                                the run's plots, linked from the card
refinery/manifest.json, refinery/config.yaml  what the run counted and the config it ran with
dataset_info.json                           LLaMA-Factory entries reading the configs from the Hub (SFT output)
```

Every config gets one schema across its shards (the union of the source files' columns), because `datasets`
refuses a config whose files disagree.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from stages.publish.source import DatasetFiles, RefineryOutput

SPLIT = "train"
ROW_GROUP_ROWS = 10_000
# Keys of a rejected-record line (sft-curate, convert, distill) kept as their own string columns; everything else
# (the canonical record, the reason's details) varies by reason and goes into JSON columns, so one schema fits.
_REJECTED_COLUMNS = ("id", "prompt_id", "sample_index", "source", "record_number", "stage", "reason")


class LayoutError(ValueError):
    """A source file could not be turned into Parquet shards (with the file named)."""


@dataclass
class ConfigLayout:
    name: str
    split: str
    files: list[str]  # paths inside the repo
    rows: int
    columns: list[str]
    bytes: int
    description: str
    expected_rows: int | None


@dataclass
class RepoLayout:
    root: Path
    configs: list[ConfigLayout]
    assets: list[str] = field(default_factory=list)
    extra_files: list[str] = field(default_factory=list)

    def files(self) -> list[str]:
        """Every file of the repo, README.md included once it is written."""
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Give `table` exactly `schema`'s columns, in order: missing ones as nulls, others cast."""
    columns = []
    for schema_field in schema:
        if schema_field.name in table.column_names:
            column = table[schema_field.name]
            columns.append(column if column.type == schema_field.type else column.cast(schema_field.type))
        else:
            columns.append(pa.nulls(table.num_rows, schema_field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _parquet_tables(files: list[Path]) -> tuple[pa.Schema, Iterator[pa.Table]]:
    try:
        schema = pa.unify_schemas([pq.read_schema(f) for f in files], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        names = ", ".join(f.name for f in files)
        raise LayoutError(f"the Parquet files {names} have incompatible schemas: {err}") from None
    schema = schema.remove_metadata()

    def tables() -> Iterator[pa.Table]:
        for path in files:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=ROW_GROUP_ROWS):
                yield _conform(pa.Table.from_batches([batch]), schema)

    return schema, tables()


def _json_table(path: Path, rejected: bool) -> pa.Table:
    from stages.sft.io import read_rows

    rows: list[dict[str, Any]] = []
    for row in read_rows(str(path)):
        if row.row is None:
            raise LayoutError(f"{path}: record {row.number} is unreadable: {row.error}")
        rows.append(row.row)
    if rejected:
        columns = [key for key in _REJECTED_COLUMNS if any(key in row for row in rows)]
        rows = [_flatten_rejected(row, columns) for row in rows]
    try:
        return pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise LayoutError(f"{path}: the records do not fit one Parquet schema: {err}") from None


def _flatten_rejected(line: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    flat = {key: None if line.get(key) is None else str(line[key]) for key in columns}
    details = {key: value for key, value in line.items() if key not in columns and key != "record"}
    flat["details"] = json.dumps(details, ensure_ascii=False)
    flat["record"] = json.dumps(line.get("record"), ensure_ascii=False)
    return flat


def write_config(
    dataset: DatasetFiles, root: Path, max_shard_bytes: int, progress: bool = True, rejected: bool = False
) -> ConfigLayout:
    """Write `dataset` as data/CONFIG/train-0000i-of-0000n.parquet shards under `root`."""
    folder = root / "data" / dataset.config
    folder.mkdir(parents=True)
    if dataset.file_format == "parquet":
        schema, tables = _parquet_tables(dataset.files)
    else:
        table = pa.concat_tables([_json_table(f, rejected) for f in dataset.files], promote_options="permissive")
        schema = table.schema
        tables = (pa.Table.from_batches([b], schema=schema) for b in table.to_batches(max_chunksize=ROW_GROUP_ROWS))

    parts: list[Path] = []
    writer: pq.ParquetWriter | None = None
    shard_bytes = rows = 0
    bar = tqdm(desc=f"shards {dataset.config}", unit="rows", disable=not progress)
    for table in tables:
        row_bytes = max(1, table.nbytes // max(1, table.num_rows))
        offset = 0
        while offset < table.num_rows:
            if writer is None or shard_bytes >= max_shard_bytes:
                if writer is not None:
                    writer.close()
                parts.append(folder / f".part-{len(parts):05d}.parquet")
                writer = pq.ParquetWriter(parts[-1], schema, compression="zstd")
                shard_bytes = 0
            # Fill the current shard up to the bound, so shard sizes do not depend on the source's batch sizes.
            piece = table.slice(offset, max(1, (max_shard_bytes - shard_bytes) // row_bytes))
            writer.write_table(piece, row_group_size=ROW_GROUP_ROWS)
            shard_bytes += row_bytes * piece.num_rows
            offset += piece.num_rows
        rows += table.num_rows
        bar.update(table.num_rows)
    bar.close()
    if writer is None:  # no rows at all: one empty shard keeps the config loadable with its columns
        parts.append(folder / ".part-00000.parquet")
        pq.write_table(schema.empty_table(), parts[-1], compression="zstd")
    else:
        writer.close()

    files = []
    for index, part in enumerate(parts):
        final = folder / f"{SPLIT}-{index:05d}-of-{len(parts):05d}.parquet"
        part.replace(final)
        files.append(final)
    if dataset.expected_rows is not None and rows != dataset.expected_rows:
        raise LayoutError(
            f"config {dataset.config}: wrote {rows} rows but the manifest says {dataset.expected_rows}; "
            f"the output folder changed after its run, rebuild its manifest first"
        )
    return ConfigLayout(
        dataset.config,
        SPLIT,
        [str(f.relative_to(root)) for f in files],
        rows,
        schema.names,
        sum(f.stat().st_size for f in files),
        dataset.description,
        dataset.expected_rows,
    )


def build_layout(
    output: RefineryOutput,
    root: Path,
    repo_id: str,
    max_shard_bytes: int,
    include_rejected: bool = False,
    progress: bool = True,
) -> RepoLayout:
    """Write every config's shards, the plots and the provenance files under `root` (README.md comes later)."""
    root.mkdir(parents=True, exist_ok=True)
    for stale in ("data", "assets", "refinery"):  # a rerun must not leave files of an earlier layout behind
        if (root / stale).exists():
            shutil.rmtree(root / stale)
    configs = [write_config(d, root, max_shard_bytes, progress) for d in output.datasets if d.files]
    if include_rejected and output.rejected is not None:
        configs.append(write_config(output.rejected, root, max_shard_bytes, progress, rejected=True))
    layout = RepoLayout(root, configs)

    assets = root / "assets"
    for plot in output.plots:
        assets.mkdir(exist_ok=True)
        shutil.copyfile(plot, assets / plot.name)
        layout.assets.append(f"assets/{plot.name}")

    provenance = root / "refinery"
    provenance.mkdir(exist_ok=True)
    if (output.path / "manifest.json").is_file():
        shutil.copyfile(output.path / "manifest.json", provenance / "manifest.json")
    else:  # convert: the counts read from its files
        text = json.dumps(output.manifest, indent=2, ensure_ascii=False) + "\n"
        (provenance / "manifest.json").write_text(text, encoding="utf-8")
    layout.extra_files.append("refinery/manifest.json")
    if output.config_file is not None:
        shutil.copyfile(output.config_file, provenance / "config.yaml")
        layout.extra_files.append("refinery/config.yaml")

    entries = {d.config: _hub_entry(d.lf_entry, repo_id, d.config) for d in output.datasets if d.lf_entry is not None}
    if entries:
        (root / "dataset_info.json").write_text(
            json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        layout.extra_files.append("dataset_info.json")
    return layout


def _hub_entry(entry: dict[str, Any], repo_id: str, config: str) -> dict[str, Any]:
    """The run's LLaMA-Factory entry, pointed at the Hub config instead of a local file."""
    hub = {key: value for key, value in entry.items() if key not in ("file_name", "hf_hub_url", "subset", "split")}
    return {"hf_hub_url": repo_id, "subset": config, "split": SPLIT, **hub}

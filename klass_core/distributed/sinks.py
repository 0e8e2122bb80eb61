"""Where results go: JSONL, CSV or Parquet files, or a folder of PNG images.

Every sink writes to ``<out>.partial`` (or, for images, to a manifest of that name) and moves it
to ``out`` only when the run is complete, so a file at ``out`` is always a finished run.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any, Protocol

__all__ = ["IMAGE_MANIFEST", "TABLE_SUFFIXES", "Sink", "check_out", "open_sink"]

TABLE_SUFFIXES = (".jsonl", ".csv", ".parquet")
#: the manifest (one JSON line per image) of an image folder
IMAGE_MANIFEST = "images.jsonl"


class Sink(Protocol):
    def write(self, rows: list[dict[str, Any]]) -> None: ...
    def close(self, complete: bool) -> None: ...


def check_out(out: str | Path, images: bool) -> Path:
    """``out`` as a Path, or a ``ValueError`` saying which kind of path to give."""
    out = Path(out)
    if images:
        if out.exists() and not out.is_dir():
            raise ValueError(f"out: images go to a folder, but {out} is a file; give a folder path")
        if not out.parent.is_dir():
            raise ValueError(f"out: folder {out.parent} does not exist; create it first")
        return out
    if out.suffix.lower() not in TABLE_SUFFIXES:
        raise ValueError(f"out: {out} must end with one of {', '.join(TABLE_SUFFIXES)}")
    if not out.parent.is_dir():
        raise ValueError(f"out: folder {out.parent} does not exist; create it first")
    if out.is_dir():
        raise ValueError(f"out: {out} is a folder; give a file name")
    return out


class _Staged:
    """A file written as ``<path>.partial`` and renamed to ``path`` once complete."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")

    def finish(self, complete: bool) -> None:
        if complete:
            os.replace(self.partial, self.path)


class JsonlSink(_Staged):
    def __init__(self, path: Path, schema: Any) -> None:
        super().__init__(path)
        self.file = self.partial.open("w", encoding="utf-8")

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.file.writelines(json.dumps(row) + "\n" for row in rows)
        self.file.flush()

    def close(self, complete: bool) -> None:
        self.file.close()
        self.finish(complete)


class CsvSink(_Staged):
    def __init__(self, path: Path, schema: Any) -> None:
        super().__init__(path)
        self.file = self.partial.open("w", newline="", encoding="utf-8")
        self.writer = csv.DictWriter(self.file, fieldnames=schema.names)
        self.writer.writeheader()

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.writer.writerows(rows)
        self.file.flush()

    def close(self, complete: bool) -> None:
        self.file.close()
        self.finish(complete)


class ParquetSink(_Staged):
    """One row group per written batch."""

    def __init__(self, path: Path, schema: Any) -> None:
        import pyarrow.parquet as pq

        super().__init__(path)
        self.schema = schema
        self.writer = pq.ParquetWriter(self.partial, schema)

    def write(self, rows: list[dict[str, Any]]) -> None:
        import pyarrow as pa

        self.writer.write_table(pa.Table.from_pylist(rows, schema=self.schema))

    def close(self, complete: bool) -> None:
        self.writer.close()
        self.finish(complete)


class ImageFolderSink:
    """``<index>.png`` per image (written atomically) and a JSONL manifest without the pixels."""

    def __init__(self, folder: Path, schema: Any) -> None:
        folder.mkdir(exist_ok=True)
        self.folder = folder
        self.manifest = JsonlSink(folder / IMAGE_MANIFEST, schema)

    def write(self, rows: list[dict[str, Any]]) -> None:
        entries = []
        for row in rows:
            name = f"{row['index']:08d}.png"
            tmp = self.folder / f".{name}.partial"
            tmp.write_bytes(row["png"])
            os.replace(tmp, self.folder / name)
            entries.append({k: v for k, v in row.items() if k != "png"} | {"file": name})
        self.manifest.write(entries)

    def close(self, complete: bool) -> None:
        self.manifest.close(complete)


def open_sink(out: Path, schema: Any, images: bool) -> Sink:
    """The sink for ``out`` (checked with :func:`check_out`)."""
    if images:
        return ImageFolderSink(out, schema)
    kind = {".jsonl": JsonlSink, ".csv": CsvSink, ".parquet": ParquetSink}[out.suffix.lower()]
    return kind(out, schema)

"""Validation at the boundary: option dictionaries become frozen pydantic configs once."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["StrictConfig"]

ConfigT = TypeVar("ConfigT", bound="StrictConfig")


class StrictConfig(BaseModel):
    """Base of every sampler and adapter config: unknown keys are rejected, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())

    @classmethod
    def parse(cls: type[ConfigT], options: dict[str, Any], owner: str = "config") -> ConfigT:
        """Build the config, turning pydantic errors into one message that names ``owner``, the
        offending options and how to fix them."""
        try:
            return cls(**options)
        except ValidationError as exc:
            raise ValueError(f"invalid options for {owner}: " + cls._explain(exc)) from None

    @classmethod
    def _explain(cls, exc: ValidationError) -> str:
        valid = ", ".join(sorted(cls.model_fields)) or "(none)"
        lines = []
        for err in exc.errors():
            field = ".".join(str(part) for part in err["loc"]) or "(options)"
            if err["type"] == "extra_forbidden":
                lines.append(f"unknown option {field!r}; valid options: {valid}")
            else:
                lines.append(f"option {field!r}: {err['msg']} (got {err.get('input')!r})")
        return "; ".join(lines)


def describe_options(config: type[StrictConfig]) -> list[dict[str, str]]:
    """One record per option of a config class: name, type, default, allowed range, meaning.

    Read from the pydantic JSON schema, so the CLI and the docs cannot drift from the code.
    """
    schema = config.model_json_schema()
    out = []
    for name, prop in schema.get("properties", {}).items():
        bounds = [f"{sym} {prop[key]}" for key, sym in
                  (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))
                  if key in prop]
        if "enum" in prop:
            bounds.append(" | ".join(map(str, prop["enum"])))
        out.append({
            "name": name,
            "type": prop.get("type", "") or " | ".join(a.get("type", "") for a in prop.get("anyOf", [])),
            "default": repr(config.model_fields[name].default),
            "range": ", ".join(bounds),
            "description": prop.get("description", ""),
        })
    return out

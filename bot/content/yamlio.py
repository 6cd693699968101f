"""YAML reading that remembers line numbers, so schema errors can point at a line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.content.errors import ContentError


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows the (1-based) line it started on."""

    line: int = 0


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml when installed (the content loads faster), else pure Python."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise ContentError(loader.name, f"duplicate key {key!r}", key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Parse one file; a syntax error becomes one ContentError line with its position."""
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.load(stream, Loader=_Loader)
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, f"cannot read file: {exc}") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = f", column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise ContentError(path, f"YAML syntax error{col}: {problem}", line) from exc
    except yaml.YAMLError as exc:
        raise ContentError(path, f"YAML error: {exc}") from exc


def line_of(obj: Any) -> int | None:
    return getattr(obj, "line", None) or None

"""Reading human-written YAML with line numbers kept, so errors can say where they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError
from ..fileio.files import read_utf8
from ..fileio.xmltext import check_text

# Example files are written by hand and run to a few hundred kilobytes; PyYAML needs about 1 s and
# 50 MB of memory per megabyte, so a much larger file is refused before it is read.
MAX_MB = 16
MAX_DEPTH = 64


class Located(dict):
    """A YAML mapping that remembers the file and line it came from."""

    path: Path
    line: int
    key_lines: dict[str, int]

    def entries(self, field: str, what: str, required: bool = False) -> list[Located]:
        """The list of mappings under ``field`` (empty when absent, unless ``required``)."""
        items = self.get(field)
        if items is None or items == []:
            if required:
                raise self.fail(f"expected a non-empty list of {what} under '{field}'", field)
            return []
        if not isinstance(items, list):
            raise self.fail(f"expected a list of {what}", field)
        for item in items:
            if not isinstance(item, Located):
                raise self.fail(f"each of the {what} must be a mapping", field)
        return items

    def fail(self, message: str, field: str | None = None) -> InputError:
        """An error at the line of ``field`` when the entry has it, else at the entry's first line."""
        line = self.key_lines.get(field, self.line) if field else self.line
        return InputError(self.path, message, line=line, field=field)


def _loader_for(path: Path) -> type[yaml.SafeLoader]:
    class LineLoader(yaml.SafeLoader):
        depth = 0
        field: str | None = None  # the key whose value is being read, for errors inside lists

        def compose_node(self, parent, index):  # type: ignore[override]
            """Refuse aliases (a few lines of them expand exponentially) and absurd nesting."""
            if self.check_event(yaml.AliasEvent):
                raise InputError(path, "YAML aliases (*name) are not allowed in prc-kg files; write the value out",
                                 line=self.peek_event().start_mark.line + 1)
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    raise InputError(path, f"nested more than {MAX_DEPTH} levels deep",
                                     line=self.peek_event().start_mark.line + 1)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Located:
        loader.flatten_mapping(node)
        mapping = Located()
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            # Keys are always names in our formats: keep their text, so YAML 1.1 does not read
            # a key such as `on` as the boolean true.
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(path, "expected a field name as key, found a list or mapping",
                                 line=key_node.start_mark.line + 1)
            key = key_node.value
            check_text(key, path, key_node.start_mark.line + 1)
            if key in mapping:
                raise InputError(path, f"duplicate key '{key}'", line=key_node.start_mark.line + 1, field=str(key))
            outer, loader.field = loader.field, str(key)
            try:
                mapping[key] = loader.construct_object(value_node, deep=True)
            finally:
                loader.field = outer
            mapping.key_lines[str(key)] = key_node.start_mark.line + 1
        mapping.path = path
        mapping.line = node.start_mark.line + 1
        return mapping

    def construct_str(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
        """Text as written, refused when XML 1.0 cannot carry it: YAML escapes such as "\\0" or
        "\\ud800" let characters in that the reader refuses when written raw."""
        value = loader.construct_scalar(node)
        check_text(value, path, node.start_mark.line + 1, loader.field)
        return value

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    LineLoader.add_constructor("tag:yaml.org,2002:str", construct_str)
    return LineLoader


def read_yaml(path: Path, marker: str) -> Located:
    """Parse ``path``; its top level must be a mapping whose ``prc-kg`` key equals ``marker``."""
    doc = parse_yaml(path, "a mapping at the top level with a 'prc-kg' key")
    if doc.get("prc-kg") != marker:
        raise InputError(path, f"expected 'prc-kg: {marker}' at the top, found {doc.get('prc-kg')!r}",
                         line=doc.line, field="prc-kg")
    return doc


def parse_yaml(path: Path, expected: str) -> Located:
    """Parse ``path`` with the safe loader above; its top level must be a mapping (``expected`` says
    which, for the error)."""
    text = read_utf8(path, "a YAML document", max_mb=MAX_MB, too_big="split it into several files")
    try:
        doc: Any = yaml.load(text, Loader=_loader_for(path))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InputError(path, f"YAML syntax error: {exc.problem}", line=line) from exc
    except yaml.reader.ReaderError as exc:  # a control character: not a MarkedYAMLError
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(path, f"character U+{exc.character:04X} is not allowed in YAML (position {exc.position})",
                         line=line) from exc
    except yaml.YAMLError as exc:
        raise InputError(path, f"YAML error: {exc}") from exc
    if not isinstance(doc, Located):
        raise InputError(path, f"expected {expected}", line=1)
    return doc

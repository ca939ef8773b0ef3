"""YAML from users: plain data only, no object tags and no anchors or aliases.

``yaml.safe_load`` already refuses tags that build Python objects, but it honours anchors (``&a``)
and aliases (``*a``): a 1 KB file whose aliases nest ten deep stands for gigabytes once a value is
turned into text (the "billion laughs" of YAML). No library format we read (CISO Assistant
libraries, SSSOM metadata blocks) needs them, so every YAML document read from a user goes through
:func:`load_plain_yaml`, which refuses the first anchor or alias with its line and column.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import Node

from controlgraph.errors import InputError


class _PlainDataLoader(yaml.SafeLoader):
    """The safe loader, refusing anchors and aliases before any node is built from them."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # type: ignore[override]
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent) or (
            isinstance(event, ScalarEvent | CollectionStartEvent) and event.anchor is not None
        ):
            raise ComposerError(None, None, "anchors and aliases (& and *) are not accepted",
                                event.start_mark)  # type: ignore[arg-type]
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


def load_plain_yaml(text: str, *, path: str, what: str, first_line: int = 1) -> Any:
    """The data of one YAML document; :class:`InputError` naming ``path`` and the line otherwise.

    ``first_line`` is the line of ``path`` where ``text`` starts (an embedded block).
    """
    loader: _PlainDataLoader | None = None
    try:
        loader = _PlainDataLoader(text)  # reading starts here: a character YAML does not allow fails at once
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark is not None else None
        column = f" at column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "malformed YAML"
        raise InputError(f"not valid YAML{column}: {problem} (expected {what})", path=path, line=line) from None
    except (ValueError, OverflowError) as exc:  # a plain scalar YAML reads as a date that is none (2024-13-01)
        raise InputError(f"not valid YAML: a value cannot be read ({str(exc)[:100]}; expected {what})",
                         path=path) from None
    except (yaml.YAMLError, RecursionError) as exc:
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise InputError(f"not valid YAML: {first} (expected {what})", path=path) from None
    finally:
        if loader is not None:
            loader.dispose()

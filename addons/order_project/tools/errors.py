"""The tools' refusals, worded by the Odoo layer.

The tools are plain Python and know no language: they raise (or return) a ``ToolError``
whose ``str()`` is an English sentence for logs and plain-Python callers, and whose
``code`` and ``params`` let ``models/reader_wording.py`` word it in the reader's language.
"""

from __future__ import annotations

from typing import Any


class ToolError(ValueError):
    """A tool's refusal: ``code`` names the kind, ``params`` the values its sentence needs."""

    def __init__(self, code: str, text: str, **params: Any) -> None:
        super().__init__(text % params if params else text)
        self.code = code
        self.params = params

"""Engine messages in a viewer's words: command-line flags become the viewer command's arguments.

    viewer_words("Pass --checkpoint PATH to a model", "=")  -> "Pass checkpoint=PATH to a model"  (PyMOL)
    viewer_words("Pass --checkpoint PATH to a model", " ")  -> "Pass checkpoint PATH to a model"  (ChimeraX)
"""

from __future__ import annotations

import re

_FLAG = re.compile(r"--([a-z][a-z_-]*)(?: |=)?")


def viewer_words(message: str, joiner: str) -> str:
    """``message`` with each ``--flag VALUE`` written as ``flag{joiner}VALUE`` (dashes in names -> _)."""
    return _FLAG.sub(lambda m: m.group(1).replace("-", "_") + joiner, message)

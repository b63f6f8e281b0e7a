"""Moved to ``trajgen.engine.residue_constants`` (structure/ and geometry/ both use it, so it sits
below both and neither imports the other to reach it). This name stays an alias of that module for
code and saved pickles that still import it from here."""

import sys

from trajgen.engine import residue_constants as _moved

sys.modules[__name__] = _moved

"""Viewer plugins (ChimeraX bundle glue, PyMOL plugin)."""

"""Baseline generators that trajgen's learned model is compared against (no learning involved)."""

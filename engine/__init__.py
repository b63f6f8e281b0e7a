"""trajgen engine: protein geometry, generative model, trajectory I/O. No GUI imports here."""

__version__ = "0.1.0"

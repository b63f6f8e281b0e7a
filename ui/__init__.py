"""trajgen Qt control panel shared by the ChimeraX and PyMOL plugins."""

"""`prc-kg release`: a checked, versioned, documented release folder."""

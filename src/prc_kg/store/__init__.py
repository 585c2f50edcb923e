"""Stores and queries: the embedded Oxigraph store and remote endpoints behind one interface,
loading the dataset with its materialised inferences, store folders, and the query library."""

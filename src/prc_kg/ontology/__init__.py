"""The ontology source and what is made from it: reading the modules through the catalog, the merged
release graph and its serialisations, the SSSOM mappings, the summary, where each term is written,
the index of defined terms, and the HermiT reasoner."""

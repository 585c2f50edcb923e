"""Instance data written by people: the YAML cases, vignettes and findings, the example folder as
one graph, imported ratings and the synthetic study generator."""

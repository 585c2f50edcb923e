"""Numbers from the graph: inter-rater reliability, sequential statistics and their pooling, graph
analytics, and the projections of the graph into networkx."""

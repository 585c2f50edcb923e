"""The read-only SPARQL endpoint: HTTP server, query guard, worker pool, sandbox, result writing,
fair sharing between clients and the Host check."""

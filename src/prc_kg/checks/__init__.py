"""Checks that gate a release: quality control queries, SHACL validation and the de-identification
check."""

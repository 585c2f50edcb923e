"""Helpers that start servers (database engines, SPARQL endpoints) for the tests, on loopback only."""

"""The `prc-kg` command: argument parsing per command group, over the library."""

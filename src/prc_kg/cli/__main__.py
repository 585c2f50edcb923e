"""`python -m prc_kg.cli`: the same as the `prc-kg` command."""

import sys

from .main import main

sys.exit(main())

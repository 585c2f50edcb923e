"""prc-kg: a knowledge graph of the psychotherapy process, after the PRC educational manual.

The library API lives in modules named for what they hold: ``ontology`` (loading the source),
``release`` (build files), ``qc`` (quality-control queries), ``reasoning`` (HermiT),
``summary`` (counts per manual section). ``cli`` is a thin layer over them.
"""

__version__ = "0.1.0"

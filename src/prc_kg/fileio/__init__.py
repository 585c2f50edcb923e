"""Files in and out, safely: reading human-written inputs, writing outputs atomically, the guard
that keeps outputs off inputs and source folders, the folders prc-kg makes, and the checks that keep
RDF and XML text offline and bounded."""

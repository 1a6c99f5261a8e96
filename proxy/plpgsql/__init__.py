"""Redshift's PL/pgSQL: a parser of procedure bodies (``parser``) and their interpreter
(``executor``), which runs each statement of a body through the connection's own path."""

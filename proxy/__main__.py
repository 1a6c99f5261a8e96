"""``python -m proxy`` runs the ``duckshift`` command line."""

import sys

from proxy.cli import main

sys.exit(main())

"""``python -m glassnet`` is the ``glassnet`` command."""

import sys

from .apps.cli import main

sys.exit(main())

"""``python -m glassnet.apps.playground``: the same as ``glassnet playground``."""

import sys

from . import main

sys.exit(main())

"""``python -m glassnet.apps.bench``: the benchmark suite (same as ``glassnet bench``)."""

import sys

from . import main

sys.exit(main())

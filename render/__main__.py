"""``python -m render``: see render/run.py."""

import sys

from .run import main

sys.exit(main())

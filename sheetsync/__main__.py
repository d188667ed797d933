"""``python -m sheetsync``: the command line."""

import sys

from sheetsync.entrypoints.cli import main

sys.exit(main())

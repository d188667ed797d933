"""Shared pytest setup: put tests/ on sys.path so helper modules import as ``import tokenkit``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

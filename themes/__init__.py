"""Built-in themes, shipped as data files inside the package."""

from pathlib import Path

THEMES_DIR = Path(__file__).parent

#!/usr/bin/env python3
"""Build the Jing-Jin-Ji industry atlas: `python build.py` (build) or `python build.py check`."""
import sys

from atlas.cli import main

if __name__ == "__main__":
    sys.exit(main())

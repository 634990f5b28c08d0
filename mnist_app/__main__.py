"""Entry point for ``python -m mnist_app``."""

import sys

from mnist_app.cli import main

sys.exit(main())

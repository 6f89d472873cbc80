"""``python -m pitboard``: the same as the ``pitboard`` command."""

import sys

from pitboard.cli import main

sys.exit(main())

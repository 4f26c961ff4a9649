"""``python -m jobrouter_emulator``: the same as the ``jobrouter-emulator`` command."""

import sys

from .cli import main

sys.exit(main())

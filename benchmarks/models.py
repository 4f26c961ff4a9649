"""Models against azure-communication-jobrouter 1.0.0 (black box): reading recorded-shape jobs, building and
serializing workers, memory per model. The model rows of sdk_vs_1_0_0.py, which measures both interpreters.
Models read from parsed JSON beside 1.0.0 and beside dict reads, interleaved in one run: sdk_read.py.

    .venv/bin/python benchmarks/models.py --baseline-python /tmp/venv-jr100/bin/python
"""

import sys

from sdk_vs_1_0_0 import main

if __name__ == "__main__":
    sys.exit(main(only="models"))

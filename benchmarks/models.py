"""Models against azure-communication-jobrouter 1.0.0 (black box): reading recorded-shape jobs, building and
serializing workers, memory per model. The model rows of sdk_vs_1_0_0.py, which measures both interpreters.

    .venv/bin/python benchmarks/models.py --baseline-python /tmp/venv-jr100/bin/python
"""

import sys

from sdk_vs_1_0_0 import main

if __name__ == "__main__":
    sys.exit(main(only="models"))

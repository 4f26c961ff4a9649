"""Client per-call overhead against azure-communication-jobrouter 1.0.0 (black box): get_job, upsert_job,
upsert_worker and list_jobs through the full azure-core pipeline with an in-memory transport (no network).
The client rows of sdk_vs_1_0_0.py, which measures both interpreters.

    .venv/bin/python benchmarks/client.py --baseline-python /tmp/venv-jr100/bin/python
"""

import sys

from sdk_vs_1_0_0 import main

if __name__ == "__main__":
    sys.exit(main(only="client"))

"""Rule evaluation speed: PowerFx expressions (parsed once and cached, or parsed every time) and classification.

.venv/bin/python benchmarks/rules.py
"""

from __future__ import annotations

import sys
import time

from jobrouter_emulator.engine.rules import evaluate_expression, parse_expression
from jobrouter_emulator.engine.rules.classification import classify

EXPRESSION = 'If(job.Hardware_VIP = true And job.Region = "NA", 10, job.Score > 5, 5 + job.Score * 2, 1)'
LABELS = {"Hardware_VIP": False, "Region": "NA", "Score": 7}
QUEUES = {f"q{i}": {"labels": {"language": f"l{i}", "Id": f"q{i}"}} for i in range(50)}
POLICY = {
    "fallbackQueueId": "q0",
    "queueSelectorAttachments": [{"kind": "passThrough", "key": "language", "labelOperator": "equal"}],
    "prioritizationRule": {"kind": "expression", "expression": EXPRESSION},
    "workerSelectorAttachments": [
        {
            "kind": "conditional",
            "condition": {"kind": "expression", "expression": f"job.Score > {i}"},
            "workerSelectors": [{"key": f"skill{i}", "labelOperator": "greaterThan", "value": i}],
        }
        for i in range(9)
    ],
}


def per_second(fn, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def main() -> int:
    cached = per_second(lambda: evaluate_expression(EXPRESSION, LABELS), 20000)

    def uncached() -> None:
        parse_expression.cache_clear()
        evaluate_expression(EXPRESSION, LABELS)

    fresh = per_second(uncached, 5000)
    job = {"labels": {**LABELS, "language": "l42"}}
    classifications = per_second(lambda: classify(POLICY, job, queues=QUEUES), 5000)
    print("| measure | per second | per call (µs) |")
    print("| --- | ---: | ---: |")
    print(f"| PowerFx expression, parse cached | {cached:,.0f} | {1e6 / cached:.1f} |")
    print(f"| PowerFx expression, parsed every time | {fresh:,.0f} | {1e6 / fresh:.1f} |")
    print(f"| classification: 10 attachments/rules, 50 queues | {classifications:,.0f} | {1e6 / classifications:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``jobrouter-emulator simulate`` and ``jobrouter-emulator policies``: the simulator on the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from .errors import ScenarioError

SIMULATE_EPILOG = """\
examples:
  jobrouter-emulator simulate day.yaml --report report.html --json result.json
  jobrouter-emulator simulate day.yaml --replications 10 --seed 1 --csv results/
  jobrouter-emulator simulate today.yaml more-staff.yaml --report compare.html
"""

POLICIES_EPILOG = """\
examples:
  jobrouter-emulator policies export --connection-string "$CS" --scenario day.yaml
  jobrouter-emulator policies import --connection-string "$CS" --scenario day.yaml
(the connection string defaults to $AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING)
"""


def simulate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobrouter-emulator simulate",
        description="Run a day of demand against your policies on the emulator's engine and a virtual clock; "
        "with two scenarios, compare them.",
        epilog=SIMULATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="a scenario file (YAML or JSON); two compare")
    parser.add_argument("--report", type=Path, help="write the HTML report here")
    parser.add_argument("--json", type=Path, help="write the result JSON here (two scenarios: a list of both)")
    parser.add_argument("--csv", type=Path, metavar="DIR", help="write queues/groups/workers/intervals CSV files here")
    parser.add_argument("--seed", type=int, help="the first seed (default: the scenario's)")
    parser.add_argument(
        "--replications", type=int, default=1, help="independent runs; reports means and 95%% intervals"
    )
    return parser


def simulate_main(argv: List[str]) -> int:
    from .progress import TerminalProgress
    from .report import write_compare_report, write_report
    from .results import write_csv, write_json
    from .runner import run
    from .scenario import load_scenario

    args = simulate_parser().parse_args(argv)
    if len(args.scenarios) > 2:
        print("error: give one scenario, or two to compare", file=sys.stderr)
        return 2
    if args.replications < 1:
        print("error: --replications must be at least 1", file=sys.stderr)
        return 2
    problem = output_problem(args.json, args.report, args.csv)
    if problem:  # before the run, not after it: a day's simulation is not thrown away for a typo in a path
        print(f"error: {problem}", file=sys.stderr)
        return 2
    results: List[Dict[str, Any]] = []
    try:
        scenarios = [load_scenario(path) for path in args.scenarios]
        for path, scenario in zip(args.scenarios, scenarios):
            bar = TerminalProgress.for_stream(sys.stderr, Path(path).name)
            try:
                results.append(run(scenario, seed=args.seed, replications=args.replications, progress=bar))
            finally:
                if bar is not None:
                    bar.finish()
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for result in results:
        print(summary(result))
    if args.json:
        if len(results) == 1:
            write_json(results[0], args.json)
        else:
            write_json({"compare": results}, args.json)  # type: ignore[arg-type]
    if args.csv:
        for index, result in enumerate(results):
            write_csv(result, args.csv if len(results) == 1 else args.csv / "ab"[index])
    if args.report:
        if len(results) == 1:
            write_report(results[0], args.report)
        else:
            write_compare_report(results[0], results[1], args.report)
        print(f"report: {args.report}")
    return 0


def output_problem(json_file: Optional[Path], report: Optional[Path], csv_dir: Optional[Path]) -> Optional[str]:
    """What keeps the outputs from being written (a missing folder, a file where a folder must go), or None."""
    for option, path in (("--json", json_file), ("--report", report)):
        if path is None:
            continue
        if path.is_dir():
            return f"{option} {path} is a directory: give a file name"
        if not path.parent.is_dir():
            return f"{option} {path}: the folder {path.parent} does not exist"
    if csv_dir is not None:
        if csv_dir.exists() and not csv_dir.is_dir():
            return f"--csv {csv_dir} is a file: give a folder (it is created if missing)"
        if not csv_dir.exists() and not csv_dir.parent.is_dir():
            return f"--csv {csv_dir}: the folder {csv_dir.parent} does not exist"
    return None


def summary(result: Dict[str, Any]) -> str:
    """A few lines for the terminal: per queue, service level, ASA and abandoned."""
    lines = [
        f"{result['scenario']}: {result['jobs']:g} jobs, {result['simulatedSeconds'] / 3600:.2f} h simulated "
        f"in {result['wallSeconds']:.1f} s"
    ]
    for queue, figures in result["queues"].items():
        level = figures.get("serviceLevel")
        asa = figures.get("averageSpeedOfAnswerSeconds")
        lines.append(
            f"  {queue}: offered {figures['offered']:g}, service level "
            f"{'-' if level is None else f'{level:.1%}'} within {figures['serviceLevelSeconds']:g} s, "
            f"ASA {'-' if asa is None else f'{asa:.1f} s'}, abandoned {figures['abandoned']:g}"
        )
    return "\n".join(lines)


def policies_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobrouter-emulator policies",
        description="Copy a scenario's policies from a running Job Router (export) or to one (import), through "
        "the SDK: the emulator or Azure.",
        epilog=POLICIES_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("direction", choices=("export", "import"))
    parser.add_argument("--scenario", type=Path, required=True, help="the scenario file whose policies to write/read")
    parser.add_argument("--connection-string", help="the Job Router's connection string")
    return parser


def policies_main(argv: List[str]) -> int:
    import os

    from .policies import export_policies, import_policies, read_scenario_document, write_policies

    args = policies_parser().parse_args(argv)
    connection = args.connection_string or os.environ.get("AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING")
    if not connection:
        print("error: give --connection-string or set AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING", file=sys.stderr)
        return 2
    try:
        if args.direction == "export":
            policies = export_policies(connection)
            write_policies(args.scenario, policies)
            listed = ", ".join(f"{len(v)} {k}" for k, v in policies.items())
            print(f"exported {listed} into {args.scenario}")
        else:
            document = read_scenario_document(args.scenario)
            counts = import_policies(connection, document.get("policies") or {})
            print("imported " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


COMMANDS = {"simulate": simulate_main, "policies": policies_main}


def dispatch(argv: List[str]) -> Optional[int]:
    """Run the subcommand ``argv`` starts with, if it is one of the simulator's; None otherwise."""
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    return None

"""Regenerate the code written from the project's specs.

Every module in swagger/codegen/ that defines ``outputs(repo_root) -> {path: text}`` contributes files.
``python swagger/generate.py`` writes them; ``--check`` writes nothing and exits 1 if any file is stale (CI runs it).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Dict

REPO_ROOT = Path(__file__).resolve().parent.parent


def collect_outputs(repo_root: Path = REPO_ROOT) -> Dict[Path, str]:
    outputs: Dict[Path, str] = {}
    codegen_dir = Path(__file__).resolve().parent / "codegen"
    sys.path.insert(0, str(codegen_dir.parent))
    try:
        for module_path in sorted(codegen_dir.glob("*.py")):
            if module_path.name.startswith("_"):
                continue
            spec = importlib.util.spec_from_file_location(f"codegen.{module_path.stem}", module_path)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            if hasattr(module, "outputs"):
                outputs.update(module.outputs(repo_root))
    finally:
        sys.path.remove(str(codegen_dir.parent))
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if generated files are stale; write nothing")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    stale = []
    for path, text in collect_outputs(args.root).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path.relative_to(args.root)}")
    if args.check and stale:
        print("Generated code is out of date: run `python swagger/generate.py` and commit the result.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The emulator's third-party dependencies come with the ``[emulator]`` extra. Without them the SDK works as usual, and
whatever needs the emulator (the pytest fixture, the ``jobrouter-emulator`` command, ``EmbeddedEmulator``) says in one
line what is missing and the command that installs it.

Standard library only: the pytest plugin imports this module in every pytest run of an environment with the SDK.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
from importlib import metadata
from typing import Iterator, List

DISTRIBUTION = "azure-communication-jobrouter"
# Quoted, so that zsh does not read [emulator] as a pattern; the emulator comes with this project's sources, so the
# source checkout's form is named too.
INSTALL_COMMAND = f"pip install '{DISTRIBUTION}[emulator]' (in a source checkout: pip install -e '.[emulator]')"
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']emulator["']""")


class MissingEmulatorDependencies(ImportError):
    """The ``[emulator]`` extra is not installed (or only partly)."""


def _extra_requirements() -> List[str]:
    """The distribution names the ``[emulator]`` extra installs, as the installed package's metadata lists them."""
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:  # a source tree on sys.path, not installed: the imports will tell
        return []
    names = []
    for requirement in requirements:
        name = re.match(r"[A-Za-z0-9_.\-]+", requirement)
        if name and _EXTRA_MARKER.search(requirement):
            names.append(name.group(0))
    return names


def _error(missing: List[str]) -> MissingEmulatorDependencies:
    return MissingEmulatorDependencies(
        f"The Job Router emulator needs {', '.join(missing)}, not installed here; install it with: {INSTALL_COMMAND}"
    )


@contextlib.contextmanager
def emulator_dependencies() -> Iterator[None]:
    """Around the first import of the emulator's machinery: raise :class:`MissingEmulatorDependencies` when a module of
    the ``[emulator]`` extra is missing, before importing anything, or when the import itself finds one missing."""
    missing = [
        name for name in _extra_requirements() if importlib.util.find_spec(name.lower().replace("-", "_")) is None
    ]
    if missing:
        raise _error(missing)
    try:
        yield
    except ModuleNotFoundError as error:
        top_level = (error.name or "").split(".")[0]
        if top_level in ("", "jobrouter_emulator", "azure"):  # a fault of this package, not a missing extra
            raise
        raise _error([top_level]) from error

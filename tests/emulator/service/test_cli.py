"""The ``jobrouter-emulator`` command line: ``--version``, a plain ``--help``, every option documented in the README,
and what it prints at start."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import httpx
import pytest

from azure.communication.jobrouter import __version__
from jobrouter_emulator import EmbeddedEmulator, cli
from tests._cli_process import CliEmulator

README = Path(__file__).resolve().parents[3] / "README.md"


def _options() -> list:
    return sorted({o for a in cli.build_parser()._actions for o in a.option_strings if o.startswith("--")})


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    expected = f"jobrouter-emulator {__version__} (Job Router REST api-version 2023-11-01)"
    assert capsys.readouterr().out.strip() == expected


def test_help_is_plain_text_and_lists_every_option(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    for markup in ("``", ":class:", ":func:", ":meth:", "\n.. ", "**"):
        assert markup not in text, markup
    for option in _options():
        assert option in text
    assert "/_emulator/" in text  # where the dashboard is


def test_the_readme_documents_every_option():
    readme = README.read_text()
    section = readme[readme.index("## The emulator in more detail") :]
    missing = [option for option in _options() if not re.search(rf"`{re.escape(option)}\b", section)]
    assert not missing, f"README's emulator section does not document {missing}"


def test_a_clock_that_is_not_one_is_refused_at_once():
    with pytest.raises(ValueError, match="clock must be one of system, virtual"):
        EmbeddedEmulator(clock="fast")
    with pytest.raises(SystemExit) as exited:
        cli.main(["--clock", "fast"])
    assert exited.value.code == 2


def test_the_banner_names_the_dashboard_and_the_virtual_clock(tmp_path):
    emulator = CliEmulator("--in-memory", "--clock", "virtual", directory=tmp_path)
    try:
        assert emulator.login_url.startswith(emulator.endpoint + "_emulator/?token=")
        assert emulator.banner["dashboard"].endswith("(one-time login link, valid for 10 minutes)")
        assert emulator.banner["clock"].startswith("virtual, at ")
        assert emulator.banner["state"] == "in memory"
    finally:
        emulator.stop()


def test_in_memory_with_tls_leaves_nothing_in_the_working_directory(tmp_path):
    """``--in-memory --tls`` said "state: in memory" while writing a certificate into ./.jobrouter-emulator."""
    emulator = CliEmulator("--in-memory", "--tls", directory=tmp_path)
    try:
        assert emulator.banner["state"] == "in memory"
        cert = Path(emulator.banner["certificate"].split()[0])
        assert cert.is_file() and tmp_path not in cert.parents
        trusted = ssl.create_default_context(cafile=str(cert))  # HTTPS with that certificate
        response = httpx.get(emulator.endpoint + "_emulator/health", verify=trusted)
        assert response.json() == {"status": "ok"}
    finally:
        log = emulator.stop()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["emulator-stderr.log"], log
    assert not cert.exists() and not cert.parent.exists()  # the temporary directory went with the process

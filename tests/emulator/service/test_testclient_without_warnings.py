"""The HTTP API tests' ``starlette.testclient`` loads without a deprecation warning: starlette 1.x runs it on httpx2
and warned ("Using `httpx` with `starlette.testclient` is deprecated") when only httpx was installed."""

from __future__ import annotations

import sys

import pytest

from ..._isolated import run_isolated


@pytest.mark.skipif(sys.version_info < (3, 11), reason="httpx2 needs Python 3.11; older starlette uses httpx")
def test_the_test_client_imports_without_a_deprecation_warning(tmp_path):
    probe = "import warnings; warnings.simplefilter('error'); import starlette.testclient"
    result = run_isolated(sys.executable, "-c", probe, cwd=tmp_path)
    assert result.returncode == 0, result.stderr

"""Shared fixtures: the real test data (../shared/data from the repository root, or
$CRYOLABEL_DATA) and the `cryolabel` command line ($CRYOLABEL_BIN, else target/debug/cryolabel,
else on PATH), whose outputs the package must reproduce. In CI (CI=true) a missing
prerequisite fails the test; elsewhere it skips with the reason."""

import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("CRYOLABEL_DATA", REPO / ".." / "shared" / "data")).resolve()
REAL = DATA / "real"


def missing(what):
    """Fail in CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide {what}")
    pytest.skip(f"{what} not available")


def cli_path():
    env = os.environ.get("CRYOLABEL_BIN")
    if env:
        return env
    local = REPO / "target" / "debug" / "cryolabel"
    if local.is_file():
        return str(local)
    return shutil.which("cryolabel")


@pytest.fixture(scope="session")
def cli():
    """Run the cryolabel command line; returns the CompletedProcess (text)."""
    exe = cli_path()
    if not exe:
        missing("the cryolabel binary (cargo build, or CRYOLABEL_BIN)")

    def run(*args, check=True):
        p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
        if check:
            assert p.returncode == 0, f"cryolabel {' '.join(map(str, args))}\n{p.stdout}\n{p.stderr}"
        return p

    return run


@pytest.fixture(scope="session")
def real():
    if not REAL.is_dir():
        missing(f"the test data at {REAL}")
    return REAL


@pytest.fixture(scope="session")
def mrcfile():
    try:
        import mrcfile as m
    except ImportError:
        missing("mrcfile (pip install mrcfile)")
    return m

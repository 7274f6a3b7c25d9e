"""Every command of docs/readme/python.md runs: its shell blocks (with this build's cryolabel
on PATH; `pip install ./python` is what CI's .ci/run does before the tests, so it is not run
again here) and its Python blocks, in order, in a scratch folder beside a link to ../shared.
The PyTorch loop runs only where torch is installed."""

import os
import pathlib
import re
import subprocess

from conftest import DATA, REPO, cli_path

DOC = REPO / "docs" / "readme" / "python.md"


def blocks():
    return re.findall(r"```(sh|python)\n(.*?)```", DOC.read_text(), flags=re.S)


def test_readme_commands_run(tmp_path, real, cli):
    assert len(blocks()) >= 5
    work = tmp_path / "repo"
    work.mkdir()
    (tmp_path / "shared").symlink_to(DATA.parent)
    env = dict(os.environ, PATH=f"{pathlib.Path(cli_path()).resolve().parent}{os.pathsep}{os.environ['PATH']}")
    cwd = os.getcwd()
    os.chdir(work)
    try:
        for kind, text in blocks():
            if kind == "sh":
                lines = [l for l in text.splitlines() if l.strip() and not l.startswith("pip install")]
                if lines:
                    p = subprocess.run(["bash", "-ec", "\n".join(lines)], env=env, capture_output=True, text=True)
                    assert p.returncode == 0, f"{text}\n{p.stdout}\n{p.stderr}"
                continue
            if "import torch" in text:
                try:
                    import torch  # noqa: F401
                except ImportError:
                    continue
            exec(compile(text, str(DOC), "exec"), {"__name__": "readme"})
    finally:
        os.chdir(cwd)
    assert (work / "out" / "5ni1_regression_situs.mrc").is_file() and (work / "out" / "mask.mrc").is_file()

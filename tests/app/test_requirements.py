"""Install the app the way Streamlit Community Cloud does and run it.

Cloud clones the repository, installs packages.txt with apt and then ``pip install -r
requirements.txt`` into a fresh environment, and runs ``streamlit run app.py`` from the repository
root. This test does the same in a temporary copy of the working tree (the files git tracks plus the
untracked ones it does not ignore, i.e. what a push would publish once committed): a fresh
``python -m venv``, ``pip install -r requirements.txt`` (which builds relufast from source), then an
AppTest script that opens every page inside that environment.

It needs network access to the package index (set RELUFAST_OFFLINE=1 to skip it) and a C++ compiler
(packages.txt: build-essential). It takes a few minutes, most of it the C++ build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

from .conftest import PAGES, ROOT

pytestmark = pytest.mark.cloud  # registered in tests/app/conftest.py; NOT deselected by default

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from streamlit.testing.v1 import AppTest
    import relufast

    pages = json.loads(sys.argv[1])
    assert relufast.backend.has_core(), "the C++ core was not built"
    at = AppTest.from_file("app.py", default_timeout=180)
    at.run()
    for name, (path, phrase) in pages.items():
        if name != "five_points":
            at.switch_page(path).run()
        errors = [e.value for e in at.exception] + [e.value for e in at.error]
        assert not errors, (name, errors)
        specs = [el.proto.spec for el in at.get("vega_lite_chart")]
        assert any(phrase in s for s in specs), (name, "main chart missing")
        print("page ok:", name, flush=True)
    print("relufast", relufast.__version__, relufast.info()["default_backend"])
    """
)


#: Run from outside the repository (so the checkout cannot shadow the install): where python and
#: relufast come from in the fresh environment.
WHERE = textwrap.dedent(
    """
    import json, sys
    import relufast, relufast._core
    print(json.dumps({"executable": sys.executable, "prefix": sys.prefix,
                      "relufast": relufast.__file__, "core": relufast._core.__file__,
                      "has_core": relufast.backend.has_core(),
                      "threads": relufast.info().get("threads")}))
    """
)


def _published_files(root: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    return [f for f in out.decode().split("\0") if f and (root / f).is_file()]


def _run(cmd, cwd, env, timeout):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f"{' '.join(map(str, cmd))} failed ({proc.returncode})\n"
        f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    )
    return proc.stdout


def test_requirements_install_and_app_runs(tmp_path):
    if os.environ.get("RELUFAST_OFFLINE"):
        pytest.skip("RELUFAST_OFFLINE is set: no package index to install requirements.txt from")
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know which files a clone would contain")
    if shutil.which("c++") is None and shutil.which("g++") is None:
        pytest.skip("no C++ compiler (Cloud gets one from packages.txt: build-essential)")
    req = (ROOT / "requirements.txt").read_text()
    assert "-e ." in [line.strip() for line in req.splitlines()]
    assert "build-essential" in (ROOT / "packages.txt").read_text().split()
    assert not (ROOT / "uv.lock").exists(), "a root uv.lock would make Cloud ignore requirements.txt"

    repo = tmp_path / "repo"
    for f in _published_files(ROOT):
        dst = repo / f
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dst)

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    py = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_"))}
    env["PATH"] = f"{py.parent}{os.pathsep}{env.get('PATH', '')}"
    # Cloud has no CUDA compiler: build the CPU core only, as RELUFAST_CUDA=AUTO does there.
    env["SKBUILD_CMAKE_DEFINE"] = "RELUFAST_CUDA=OFF"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"

    _run([py, "-m", "pip", "install", "-q", "-r", "requirements.txt"], repo, env, timeout=900)
    out = _run([py, "-c", SCRIPT, json.dumps(PAGES)], repo, env, timeout=600)
    for name in PAGES:
        assert f"page ok: {name}" in out, out

    # the app ran on the fresh environment's own build: its python, relufast from the editable
    # install of the copied tree (`-e .`), the C++ core compiled into that environment
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    where = json.loads(_run([py, "-c", WHERE], outside, env, timeout=120).strip().splitlines()[-1])
    assert Path(where["prefix"]).resolve() == env_dir.resolve(), where
    assert Path(where["executable"]).parent.resolve() == py.parent.resolve(), where
    assert Path(sys.prefix).resolve() != env_dir.resolve()  # and not this test's interpreter
    assert Path(where["relufast"]).resolve() == (repo / "relufast" / "__init__.py").resolve(), where
    core = Path(where["core"]).resolve()
    assert core.is_relative_to(env_dir.resolve()) or core.is_relative_to(repo.resolve()), where
    assert core.name.startswith("_core") and where["has_core"] and where["threads"] >= 1, where
    assert "relufast" in out.splitlines()[-1] and "cpu" in out.splitlines()[-1], out

"""The relufast command line."""

import argparse
import csv
import subprocess
import sys

import pytest

from relufast import cli
from relufast.experiments import safran_shamir as ss


def test_parse_ints():
    assert cli.parse_ints("6-10") == [6, 7, 8, 9, 10]
    assert cli.parse_ints("0,1,2") == [0, 1, 2]
    assert cli.parse_ints("6-7,12") == [6, 7, 12]
    for bad in ("", "a-b", "6-x"):
        with pytest.raises(argparse.ArgumentTypeError):
            cli.parse_ints(bad)


def test_table_writes_csv(tmp_path, capsys):
    out = tmp_path / "t.csv"
    assert (
        cli.main(["table", "--k", "5-6", "--extra", "0", "--restarts", "20", "--out", str(out), "--quiet"])
        == 0
    )
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert [(r["k"], r["n"]) for r in rows] == [("5", "5"), ("6", "6")]
    assert list(rows[0]) == ss.TABLE_COLUMNS
    printed = capsys.readouterr().out
    assert "pct_spurious" in printed and "wrote 2 row(s)" in printed


def test_interrupt_keeps_finished_rows(tmp_path, monkeypatch, capsys):
    real_run = ss.run
    calls = []

    def run_then_interrupt(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_run(*args, **kwargs)

    monkeypatch.setattr(ss, "run", run_then_interrupt)
    out = tmp_path / "t.csv"
    code = cli.main(["table", "--k", "5", "--extra", "0,1", "--restarts", "10", "--out", str(out), "--quiet"])
    assert code == 130
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == 1 and rows[0]["n"] == "5"
    assert "1 finished row(s) kept in" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_bad_arguments_give_clear_errors(capsys):
    assert cli.main(["table", "--k", "0", "--restarts", "5", "--quiet"]) == 2
    assert "--k must be" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["table", "--backend", "gpu"])


TABLE = ["table", "--k", "5", "--extra", "0", "--quiet"]


@pytest.mark.parametrize(
    "bad,message",
    [
        (["--restarts", "0"], "--restarts must be an integer >= 1"),
        (["--restarts", "5", "--k", "0"], "--k must be"),
        (["--restarts", "5", "--seed", "-1"], "--seed must be"),
        (["--restarts", "5", "--step", "-0.1"], "step must be > 0"),
        (["--restarts", "5", "--threads", "100000"], "--threads must be at most"),
        (["--restarts", "5", "--workers", "-2"], "--workers must be"),
        (["--restarts", "5", "--shard-size", "0"], "--shard-size must be"),
        (["--restarts", "5", "--max-iters", "0"], "max_iters must be"),
        (["--restarts", "5", "--certify-after", "-1"], "certify_after must be"),
        (["--restarts", "5", "--certify-tol=-1e-5"], "certify_tol must be"),
        (["--restarts", str(10**15)], "would need about"),
        (["--restarts", "5", "--scheduler", "tcp://x:1", "--workers", "2"], "exclude each other"),
    ],
)
def test_bad_arguments_leave_an_existing_file_alone(tmp_path, capsys, bad, message):
    out = tmp_path / "results.csv"
    out.write_text("precious\n")
    assert cli.main([*TABLE, *bad, "--out", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("relufast: error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err  # one line
    assert out.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]  # no temporary file left


def test_backend_not_available_is_refused_before_the_file(tmp_path, capsys):
    from relufast import backend

    if "cuda" in backend.available():
        pytest.skip("a CUDA device is visible here")
    out = tmp_path / "results.csv"
    out.write_text("precious\n")
    assert cli.main([*TABLE, "--restarts", "5", "--backend", "cuda", "--out", str(out), "--force"]) == 2
    assert "backend" in capsys.readouterr().err
    assert out.read_text() == "precious\n"


def test_existing_out_needs_force(tmp_path, capsys):
    out = tmp_path / "t.csv"
    out.write_text("precious\n")
    assert cli.main([*TABLE, "--restarts", "5", "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert out.read_text() == "precious\n"
    assert cli.main([*TABLE, "--restarts", "5", "--out", str(out), "--force"]) == 0
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert [r["k"] for r in rows] == ["5"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


@pytest.mark.parametrize("where", ["dir", "missing"])
def test_out_to_a_directory_or_a_missing_folder(tmp_path, capsys, where):
    target = tmp_path if where == "dir" else tmp_path / "no" / "such" / "t.csv"
    assert cli.main([*TABLE, "--restarts", "5", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert ("is a directory" if where == "dir" else "does not exist") in err
    assert err.count("\n") == 1


def test_csv_out_is_replaced_atomically(tmp_path, monkeypatch):
    out = cli.CsvOut(tmp_path / "t.csv", ["k", "n"])
    out.add({"k": 1, "n": 1})
    first = out.path.read_text()

    def fail(*args):
        raise KeyboardInterrupt  # an interrupt while the second row is being put in place

    monkeypatch.setattr(cli.os, "replace", fail)
    with pytest.raises(KeyboardInterrupt):
        out.add({"k": 2, "n": 2})
    assert out.path.read_text() == first  # the finished row survives, complete
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]  # the temporary file is gone


def test_progress_bar_is_tqdm_with_rate_and_eta():
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    quiet, tty = io.StringIO(), Terminal()
    for stream in (quiet, tty):
        bar = cli.ProgressBar(stream=stream)
        bar(0, 10)
        bar(4, 10)
        bar(10, 10)
        bar.close()
    assert quiet.getvalue() == ""  # not a terminal: nothing written
    text = tty.getvalue()
    assert "10/10" in text and "run/s" in text and "<" in text  # count, rate, elapsed<remaining
    off = Terminal()
    bar = cli.ProgressBar(stream=off, enabled=False)  # --quiet
    bar(1, 2)
    bar.close()
    assert off.getvalue() == ""


def test_console_entry_point_runs():
    out = subprocess.run(
        [sys.executable, "-m", "relufast", "info"], capture_output=True, text=True, check=True
    )
    assert "default_backend" in out.stdout


def test_table_with_store_and_workers(tmp_path, capsys):
    pytest.importorskip("pyarrow", reason="needs pyarrow (relufast[store])")
    from relufast.cli import main

    args = ["table", "--k", "6", "--extra", "0", "--restarts", "40", "--quiet", "--shard-size", "20"]
    assert main([*args, "--store", str(tmp_path), "--workers", "2"]) == 0
    first = capsys.readouterr().out
    assert len(list((tmp_path / "shards").glob("*.parquet"))) == 2
    assert main([*args, "--store", str(tmp_path)]) == 0  # resumed: nothing left to run
    assert capsys.readouterr().out.splitlines()[1].split()[:4] == first.splitlines()[1].split()[:4]
    assert main([*args, "--store", str(tmp_path), "--protocol", "colt2021"]) == 2  # other settings
    assert "config differs" in capsys.readouterr().err


def test_parse_ints_refuses_a_range_too_long_to_mean_anything():
    with pytest.raises(argparse.ArgumentTypeError, match="more than 10000 integers"):
        cli.parse_ints("1-100000000")  # a bare MemoryError before

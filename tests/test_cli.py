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


def test_interrupt_keeps_finished_rows(tmp_path, monkeypatch):
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


def test_bad_arguments_give_clear_errors(capsys):
    assert cli.main(["table", "--k", "0", "--restarts", "5", "--quiet"]) == 2
    assert "ks must be" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["table", "--backend", "gpu"])


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

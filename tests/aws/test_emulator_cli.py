"""`consolezero emulator`: starts the demo's emulator for a user, seeds their organization, stops on Ctrl-C;
a stock moto server gets a one-line error naming the API it lacks and `consolezero emulator`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ENV = {"AWS_ACCESS_KEY_ID": "ASIAEMULATOREXAMPLE1", "AWS_SECRET_ACCESS_KEY": "emulator",
       "AWS_SESSION_TOKEN": "emulator"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_until(proc: subprocess.Popen, marker: str, timeout: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError("the emulator did not say it was ready: " + "\n".join(lines))


def _env(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {**ENV, "CONSOLEZERO_ENDPOINT_URL": url, "AWS_CONFIG_FILE": str(tmp_path / "none"),
                       "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(key, value)


def test_emulator_seeds_an_organization_that_plan_and_apply_use_then_stops_on_ctrl_c(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "consolezero", "emulator", "--port", str(port), "--seed",
                             str(example)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = _read_until(proc, "Ctrl-C stops it")
        url = f"http://127.0.0.1:{port}"
        assert lines[0] == f"AWS emulator (moto with the Identity Center APIs it lacks) at {url}"
        assert f"  export CONSOLEZERO_ENDPOINT_URL={url}   # or --endpoint-url {url}" in lines
        copy = Path(next(line for line in lines if line.startswith("  cd ")).split(maxsplit=1)[1])
        _env(tmp_path, url, monkeypatch)
        applied = CliRunner().invoke(app, ["apply", str(copy), "--auto-approve"])
        assert applied.exit_code == 0, applied.output
        plan = CliRunner().invoke(app, ["plan", str(copy), "--detailed-exitcode"])
        assert plan.exit_code == 0, plan.output  # DenyUser too: the break-glass user was seeded with MFA
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert out.strip().endswith("emulator stopped")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_taken_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["emulator", "--port", str(port)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"consolezero: cannot listen on 127.0.0.1:{port}: ")
    assert result.stderr.count("\n") == 1


def test_a_stock_moto_server_names_the_api_it_lacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     example: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        _env(tmp_path, url, monkeypatch)
        from consolezero.devtools.seed import seed_emulator

        seed_emulator(url, [], [], "eu-west-1")
        import boto3

        sso = boto3.client("sso-admin", endpoint_url=url, region_name="eu-west-1")
        sso.create_permission_set(InstanceArn=sso.list_instances()["Instances"][0]["InstanceArn"], Name="Admin")
        result = CliRunner().invoke(app, ["plan", str(example)])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert result.exit_code == 2
    assert result.stderr == (f"consolezero: cannot read the live organization: 500: the emulator at {url} does "
                             "not implement sso-admin ListTagsForResource (it answered HTTP 500); a stock moto server "
                             "lacks Identity Center APIs that consolezero uses: start one that has them with "
                             "`consolezero emulator`\n")

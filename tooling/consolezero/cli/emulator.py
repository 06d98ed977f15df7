"""``consolezero emulator``: the local AWS emulator the demo uses, started for a user, until Ctrl-C."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

EXIT_CODES = "Exit 0 stopped with Ctrl-C, 2 could not start (port taken, moto missing, bad --seed)."


def register(app: typer.Typer) -> None:
    """Add the ``emulator`` command to ``app``."""

    @app.command("emulator", short_help="Start the local AWS emulator the demo uses, until Ctrl-C.",
                 help=f"Start the local AWS emulator the demo uses (moto, plus the IAM Identity Center APIs it "
                      f"lacks) and keep it running until Ctrl-C. {EXIT_CODES}")
    def emulator_cmd(
        port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, metavar="N",
                                          help="Listen on this port of 127.0.0.1 (0: any free port).")] = 5000,
        seed: Annotated[Path | None, typer.Option("--seed", metavar="PATH", help=(
            "Also create the organization at PATH in the emulator (accounts, groups, the break-glass user "
            "with MFA), in a copy whose account IDs match the emulator's, and print where the copy is."))] = None,
    ) -> None:
        import signal

        from consolezero.devtools.emulator import EmulatorError, start_emulator

        def stop(signum: int, frame: object) -> None:  # Ctrl-C, and SIGTERM; also when started in the background
            raise KeyboardInterrupt

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            emulator = start_emulator(port)
        except EmulatorError as exc:
            sys.stderr.write(f"consolezero: {exc}\n")
            raise typer.Exit(2) from None
        try:
            lines = [f"AWS emulator (moto with the Identity Center APIs it lacks) at {emulator.url}", "",
                     "Point consolezero at it, with dummy credentials (an ASIA... key id):",
                     f"  export CONSOLEZERO_ENDPOINT_URL={emulator.url}   # or --endpoint-url {emulator.url}",
                     "  export AWS_ACCESS_KEY_ID=ASIAEMULATOREXAMPLE1 AWS_SECRET_ACCESS_KEY=emulator "
                     "AWS_SESSION_TOKEN=emulator"]
            if seed is not None:
                lines += ["", *_seed(emulator.url, seed), "  consolezero plan && consolezero apply"]
            else:
                lines += ["", "It starts empty: `consolezero emulator --seed PATH` creates the organization at PATH "
                              "in it (in a copy with the emulator's account IDs), then:",
                          "  consolezero plan COPY && consolezero apply COPY"]
            lines += ["", "Ctrl-C stops it (its state is lost)."]
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            sys.stdout.write("emulator stopped\n")
        finally:
            emulator.stop()


def _seed(url: str, source: Path) -> list[str]:
    from consolezero.devtools.demo import DemoFailed, seed_copy

    if not (source / "accounts" / "organization.yaml").is_file():
        sys.stderr.write(f"consolezero: --seed {source}: no accounts/organization.yaml there\n")
        raise typer.Exit(2)
    dest = Path(tempfile.mkdtemp(prefix="consolezero-emulator-")) / "repo"
    try:
        seeded = seed_copy(url, source, dest, mfa=True)
    except DemoFailed as exc:
        sys.stderr.write(f"consolezero: --seed {source}: {exc}\n")
        raise typer.Exit(2) from None
    return [*seeded.notes, f"Your organization, with the emulator's account IDs, is copied to {seeded.root}:",
            f"  cd {seeded.root}"]

"""``hipflex clinic link|status|sync|unlink``: this computer and the patient's clinic account.

Parses options, calls one use case of :mod:`hipflex.sync`, prints. The device token is never
printed; it lives in the data dir (``clinic-device-token``, mode 0600).
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hipflex.cli.options import DataDirOption
from hipflex.cli.runtime import wall_clock
from hipflex.errors import HipflexError

WATCH_EVERY_S = 60.0


def add_link_commands(clinic: typer.Typer) -> None:
    clinic.command("link")(link_cmd)
    clinic.command("status")(status_cmd)
    clinic.command("sync")(sync_cmd)
    clinic.command("unlink")(unlink_cmd)


def link_cmd(
    ctx: typer.Context,
    url: Annotated[
        str,
        typer.Argument(
            help="Your clinic's address (https://clinic.example.org), or the invite link "
            "your clinic sent you."
        ),
    ],
    email: Annotated[
        str | None, typer.Option(help="With an invite link: your e-mail (asked if left out).")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="With an invite link: your name (asked if left out).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Link this computer to your patient account at a clinic.

    With the clinic's address: shows a code; confirm it on the clinic's site (logged in as
    you). With your invite link: makes your account (e-mail, name, password) and links at
    once. From then on your sessions, pain ratings and notes are sent to the clinic, and your
    prescription becomes your default protocol."""
    from hipflex.settings import resolve_data_dir
    from hipflex.storage.db import open_database
    from hipflex.storage.outbox import Outbox
    from hipflex.sync import pairing
    from hipflex.sync.client import CodeGrant

    console = Console(highlight=False, soft_wrap=True)
    clock = wall_clock(ctx)
    directory = resolve_data_dir(data_dir)

    def show(grant: CodeGrant) -> None:
        console.print(f"Open [bold]{grant.verification_uri}[/bold], log in, and enter the code")
        console.print(f"\n    [bold]{grant.user_code}[/bold]\n")
        console.print(
            f"(or open {grant.verification_uri_complete}). Waiting for you to confirm it; "
            f"the code works for {grant.expires_in_s // 60} minutes. Ctrl-C stops."
        )

    invite = pairing.invite_token(url)
    with open_database(directory) as database:
        outbox = Outbox(database.engine)
        if invite is not None:
            result = pairing.link_with_invite(
                url,
                directory,
                outbox,
                email=email or typer.prompt("Your e-mail"),
                display_name=name or typer.prompt("Your name"),
                password=typer.prompt(
                    "Choose a password (8 characters or more)",
                    hide_input=True,
                    confirmation_prompt=True,
                ),
                now=clock.now,
            )
        else:
            result = pairing.link(
                url, directory, outbox, show=show, sleep=time.sleep, now=clock.now
            )
        console.print(
            f"Linked to {result.clinic_name} as {result.patient_name}. "
            "Sessions you save from now on are sent to the clinic."
        )
        _sync_once(database, outbox, directory, clock.now(), console)


def status_cmd(data_dir: DataDirOption = None) -> None:
    """Show the link to the clinic, the last sync and what is waiting to be sent."""
    from hipflex.settings import resolve_data_dir
    from hipflex.storage.db import open_database
    from hipflex.storage.outbox import Outbox
    from hipflex.sync.token_file import load_token

    console = Console(highlight=False, soft_wrap=True)
    directory = resolve_data_dir(data_dir)
    with open_database(directory) as database:
        outbox = Outbox(database.engine)
        link = outbox.link()
        if link is None:
            console.print("Not linked to a clinic. Link with: hipflex clinic link URL")
            return
        counts = outbox.counts()
        has_token = load_token(directory) is not None
    console.print(f"Linked to {link.clinic_name} ({link.clinic_url}) as {link.patient_name}")
    console.print(f"  since      {_when(link.linked_at)}")
    console.print(f"  last sent  {_when(link.last_push_at)}")
    console.print(f"  last plan  {_when(link.last_pull_at)}")
    waiting = f"{counts.pending} waiting to be sent"
    if counts.pending and counts.next_attempt_at is not None:
        waiting += f" (next try {_when(counts.next_attempt_at)})"
    console.print(f"  pending    {waiting}")
    if counts.failed:
        console.print(
            f"  refused    {counts.failed} the clinic would not take "
            "(see hipflex clinic sync --verbose)"
        )
    if link.revoked_at is not None or not has_token:
        console.print(
            "The clinic no longer accepts this computer's link (revoked). Nothing is sent; "
            "run hipflex clinic link URL to link it again."
        )
    elif link.last_error:
        console.print(f"  last error {link.last_error}")


def sync_cmd(
    ctx: typer.Context,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch", help="Keep running: send as things are saved, retry with back-off."
        ),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="List refused items.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Send what is waiting to the clinic now and fetch your prescription.

    Exits with 1 when the clinic could not be reached (everything stays queued) or no longer
    accepts this computer's link."""
    from hipflex.settings import resolve_data_dir
    from hipflex.storage.db import open_database
    from hipflex.storage.outbox import Outbox

    console = Console(highlight=False, soft_wrap=True)
    clock = wall_clock(ctx)
    directory = resolve_data_dir(data_dir)
    with open_database(directory) as database:
        outbox = Outbox(database.engine)
        if outbox.link() is None:
            raise HipflexError("not linked to a clinic", hint="hipflex clinic link URL")
        ok = _sync_once(database, outbox, directory, clock.now(), console, all_pending=True)
        if verbose:
            for item in outbox.items():
                if item.failed_at is not None:
                    console.print(f"refused {item.kind.value} {item.item_id}: {item.last_error}")
        while watch and ok is not False:
            time.sleep(WATCH_EVERY_S)
            ok = _sync_once(database, outbox, directory, clock.now(), console, quiet=True)
    if ok is not True:  # revoked, or the clinic away: a script or cron job should notice
        raise typer.Exit(1)


def unlink_cmd(data_dir: DataDirOption = None) -> None:
    """Revoke this computer's link at the clinic and forget it here (nothing more is sent)."""
    from hipflex.settings import resolve_data_dir
    from hipflex.storage.db import open_database
    from hipflex.storage.outbox import Outbox
    from hipflex.sync.pairing import unlink

    console = Console(highlight=False, soft_wrap=True)
    directory = resolve_data_dir(data_dir)
    with open_database(directory) as database:
        outbox = Outbox(database.engine)
        if outbox.link() is None:
            console.print("Not linked to a clinic; nothing to unlink.")
            return
        warning = unlink(directory, outbox)
    console.print("Unlinked: the token is revoked and forgotten; nothing more is sent.")
    if warning:
        console.print(f"Warning: {warning}")


def _sync_once(
    database: object,
    outbox: object,
    directory: Path,
    now: datetime,
    console: Console,
    *,
    all_pending: bool = False,
    quiet: bool = False,
) -> bool | None:
    """Push, then pull. False: revoked (stop); None: clinic away (retry later); True: ok."""
    from hipflex.storage.db import Database
    from hipflex.storage.outbox import Outbox
    from hipflex.sync.client import ClinicClient, SyncError, Unreachable
    from hipflex.sync.pull import pull
    from hipflex.sync.push import push
    from hipflex.sync.token_file import load_token

    assert isinstance(database, Database) and isinstance(outbox, Outbox)
    link = outbox.link()
    token = load_token(directory)
    if link is None or token is None or link.revoked_at is not None:
        console.print(
            "The clinic no longer accepts this computer's link (revoked); nothing was sent. "
            "Run hipflex clinic link URL to link it again."
        )
        return False
    with ClinicClient(link.clinic_url, token) as client:
        result = push(outbox, database.repository, client, now, all_pending=all_pending)
        if result.revoked:
            console.print(f"Stopped: {result.error}. Run hipflex clinic link URL to link again.")
            return False
        if result.error:
            if not quiet:
                counts = outbox.counts()
                console.print(
                    f"The clinic is not reachable; {counts.pending} waiting, tried again later "
                    f"({result.error})."
                )
            return None
        if result.sent or not quiet:
            console.print(f"Sent {result.sent} to {link.clinic_name}.")
        if result.refused:
            console.print(f"The clinic refused {len(result.refused)}; see --verbose.")
        try:
            pulled = pull(outbox, client, directory, now)
        except Unreachable as exc:
            console.print(f"Could not fetch your prescription: {exc.message}")
            return None
        except SyncError as exc:
            console.print(f"Could not fetch your prescription: {exc.message}")
            return True
    if pulled.prescribed is not None and (pulled.new or not quiet):
        if pulled.ended:
            note = " It has ended: ask your clinician for a new one."
        else:
            note = " It is now your default protocol." if pulled.new else ""
        console.print(f"Your plan: {pulled.prescribed.title}.{note}")
    return True


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    return moment.astimezone().strftime("%a %d %b %Y %H:%M")

"""The clinic server under load (issue 13): 200 patients each posting a session while 20
clinicians read their dashboards, all at once, against a real PostgreSQL.

The bench starts a throw-away PostgreSQL the way the test suite does (``tests/pg.py``: Debian's
``initdb``/``pg_ctl`` in a temporary directory, 127.0.0.1 only, run as ``postgres`` when this
runs as root), migrates a database, and fills it through the clinic's own use cases: one
clinic, ``--clinicians`` clinicians with ``--patients`` patients shared among them, each
patient with a prescription and ``--history-days`` days of past sessions (so a dashboard has
real work: adherence, pain trend, hip extension per side). Accounts are made with cheap argon2
parameters (8 MiB, one pass) to keep the set-up short; no login is measured (clinicians use
a session cookie, patients a device token, as the home app does).

Then it starts the real server (``hipflex clinic serve --workers N``, default one process
per core, on 127.0.0.1) in a subprocess and runs one phase, every simulated person on a
keep-alive connection of their own, released together:

* each patient posts ``--sessions`` new session(s) (``POST /api/v1/sessions``, bearer token);
* each clinician reads the dashboard page (``GET /dashboard``) and its API twin
  (``GET /api/v1/patients``) in turn until every patient is done and they have read it at
  least ``--reads`` times.

Then the same kinds of request arrive within ``--arrival-seconds`` (each of the 220 people
sends theirs at their own moment within a few seconds: what "everyone at once" looks like
in practice), and finally spread evenly over ``--spread-seconds``: a clinic's real day,
compressed, against the worst case above.

It prints requests/s, p50/p95 per kind and overall, errors (any status but the expected one,
or a failed connection), the server's RSS (all its processes) and the CPU time the server
and PostgreSQL used per request (figures that do not depend on what else the machine runs),
the least time the burst needs on this many cores (requests x CPU per request / cores), then
a ratio measured in the same run: the p95 under load over the p95 of the same requests made
one at a time beforehand. ``--compare-workers 1`` first runs the burst against a one-process
server as well: the ratio of the two in the same run.
Everything stops by itself: a request that outlasts ``--timeout`` counts as an error, and the
phase ends after ``--max-seconds`` whatever happened. Nothing is asserted.

Run:  .venv/bin/python bench/clinic_load.py
      .venv/bin/python bench/clinic_load.py --patients 50 --clinicians 5
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests/pg.py: the suite's way of starting PostgreSQL

ID_NAMESPACE = uuid.UUID("5b1d0c62-8a8e-4a53-9d55-3a4c1f0e7b21")
POST_SESSION = "POST /api/v1/sessions"
DASHBOARD_PAGE = "GET /dashboard"
DASHBOARD_API = "GET /api/v1/patients"


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, ok: bool, problem: str = "") -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if not ok:
                key = f"{kind}: {problem}"
                self.errors[key] = self.errors.get(key, 0) + 1

    def all(self) -> list[float]:
        return [s for values in self.latencies.values() for s in values]


@dataclass(frozen=True)
class People:
    cookies: list[str]  # one session cookie per clinician
    tokens: list[str]  # one device token per patient


# ---- set-up ---------------------------------------------------------------------------------


def with_uuids(record: Any, key: str) -> Any:
    """A synthetic session with uuid ids (the API's, and unique across patients)."""
    session_id = str(uuid.uuid5(ID_NAMESPACE, key))
    holds = tuple(
        dataclasses.replace(
            h, id=str(uuid.uuid5(ID_NAMESPACE, f"{key}/{h.id}")), session_id=session_id
        )
        for h in record.holds
    )
    pain = tuple(dataclasses.replace(p, session_id=session_id) for p in record.pain_ratings)
    return dataclasses.replace(record, id=session_id, holds=holds, pain_ratings=pain)


def a_session(rng: random.Random, started: datetime, key: str) -> Any:
    from hipflex.domain.protocol import Side
    from hipflex.insights.synthetic import synthetic_session

    before = rng.randint(1, 7)
    record = synthetic_session(
        started,
        reps=3,
        extension_deg={Side.RIGHT: rng.uniform(8, 22), Side.LEFT: rng.uniform(8, 22)},
        pain_before=before,
        pain_after=max(0, before - rng.randint(-1, 2)),
    )
    return with_uuids(record, key)


def populate(url: str, clinicians: int, patients: int, history_days: int) -> People:
    """One clinic with its people, prescriptions and history, through the use cases."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from hipflex.domain.clinic import Role
    from hipflex.services.clinic import passwords
    from hipflex.services.clinic.accounts import Accounts, Principal
    from hipflex.services.clinic.invites import Invites
    from hipflex.services.clinic.prescriptions import PrescriptionRequest, Prescriptions
    from hipflex.storage.clinic.database import create_clinic_engine, migrate
    from hipflex.storage.clinic.store import ClinicStore

    passwords._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1),))
    engine = create_clinic_engine(url)
    migrate(engine)
    store = ClinicStore(engine)
    accounts, invites, prescriptions = Accounts(store), Invites(store), Prescriptions(store)
    now = datetime.now(UTC)
    rng = random.Random(13)

    def join(token: str, email: str, name: str) -> Any:
        return invites.redeem(
            accounts, token, email=email, display_name=name,
            password="bench password 2026", address="127.0.0.1", user_agent="bench", now=now,
        )  # fmt: skip

    _, admin_invite = invites.create_clinic("Bench clinic", "Europe/Berlin", now)
    admin = join(admin_invite.token, "admin@bench.test", "Admin")
    admin_principal = Principal(account=admin.account, login=admin.login)
    cookies, tokens = [], []
    staff = []
    for c in range(clinicians):
        invite = invites.create(admin_principal, Role.CLINICIAN, f"Dr {c}", now)
        login = join(invite.token, f"dr{c}@bench.test", f"Dr {c}")
        cookies.append(login.token)
        staff.append(Principal(account=login.account, login=login.login))
    for p in range(patients):
        clinician = staff[p % clinicians]
        invite = invites.create(clinician, Role.PATIENT, f"Patient {p}", now)
        login = join(invite.token, f"p{p}@bench.test", f"Patient {p}")
        patient = Principal(account=login.account, login=login.login)
        prescriptions.prescribe(
            clinician,
            patient.account.id,
            PrescriptionRequest(
                protocol_name="kneeling-hip-flexor", hold_s=30, reps=3, sides=("right", "left"),
                times_per_day=1, days_per_week=7,
                start_date=(now - timedelta(days=history_days)).date(),
            ),
            now,
        )  # fmt: skip
        token, _ = accounts.create_device_token(patient, "bench", now)
        tokens.append(token)
        with store.transaction() as tx:
            for day in range(history_days, 0, -1):
                if rng.random() < 0.75:
                    started = now - timedelta(days=day, hours=rng.uniform(0, 10))
                    record = a_session(rng, started, f"history/{p}/{day}")
                    tx.patients.add_session(patient.account.id, record, None, started)
    engine.dispose()
    return People(cookies, tokens)


# ---- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(url: str, port: int, workers: int, data_dir: Path) -> subprocess.Popen[bytes]:
    """``hipflex clinic serve`` over ``url``, its files (uploads) in ``data_dir``: a folder of
    the run's own, never the user's data dir."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hipflex", "clinic", "serve", "--database-url", url,
         "--port", str(port), "--public-url", f"http://127.0.0.1:{port}",
         "--workers", str(workers), "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            assert process.stderr is not None
            raise RuntimeError(f"the server stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/health")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not answer within 60 s")


def family(pid: int) -> list[int]:
    """A process and all its descendants (the server's workers, PostgreSQL's backends)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(c) for c in children)
    return found


def cpu_s(pid: int) -> float:
    """CPU time (user + system) a process and its descendants have used so far, in seconds,
    from /proc (children that ended are counted by their parent: cutime, cstime)."""
    total = 0.0
    for member in family(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def rss_mib(pid: int) -> tuple[float, float]:
    """(resident now, sum of peak resident) of a process and its descendants, in MiB."""
    now = peak = 0.0
    for member in family(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text().splitlines()
        except OSError:
            continue
        for line in status:
            name, _, rest = line.partition(":")
            if name == "VmRSS":
                now += int(rest.split()[0]) / 1024
            elif name == "VmHWM":
                peak += int(rest.split()[0]) / 1024
    return now, peak


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


# ---- the load -------------------------------------------------------------------------------


class Client:
    """One person's keep-alive connection; reconnects after an error."""

    def __init__(self, port: int, timeout_s: float, headers: dict[str, str]) -> None:
        self.port, self.timeout_s, self.headers = port, timeout_s, headers
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self, results: Results, kind: str, method: str, path: str, body: bytes | None, expect: int
    ) -> None:
        start = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=self.timeout_s
                )
            headers = dict(self.headers)
            if body is not None:
                headers["content-type"] = "application/json"
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            response.read()
            ok = response.status == expect
            results.add(kind, time.perf_counter() - start, ok, str(response.status))
        except (OSError, http.client.HTTPException) as exc:
            results.add(kind, time.perf_counter() - start, False, type(exc).__name__)
            if self.connection is not None:
                self.connection.close()
            self.connection = None


def session_json(index: int, round_: int) -> bytes:
    from hipflex.services.clinic.patient_data import SessionIn

    rng = random.Random(index * 1000 + round_)
    record = a_session(rng, datetime.now(UTC) - timedelta(minutes=5), f"load/{index}/{round_}")
    return SessionIn.from_record(record).model_dump_json().encode()


def run_phase(
    port: int,
    people: People,
    sessions: int,
    reads: int,
    timeout_s: float,
    max_s: float,
    spread_s: float = 0.0,
    phase: int = 0,
) -> tuple[Results, float]:
    """Everyone at once (``spread_s`` 0), or the same requests spread evenly over
    ``spread_s`` seconds (each patient at their own moment, each clinician ``reads`` times)."""
    results = Results()
    patients, clinicians = len(people.tokens), len(people.cookies)
    bodies = [[session_json(i, 100 * phase + r) for r in range(sessions)] for i in range(patients)]
    began_at = [0.0]

    def wait_until(offset_s: float) -> None:
        time.sleep(max(0.0, began_at[0] + offset_s - time.monotonic()))

    patients_left = threading.Semaphore(0)
    stop_at = [0.0]
    start = threading.Barrier(len(people.tokens) + len(people.cookies) + 1)

    def patient(index: int) -> None:
        client = Client(port, timeout_s, {"authorization": f"Bearer {people.tokens[index]}"})
        start.wait()
        wait_until(spread_s * index / patients)
        for body in bodies[index]:
            if time.monotonic() > stop_at[0]:
                break
            client.request(results, POST_SESSION, "POST", "/api/v1/sessions", body, 201)
        patients_left.release()

    done = threading.Event()

    def clinician(index: int) -> None:
        cookie = f"__Host-hipflex-session={people.cookies[index]}"
        client = Client(port, timeout_s, {"cookie": cookie})
        start.wait()
        count = 0
        while time.monotonic() < stop_at[0] and (count < reads or not (done.is_set() or spread_s)):
            wait_until(spread_s * (count + index / clinicians) / reads)
            kind, path = (DASHBOARD_PAGE, "/dashboard") if count % 2 == 0 else (
                DASHBOARD_API, "/api/v1/patients")  # fmt: skip
            client.request(results, kind, "GET", path, None, 200)
            count += 1

    threads: list[threading.Thread] = [
        threading.Thread(target=patient, args=(i,), daemon=True) for i in range(len(people.tokens))
    ]
    threads += [
        threading.Thread(target=clinician, args=(i,), daemon=True)
        for i in range(len(people.cookies))
    ]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + max_s
    began_at[0] = time.monotonic()
    began = time.perf_counter()
    start.wait()
    for _ in people.tokens:
        patients_left.acquire(timeout=max(0.0, stop_at[0] - time.monotonic()) + timeout_s)
    done.set()
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at[0] - time.monotonic()) + timeout_s)
    return results, time.perf_counter() - began


def one_at_a_time(port: int, people: People, timeout_s: float, round_: int) -> Results:
    """The same kinds of request, one after another: the baseline for the ratio."""
    results = Results()
    for i in range(min(20, len(people.tokens))):
        client = Client(port, timeout_s, {"authorization": f"Bearer {people.tokens[i]}"})
        body = session_json(i, 100_000 + round_)  # never a phase's ids
        client.request(results, POST_SESSION, "POST", "/api/v1/sessions", body, 201)
    for i in range(min(10, len(people.cookies))):
        client = Client(port, timeout_s, {"cookie": f"__Host-hipflex-session={people.cookies[i]}"})
        client.request(results, DASHBOARD_PAGE, "GET", "/dashboard", None, 200)
        client.request(results, DASHBOARD_API, "GET", "/api/v1/patients", None, 200)
    return results


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass(frozen=True)
class Costs:
    """What a phase cost the machine, measured from /proc."""

    server_cpu_s: float
    postgres_cpu_s: float
    rss: tuple[float, float]
    cores: int


def report(
    title: str, results: Results, elapsed_s: float, baseline: Results, costs: Costs
) -> float:
    """Print a phase's figures; returns its p95 in seconds."""

    def ms(values: list[float], q: int) -> str:
        return f"{percentile(values, q) * 1000:7.1f}"

    total = results.all()
    print(f"\n== {title}")
    print(f"{'request':<24}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'alone p95':>11}")
    for kind in (POST_SESSION, DASHBOARD_PAGE, DASHBOARD_API):
        values = results.latencies.get(kind, [])
        alone = baseline.latencies.get(kind, [])
        if values:
            print(f"{kind:<24}{len(values):>7}{ms(values, 50):>9}{ms(values, 95):>9}"
                  f"{max(values) * 1000:>9.1f}{ms(alone, 95):>11}")  # fmt: skip
    print(f"{'all':<24}{len(total):>7}{ms(total, 50):>9}{ms(total, 95):>9}"
          f"{max(total) * 1000:>9.1f}{ms(baseline.all(), 95):>11}")  # fmt: skip
    errors = sum(results.errors.values())
    print(f"\nrequests/s: {len(total) / elapsed_s:.1f} ({len(total)} in {elapsed_s:.1f} s)")
    print(f"p95 all: {percentile(total, 95) * 1000:.0f} ms (goal <= 200 ms)")
    print(f"errors: {errors} (goal 0)" + (f": {results.errors}" if errors else ""))
    print(f"server RSS (all processes): {costs.rss[0]:.0f} MiB now, {costs.rss[1]:.0f} MiB peak")
    # Independent of what else the machine runs: how much of a core each request cost.
    count = max(1, len(total))
    server_ms = costs.server_cpu_s / count * 1000
    postgres_ms = costs.postgres_cpu_s / count * 1000
    print(
        f"CPU a request: server {server_ms:.1f} ms + PostgreSQL {postgres_ms:.1f} ms "
        f"({costs.server_cpu_s:.1f} s + {costs.postgres_cpu_s:.1f} s in the phase)"
    )
    # Physics: on these cores, answering all of them takes at least this long.
    floor_ms = count * (server_ms + postgres_ms) / costs.cores
    print(
        f"least time for {count} requests on {costs.cores} cores: {floor_ms:.0f} ms "
        f"({count} x {server_ms + postgres_ms:.1f} ms / {costs.cores})"
    )
    ratio = percentile(total, 95) / percentile(baseline.all(), 95)
    print(f"p95 under load / p95 one at a time (same run): {ratio:.1f}x")
    return percentile(total, 95)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--clinicians", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=1, help="sessions each patient posts")
    parser.add_argument(
        "--reads", type=int, default=5, help="dashboard reads per clinician, at least"
    )
    parser.add_argument("--history-days", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--max-seconds", type=float, default=45.0, help="a phase, at most")
    parser.add_argument(
        "--arrival-seconds",
        type=float,
        default=3.0,
        help="then the same requests arriving within this many seconds (0: skip)",
    )
    parser.add_argument(
        "--spread-seconds",
        type=float,
        default=20.0,
        help="then the same requests spread over this many seconds (0: skip)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server processes")
    parser.add_argument(
        "--compare-workers",
        type=int,
        default=0,
        help="first run the burst against a server with this many processes (0: skip)",
    )
    args = parser.parse_args(argv)

    from tests.pg import start_postgres

    began = time.monotonic()
    postgres = start_postgres()
    data_dir = Path(tempfile.mkdtemp(prefix="hipflex-clinic-load-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        database = postgres.create_database("clinic_load")
        url = postgres.url(database)
        people = populate(url, args.clinicians, args.patients, args.history_days)
        print(
            f"set-up: {args.clinicians} clinicians, {args.patients} patients with "
            f"{args.history_days} days of history each, in {time.monotonic() - began:.1f} s"
        )
        cores = os.cpu_count() or 1
        pg_pid = postmaster_pid(postgres.data_dir)
        print(f"machine: {cores} cores, load average {os.getloadavg()[0]:.1f} at the start")

        def measured(phase: Any, title: str, workers: int) -> float:
            assert server is not None
            cpu_before, pg_before = cpu_s(server.pid), cpu_s(pg_pid)
            results, elapsed = phase()
            costs = Costs(
                cpu_s(server.pid) - cpu_before, cpu_s(pg_pid) - pg_before,
                rss_mib(server.pid), cores,
            )  # fmt: skip
            return report(f"{title} ({workers} server process{'es' if workers > 1 else ''})",
                          results, elapsed, baseline, costs)  # fmt: skip

        burst_p95: dict[int, float] = {}
        rounds = [args.compare_workers] if args.compare_workers else []
        for round_, workers in enumerate([*rounds, args.workers]):
            port = free_port()
            server = start_server(url, port, workers, data_dir)
            one_at_a_time(port, people, args.timeout, 10 * round_)  # warm-up: imports, pool
            baseline = one_at_a_time(port, people, args.timeout, 10 * round_ + 1)
            burst_p95[workers] = measured(
                lambda port=port, r=round_: run_phase(
                    port,
                    people,
                    args.sessions,
                    args.reads,
                    args.timeout,
                    args.max_seconds,
                    phase=10 * r,
                ),
                "all at once",
                workers,
            )
            if workers != args.workers:
                server.terminate()
                server.wait(timeout=15)
                server = None
                continue
            for phase, seconds, title in (
                (1, args.arrival_seconds, f"arriving within {args.arrival_seconds:.0f} s"),
                (2, args.spread_seconds, f"spread evenly over {args.spread_seconds:.0f} s"),
            ):
                if seconds > 0:
                    measured(
                        lambda port=port, seconds=seconds, phase=phase, r=round_: run_phase(
                            port, people, args.sessions, args.reads, args.timeout,
                            args.max_seconds, spread_s=seconds, phase=10 * r + phase,
                        ),
                        title,
                        workers,
                    )  # fmt: skip
        if len(burst_p95) == 2:
            one, many = burst_p95[args.compare_workers], burst_p95[args.workers]
            print(
                f"\nburst p95, {args.compare_workers} process(es) / {args.workers} processes "
                f"(same run): {one / many:.2f}x"
            )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        postgres.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"total: {time.monotonic() - began:.1f} s")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())

"""`make bench`: seed an organisation on PostgreSQL, serve the app under gunicorn (2 sync
workers) beside a bare Flask reference, and measure the two interleaved in the same run.

    python -m benchmarks.run                  # 10,000 people
    python -m benchmarks.run --people 100000  # the size the report is built for

It creates a database of its own (and drops it after, unless --keep), installs `wrk` with
apt if it is missing, checks the status and size of every response (a wrong one is
counted as bad, never as speed) and prints one table: requests per second, latency
percentiles, bytes per response, the ratio to the reference measured just before, and the
SQL statements the request ran.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "check.lua"
HOST = "127.0.0.1"


# ---- processes -----------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing it with apt", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("wb")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # its own session: gunicorn and its workers
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_until_up(port: int, path: str, process: subprocess.Popen, log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            sys.exit(f"server on port {port} exited:\n{log.read_text()[-3000:]}")
        try:
            if get(port, path).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"server on port {port} did not start:\n{log.read_text()[-3000:]}")


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rollup_mb(pid: int, *names: str) -> float:
    """The sum of these fields of the process's memory rollup (MB): "Pss" is its
    proportional share, where the pages it shares with the arbiter and the other workers
    count in part (RSS counts them whole in each); "Private_Clean" and "Private_Dirty" are
    the pages it alone holds, what one more worker costs."""
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    if not rollup.exists():
        return 0.0
    fields = dict(line.split(":", 1) for line in rollup.read_text().splitlines()[1:])
    return sum(int(fields[name].split()[0]) for name in names if name in fields) / 1024


# ---- HTTP ------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def request(
    port: int,
    method: str,
    path: str,
    cookie: str = "",
    form: dict | None = None,
    connection: http.client.HTTPConnection | None = None,
) -> Reply:
    own = connection is None
    connection = connection or http.client.HTTPConnection(HOST, port, timeout=600)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    reply = Reply(response.status, response.headers, response.read())
    if own:
        connection.close()
    return reply


def get(port: int, path: str, cookie: str = "") -> Reply:
    return request(port, "GET", path, cookie)


def session_cookie(reply: Reply) -> str:
    for value in reply.headers.get_all("Set-Cookie") or []:
        if value.startswith("session="):
            return value.split(";", 1)[0]
    return ""


def csrf_token(body: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    if not found:
        sys.exit(f"no CSRF token on the page: {body[:2000]!r}")
    return found.group(1).decode()


def sign_in(port: int, email: str, password: str) -> tuple[str, str]:
    """A session cookie for this person, and a CSRF token that goes with it."""
    page = get(port, "/login")
    cookie = session_cookie(page)
    form = {"email": email, "password": password, "csrf_token": csrf_token(page.body)}
    reply = request(port, "POST", "/login", cookie, form)
    if reply.status != 302:
        sys.exit(f"signing in as {email} failed: {reply.status}")
    cookie = session_cookie(reply) or cookie
    page = get(port, "/my-learning", cookie)
    if page.status != 200:
        sys.exit(f"{email} is not signed in: /my-learning answered {page.status}")
    # The page put a CSRF secret into the session: the token only holds with that cookie.
    return session_cookie(page) or cookie, csrf_token(page.body)


# ---- measuring -------------------------------------------------------------------------------


@dataclass
class Measure:
    name: str
    rps: float
    p50: float  # milliseconds
    p95: float
    p99: float
    bytes: int  # per response
    bad: int
    count: int
    statements: int | None = None
    ratio: float | None = None
    notes: list[str] = field(default_factory=list)


def wrk(binary: str, name: str, url: str, cookie: str, status: int, smallest: int, args) -> Measure:
    command = [
        binary,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{max(1, round(args.seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*command, url, "--", str(status), str(smallest)], capture_output=True, text=True
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk failed for {name}:\n{out.stdout}\n{out.stderr}")
    found = json.loads(line[len("RESULT ") :])
    seconds = found["duration_us"] / 1e6
    good = found["seen"] - found["bad"]
    return Measure(
        name,
        rps=good / seconds,
        p50=found["p50"] / 1000,
        p95=found["p95"] / 1000,
        p99=found["p99"] / 1000,
        bytes=found["bytes"] // max(1, found["seen"]),
        bad=found["bad"] + found["socket_errors"],
        count=found["seen"],
    )


def pool(
    name: str,
    port: int,
    jobs: Iterator[tuple[str, str, str, dict]],
    status: int,
    smallest: int,
    args,
) -> Measure:
    """A closed loop of `args.connections` keep-alive clients for writes, each request a
    different one (wrk sends the same request over and over)."""
    lock = threading.Lock()
    latencies: list[float] = []
    sizes: list[int] = []
    bad = [0]
    deadline = time.monotonic() + args.seconds

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                job = next(jobs, None)
            if job is None:
                return
            method, path, cookie, form = job
            began = time.perf_counter()
            try:
                reply = request(port, method, path, cookie, form, connection)
            except (OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                with lock:
                    bad[0] += 1
                continue
            took = time.perf_counter() - began
            with lock:
                if reply.status == status and len(reply.body) >= smallest:
                    latencies.append(took)
                    sizes.append(len(reply.body))
                else:
                    bad[0] += 1

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Measure(
        name,
        rps=len(latencies) / elapsed,
        p50=cuts[49] * 1000,
        p95=cuts[94] * 1000,
        p99=cuts[98] * 1000,
        bytes=int(statistics.fmean(sizes)) if sizes else 0,
        bad=bad[0],
        count=len(latencies) + bad[0],
    )


def csv_download(port: int, path: str, cookie: str, master: int) -> tuple[float, int, float]:
    """Seconds to read the whole CSV, its lines, and the most any worker's RSS grew (MB)
    while it streamed (sampled every 20 ms)."""
    before = {pid: rss_mb(pid) for pid in workers(master)}
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in workers(master):
                peak[pid] = max(peak.get(pid, 0.0), rss_mb(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    began = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=300)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    lines = 0
    while chunk := response.read(1 << 16):
        lines += chunk.count(b"\n")  # "\r\n" may straddle two chunks
    took = time.perf_counter() - began
    done.set()
    sampler.join()
    if response.status != 200:
        sys.exit(f"CSV download failed: {response.status}")
    growth = max((peak[pid] - before.get(pid, peak[pid]) for pid in peak), default=0.0)
    return took, lines, growth


# ---- the run ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=4, help="per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5801)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a database to connect to while creating and dropping the benchmark's own",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--only",
        default="",
        help="measure only the rows whose name contains one of these words (comma-separated)",
    )
    args = parser.parse_args(argv)
    binary = ensure_wrk()
    name = f"coursework_bench_{os.getpid()}"
    admin = psycopg.connect(args.postgres, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    dsn = re.sub(r"/[^/?]*(\?|$)", f"/{name}\\1", args.postgres.split("://", 1)[1], count=1)
    dsn = "postgresql://" + dsn
    processes: list[subprocess.Popen] = []
    try:
        run(args, binary, dsn, processes)
    finally:
        for process in processes:
            stop(process)
        if not args.keep:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            print(f"kept database {name}")
        admin.close()


def run(args, binary: str, dsn: str, processes: list[subprocess.Popen]) -> None:
    instance = Path(tempfile.mkdtemp(prefix="coursework-bench-"))
    env = {
        **os.environ,
        "COURSEWORK_ENV": "production",
        "COURSEWORK_INSTANCE": str(instance),
        "DATABASE_URL": dsn,
        "SECRET_KEY": "benchmark-only-secret",
        "PUBLIC_URL": f"http://{HOST}:{args.port}",
        "RATELIMIT_AUTH": "1000000 per minute",
        "RATELIMIT_VERIFY": "1000000 per minute",
        "BENCH_REFERENCE_DSN": dsn,
        # The CSV is measured streamed from the request, however large the organisation
        # (above this many people the page otherwise offers to build it by a job).
        "JOB_CSV_PEOPLE_OVER": str(10**9),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    from flask_migrate import upgrade

    from benchmarks.seed import PASSWORD, seed
    from coursework.app import create_app
    from coursework.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        seeded = seed(args.people)
        seconds = time.perf_counter() - began
        rows = db.session.execute(db.text("SELECT count(*) FROM lesson_progress")).scalar()
        db.session.execute(
            db.text("CREATE TABLE bench_reference (id serial PRIMARY KEY, body text)")
        )
        db.session.commit()
        db.session.commit()
        # As autovacuum would after a bulk load: statistics, and the visibility map that
        # lets the report's counts read their index alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(db.text("VACUUM ANALYZE"))
        db.engine.dispose()
    print(f"seeded {args.people:,} people ({rows:,} lesson progress rows) in {seconds:.1f} s")

    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    ref_port = args.port + 1
    # A long timeout: a slow page is measured, not killed (gunicorn would answer 500).
    common = [
        *("--workers", str(args.workers), "--worker-class", "sync"),
        *("--backlog", "2048", "--timeout", "300"),
    ]
    logs = instance
    appproc = start(
        [
            *(gunicorn, "-c", "python:coursework.serving", *common),
            *("--bind", f"{HOST}:{args.port}", "benchmarks.app:app"),
        ],
        env,
        logs / "app.log",
    )
    processes.append(appproc)
    refproc = start(
        [gunicorn, *common, "--bind", f"{HOST}:{ref_port}", "benchmarks.reference:app"],
        env,
        logs / "reference.log",
    )
    processes.append(refproc)
    wait_until_up(args.port, "/healthz", appproc, logs / "app.log")
    wait_until_up(ref_port, "/page", refproc, logs / "reference.log")

    manager, _ = sign_in(args.port, seeded.manager_email, PASSWORD)
    learner, learner_csrf = sign_in(args.port, seeded.learner_email, PASSWORD)
    submitters = {email: sign_in(args.port, email, PASSWORD) for email in seeded.submitter_emails}
    org = "/organisations/bench"
    gets = [
        ("lesson page", f"/courses/{seeded.course_slug}/lessons/{seeded.lesson_slug}", learner),
        ("course page", f"/courses/{seeded.course_slug}", learner),
        ("my courses (JSON)", "/api/v1/me/courses", learner),
        ("dashboard page 1", f"{org}/dashboard", manager),
        (
            "dashboard, filtered",
            f"{org}/dashboard?status=overdue&sort=percent&dir=desc&q=ana",
            manager,
        ),
        ("person page", f"{org}/people/{seeded.person_id}", manager),
        (
            "report API page",
            "/api/v1/organisations/bench/report?page=3&sort=last_activity",
            manager,
        ),
        ("certificate PDF", f"/certificates/{seeded.certificate_code}/certificate.pdf", ""),
        ("verify page", f"/certificates/{seeded.certificate_code}", ""),
        ("verify (JSON)", f"/api/v1/certificates/{seeded.certificate_code}", ""),
        ("my learning", "/my-learning", learner),
    ]
    gets += report_rows(org, manager)
    wanted = [word.strip() for word in args.only.split(",") if word.strip()]
    if wanted:
        gets = [get_ for get_ in gets if any(word in get_[0] for word in wanted)]
    results: list[Measure] = []
    expected: dict[str, tuple[int, int]] = {}
    for label, path, cookie in gets:
        # Requests a slow endpoint left queued finish first: then warm up every worker
        # (several at once, so each serves some) and learn the size a right answer has.
        get(args.port, "/healthz")
        with ThreadPoolExecutor(args.workers) as warming:
            replies = list(warming.map(get, [args.port] * 6, [path] * 6, [cookie] * 6))
        reply = replies[-1]
        if any(r.status != 200 for r in replies):
            sys.exit(f"{label}: {path} answered {[r.status for r in replies]}")
        expected[label] = (200, int(len(reply.body) * 0.9))
        statements = int(reply.headers.get("X-Bench-Statements", "0"))
        reference = wrk(
            binary, "reference", f"http://{HOST}:{ref_port}/page", "", 200, 10_000, args
        )
        url = f"http://{HOST}:{args.port}{path}"
        if label in UNQUEUED:
            # One request per worker at a time: the time a request takes, not its wait. It
            # goes first: after the 16-connection run, its first requests would wait for
            # the requests that run left queued in the workers.
            one = argparse.Namespace(**vars(args))
            one.connections, one.threads = args.workers, 1
            unqueued = wrk(binary, label, url, cookie, *expected[label], one)
            unqueued.name = f"{label}, {args.workers} connections"
            unqueued.statements, unqueued.ratio = statements, unqueued.rps / reference.rps
            results.append(unqueued)
        found = wrk(binary, label, url, cookie, *expected[label], args)
        if found.count < 20:
            # Too slow for 16 connections in a few seconds (each waits behind the others):
            # measure it one request per worker at a time, for longer, so it still shows.
            get(args.port, "/healthz")
            slow = argparse.Namespace(**vars(args))
            slow.connections, slow.threads, slow.seconds = args.workers, 1, max(args.seconds, 15)
            found = wrk(binary, label, url, cookie, *expected[label], slow)
            found.notes.append(f"{args.workers} connections")
        found.statements, found.ratio = statements, found.rps / reference.rps
        found.notes.append(f"reference {reference.rps:,.0f} req/s")
        results.append(found)
        print(f"  {label}: {found.rps:,.1f} req/s (reference {reference.rps:,.0f})", flush=True)

    # Writes, each against the reference's one INSERT, through the same client.
    def inserts(path: str = "/insert") -> Iterator[tuple[str, str, str, dict]]:
        while True:
            yield ("POST", path, "", {"body": "x" * 100})

    def autosaves() -> Iterator[tuple[str, str, str, dict]]:
        path = f"/attempts/{seeded.attempt_id}/answers"
        n = 0
        while True:
            n += 1
            yield (
                "POST",
                path,
                learner,
                {"csrf_token": learner_csrf, seeded.answer_field: str(n % 2)},
            )

    def submits() -> Iterator[tuple[str, str, str, dict]]:
        for email, ids in seeded.open_attempts.items():
            cookie, token = submitters[email]
            for attempt_id in ids:
                form = {"csrf_token": token, "action": "submit", "confirm": "yes"}
                yield ("POST", f"/attempts/{attempt_id}", cookie, form)

    probe = request(args.port, *next(autosaves()))
    if probe.status != 200:
        sys.exit(f"autosave answered {probe.status}: {probe.body[:300]!r}")
    # One submission first, alone, for its statement count; the rest are measured.
    submit_jobs = submits()
    submitted = request(args.port, *next(submit_jobs))
    if submitted.status != 302:
        sys.exit(f"submit answered {submitted.status}: {submitted.body[:300]!r}")
    writes: list[tuple[str, Callable[[], Iterator], int, int, int]] = [
        ("answer autosave", autosaves, 200, 10, int(probe.headers.get("X-Bench-Statements", 0))),
        (
            "attempt submit",
            lambda: submit_jobs,
            302,
            0,
            int(submitted.headers.get("X-Bench-Statements", 0)),
        ),
    ]
    kept_ratios: list[str] = []
    if wanted:
        writes = [w for w in writes if any(word in w[0] for word in wanted)]
    for label, jobs, status, smallest, statements in writes:
        reference = pool("reference insert", ref_port, inserts(), 200, 10, args)
        kept = pool("reference insert, kept", ref_port, inserts("/insert-kept"), 200, 10, args)
        found = pool(label, args.port, jobs(), status, smallest, args)
        found.statements = statements or None
        found.ratio = found.rps / reference.rps
        found.notes.append(f"reference insert {reference.rps:,.0f} req/s")
        results.append(found)
        kept_ratios.append(
            f"{label}: ratio {found.rps / kept.rps:.2f} to an INSERT on a kept connection "
            f"({kept.rps:,.0f} req/s)"
        )
        print(
            f"  {label}: {found.rps:,.1f} req/s (reference {reference.rps:,.0f}, "
            f"kept connection {kept.rps:,.0f})",
            flush=True,
        )

    # The CSV of the whole organisation: time, lines, and how much a worker's memory grew.
    took, lines, growth = csv_download(args.port, f"{org}/report.csv", manager, appproc.pid)
    app_rss = [rss_mb(pid) for pid in workers(appproc.pid)]
    ref_rss = [rss_mb(pid) for pid in workers(refproc.pid)]
    print_table(args, results, took, lines, growth, app_rss, ref_rss)
    print("writes against the stricter reference: " + "; ".join(kept_ratios))
    for label, names in (("PSS", ("Pss",)), ("private", ("Private_Clean", "Private_Dirty"))):
        app_mb = [rollup_mb(pid, *names) for pid in workers(appproc.pid)]
        ref_mb = [rollup_mb(pid, *names) for pid in workers(refproc.pid)]
        if app_mb and ref_mb and max(ref_mb):
            print(
                f"worker {label} memory after the run: app "
                + ", ".join(f"{mb:.0f} MB" for mb in app_mb)
                + " · bare Flask "
                + ", ".join(f"{mb:.0f} MB" for mb in ref_mb)
                + f" · ratio {max(app_mb) / max(ref_mb):.2f}"
            )


# The report's targets are a request's own time (p95); with 16 connections on 2 workers a
# request mostly waits its turn, so these rows are measured both ways.
UNQUEUED = {"dashboard page 1", "dashboard, filtered", "report API page"}


def report_rows(org: str, manager: str) -> list[tuple[str, str, str]]:
    """More of the manager's report: other sorts and filters, and a page far in."""
    return [
        ("dashboard, by status", f"{org}/dashboard?sort=status&dir=desc", manager),
        (
            "dashboard, completed by date",
            f"{org}/dashboard?status=completed&sort=completed_at",
            manager,
        ),
        ("dashboard, page 100", f"{org}/dashboard?page=100&sort=best_score&dir=desc", manager),
        ("report API, search", "/api/v1/organisations/bench/report?q=smith&sort=percent", manager),
    ]


def print_table(args, results, took, lines, growth, app_rss, ref_rss) -> None:
    print()
    print(
        f"{args.people:,} people · gunicorn {args.workers} sync workers · "
        f"{args.connections} connections · {args.seconds:g} s each · {os.cpu_count()} CPUs"
    )
    print()
    print(
        "| what | req/s | p50 ms | p95 ms | p99 ms | bytes | ratio to reference "
        "| SQL statements | bad |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m in results:
        ratio = f"{m.ratio:.2f}" if m.ratio is not None else ""
        slow = [note for note in m.notes if note.endswith("connections")]
        name = m.name + (f" ({slow[0]})" if slow else "")
        statements = "" if m.statements is None else str(m.statements)
        print(
            f"| {name} | {m.rps:,.1f} | {m.p50:.1f} | {m.p95:.1f} | {m.p99:.1f} | {m.bytes:,} "
            f"| {ratio} | {statements} | {m.bad} |"
        )
    print()
    print(
        f"CSV export: {lines - 1:,} rows in {took:.2f} s; "
        f"a worker's RSS grew {growth:.1f} MB while it streamed"
    )
    print(
        "worker RSS after the run: app "
        + ", ".join(f"{mb:.0f} MB" for mb in app_rss)
        + " · bare Flask "
        + ", ".join(f"{mb:.0f} MB" for mb in ref_rss)
        + (f" · ratio {max(app_rss) / max(ref_rss):.2f}" if app_rss and ref_rss else "")
    )
    print(
        "reference: a bare Flask 10 KB page (GETs) and one INSERT (writes), "
        "measured just before each row"
    )


if __name__ == "__main__":
    main()

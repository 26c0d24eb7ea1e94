"""Forwarding an organisation's statements to its own learning record store (LRS).

A manager gives the LRS's xAPI endpoint and its Basic credentials (a key and a secret),
kept sealed with `coursework.sealing` and never shown back. What is forwarded is the
organisation's statement log (`xapi.load_page`), in log order, voiding statements
included, so the LRS ends up holding exactly what a full export holds.

Delivery is at least once: a batch is POSTed with the statements' own ids, and only once
the LRS has acknowledged it does `delivered_through` move past it. A batch sent again
(a worker died after sending, before recording) is harmless: an LRS stores a statement id
once, and one answering 409 (it holds a statement with an id we send) has it already, so
each statement of that batch is then PUT by its id, where a 409 also counts as delivered.

Who sends: the worker holding the organisation's lease, a conditional UPDATE of its row
(on PostgreSQL the row is locked for the update, so of two workers at the same moment one
gets it). A lease ends when the worker finishes, or after `LEASE` if it died. Delivery is
driven by a nudge once a transaction recording a learning event commits and by a job every
minute (which also picks up voiding statements, and retries). A failure is recorded in the
delivery log and retried with a growing delay (30 s, 1 min, 2 min, … at most an hour);
nothing is lost, since the log and the cursor stay in the database.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app
from huey import crontab
from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from coursework import outbound, sealing, tasks
from coursework.accounts.models import User
from coursework.db import utcnow
from coursework.errors import RuleViolation
from coursework.extensions import db
from coursework.i18n import _
from coursework.lengths import too_long
from coursework.organisations import xapi
from coursework.organisations.models import (
    Assignment,
    LrsForwarding,
    Membership,
    Organisation,
    StatementLogEntry,
)
from coursework.progress.models import LearningEvent

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

SEAL_PURPOSE = "lrs credentials"
BATCH = 100
LEASE = timedelta(minutes=5)
TIMEOUT = (5, 30)  # seconds to connect, to read the answer
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
KEY_MAX, SECRET_MAX = 200, 500
# Printable ASCII: Basic credentials travel as Latin-1 and LRSs issue ASCII keys.
PRINTABLE = re.compile(r"[\x20-\x7e]*")
HEADERS = {"X-Experience-API-Version": xapi.VERSION}


class DeliveryError(Exception):
    """The LRS did not take a batch; the message is for the delivery log (no secrets)."""


@dataclass(frozen=True)
class Credentials:
    key: str
    secret: str

    def __repr__(self) -> str:  # never in a log or a traceback
        return "Credentials(…)"


@dataclass(frozen=True)
class Status:
    forwarding: LrsForwarding | None
    waiting: int  # statements in the log the LRS does not have yet


# ---- settings ------------------------------------------------------------------------------


def forwarding_of(organisation: Organisation) -> LrsForwarding | None:
    return db.session.get(LrsForwarding, organisation.id)


def status(organisation: Organisation) -> Status:
    """The settings and how many statements wait (the log brought up to date first)."""
    xapi.sync_log(organisation)
    forwarding = forwarding_of(organisation)
    after = forwarding.delivered_through if forwarding else 0
    waiting = db.session.scalar(
        select(func.count())
        .select_from(StatementLogEntry)
        .where(StatementLogEntry.organisation_id == organisation.id, StatementLogEntry.id > after)
    )
    return Status(forwarding, waiting or 0)


def check_endpoint(text: str) -> str:
    """The endpoint as stored (no trailing slash), or RuleViolation naming `endpoint`."""
    endpoint = text.strip().rstrip("/")
    problem = too_long(endpoint, LrsForwarding.endpoint)
    if problem is None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problem = "Enter the LRS's xAPI address, starting with https://."
        elif parts.username is not None or parts.password is not None:
            problem = _("Leave the key and secret out of the address: enter them below.")
        elif parts.query or parts.fragment:
            problem = _("Enter the address without a query or fragment (?, #).")
        elif not PRINTABLE.fullmatch(endpoint) or " " in endpoint:
            problem = _("Enter the address without spaces or special characters.")
    if problem:
        raise RuleViolation(problem, {"endpoint": [problem]})
    return endpoint


def _check_credentials(key: str, secret: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if len(key) > KEY_MAX:
        errors["key"] = [_("Use at most %(KEY_MAX)s characters for the key.", KEY_MAX=KEY_MAX)]
    elif ":" in key or not PRINTABLE.fullmatch(key):
        errors["key"] = [
            _("Enter the key as the LRS gave it: letters, digits and symbols, no colon.")
        ]
    if len(secret) > SECRET_MAX:
        errors["secret"] = [
            _("Use at most %(SECRET_MAX)s characters for the secret.", SECRET_MAX=SECRET_MAX)
        ]
    elif not PRINTABLE.fullmatch(secret):
        errors["secret"] = [_("Enter the secret as the LRS gave it: letters, digits and symbols.")]
    return errors


def configure(
    organisation: Organisation,
    by: User,
    *,
    endpoint: str,
    key: str,
    secret: str,
    enabled: bool,
) -> LrsForwarding:
    """Set the organisation's LRS; the caller commits. Blank key and secret keep the saved
    ones. A new address starts delivery from the beginning of the log, since that LRS has
    none of it; new credentials for the same address carry on where delivery stood."""
    forwarding = forwarding_of(organisation)
    errors: dict[str, list[str]] = {}
    try:
        endpoint = check_endpoint(endpoint)
    except RuleViolation as error:
        errors.update(error.errors)
    key, secret = key.strip(), secret.strip()
    if key or secret or forwarding is None:
        if not key:
            errors["key"] = [_("Enter the key the LRS gave you.")]
        if not secret:
            errors["secret"] = [_("Enter the secret the LRS gave you.")]
        errors = {**_check_credentials(key, secret), **errors}
    if errors:
        raise RuleViolation(_("Check the LRS settings."), errors)
    if forwarding is None:
        forwarding = LrsForwarding(organisation_id=organisation.id, endpoint=endpoint)
        db.session.add(forwarding)
    elif forwarding.endpoint != endpoint:
        forwarding.delivered_through = forwarding.delivered_count = 0
        forwarding.last_success_at = None
    if key:
        forwarding.credentials = sealing.seal(
            SEAL_PURPOSE, json.dumps({"key": key, "secret": secret})
        )
    forwarding.endpoint = endpoint
    forwarding.enabled = enabled
    # Changed settings deserve a try at once, not at the end of a backoff.
    forwarding.retry_at, forwarding.failures = None, 0
    forwarding.updated_at, forwarding.updated_by_id = utcnow(), by.id
    db.session.flush()
    if enabled:
        tasks.enqueue_after_commit(forward, organisation.id)
    log.info("LRS forwarding of organisation %s set by user %s", organisation.id, by.id)
    return forwarding


def remove(organisation: Organisation, by: User) -> None:
    """Forget the LRS and its credentials; the caller commits."""
    db.session.execute(
        delete(LrsForwarding).where(LrsForwarding.organisation_id == organisation.id)
    )
    log.info("LRS forwarding of organisation %s removed by user %s", organisation.id, by.id)


def credentials_of(forwarding: LrsForwarding) -> Credentials:
    try:
        held = json.loads(sealing.unseal(SEAL_PURPOSE, forwarding.credentials))
        return Credentials(str(held["key"]), str(held["secret"]))
    except (sealing.Unsealable, ValueError, KeyError, TypeError):
        raise DeliveryError(
            _(
                "The saved credentials can no longer be read (the secret key changed): enter them "
                "again."
            )
        ) from None


# ---- talking to the LRS --------------------------------------------------------------------


def statements_url(endpoint: str) -> str:
    return f"{endpoint.rstrip('/')}/statements"


def _unreachable(endpoint: str, error: requests.RequestException) -> DeliveryError:
    import requests

    host = urlsplit(endpoint).netloc
    if isinstance(error, requests.Timeout):
        why = f"no answer within {TIMEOUT[1]} seconds"
    elif isinstance(error, requests.ConnectionError):
        why = "the connection failed (is the address right, and the LRS running?)"
    else:
        why = type(error).__name__
    return DeliveryError(_("Could not reach the LRS at %(host)s: %(why)s.", host=host, why=why))


def _refused(response: requests.Response) -> DeliveryError:
    code = response.status_code
    if code in (401, 403):
        return DeliveryError(
            _(
                "The LRS refused the key and secret (HTTP %(code)s): check them, and that they "
                "may write statements.",
                code=code,
            )
        )
    if 300 <= code < 400:
        return DeliveryError(
            _(
                "The LRS redirected (HTTP %(code)s) to %(get)s: enter that address instead.",
                code=code,
                get=response.headers.get("Location", "?")[:200],
            )
        )
    excerpt = " ".join(response.text[:200].split())
    excerpt = "".join(ch for ch in excerpt if ch.isprintable())
    return DeliveryError(
        _(
            "The LRS answered HTTP %(code)s%(value)s.",
            code=code,
            value=": " + excerpt if excerpt else "",
        )
    )


def _check_address(endpoint: str) -> None:
    problem = outbound.private_address_problem(endpoint)
    if problem is not None:
        raise DeliveryError(_("The LRS's address is refused. %(problem)s", problem=problem))


def _request(method: str, endpoint: str, credentials: Credentials, body, **params):
    import requests  # loaded by the first delivery, not by every worker at start

    _check_address(endpoint)
    try:
        return requests.request(
            method,
            statements_url(endpoint),
            json=body,
            params=params or None,
            auth=(credentials.key, credentials.secret),
            headers=HEADERS,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise _unreachable(endpoint, error) from None


def send(endpoint: str, credentials: Credentials, statements: list[dict]) -> None:
    """Store `statements` in the LRS, or raise DeliveryError. Sending one again is
    harmless: it is stored once, by its id."""
    response = _request("POST", endpoint, credentials, statements)
    if response.status_code in (200, 204):
        return
    if response.status_code != 409:
        raise _refused(response)
    # The LRS holds a statement with one of these ids (a batch sent before, perhaps drawn
    # since with a course's new title): each goes on its own, and 409 means it is there.
    for item in statements:
        response = _request("PUT", endpoint, credentials, item, statementId=item["id"])
        if response.status_code not in (200, 204, 409):
            raise _refused(response)


def test_statement(organisation: Organisation) -> dict:
    """A statement that only says the organisation checked its connection."""
    public_url = current_app.config["PUBLIC_URL"]
    base = public_url.rstrip("/")
    return {
        "id": str(uuid.uuid4()),
        "actor": xapi.organisation_agent(public_url, organisation),
        "verb": {
            "id": f"{base}/xapi/verbs/checked-connection",
            "display": {"en-US": "checked the connection to"},
        },
        "object": {
            "objectType": "Activity",
            "id": f"{base}/organisations/{organisation.slug}/lrs",
            "definition": {
                "name": {"en-US": f"{organisation.name}'s learning record store"},
                "description": {"en-US": "A test statement sent from Coursework's LRS settings."},
            },
        },
        "timestamp": xapi.timestamp(utcnow()),
    }


def check_connection(organisation: Organisation) -> str | None:
    """Send one test statement; None when the LRS took it, else what went wrong. A
    success ends any waiting before the next delivery. The caller commits."""
    forwarding = forwarding_of(organisation)
    if forwarding is None:
        return _("Save the LRS settings first.")
    try:
        send(forwarding.endpoint, credentials_of(forwarding), [test_statement(organisation)])
    except DeliveryError as error:
        log.warning("LRS check for organisation %s failed: %s", organisation.id, error)
        return str(error)
    forwarding.retry_at, forwarding.failures = None, 0
    if forwarding.enabled:
        tasks.enqueue_after_commit(forward, organisation.id)
    return None


# ---- delivery ------------------------------------------------------------------------------


def backoff(failures: int) -> timedelta:
    """How long to wait after `failures` failures in a row: 30 s, doubling, at most an hour."""
    return min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** max(0, min(failures - 1, 20)))


def _claim(organisation_id: int, now: datetime) -> str | None:
    lease = secrets.token_hex(16)
    claimed = db.session.execute(
        update(LrsForwarding)
        .where(
            LrsForwarding.organisation_id == organisation_id,
            LrsForwarding.enabled.is_(True),
            or_(LrsForwarding.lease_until.is_(None), LrsForwarding.lease_until < now),
            or_(LrsForwarding.retry_at.is_(None), LrsForwarding.retry_at <= now),
        )
        .values(lease_id=lease, lease_until=now + LEASE)
    ).rowcount
    # Forwarding runs only in background jobs, which commit on their own: the lease and,
    # below, the cursor after each page the LRS took are kept before the next call out,
    # so a run that dies resends nothing twice.
    db.session.commit()
    return lease if claimed else None


def _mine(organisation_id: int, lease: str):
    return update(LrsForwarding).where(
        LrsForwarding.organisation_id == organisation_id, LrsForwarding.lease_id == lease
    )


def deliver(organisation_id: int) -> int:
    """Send what the organisation's LRS does not have yet, batch by batch, in log order;
    returns how many statements were sent. Does nothing while another worker holds the
    lease, forwarding is off, or a retry is not due yet."""
    lease = _claim(organisation_id, utcnow())
    if lease is None:
        return 0
    sent = 0
    try:
        organisation = db.session.get_one(Organisation, organisation_id)
        public_url = current_app.config["PUBLIC_URL"]
        while True:
            forwarding = db.session.get_one(LrsForwarding, organisation_id)
            db.session.refresh(forwarding)
            after = forwarding.delivered_through
            endpoint, credentials = forwarding.endpoint, credentials_of(forwarding)
            page = xapi.load_page(organisation, public_url, after=after, limit=BATCH)
            reached = xapi.decode_cursor(page.cursor)
            if reached <= after:
                break
            if page.statements:
                send(endpoint, credentials, page.statements)
            now = utcnow()
            db.session.execute(
                _mine(organisation_id, lease)
                .where(LrsForwarding.delivered_through == after)
                .values(
                    delivered_through=reached,
                    delivered_count=LrsForwarding.delivered_count + len(page.statements),
                    last_success_at=now,
                    failures=0,
                    retry_at=None,
                    lease_until=now + LEASE,
                )
            )
            db.session.commit()
            sent += len(page.statements)
            if not page.more:
                break
    except DeliveryError as error:
        db.session.rollback()
        _record_failure(organisation_id, lease, str(error))
    finally:
        db.session.rollback()
        db.session.execute(_mine(organisation_id, lease).values(lease_id=None, lease_until=None))
        db.session.commit()
    if sent:
        log.info("forwarded %d statements of organisation %s to its LRS", sent, organisation_id)
    return sent


def _record_failure(organisation_id: int, lease: str, message: str) -> None:
    now = utcnow()
    forwarding = db.session.get_one(LrsForwarding, organisation_id)
    failures = forwarding.failures + 1
    db.session.execute(
        _mine(organisation_id, lease).values(
            last_error=message,
            last_error_at=now,
            failures=failures,
            retry_at=now + backoff(failures),
        )
    )
    db.session.commit()
    log.warning(
        "LRS delivery for organisation %s failed (%d in a row, next try in %s): %s",
        organisation_id,
        failures,
        backoff(failures),
        message,
    )


@tasks.job
def forward(organisation_id: int) -> None:
    """Deliver one organisation's waiting statements (a job: after commit, or by the minute)."""
    deliver(organisation_id)


@tasks.job
def forward_for_learner(user_id: int) -> None:
    """The nudge after a learning event: deliver for each organisation of the learner that
    forwards to an LRS."""
    for organisation_id in db.session.scalars(
        select(LrsForwarding.organisation_id)
        .join(Membership, Membership.organisation_id == LrsForwarding.organisation_id)
        .where(
            Membership.user_id == user_id,
            Membership.removed_at.is_(None),
            LrsForwarding.enabled.is_(True),
        )
        .order_by(LrsForwarding.organisation_id)
    ).all():
        deliver(organisation_id)


@tasks.periodic(crontab())
def forward_due() -> None:
    """Every minute: each organisation whose LRS is on and due (not waiting out a failure)
    gets a delivery job, which finds whatever entered its log since the last one."""
    now = utcnow()
    due = db.session.scalars(
        select(LrsForwarding.organisation_id).where(
            LrsForwarding.enabled.is_(True),
            or_(LrsForwarding.retry_at.is_(None), LrsForwarding.retry_at <= now),
            or_(LrsForwarding.lease_until.is_(None), LrsForwarding.lease_until < now),
        )
    ).all()
    db.session.rollback()
    for organisation_id in due:
        forward(organisation_id)


@event.listens_for(Session, "after_flush")
def _nudge_after_changes(session: Session, flush_context) -> None:
    """Once the transaction commits, forward what it adds to statement logs: a learner's
    new learning events, and the voiding statements of a member removed or a course
    unassigned (the minute's job would find them too, a little later)."""
    learners = {item.actor_id for item in session.new if isinstance(item, LearningEvent)}
    organisations = {
        item.organisation_id
        for item in session.dirty
        if isinstance(item, Membership) and item.removed_at is not None
    } | {item.organisation_id for item in session.deleted if isinstance(item, Assignment)}
    if not learners and not organisations:
        return
    pending = session.info.setdefault(tasks.PENDING, [])
    wanted = [(forward_for_learner, (user_id,)) for user_id in sorted(learners)]
    wanted += [(forward, (organisation_id,)) for organisation_id in sorted(organisations)]
    pending.extend(job for job in wanted if job not in pending)

"""A credential's facts, fixed, for the credential and Open Badges tests."""

from __future__ import annotations

from datetime import UTC, datetime

from coursework.certificates.credentials import (
    CredentialFacts,
)

ISSUED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


EXPIRES = datetime(2027, 3, 1, 12, 0, 0, tzinfo=UTC)


FACTS = CredentialFacts(
    credential_id="http://127.0.0.1:5000/certificates/Zx81kq",
    issuer_id="http://127.0.0.1:5000/issuer",
    issuer_name="Coursework",
    subject_id="urn:uuid:0f1e6a8e-4a5c-4c1f-9d3e-2b7a9c1d5e60",
    learner_name="Ada Lovelace",
    achievement_id="http://127.0.0.1:5000/courses/python-basics",
    achievement_name="Python basics",
    achievement_description="Variables, loops and functions — from zero.",
    criteria_narrative="Complete every lesson and pass the final quiz with at least 70%.",
    valid_from=ISSUED,
    valid_until=EXPIRES,
    status_url="http://127.0.0.1:5000/certificates/Zx81kq/status",
    score=86.5,
)

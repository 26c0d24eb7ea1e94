from __future__ import annotations

from marshmallow import Schema, fields, validate


class CertificateStatusSchema(Schema):
    """What anyone may learn about a certificate."""

    code = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": ["valid", "revoked", "expired"]})
    learner_name = fields.String(dump_only=True)
    course_title = fields.String(dump_only=True)
    issued_at = fields.DateTime(dump_only=True)
    expires_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    issuer = fields.String(dump_only=True)
    score = fields.Float(dump_only=True, allow_none=True)
    verify_url = fields.String(dump_only=True)


class VerifyInputSchema(Schema):
    credential = fields.String(required=True, validate=validate.Length(min=1, max=20000))


class VerificationSchema(Schema):
    """Read from a verification and the `summary` of its credential (null without one)."""

    valid = fields.Boolean(dump_only=True)
    problems = fields.List(fields.String(), dump_only=True)
    credential = fields.Dict(dump_only=True, allow_none=True)
    awarded_to = fields.String(
        attribute="summary.awarded_to",
        dump_only=True,
        allow_none=True,
        dump_default=None,
        metadata={"description": "The learner's name as the signed credential states it."},
    )
    achievement = fields.String(
        attribute="summary.achievement", dump_only=True, allow_none=True, dump_default=None
    )
    valid_from = fields.DateTime(
        attribute="summary.valid_from", dump_only=True, allow_none=True, dump_default=None
    )
    valid_until = fields.DateTime(
        attribute="summary.valid_until", dump_only=True, allow_none=True, dump_default=None
    )

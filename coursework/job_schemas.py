"""JSON shapes of long-running jobs."""

from __future__ import annotations

from marshmallow import Schema, fields

from coursework import jobs


class JobSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    state = fields.String(dump_only=True, metadata={"enum": list(jobs.STATE_LABELS)})
    state_label = fields.String(dump_only=True)
    done = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    unit = fields.String(dump_only=True, metadata={"description": "What done and total count."})
    percent = fields.Integer(dump_only=True)
    message = fields.String(dump_only=True)
    result_url = fields.String(dump_only=True, allow_none=True)
    download_url = fields.String(dump_only=True, allow_none=True)
    page_url = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    started_at = fields.DateTime(dump_only=True, allow_none=True)
    finished_at = fields.DateTime(dump_only=True, allow_none=True)

"""Uploading a GIFT file through the quiz page, as an instructor's browser does."""

from __future__ import annotations

import io
import re

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def upload(client, quiz, token: str, payload: bytes, name: str = "quiz.gift"):
    return client.post(
        f"/teach/quizzes/{quiz.id}/gift",
        data={"file": (io.BytesIO(payload), name), "csrf_token": token},
        content_type="multipart/form-data",
    )

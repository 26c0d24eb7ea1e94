"""What search reads: one row per lesson or question, holding its plain text.

The full-text structures around this table are the database's own and are created by the
migration, not by these models: on SQLite an FTS5 table (`search_documents_fts`, external
content, `porter unicode61`) kept in step by triggers; on PostgreSQL a weighted
`search_vector` tsvector column with a GIN index, filled by a trigger in the language's
text search configuration. `coursework.db.include_in_migrations` keeps them out of
autogenerate's comparison.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coursework.extensions import db


class SearchDocument(db.Model):
    __tablename__ = "search_documents"
    __table_args__ = (CheckConstraint("kind IN ('lesson', 'question')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), unique=True
    )
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz_questions.id", ondelete="CASCADE"), unique=True
    )
    # A PostgreSQL text search configuration (`english`, `simple`, …), from the course's
    # language; SQLite's index stems with Porter whatever the language.
    config: Mapped[str] = mapped_column(String(32), default="simple")
    title: Mapped[str] = mapped_column(Text)
    # Plain text: lessons' HTML without its tags; a question's text, never its answers.
    body: Mapped[str] = mapped_column(Text)

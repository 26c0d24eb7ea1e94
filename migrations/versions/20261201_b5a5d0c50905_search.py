"""Full-text search across lessons and question banks.

Revision ID: b5a5d0c50905
Revises: b4a4d0c40904
Create Date: 2026-12-01 08:30:00

`search_documents` holds each lesson's and question's plain text; around it each database
gets its own full-text index: SQLite an FTS5 table over it (Porter stemming on Unicode
words) kept in step by triggers, PostgreSQL a weighted tsvector column (title A, body B)
filled by a trigger in the row's text search configuration, with a GIN index. Existing
lessons and questions are indexed here, once.
"""

import html
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b5a5d0c50905"
down_revision = "b4a4d0c40904"
branch_labels = None
depends_on = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE search_documents_fts USING fts5(
        title, body, content='search_documents', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_documents_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_documents_fts(search_documents_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
        INSERT INTO search_documents_fts(search_documents_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO search_documents_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_ai",
    "DROP TABLE IF EXISTS search_documents_fts",
]
POSTGRES_UP = [
    "ALTER TABLE search_documents ADD COLUMN search_vector tsvector",
    """CREATE FUNCTION search_documents_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- The default parser reads "<b>" in text as a tag and skips the words inside it.
        NEW.search_vector :=
            setweight(to_tsvector(NEW.config::regconfig, translate(NEW.title, '<>', '  ')), 'A')
            || setweight(to_tsvector(NEW.config::regconfig, translate(NEW.body, '<>', '  ')), 'B');
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER search_documents_vector BEFORE INSERT OR UPDATE OF title, body, config
        ON search_documents FOR EACH ROW EXECUTE FUNCTION search_documents_vector()""",
    """CREATE INDEX ix_search_documents_search_vector ON search_documents
        USING gin (search_vector)""",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_search_documents_search_vector",
    "DROP TRIGGER IF EXISTS search_documents_vector ON search_documents",
    "DROP FUNCTION IF EXISTS search_documents_vector()",
]

TAG = re.compile(r"<[^>]*>")
MARKERS = re.compile("[\ue000-\ue003]")


def _plain(markup: str) -> str:
    # Block tags become spaces, so words on either side of one never run together.
    return MARKERS.sub("", " ".join(html.unescape(TAG.sub(" ", markup or "")).split()))


def _backfill(bind) -> None:
    documents = sa.table(
        "search_documents",
        *(sa.column(name) for name in ("kind", "course_id", "lesson_id", "question_id")),
        *(sa.column(name) for name in ("config", "title", "body")),
    )
    rows = [
        {
            "kind": "lesson",
            "course_id": course_id,
            "lesson_id": lesson_id,
            "question_id": None,
            "config": "english",
            "title": title,
            "body": _plain(body_html),
        }
        for lesson_id, course_id, title, body_html in bind.execute(
            sa.text("SELECT id, course_id, title, body_html FROM lessons")
        )
    ]
    rows += [
        {
            "kind": "question",
            "course_id": course_id,
            "lesson_id": None,
            "question_id": question_id,
            "config": "english",
            "title": title or "",
            "body": _plain(text) if text_format == "html" else MARKERS.sub("", text),
        }
        for question_id, course_id, title, text, text_format in bind.execute(
            sa.text(
                "SELECT q.id, z.course_id, q.title, q.text, q.text_format "
                "FROM quiz_questions q JOIN quizzes z ON z.id = q.quiz_id"
            )
        )
    ]
    if rows:
        bind.execute(documents.insert(), rows)


def upgrade():
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("config", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('lesson', 'question')", name=op.f("ck_search_documents_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_search_documents_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_search_documents_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["quiz_questions.id"],
            name=op.f("fk_search_documents_question_id_quiz_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("lesson_id", name=op.f("uq_search_documents_lesson_id")),
        sa.UniqueConstraint("question_id", name=op.f("uq_search_documents_question_id")),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_documents_course_id"), ["course_id"], unique=False
        )
    bind = op.get_bind()
    for statement in SQLITE_UP if bind.dialect.name == "sqlite" else POSTGRES_UP:
        op.execute(statement)
    _backfill(bind)


def downgrade():
    bind = op.get_bind()
    for statement in SQLITE_DOWN if bind.dialect.name == "sqlite" else POSTGRES_DOWN:
        op.execute(statement)
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_documents_course_id"))
    op.drop_table("search_documents")

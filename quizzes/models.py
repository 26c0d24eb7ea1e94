"""Quizzes, their questions and choices, immutable versions, attempts and responses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship
from sqlalchemy.types import JSON

from coursework.db import utcnow
from coursework.extensions import db
from quizzes.grading import GradingMethod
from quizzes.spec import Kind


class ReviewShows(StrEnum):
    """What a learner sees after submitting; each level includes the ones before it."""

    SCORE = "score"
    CORRECTNESS = "correctness"
    ANSWERS = "answers"
    FEEDBACK = "feedback"

    @property
    def label(self) -> str:
        return {
            "score": "The score only",
            "correctness": "The score and which answers were right",
            "answers": "…and the correct answers",
            "feedback": "…and the feedback that explains each answer",
        }[self.value]

    def includes(self, other: ReviewShows) -> bool:
        order = list(ReviewShows)
        return order.index(self) >= order.index(other)


class ReviewWhen(StrEnum):
    IMMEDIATELY = "immediately"
    AFTER_LAST_ATTEMPT = "after_last_attempt"
    AFTER_PASSING = "after_passing"

    @property
    def label(self) -> str:
        return {
            "immediately": "Straight after each attempt",
            "after_last_attempt": "Once no attempts are left",
            "after_passing": "Once the learner has passed",
        }[self.value]


class AttemptState(StrEnum):
    """in_progress -> submitted (graded); or in_progress -> awaiting_grading -> submitted when
    it has essays, which a person grades after the learner submits. An attempt awaiting
    grading takes no answers, counts as used, and has no grade until the last essay is
    graded; only then do its grade, pass/fail, progress and certificate follow."""

    IN_PROGRESS = "in_progress"
    AWAITING_GRADING = "awaiting_grading"
    SUBMITTED = "submitted"
    ABANDONED = "abandoned"


class Quiz(db.Model):
    __tablename__ = "quizzes"
    __table_args__ = (
        CheckConstraint("passing_score BETWEEN 0 AND 100", name="passing_score_percent"),
        CheckConstraint(
            "attempt_limit IS NULL OR attempt_limit > 0", name="attempt_limit_positive"
        ),
        CheckConstraint(
            "time_limit_minutes IS NULL OR time_limit_minutes > 0", name="time_limit_positive"
        ),
        # A course has at most one final quiz (the quiz with no lesson).
        Index(
            "uq_quizzes_final_per_course",
            "course_id",
            unique=True,
            sqlite_where=text("lesson_id IS NULL"),
            postgresql_where=text("lesson_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    passing_score: Mapped[int] = mapped_column(default=70)
    attempt_limit: Mapped[int | None]
    time_limit_minutes: Mapped[int | None]
    grading_method: Mapped[str] = mapped_column(String(16), default=GradingMethod.HIGHEST.value)
    stop_after_pass: Mapped[bool] = mapped_column(default=False)
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_choices: Mapped[bool] = mapped_column(default=False)
    all_or_nothing: Mapped[bool] = mapped_column(default=False)
    review_shows: Mapped[str] = mapped_column(String(16), default=ReviewShows.FEEDBACK.value)
    review_when: Mapped[str] = mapped_column(String(24), default=ReviewWhen.IMMEDIATELY.value)
    # Counts toward course progress and completion.
    required: Mapped[bool] = mapped_column(default=True)
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz",
        order_by="Question.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    # "N random questions from category C" of the course's bank, drawn afresh per attempt.
    # Loaded when first used, not with every quiz: most quizzes have none, and learners'
    # pages read quizzes often (lists that show sizes load them with `selectinload`).
    draws: Mapped[list[QuizDraw]] = relationship(
        back_populates="quiz",
        order_by="QuizDraw.position",
        cascade="all, delete-orphan",
    )

    @property
    def is_final(self) -> bool:
        return self.lesson_id is None

    @property
    def method(self) -> GradingMethod:
        return GradingMethod(self.grading_method)

    @property
    def shows(self) -> ReviewShows:
        return ReviewShows(self.review_shows)

    @property
    def when(self) -> ReviewWhen:
        return ReviewWhen(self.review_when)

    @property
    def total_points(self) -> float:
        """The fixed questions' points; drawn questions add theirs per attempt."""
        return sum(question.points for question in self.questions)

    @property
    def asked(self) -> int:
        """How many questions each attempt asks: the fixed ones and those drawn."""
        return len(self.questions) + sum(draw.count for draw in self.draws)

    @property
    def has_questions(self) -> bool:
        """Fixed questions or draw rules: something an attempt can be made of."""
        return bool(self.questions or self.draws)


class Question(db.Model):
    __tablename__ = "quiz_questions"
    __table_args__ = (CheckConstraint("points > 0", name="points_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    text_format: Mapped[str] = mapped_column(String(12), default="plain")
    points: Mapped[float] = mapped_column(default=1.0)
    general_feedback: Mapped[str] = mapped_column(Text, default="")
    # What only some kinds have: true/false answer and feedback, numeric answers, pairs.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    category: Mapped[str] = mapped_column(String(200), default="")

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question",
        order_by="Choice.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def kind_enum(self) -> Kind:
        return Kind(self.kind)


class BankQuestion(db.Model):
    """A question in its course's bank, filed under a category ("a/b", as GIFT's
    `$CATEGORY` names it). Quizzes draw from a category; each attempt's version snapshot
    keeps the question as it was, under the key `-id`, so its identity reaches every
    attempt, response and practice card that drew it."""

    __tablename__ = "bank_questions"
    __table_args__ = (Index("ix_bank_questions_course_category", "course_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200), default="")
    # The question's plain form (`quizzes.spec.question_to_dict`): it is only ever read
    # whole, into snapshots, exports and the bank's page.
    spec: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def kind_enum(self) -> Kind:
        return Kind(self.kind)


class QuizDraw(db.Model):
    """A rule of a quiz: each attempt draws `count` questions at random from a category."""

    __tablename__ = "quiz_draws"
    __table_args__ = (
        UniqueConstraint("quiz_id", "category"),
        CheckConstraint("count > 0", name="count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    category: Mapped[str] = mapped_column(String(200))
    count: Mapped[int]

    quiz: Mapped[Quiz] = relationship(back_populates="draws")


# How many questions an attempt has, without loading them (pages that list quizzes show
# only the number): the fixed ones and those each draw rule adds.
Quiz.question_count = column_property(
    select(func.count(Question.id)).where(Question.quiz_id == Quiz.id).scalar_subquery()
    + select(func.coalesce(func.sum(QuizDraw.count), 0))
    .where(QuizDraw.quiz_id == Quiz.id)
    .scalar_subquery(),
    deferred=True,
)


class Choice(db.Model):
    """An option of a choice question, or an accepted answer of a short-text question."""

    __tablename__ = "quiz_choices"
    __table_args__ = (CheckConstraint("weight BETWEEN -1 AND 1", name="weight_fraction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(default=0.0)
    feedback: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship(back_populates="choices")


class QuizVersion(db.Model):
    """The questions as they were when attempts were made: never edited."""

    __tablename__ = "quiz_versions"
    __table_args__ = (UniqueConstraint("quiz_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attempt(db.Model):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number"),
        Index("ix_quiz_attempts_user_quiz", "user_id", "quiz_id"),
        CheckConstraint("number > 0", name="number_positive"),
        # The grading queues: a quiz's attempts awaiting grading, without a scan.
        Index(
            "ix_quiz_attempts_awaiting",
            "quiz_id",
            sqlite_where=text("state = 'awaiting_grading'"),
            postgresql_where=text("state = 'awaiting_grading'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("quiz_versions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), default=AttemptState.IN_PROGRESS.value)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    # Submitted by the server when the time ran out, with the answers saved by then.
    auto_submitted: Mapped[bool] = mapped_column(default=False)
    points: Mapped[float | None]
    max_points: Mapped[float] = mapped_column(default=0.0)
    percent: Mapped[float | None]
    passed: Mapped[bool | None]
    # The order this learner saw: question keys, and each question's choice ids.
    layout: Mapped[dict] = mapped_column(JSON, default=dict)

    version: Mapped[QuizVersion] = relationship(lazy="joined", innerjoin=True)
    quiz: Mapped[Quiz] = relationship(lazy="joined", innerjoin=True)
    responses: Mapped[list[Response]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS.value

    @property
    def awaiting_grading(self) -> bool:
        return self.state == AttemptState.AWAITING_GRADING.value


class Response(db.Model):
    __tablename__ = "quiz_responses"
    __table_args__ = (UniqueConstraint("attempt_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    # The question's id in the attempt's version snapshot.
    question_key: Mapped[int]
    answer: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    fraction: Mapped[float | None]
    points: Mapped[float | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    # How sure the learner said they were of this answer (None: they did not say); a right
    # answer given unsure still goes to their practice deck.
    sure: Mapped[bool | None]
    # A person's grading (essays): who, when, and what they wrote to the learner.
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None]
    grader_feedback: Mapped[str] = mapped_column(Text, default="", server_default="")

    attempt: Mapped[Attempt] = relationship(back_populates="responses")

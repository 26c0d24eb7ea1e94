"""Essay: a written answer, graded by the course's staff (see quizzes.grading.grade_essay).

The author writes a rubric or model answer with the question; graders read it beside each
answer in the grading queue, and learners never see it. An attempt with an answered essay
is "awaiting grading" after submit until a grader has scored every such essay.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quizzes import gift_syntax as gift
from quizzes import grading
from quizzes import spec as qspec
from quizzes.kinds.base import Add, AnswerProblem, ShownQuestion, register
from quizzes.kinds.short_text import TextAnswer, Typed

# The longest essay kept, in characters (answers are JSON, so the limit is ours, not a
# column's); the page's counter and maxlength say the same.
MAX_ESSAY = 10_000
# The longest rubric or model answer an author may write.
MAX_RUBRIC = 10_000


@register
class Essay(Typed):
    kind = qspec.Kind.ESSAY
    grader = grading.grade_essay
    template = "quizzes/kinds/essay.html"
    json_shape = '{"text": "..."}'
    spec_fields = frozenset({"rubric"})
    graded_by_person = True
    max_length = MAX_ESSAY

    def text_of(self, value: Any, *, sent_as_json: bool) -> str | None:
        """Trimmed, line ends as typed; an essay over MAX_ESSAY characters is refused from
        the page as from JSON, never cut, so nothing the learner wrote is silently lost."""
        if not isinstance(value, str):
            return None
        text = value.replace("\r\n", "\n").strip()
        if len(text) > MAX_ESSAY:
            raise AnswerProblem(
                f"Keep the essay to {MAX_ESSAY:,} characters; it has {len(text):,}."
            )
        return text

    def answer_key(self, q: ShownQuestion) -> dict:
        # The rubric is for graders: a learner's review never carries it.
        return {}

    def right_answer(self, q: ShownQuestion) -> TextAnswer:
        # No text earns marks by itself; this one is answered, so a grader will read it.
        return TextAnswer("An answer written for the grader to read.")

    def wrong_answer(self, q: ShownQuestion) -> None:
        return None

    def check(self, question: qspec.Question, add: Add) -> None:
        if len(question.rubric) > MAX_RUBRIC:
            add("rubric", f"Keep the rubric under {MAX_RUBRIC:,} characters.")

    gift_rank = 10

    def reads_gift(self, answers: gift.Text) -> bool:
        # `{}`, or `{####general feedback}`. GIFT has no place for a rubric.
        return not answers.live

    def read_gift(self, answers: gift.Text, start: int, problems: gift.Problems) -> dict:
        return {}

    def write_gift(self, question: qspec.Question, writer: gift.BlockWriter) -> str:
        # Moodle writes an essay as an empty block; its rubric has no GIFT syntax.
        return "{" + writer.general + "}"

    def from_rows(self, rows: Mapping[str, Any]) -> dict:
        return {"rubric": rows["rubric"] or ""}

    def to_rows(self, question: qspec.Question) -> dict:
        return {"rubric": question.rubric}

    def score_bands(self) -> int:
        return 5  # fifths of the points, as graders tend to score

"""Ordering: put the items in order (see grading.grade_ordering for the partial credit).

The author writes the items in their right order (as the question's choices, each worth
1); every attempt shows them shuffled into some other order. GIFT has no syntax for
ordering, so the GIFT writer refuses these questions.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quizzes import gift_syntax as gift
from quizzes import grading
from quizzes import spec as qspec
from quizzes.kinds.base import (
    Add,
    AnswerProblem,
    QuestionKind,
    ShownQuestion,
    no_gift_syntax,
    register,
    shape_problem,
)
from quizzes.kinds.single import check_texts

_random = secrets.SystemRandom()


@dataclass(frozen=True)
class OrderingAnswer:
    order: tuple[int, ...]  # the items' choice ids, in the order the learner put them


@register
class Ordering(QuestionKind):
    kind = qspec.Kind.ORDERING
    grader = grading.grade_ordering
    answer_type = OrderingAnswer
    template = "quizzes/kinds/ordering.html"
    json_shape = '{"order": [<option id>, ...]} with every option once'
    spec_fields = frozenset({"choices"})
    in_gift = False
    has_hint = True

    def arrange(self, choice_ids: list[int], shuffle: bool) -> list[int]:
        # Always shuffled, whatever the quiz says, and never shown already in order.
        arranged = list(choice_ids)
        while len(arranged) > 1 and arranged == list(choice_ids):
            _random.shuffle(arranged)
        return arranged

    def presented(self, q: ShownQuestion) -> dict:
        return {"options": [{"id": option, "text": text} for option, text in q.options]}

    def from_form(self, q: ShownQuestion, values: Mapping[str, Any]) -> OrderingAnswer | None:
        """Each item's position arrives as `q<key>-<option>`; ties keep the shown order."""
        positions = {}
        for option in range(1, len(q.shown_choice_ids) + 1):
            raw = values.get(f"{q.name}-{option}")
            if isinstance(raw, str) and raw.isdigit():
                positions[option] = int(raw)
        if len(positions) != len(q.shown_choice_ids):
            return None
        ranked = sorted(positions, key=lambda option: (positions[option], option))
        return OrderingAnswer(tuple(q.choice_for_option(option) for option in ranked))

    def from_json(self, q: ShownQuestion, body: Mapping[str, Any]) -> OrderingAnswer:
        order = body.get("order")
        if not isinstance(order, list):
            raise shape_problem(self)
        ids = [q.choice_for_option(option) for option in order]
        if None in ids or sorted(ids) != sorted(q.choice_ids):
            raise AnswerProblem(
                f"Give every option of this question once: {len(q.choice_ids)} option ids."
            )
        return OrderingAnswer(tuple(ids))

    def from_stored(self, q: ShownQuestion, stored: dict) -> OrderingAnswer | None:
        order = tuple(stored.get("order", ()))
        return OrderingAnswer(order) if sorted(order) == sorted(q.choice_ids) else None

    def public(self, q: ShownQuestion, answer: OrderingAnswer) -> dict:
        return {"order": [q.option_for_choice(cid) for cid in answer.order]}

    def grader_input(self, q: ShownQuestion, answer: OrderingAnswer | None) -> list[int] | None:
        return [q.choice_ids.index(cid) for cid in answer.order] if answer is not None else None

    def answer_key(self, q: ShownQuestion) -> dict:
        return {"order": [q.option_for_choice(cid) for cid in q.choice_ids]}

    def right_answer(self, q: ShownQuestion) -> OrderingAnswer:
        return OrderingAnswer(tuple(q.choice_ids))

    def wrong_answer(self, q: ShownQuestion) -> OrderingAnswer:
        return OrderingAnswer(tuple(reversed(q.choice_ids)))

    def shown_in_order(self, q: ShownQuestion, stored: dict | None) -> list[tuple[int, str]]:
        """(option, text) in the learner's saved order, or as shown when nothing is saved."""
        answer = q.read(stored)
        ids = answer.order if answer is not None else q.shown_choice_ids
        return [(q.option_for_choice(cid), q.choice(cid).text) for cid in ids]

    def check(self, question: qspec.Question, add: Add) -> None:
        check_texts(question, add, "item")

    choice_row = "Item"

    def reads_gift(self, answers: gift.Text) -> bool:
        return False  # GIFT has no syntax for it: no block is an ordering question

    def read_gift(self, answers: gift.Text, start: int, problems: gift.Problems) -> dict:
        raise no_gift_syntax(self)

    def write_gift(self, question: qspec.Question, writer: gift.BlockWriter) -> str:
        raise no_gift_syntax(self)

    def from_rows(self, rows: Mapping[str, Any]) -> dict:
        # The items in their right order; each is simply one of them (worth is unused).
        items = [row["text"] or "" for row in rows["choices"] if row["text"]]
        return {"choices": tuple(qspec.Choice(text, 1.0) for text in items)}

    def to_rows(self, question: qspec.Question) -> dict:
        return {"choices": [{"text": c.text} for c in question.choices]}

"""The bank's pure rules: category paths, snapshot keys and the per-attempt draw. No Flask,
no database."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Moodle writes a category with the context it lives in and, since 3.5, the context's
# "top" category: `$course$/top/Unit 1/Basics`. A bank belongs to one course, so the
# context says nothing here and both are dropped.
MOODLE_CONTEXTS = ("$course$", "$module$", "$system$", "$coursecategory$")
MOODLE_TOP = "top"
# What an export writes in front of a path, so Moodle files it in the course's own bank.
MOODLE_PREFIX = "$course$/top/"


def category_path(raw: str) -> str:
    """A GIFT `$CATEGORY` as the bank files it: parts trimmed, empty parts and Moodle's
    context and "top" prefixes dropped (`$course$/top/ a // b ` is `a/b`)."""
    parts = [part.strip() for part in raw.split("/")]
    parts = [part for part in parts if part]
    if parts and (parts[0] in MOODLE_CONTEXTS or parts[0].startswith("$cat")):
        parts = parts[1:]
    if parts and parts[0] == MOODLE_TOP:
        parts = parts[1:]
    return "/".join(parts)


def exported_category(path: str) -> str:
    """A bank category as an export writes it back (`category_path` reads it as `path`)."""
    return MOODLE_PREFIX + path if path else ""


def bank_key(bank_id: int) -> int:
    """A bank question's key in snapshots, attempts and practice: negative, so it never
    meets the key of a quiz's own question (their ids are positive)."""
    return -bank_id


def bank_id_of(key: int) -> int | None:
    return -key if key < 0 else None


@dataclass(frozen=True)
class Rule:
    """Draw `count` questions from `category`."""

    category: str
    count: int


def shortfalls(rules: Iterable[Rule], sizes: Mapping[str, int]) -> list[tuple[Rule, int]]:
    """Each rule asking for more questions than its category holds, with what it holds."""
    return [
        (rule, sizes.get(rule.category, 0))
        for rule in rules
        if rule.count > sizes.get(rule.category, 0)
    ]


def draw(
    fixed: Sequence[int],
    rules: Iterable[tuple[Rule, Sequence[int]]],
    rng: random.Random,
    *,
    shuffle: bool = False,
) -> list[int]:
    """One attempt's question keys: the fixed ones, then for each rule `count` keys picked
    at random from its category's pool (without repeats), all shuffled if `shuffle`.

    Raises ValueError when a pool is smaller than its rule asks: authoring refuses that, so
    it can happen only if the bank changed underneath, and then no attempt should start."""
    keys = list(fixed)
    seen = set(keys)
    for rule, pool in rules:
        candidates = [key for key in pool if key not in seen]
        if rule.count > len(candidates):
            raise ValueError(f"category {rule.category!r} holds too few questions")
        chosen = rng.sample(candidates, rule.count)
        keys.extend(chosen)
        seen.update(chosen)
    if shuffle:
        rng.shuffle(keys)
    return keys

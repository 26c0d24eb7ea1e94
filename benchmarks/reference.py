"""The bare Flask reference the benchmark measures against in the same run: a 10 KB page
from memory (the framework's ceiling for a page) and one INSERT (its ceiling for a write),
on a connection made for the request (`/insert`) or kept by the worker (`/insert-kept`)."""

from __future__ import annotations

import os

import psycopg
from flask import Flask, g, request

app = Flask(__name__)
PAGE = ("<!doctype html><title>ref</title>" + "x" * 10_200).encode()
DSN = os.environ.get("BENCH_REFERENCE_DSN", "")


def _connection() -> psycopg.Connection:
    if "db" not in g:
        g.db = psycopg.connect(DSN)
    return g.db


# One connection kept for the worker's life, as an app with a pool has: the stricter
# reference for a write (`/insert` connects per request, as Flask's tutorial does).
_kept: list[psycopg.Connection] = []


def _kept_connection() -> psycopg.Connection:
    if not _kept or _kept[0].closed:
        _kept[:] = [psycopg.connect(DSN, autocommit=True)]
    return _kept[0]


@app.teardown_appcontext
def _close(_error) -> None:
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()


@app.get("/page")
def page():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}


@app.post("/insert")
def insert():
    with _connection() as connection:
        connection.execute(
            "INSERT INTO bench_reference (body) VALUES (%s)", (request.form.get("body", ""),)
        )
    return {"saved": True}


@app.post("/insert-kept")
def insert_kept():
    _kept_connection().execute(
        "INSERT INTO bench_reference (body) VALUES (%s)", (request.form.get("body", ""),)
    )
    return {"saved": True}

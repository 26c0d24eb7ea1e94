"""The bare Flask reference the benchmark measures against in the same run: a 10 KB page
from memory (the framework's ceiling for a page) and one INSERT (its ceiling for a write)."""

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

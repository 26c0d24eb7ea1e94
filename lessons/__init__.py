"""Courses and their ordered lessons, and the builder that turns documents into them."""

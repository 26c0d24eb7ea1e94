"""Spaced retrieval practice: the questions a learner missed come back on a schedule until
they are remembered. Practice is its own record and never changes a quiz's grade."""

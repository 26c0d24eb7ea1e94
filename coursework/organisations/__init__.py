"""Organisations: their people, invitations, course assignments and progress reports."""

"""Certificates of completion: issued once, printable, verifiable by anyone, signed."""

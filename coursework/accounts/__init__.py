"""People: sign-up, sign-in, roles (instructor, site admin)."""

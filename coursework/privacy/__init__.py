"""A person's own data: download everything held about them, and delete their account."""

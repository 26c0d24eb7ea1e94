"""Full-text search across lessons and, for a course's staff, its question bank."""

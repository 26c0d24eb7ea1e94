"""Question banks: a course's questions filed by category, and quizzes that draw "N random
questions from category C" afresh for each attempt."""

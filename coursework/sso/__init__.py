"""Single sign-on: each organisation's OpenID Connect provider, signing people in through
it, and the rule that some must (see services.py for the linking rules)."""

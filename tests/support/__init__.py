"""What the tests share: the database per test, clients, data, kits and fake servers.

Test modules import from here, never from one another (tests/test_layout.py checks).
"""

"""One rule for the addresses managers give the server to call (LRS, identity provider, LMS)."""

import pytest

from coursework.outbound import private_address_problem


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "http://[::1]:8080/x",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/x",
    ],
)
def test_private_addresses_are_refused_unless_allowed(app, url, monkeypatch):
    with app.app_context():
        monkeypatch.setitem(app.config, "ALLOW_PRIVATE_NETWORK", False)
        assert "private network address" in private_address_problem(url)
        monkeypatch.setitem(app.config, "ALLOW_PRIVATE_NETWORK", True)
        assert private_address_problem(url) is None


def test_a_public_address_is_called(app, monkeypatch):
    with app.app_context():
        monkeypatch.setitem(app.config, "ALLOW_PRIVATE_NETWORK", False)
        assert private_address_problem("https://93.184.216.34/x") is None
        assert "Could not find" in private_address_problem("https://no-such-host.invalid/x")

"""Sealed secrets: one purpose cannot open another's, and a rotated key still opens old ones."""

import pytest

from coursework import sealing


def test_round_trip_and_purpose_separation(app):
    with app.app_context():
        sealed = sealing.seal("sso client secret", "s3cret")
        assert "s3cret" not in sealed
        assert sealing.unseal("sso client secret", sealed) == "s3cret"
        with pytest.raises(sealing.Unsealable):
            sealing.unseal("lrs password", sealed)
        with pytest.raises(sealing.Unsealable):
            sealing.unseal("sso client secret", sealed[:-4] + "AAAA")


def test_rotated_secret_key_still_opens_what_the_old_key_sealed(app):
    with app.app_context():
        old = app.secret_key
        sealed = sealing.seal("lrs password", "pw")
        app.secret_key = "a-new-key-for-rotation"
        app.config["SECRET_KEY_FALLBACKS"] = [old]
        try:
            assert sealing.unseal("lrs password", sealed) == "pw"
            app.config["SECRET_KEY_FALLBACKS"] = []
            with pytest.raises(sealing.Unsealable):
                sealing.unseal("lrs password", sealed)
        finally:
            app.secret_key = old
            app.config["SECRET_KEY_FALLBACKS"] = []

"""JSON: certificate status for anyone, credential verification, the learner's list."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from coursework.certificates import credentials, services
from coursework.certificates.schemas import (
    CertificateStatusSchema,
    VerificationSchema,
    VerifyInputSchema,
)
from coursework.certificates.views import _verify_limit
from coursework.dumping import Extended
from coursework.extensions import limiter
from coursework.policy import access, csrf_exempt

blp = Blueprint("certificates-api", __name__, description="Certificates and credentials.")


def serialise(certificate) -> Extended:
    """A certificate's public status, with its code and the address that verifies it."""
    return Extended(
        services.public_status(certificate),
        code=certificate.code,
        verify_url=services.public_url(url_for("certificates.show", code=certificate.code)),
    )


@blp.route("/certificates/<code>")
class CertificateStatus(MethodView):
    decorators = [limiter.limit(_verify_limit)]

    @access("public")
    @blp.response(200, CertificateStatusSchema)
    def get(self, code: str):
        """Whether a certificate is valid, revoked or expired; 404 for any unknown code."""
        return serialise(services.get_by_code(code))


@blp.route("/certificates/verify")
class VerifyCredential(MethodView):
    decorators = [limiter.limit(_verify_limit)]

    @access("public")
    @csrf_exempt
    @blp.arguments(VerifyInputSchema)
    @blp.response(200, VerificationSchema)
    def post(self, data: dict):
        """Check a signed credential: signature, claims, issuer key, expiry, revocation."""
        result = services.verify_credential(data["credential"])
        summary = credentials.summarise(result.credential) if result.credential else None
        return Extended(result, summary=summary)


@blp.route("/me/certificates")
class MyCertificates(MethodView):
    @access("learner")
    @blp.response(200, CertificateStatusSchema(many=True))
    def get(self):
        """My certificates, newest first."""
        return [serialise(c) for c in services.for_learner(current_user.id)]

"""What the certificates service tells the layers that talk to people."""

from blinker import Namespace

_signals = Namespace()

# Sent once when a certificate is first issued; receivers get `certificate=`.
certificate_issued = _signals.signal("certificate-issued")

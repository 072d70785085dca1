"""Secrets out of every error string before it is printed, logged, stored in metadata or quarantined.

Providers echo what they were sent: a 401 body often quotes the API key, a proxy page may quote the
Authorization header, and a model's reply may repeat it. The redactor replaces each known secret (and
its JSON- and URL-escaped forms) and, in error messages, anything shaped like a bearer token or an
`sk-` key, so even a key it was not told about stays out.
"""

import json
import re
from urllib.parse import quote

REDACTED = "[REDACTED]"
MIN_SECRET_CHARS = 6
TOKEN_SHAPES = re.compile(
    r"(?i)(?<=bearer )[^\s'\",}]+"  # Authorization: Bearer <key>
    r"|\bsk-[A-Za-z0-9_\-*]{8,}"  # OpenAI-style keys
    r"|(?<=api[_-]key[=:] )[^\s'\",}]+|(?<=api[_-]key=)[^\s'\",&}]+"  # api_key=... in URLs and text
)


class SecretRedactor:
    """Replaces the given secrets (ignoring ones too short to be real) and token-shaped strings."""

    def __init__(self, secrets: list[str]) -> None:
        forms = {
            form
            for secret in secrets
            if len(secret) >= MIN_SECRET_CHARS
            for form in (secret, json.dumps(secret)[1:-1], quote(secret, safe=""))
        }
        self._secrets = sorted(forms, key=len, reverse=True)

    def known(self, text: str) -> str:
        """Only the given secrets: for model replies, where "Bearer bonds" may be a fine label."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def __call__(self, text: str) -> str:
        """The given secrets and anything token-shaped: for error messages."""
        return TOKEN_SHAPES.sub(REDACTED, self.known(text))

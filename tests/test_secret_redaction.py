"""The redactor keeps keys out of error text in every form a provider might echo them."""

import json
from urllib.parse import quote

from taxonomy_resources.secret_redaction import REDACTED, SecretRedactor

KEY = 'sk-proj-Ab3"De/f+Gh_0123456789'


def test_the_key_is_gone_in_plain_json_escaped_and_url_quoted_form() -> None:
    redact = SecretRedactor([KEY])
    text = f"key {KEY}; body {json.dumps({'k': KEY})}; url ?api_key={quote(KEY, safe='')}"
    assert KEY not in redact(text) and json.dumps(KEY)[1:-1] not in redact(text)
    assert quote(KEY, safe="") not in redact(text) and redact(text).count(REDACTED) == 3


def test_unknown_keys_and_bearer_tokens_are_redacted_by_shape_in_errors_only() -> None:
    redact = SecretRedactor([])
    assert redact("Authorization: Bearer abc.def-ghi, other sk-live-zzzzzzzzzzzz") == (
        f"Authorization: Bearer {REDACTED}, other {REDACTED}"
    )
    assert redact.known("Bearer bonds and sk-learning pipelines") == "Bearer bonds and sk-learning pipelines"


def test_placeholder_short_values_are_not_treated_as_secrets() -> None:
    assert SecretRedactor(["x", ""])("x marks the spot") == "x marks the spot"

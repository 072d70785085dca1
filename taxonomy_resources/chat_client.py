"""JSON chat completions against any OpenAI-compatible endpoint, with the guarantees of SPEC §8.

Temperature 0, a fixed seed and JSON mode; the reply is validated by a pydantic model; an invalid
reply gets one repair re-ask, then the item is given up (the caller quarantines it). Retries with
exponential backoff on timeouts, 429 and 5xx are the `openai` client's own (`max_retries`); a
transport hook counts them. Validated replies are cached on disk, and identical requests in flight
on several threads are sent once. An HTTP 200 whose body is not a chat completion (a proxy's HTML
page, truncated JSON) is treated like an invalid reply: asked once more, then the item is given up.
The API key is only handed to the client; every error message leaving this module is redacted
(`secret_redaction`) and raised without its provider exception chained, and reply text is cleared of
the key before it is validated or cached, so neither stdout, logs, metadata, caches nor quarantine
files ever carry it.
"""

import threading
import time
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from typing import TypeVar

import httpx2
import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from taxonomy_assets.labelers import LabelingError
from taxonomy_resources.prompt_library import Prompt
from taxonomy_resources.reply_cache import ReplyCache, cache_key
from taxonomy_resources.secret_redaction import SecretRedactor

ReplyT = TypeVar("ReplyT", bound=BaseModel)
BODY_SAMPLE_CHARS = 200
REPAIR_INSTRUCTION = (
    "Your previous reply was not valid for the required JSON shape ({error}). "
    "Reply again with only the JSON object, nothing else."
)


@dataclass
class LlmUsage:
    """Counters a step reports as metadata: calls, cache hits, retries, repairs, tokens, latency."""

    requests: int = 0
    http_attempts: int = 0
    cache_hits: int = 0
    repairs: int = 0
    gave_up: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_seconds: float = 0.0

    @property
    def retries(self) -> int:
        return max(0, self.http_attempts - self.requests)

    def as_metadata(self) -> dict[str, int | float]:
        values = asdict(self)
        values["retries"] = self.retries
        values["latency_seconds"] = round(self.latency_seconds, 3)
        return values


@dataclass(frozen=True)
class ChatSettings:
    model: str
    base_url: str | None
    seed: int
    max_tokens: int
    retries: int
    timeout_seconds: float


class ChatJsonClient:
    """Asks one prompt with variables and returns the validated reply model."""

    def __init__(
        self, settings: ChatSettings, api_key: str, cache: ReplyCache | None, keyless: bool = False
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.redact = SecretRedactor([] if keyless else [api_key])
        self.usage = LlmUsage()
        self._lock = threading.Lock()
        self._in_flight: dict[str, Future[dict]] = {}
        http_client = httpx2.Client(event_hooks={"request": [self._count_attempt]})
        self._client = openai.OpenAI(
            api_key=api_key,
            base_url=settings.base_url,
            timeout=settings.timeout_seconds,
            max_retries=settings.retries,
            http_client=http_client,
        )

    def _count_attempt(self, request: object) -> None:
        with self._lock:
            self.usage.http_attempts += 1

    def _error(self, reason: str, detail: str) -> LabelingError:
        return LabelingError(reason, self.redact(detail))

    def _chat(self, messages: list[dict[str, str]]) -> str:
        """The assistant's text; _UnusableBody when HTTP 200 carried something else."""
        started = time.perf_counter()
        try:
            response = self._client.chat.completions.create(
                model=self.settings.model,
                messages=messages,
                temperature=0,
                seed=self.settings.seed,
                max_tokens=self.settings.max_tokens,
                response_format={"type": "json_object"},
            )
        except openai.APIError as exc:
            # `from None`: the provider's exception quotes what it was sent and must not ride along
            raise self._error("llm_request_failed", f"{exc.__class__.__name__}: {exc}") from None
        except ValueError as exc:  # a JSON content type whose body does not parse
            raise _UnusableBody(f"body is not JSON ({exc})") from None
        finally:
            with self._lock:
                self.usage.requests += 1
                self.usage.latency_seconds += time.perf_counter() - started
        if not isinstance(response, ChatCompletion):  # another content type comes back as text
            raise _UnusableBody(f"body is not a chat completion: {str(response)[:BODY_SAMPLE_CHARS]!r}")
        try:
            usage = response.usage
            if usage is not None:
                with self._lock:
                    self.usage.prompt_tokens += int(usage.prompt_tokens or 0)
                    self.usage.completion_tokens += int(usage.completion_tokens or 0)
            if not response.choices:
                return ""
            content = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError, ValueError) as exc:
            raise _UnusableBody(f"body is not a chat completion ({exc.__class__.__name__})") from None
        # a reply is provider text too and may repeat what it was sent: redacted before it is validated,
        # cached, or becomes a label, an alias or a verdict's reason
        return self.redact.known(content) if isinstance(content, str) else ""

    def _chat_once_more_if_unusable(self, messages: list[dict[str, str]]) -> str:
        try:
            return self._chat(messages)
        except _UnusableBody:
            with self._lock:
                self.usage.repairs += 1
        try:
            return self._chat(messages)
        except _UnusableBody as second:
            with self._lock:
                self.usage.gave_up += 1
            raise self._error(
                "invalid_llm_reply", f"HTTP 200 twice without a usable reply: {second}"
            ) from None

    def ask(self, prompt: Prompt, variables: dict[str, str], reply_model: type[ReplyT]) -> ReplyT:
        """The validated reply: from the disk cache, from an identical request already in flight on
        another thread, or from the endpoint (then cached)."""
        key = cache_key(prompt.key, prompt.version, prompt.sha256, self.settings.model, variables)
        with self._lock:
            pending = self._in_flight.get(key)
            owner = pending is None
            if pending is None:
                pending = self._in_flight[key] = Future()
        if not owner:
            reply = reply_model.model_validate(pending.result())
            with self._lock:
                self.usage.cache_hits += 1
            return reply
        try:
            # looked up only as the owner: an earlier owner wrote the cache before leaving in-flight
            reply = self._cached(key, reply_model)
            if reply is None:
                reply = self._ask_endpoint(prompt, variables, reply_model)
                if self.cache is not None:
                    entry = {
                        "prompt": prompt.tag,
                        "model": self.settings.model,
                        "variables": variables,
                        "reply": reply.model_dump(mode="json"),
                    }
                    self.cache.put(key, entry)
            pending.set_result(reply.model_dump(mode="json"))
            return reply
        except BaseException as exc:
            pending.set_exception(exc)
            raise
        finally:
            with self._lock:
                del self._in_flight[key]

    def _cached(self, key: str, reply_model: type[ReplyT]) -> ReplyT | None:
        entry = self.cache.get(key) if self.cache is not None else None
        if entry is None:
            return None
        try:
            reply = reply_model.model_validate(entry["reply"])
        except (KeyError, ValidationError):
            return None  # an entry from an older reply shape is a miss
        with self._lock:
            self.usage.cache_hits += 1
        return reply

    def _ask_endpoint(self, prompt: Prompt, variables: dict[str, str], reply_model: type[ReplyT]) -> ReplyT:
        messages = prompt.render(variables)
        content = self._chat_once_more_if_unusable(messages)
        try:
            return reply_model.model_validate_json(content)
        except ValidationError as first_error:
            with self._lock:
                self.usage.repairs += 1
            repair = REPAIR_INSTRUCTION.format(error=_short_error(first_error))
            content = self._chat_once_more_if_unusable(
                [*messages, {"role": "assistant", "content": content}, {"role": "user", "content": repair}]
            )
        try:
            return reply_model.model_validate_json(content)
        except ValidationError as second_error:
            with self._lock:
                self.usage.gave_up += 1
            raise self._error(
                "invalid_llm_reply",
                f"after one repair: {_short_error(second_error)}; reply was {content[:BODY_SAMPLE_CHARS]!r}",
            ) from None

    def close(self) -> None:
        self._client.close()


class _UnusableBody(Exception):
    """HTTP 200 whose body is no chat completion; handled like an invalid reply, never raised out."""


def _short_error(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "reply"
    return f"{location}: {first['msg']}"

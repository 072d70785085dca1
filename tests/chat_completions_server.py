"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol, for tests.

By default it answers like a well-behaved model by running the offline rules on the request's
variables (so pipeline tests get sensible labels); a script of actions (invalid JSON, HTTP 429/500,
slow replies) can be queued to exercise the client's repair, retry and timeout paths.
"""

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from taxonomy_assets.policy import load_policy
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_assets.rules.extract import RuleExtractor
from taxonomy_assets.rules.verify import RuleVerifier


@dataclass(frozen=True)
class Action:
    """One scripted reply: `content` (raw assistant text), `status` (HTTP error) and/or `delay` seconds;
    `body` replaces the whole HTTP body (sent as `content_type`), `echo_key` makes an error body quote
    the request's Authorization header, as some providers do on 401."""

    content: str | None = None
    status: int = 200
    delay: float = 0.0
    body: str | None = None
    content_type: str = "application/json"
    echo_key: bool = False


@dataclass
class ServerState:
    script: deque[Action] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class RulesModel:
    """Answers extraction and verification prompts the way the offline rules would."""

    def __init__(self) -> None:
        policy = load_policy(POLICIES_DIR)
        self.extractor = RuleExtractor.from_policy(policy)
        self.verifier = RuleVerifier.from_policy(policy)

    def answer(self, messages: list[dict[str, str]]) -> str:
        content = messages[1]["content"]
        # the variables are the JSON object on the user message's last line (examples may come first)
        variables = json.loads(content.rsplit("\n", 1)[-1])
        if "text" in variables:
            labels = self.extractor.extract(variables["text"], variables["level"])
            return json.dumps(
                {"labels": [{"label": item.normalized, "aliases": item.aliases} for item in labels]}
            )
        verdict = self.verifier.judge_single_token(variables["label"], variables["level"])
        return json.dumps({"passed": verdict.passed, "reason": verdict.reason})


def _handler(state: ServerState, model: RulesModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # answer each small request at once instead of waiting on delayed ACKs (Nagle)
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            with state.lock:
                state.requests.append(body)
                action = state.script.popleft() if state.script else Action()
            if action.delay:
                time.sleep(action.delay)
            if not self.path.endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            if action.body is not None:
                raw = action.body.encode()
                self.send_response(action.status)
                self.send_header("Content-Type", action.content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
                return
            if action.status != 200:
                message = "scripted error"
                if action.echo_key:
                    message = f"Incorrect API key provided: {self.headers.get('Authorization')}"
                self._send(
                    action.status,
                    {"error": {"message": message, "type": "server_error"}},
                    {"retry-after-ms": "10"},
                )
                return
            content = action.content if action.content is not None else model.answer(body["messages"])
            prompt_tokens = sum(len(m["content"].split()) for m in body["messages"])
            self._send(
                200,
                {
                    "id": f"chatcmpl-{len(state.requests)}",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model", "test"),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": content},
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": len(content.split()),
                        "total_tokens": prompt_tokens + len(content.split()),
                    },
                },
            )

    return Handler


class ChatCompletionsServer:
    """Start with `with ChatCompletionsServer() as server:`; `server.base_url` is the /v1 endpoint."""

    def __init__(self) -> None:
        self.state = ServerState()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state, RulesModel()))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.state.requests

    def queue(self, *actions: Action) -> None:
        self.state.script.extend(actions)

    def __enter__(self) -> "ChatCompletionsServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":
    with ChatCompletionsServer() as server:
        print(server.base_url, flush=True)
        threading.Event().wait()

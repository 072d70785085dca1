"""Items/s of each labeling provider on the dev set's texts: offline rules, and the OpenAI-compatible
provider against the local test server (cold: every item is a request; warm: every item a cache hit).

Usage: .venv/bin/python benchmarks/labeling_throughput.py [--eval-dir ../shared/eval] [--repeat 20]
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from taxonomy_assets.policy import load_policy  # noqa: E402
from taxonomy_resources.labeling import LabelingResource  # noqa: E402
from tests.chat_completions_server import ChatCompletionsServer  # noqa: E402


def rate(label: str, extract: object, items: list[tuple[str, str]]) -> None:
    started = time.perf_counter()
    for level, text in items:
        extract.extract(text, level)  # type: ignore[attr-defined]
    seconds = time.perf_counter() - started
    print(f"{label:<34} {len(items) / seconds:10,.0f} items/s  ({len(items)} items in {seconds:.2f}s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rows = [json.loads(line) for line in (args.eval_dir / "s1_extraction_dev.jsonl").read_text().splitlines()]
    items = [(row["level"], f"{row['text']}") for row in rows]
    policy = load_policy(ROOT / "policies")
    rate("rules", LabelingResource(provider="rules").extractor(policy), items * args.repeat)
    with ChatCompletionsServer() as server, tempfile.TemporaryDirectory() as cache:
        numbered = [(level, f"{text} ({index})") for index, (level, text) in enumerate(items * 5)]
        resource = LabelingResource(provider="openai", base_url=server.base_url, cache_dir=cache)
        rate("openai, local server, cold cache", resource.extractor(policy), numbered)
        rate("openai, local server, warm cache", resource.extractor(policy), numbered)


if __name__ == "__main__":
    main()

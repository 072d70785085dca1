"""The OpenAI-compatible provider against a real HTTP server on 127.0.0.1 (no mocks)."""

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance
from upath import UPath

from taxonomy_assets.concepts.reading import RecordReader
from taxonomy_assets.contracts import FrequencyRow, SourceRecord
from taxonomy_assets.definitions import build_resources
from taxonomy_assets.labelers import LabelingError
from taxonomy_assets.policy import Policy, load_policy
from taxonomy_assets.s0_source_records import s0_source_records
from taxonomy_assets.s1_candidates import S1Counters, extract_candidates, s1_candidates
from taxonomy_assets.s3_verified_concepts import verify_concepts
from taxonomy_resources.labeling import LabelingResource
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.quarantine import QuarantineLog
from taxonomy_resources.run_folder import RunFolderResource
from taxonomy_resources.sources import SourcesResource
from tests.chat_completions_server import Action, ChatCompletionsServer
from tests.conftest import PROJECT_ROOT, CliWorld, artifact_files, read_manifest
from tests.partitioned import materialize_level


@pytest.fixture
def server() -> Iterator[ChatCompletionsServer]:
    with ChatCompletionsServer() as running:
        yield running


@pytest.fixture
def policy() -> Policy:
    base = load_policy(PROJECT_ROOT / "policies", "testing")
    fast = base.llm.model_copy(update={"retries": 2, "timeout_seconds": 0.5, "max_concurrent_requests": 1})
    return base.model_copy(update={"llm": fast})


def labeling(server: ChatCompletionsServer, cache_dir: Path) -> LabelingResource:
    return LabelingResource(
        provider="openai", model="test-model", base_url=server.base_url, cache_dir=str(cache_dir)
    )


def test_valid_reply_becomes_normalized_labels_with_usage(server, policy, tmp_path) -> None:
    extractor = labeling(server, tmp_path).extractor(policy)
    labels = extractor.extract("Department of Electrical and Computer Engineering", "L1")
    assert [label.normalized for label in labels] == ["electrical engineering", "computer engineering"]
    assert extractor.name == "openai:test-model@extract_labels.v2"
    request = server.requests[0]
    assert request["temperature"] == 0 and request["seed"] == policy.llm.seed
    assert request["response_format"] == {"type": "json_object"} and request["model"] == "test-model"
    usage = extractor.client.usage
    assert (usage.requests, usage.retries, usage.repairs) == (1, 0, 0) and usage.prompt_tokens > 0


def test_invalid_json_gets_one_repair_request(server, policy, tmp_path) -> None:
    server.queue(Action(content="Sure! The fields are law."))
    extractor = labeling(server, tmp_path).extractor(policy)
    assert [label.normalized for label in extractor.extract("School of Law", "L0")] == ["law"]
    assert len(server.requests) == 2
    repair = server.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "Sure! The fields are law."}
    assert "not valid" in repair[-1]["content"]
    assert extractor.client.usage.repairs == 1


def test_invalid_twice_quarantines_only_that_record(server, policy, tmp_path) -> None:
    server.queue(Action(content="nope"), Action(content='{"labels": "not a list"}'))
    extractor = labeling(server, tmp_path).extractor(policy)
    records = [
        SourceRecord(
            record_id=str(index), level="L0", text=text, institution="U", url="u", source_file="f.csv"
        )
        for index, text in enumerate(["School of Law", "School of Nursing"])
    ]
    quarantined, counters = [], S1Counters()
    reader = RecordReader(extractor, load_policy(PROJECT_ROOT / "policies"))
    candidates = list(extract_candidates(records, "L0", reader, quarantined.append, counters))
    assert [c.normalized for c in candidates] == ["nursing"]
    assert [(q.reason, q.record_id) for q in quarantined] == [("invalid_llm_reply", "0")]
    assert counters.quarantined == 1 and extractor.client.usage.gave_up == 1
    assert not any(tmp_path.rglob("*.json")) or all(
        "nope" not in p.read_text() for p in tmp_path.rglob("*.json")
    )


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_retried(server, policy, tmp_path, status) -> None:
    server.queue(Action(status=status))
    extractor = labeling(server, tmp_path).extractor(policy)
    assert [label.normalized for label in extractor.extract("School of Nursing", "L0")] == ["nursing"]
    assert len(server.requests) == 2 and extractor.client.usage.retries == 1


def test_timeout_is_retried_then_succeeds(server, policy, tmp_path) -> None:
    server.queue(Action(delay=1.5))
    extractor = labeling(server, tmp_path).extractor(policy)
    assert [label.normalized for label in extractor.extract("School of Dentistry", "L0")] == ["dentistry"]
    assert extractor.client.usage.retries == 1


def test_endpoint_that_keeps_failing_gives_a_labeling_error(server, policy, tmp_path) -> None:
    server.queue(*[Action(status=503)] * 3)
    extractor = labeling(server, tmp_path).extractor(policy)
    with pytest.raises(LabelingError, match="llm_request_failed"):
        extractor.extract("School of Dentistry", "L0")
    assert len(server.requests) == 3 and extractor.client.usage.retries == 2


def test_second_run_is_served_from_the_disk_cache(server, policy, tmp_path) -> None:
    first = labeling(server, tmp_path).extractor(policy)
    first.extract("Department of Physics", "L1")
    second = labeling(server, tmp_path).extractor(policy)
    assert [label.normalized for label in second.extract("Department of Physics", "L1")] == ["physics"]
    assert len(server.requests) == 1 and second.client.usage.cache_hits == 1
    other_model = LabelingResource(
        provider="openai", model="other", base_url=server.base_url, cache_dir=str(tmp_path)
    ).extractor(policy)
    other_model.extract("Department of Physics", "L1")
    assert len(server.requests) == 2


def test_verifier_asks_the_model_only_for_single_tokens(server, policy, tmp_path) -> None:
    verifier = labeling(server, tmp_path).verifier(policy)
    assert verifier.verify("machine learning", "L2").method == "rule"
    assert verifier.verify("department", "L0").method == "rule"
    judged = verifier.verify("urology", "L0")
    assert (judged.passed, judged.method) == (False, "llm") and judged.reason.startswith("test-model:")
    assert len(server.requests) == 1


def test_cli_extract_and_verify_speak_one_json_object_per_line(server, tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "TAXONOMY_OUTPUT_ROOT": str(tmp_path)}
    common = ["--provider", "openai", "--base-url", server.base_url, "--model", "m"]
    extract = subprocess.run(
        [sys.executable, "-m", "taxonomy_assets.cli", "extract", "--level", "L0", *common],
        input="School of Law\nTepper School of Business\n",
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert [json.loads(line) for line in extract.stdout.splitlines()] == [
        {"text": "School of Law", "labels": ["law"]},
        {"text": "Tepper School of Business", "labels": ["business"]},
    ]
    verify = subprocess.run(
        [sys.executable, "-m", "taxonomy_assets.cli", "verify", "--level", "L0", *common],
        input="oncology\n",
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    [verdict] = [json.loads(line) for line in verify.stdout.splitlines()]
    assert verdict["passed"] is False and verdict["method"] == "llm" and verdict["reason"]


def test_pipeline_with_llm_provider_caches_and_never_writes_the_key(cli_world: CliWorld, server) -> None:
    secret = "sk-test-secret-do-not-write-0123456789"
    world = CliWorld(
        env={**cli_world.env, "OPENAI_API_KEY": secret},
        output_root=cli_world.output_root,
        home=cli_world.home,
    )
    args = [
        "pipeline",
        "run",
        "--run-id",
        "llm",
        "--provider",
        "openai",
        "--model",
        "m",
        "--base-url",
        server.base_url,
    ]
    first = world.run(*args)
    assert first.returncode == 0, first.stderr
    calls = len(server.requests)
    assert calls > 100
    assert all(request["model"] == "m" for request in server.requests)
    second = world.run(*args, "--resume-phase", "S1")
    assert second.returncode == 0, second.stderr
    assert len(server.requests) == calls, "a re-run must be served from the reply cache"
    manifest = read_manifest(world.folder("llm"))
    s1 = manifest["assets"]["s1_candidates"]["L1"]["counters"]
    assert (
        s1["labeler"] == "openai:m@extract_labels.v2" and s1["llm_cache_hits"] > 0 and s1["llm_requests"] == 0
    )
    assert manifest["labeling"]["prompt_versions"]["extract_labels"]["version"] == 2
    for path in [*artifact_files(world.folder("llm")).values(), *cli_world.home.rglob("*")]:
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_a_label_the_verifier_gives_up_on_stays_visible_as_rejected(server, policy, tmp_path) -> None:
    server.queue(Action(content="x"), Action(content="still not json"))
    verifier = labeling(server, tmp_path).verifier(policy)

    def row(normalized: str) -> FrequencyRow:
        return FrequencyRow(
            level="L1",
            concept_key=normalized,
            normalized=normalized,
            label=normalized,
            inst_count=2,
            src_count=2,
            weight=2.3,
            institutions=["A", "B"],
            parent_anchors={},
            parent_anchor_groups={},
            variants={normalized: 1},
            aliases=[],
            record_ids=[],
            snippets=[],
            kept=True,
            drop_reason="",
        )

    quarantined: list = []
    concepts = verify_concepts(
        [row("urology"), row("machine learning")], "L1", verifier, policy.levels["L1"], quarantined.append
    )
    by_label = {concept.normalized: concept for concept in concepts}
    assert by_label["urology"].passed is False
    assert by_label["urology"].reasons[1].startswith("verification failed: invalid_llm_reply")
    assert by_label["machine learning"].passed and by_label["machine learning"].verification_method == "rule"
    assert [(entry.stage, entry.reason, entry.payload) for entry in quarantined] == [
        ("S3", "invalid_llm_reply", "urology")
    ]


def test_concurrent_requests_keep_record_order(server, policy, tmp_path) -> None:
    parallel = policy.model_copy(update={"llm": policy.llm.model_copy(update={"max_concurrent_requests": 6})})
    texts = [f"Department of {field}" for field in ("Physics", "Chemistry", "Music", "Law", "History") * 8]
    records = [
        SourceRecord(
            record_id=str(index), level="L1", text=text, institution="U", url="u", source_file="f.html"
        )
        for index, text in enumerate(texts)
    ]

    def run(chosen: Policy) -> list[tuple[str, str]]:
        extractor = labeling(server, tmp_path / chosen.llm.max_concurrent_requests.__str__()).extractor(
            chosen
        )
        rows = extract_candidates(
            records, "L1", RecordReader(extractor, chosen), lambda entry: None, S1Counters()
        )
        return [(row.record_id, row.normalized) for row in rows]

    assert run(parallel) == run(policy)
    assert len(server.requests) == 2 * len(set(texts))  # each distinct text once per cache folder


@pytest.mark.parametrize(
    "body",
    [
        Action(body="<html><body>502 Bad Gateway</body></html>", content_type="text/html"),
        Action(body='{"id": "chatcmpl-1", "choices": [', content_type="application/json"),
        Action(body="not json at all", content_type="application/json"),
    ],
)
def test_a_200_body_that_is_not_a_completion_is_quarantined_per_record(
    server, policy, tmp_path, body
) -> None:
    server.queue(body, body)
    extractor = labeling(server, tmp_path).extractor(policy)
    records = [
        SourceRecord(record_id=str(n), level="L0", text=text, institution="U", url="u", source_file="f.csv")
        for n, text in enumerate(["School of Law", "School of Nursing"])
    ]
    quarantined, counters = [], S1Counters()
    candidates = list(
        extract_candidates(records, "L0", RecordReader(extractor, policy), quarantined.append, counters)
    )
    assert [candidate.normalized for candidate in candidates] == ["nursing"]
    assert [(entry.reason, entry.record_id) for entry in quarantined] == [("invalid_llm_reply", "0")]
    assert extractor.client.usage.repairs == 1 and extractor.client.usage.gave_up == 1


def test_a_200_body_that_is_not_a_completion_once_is_asked_again(server, policy, tmp_path) -> None:
    server.queue(Action(body="upstream hiccup", content_type="text/plain"))
    extractor = labeling(server, tmp_path).extractor(policy)
    assert [label.normalized for label in extractor.extract("School of Law", "L0")] == ["law"]
    assert len(server.requests) == 2


SECRET = "sk-live-0123456789abcdefSECRET"
OPENAI_FLAGS = ["--provider", "openai", "--model", "m", "--base-url"]


def test_an_error_body_echoing_the_key_is_redacted_everywhere(server, policy, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    server.queue(Action(status=401, echo_key=True))
    extractor = LabelingResource(
        provider="openai", model="m", base_url=server.base_url, cache_dir=str(tmp_path), api_key=SECRET
    ).extractor(policy)
    records = [
        SourceRecord(
            record_id="0", level="L0", text="School of Law", institution="U", url="u", source_file="f"
        )
    ]
    quarantined: list = []
    list(extract_candidates(records, "L0", RecordReader(extractor, policy), quarantined.append, S1Counters()))
    [entry] = quarantined
    assert entry.reason == "llm_request_failed" and "401" in entry.detail and "[REDACTED]" in entry.detail
    log = QuarantineLog(UPath(tmp_path / "quarantine.jsonl"))
    log.add(entry)
    log.commit()
    written = [path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()]
    assert written and not any(SECRET.encode() in data for data in written)
    assert SECRET not in caplog.text and SECRET not in str(entry)


def test_cli_extract_never_prints_the_key(server, tmp_path) -> None:
    server.queue(*[Action(status=401, echo_key=True)] * 4)
    env = {"PATH": "/usr/bin:/bin", "TAXONOMY_OUTPUT_ROOT": str(tmp_path), "OPENAI_API_KEY": SECRET}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "taxonomy_assets.cli",
            "extract",
            "--level",
            "L0",
            *OPENAI_FLAGS,
            server.base_url,
        ],
        input="School of Law\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"].startswith("llm_request_failed")
    assert SECRET not in result.stdout + result.stderr and "[REDACTED]" in result.stdout


def test_a_provider_echoing_the_key_leaves_no_trace_in_the_run_folder_or_instance(server, tmp_path) -> None:
    """S0 and S1 of a level materialized in a real Dagster instance while every request gets a 401 that
    quotes the key, or a valid reply that repeats it: the run goes on, and no file holds the key."""
    server.queue(*[Action(status=401, echo_key=True)] * 40)
    server.queue(*[Action(content=json.dumps({"labels": [{"label": SECRET, "aliases": [SECRET]}]}))] * 400)
    run_folder = RunFolderResource(output_root=str(tmp_path / "output"), run_id="leak")
    resources = build_resources(
        run_folder=run_folder,
        policy=PolicyResource(run_folder=run_folder, environment="testing"),
        sources=SourcesResource(root=str(PROJECT_ROOT / "data" / "sample")),
        labeling=LabelingResource(
            provider="openai",
            model="m",
            base_url=server.base_url,
            cache_dir=str(tmp_path / "cache"),
            api_key=SECRET,
        ),
    )
    (tmp_path / "dagster_home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "dagster_home")) as instance:
        result = materialize_level(
            [s0_source_records, s1_candidates],
            "L0",
            run_folder.run_id,
            resources=resources,
            instance=instance,
        )
        assert result.success
    quarantine = (run_folder.root / "quarantine" / "S1" / "L0.jsonl").read_text()
    assert "llm_request_failed" in quarantine and "[REDACTED]" in quarantine
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert files and not [path for path in files if SECRET.encode() in path.read_bytes()]

"""The `taxonomy` command line (SPEC §10): pipeline runs, policy validation, extract/verify, manifest, UI.

Exit codes: 0 success, 1 a pipeline step failed, 2 bad usage or configuration (one clear line on stderr).
"""

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import click

from taxonomy_assets.cli import settings
from taxonomy_assets.cli.settings import UsageProblem, policy_options
from taxonomy_assets.constants import PHASES
from taxonomy_assets.levels import LEVELS
from taxonomy_assets.project_paths import PROJECT_ROOT, SAMPLE_SOURCES_DIR

EXIT_FAILED = 1
API_KEY_VARIABLE = "OPENAI_API_KEY"
CLI_EXECUTORS = ("in_process", "multiprocess", "celery")
DEFAULT_BROKER = "pyamqp://guest@127.0.0.1:5672//"
BROKER_VARIABLE = "TAXONOMY_CELERY_BROKER"


level_option = click.option(
    "--level", "level", type=click.Choice(LEVELS), required=True, help="Taxonomy level."
)


def labeling_options(command: Any) -> Any:
    """--provider/--model/--base-url, shared by pipeline run, extract and verify."""
    options = [
        click.option(
            "--provider",
            type=click.Choice(["rules", "openai"]),
            default=None,
            help="Labeler: offline rules or an OpenAI-compatible model (default: policy llm.provider).",
        ),
        click.option(
            "--model", default=None, help="Chat model for --provider openai (default: policy llm.model)."
        ),
        click.option(
            "--base-url", default=None, help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _labeling_settings(
    provider: str | None, model: str | None, base_url: str | None, output_root: str
) -> dict:
    """LabelingResource fields from CLI flags; the API key is referenced by variable name, never by value."""
    from taxonomy_resources.locations import child_location

    settings: dict[str, Any] = {"cache_dir": child_location(output_root, "llm_cache")}
    settings.update(
        {
            key: value
            for key, value in {"provider": provider, "model": model, "base_url": base_url}.items()
            if value
        }
    )
    return settings


def _labeler(kind: str, labeling: Any, policy: Any) -> Any:
    """The configured extractor or verifier; a configuration problem is a usage error (exit 2)."""
    from taxonomy_resources.labeling import LabelingConfigError

    try:
        return labeling.extractor(policy) if kind == "extractor" else labeling.verifier(policy)
    except LabelingConfigError as exc:
        raise UsageProblem(str(exc)) from exc


def _labeling(provider: str | None, model: str | None, base_url: str | None) -> Any:
    from taxonomy_resources.labeling import LabelingResource

    return LabelingResource(
        **_labeling_settings(provider, model, base_url, settings.output_root(None)),
        api_key=os.environ.get(API_KEY_VARIABLE, ""),
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Build a four-level academic taxonomy as a Dagster asset graph."""


@main.group()
def pipeline() -> None:
    """Materialize the asset graph."""


@pipeline.command("run")
@click.option("--run-id", default=None, help="Run folder name (default: $TAXONOMY_RUN_ID or 'dev').")
@click.option(
    "--level", "levels", multiple=True, type=click.Choice(LEVELS), help="Level(s) to run; default all."
)
@click.option(
    "--resume-phase",
    type=click.Choice(list(PHASES)),
    default="S0",
    show_default=True,
    help="First stage to re-materialize; earlier artifacts are reused.",
)
@click.option(
    "--sources",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Sources root with L0/..L3/ folders (default: the shipped sample corpus).",
)
@click.option("--repin-policies", is_flag=True, help="Replace the run folder's pinned policy snapshot.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Audit mode: run the whole graph on the first N documents of each level (in file-name order); "
    "the rest are counted as skipped, not read.",
)
@click.option("--output-root", default=None, help="Output root (default: $TAXONOMY_OUTPUT_ROOT or 'output').")
@policy_options
@labeling_options
@click.option("--verbose", is_flag=True, help="Show Dagster's own event log on stderr.")
@click.option(
    "--max-parallel",
    type=click.IntRange(1, 16),
    default=min(4, os.cpu_count() or 1),
    show_default=True,
    help="Level runs executed at the same time.",
)
@click.option(
    "--executor",
    type=click.Choice(CLI_EXECUTORS),
    default=None,
    help="How each run executes its steps (default: $TAXONOMY_EXECUTOR or in_process); celery sends "
    "them to `dagster-celery worker` processes through --broker.",
)
@click.option(
    "--broker",
    default=None,
    help=f"Celery broker URL (default: ${BROKER_VARIABLE} or {DEFAULT_BROKER}); put a password in "
    f"${BROKER_VARIABLE}, which the run config references instead of copying.",
)
@click.option(
    "--submit",
    "submit_url",
    default=None,
    metavar="URL",
    help="Queue the runs on the Dagster deployment whose webserver is at URL (its run queue, launcher "
    "and executor run them) instead of executing them here; waits for them.",
)
def pipeline_run(
    run_id: str | None,
    levels: tuple[str, ...],
    resume_phase: str,
    sources: Path | None,
    repin_policies: bool,
    limit: int | None,
    output_root: str | None,
    environment: str | None,
    policies_dir: Path | None,
    overrides: tuple[str, ...],
    provider: str | None,
    model: str | None,
    base_url: str | None,
    verbose: bool,
    max_parallel: int,
    executor: str | None,
    broker: str | None,
    submit_url: str | None,
) -> None:
    """Materialize S0-S3 per level, then the hierarchy and the manifest."""
    from taxonomy_assets.cli.instance_home import ensure_dagster_home
    from taxonomy_resources.locations import resolve_location

    run_id = settings.run_id(run_id)
    requested = settings.requested_environment(environment)
    policy_config: dict[str, Any] = {"repin_policies": repin_policies, "overrides": list(overrides)}
    if requested:
        policy_config["environment"] = requested
    # paths of this machine go into the run config only for runs executed here (or when given
    # explicitly): a deployment that takes submitted runs has its own policies and sources
    if not submit_url or policies_dir or os.environ.get("TAXONOMY_POLICIES_DIR"):
        policy_config["policies_dir"] = str(settings.policies_dir(policies_dir).resolve())
    root = str(resolve_location(settings.output_root(output_root)))
    pool = None
    if not submit_url:
        from taxonomy_assets.cli.worker_pool import WorkerPool

        # the workers take this process's environment, DAGSTER_HOME included, when the pool starts;
        # they import the definitions (offering, of the ecosystem's executors, only the one these runs
        # use) while this process checks the request and registers the run
        ensure_dagster_home()

        folder_config = {"output_root": root, "run_id": run_id}
        pool = WorkerPool(
            min(max_parallel, len(levels) or len(LEVELS)),
            policy_config,
            folder_config,
            executors=(_executor_name(executor),),
            runs_s0=resume_phase == PHASES[0],
        )
        click.get_current_context().call_on_close(pool.close)
    from taxonomy_assets.cli.pipeline_runner import PipelineRequest, assets_for_phase, run_pipeline
    from taxonomy_assets.cli.progress import PipelineProgress
    from taxonomy_assets.cli.run_outcome import RunOutcome
    from taxonomy_assets.policy import policy_hash
    from taxonomy_resources.policy_resource import pin_conflict
    from taxonomy_resources.run_folder import RunFolderResource

    policy = settings.policy(environment, policies_dir, overrides)
    run_folder = RunFolderResource(output_root=root, run_id=run_id)
    if not repin_policies and (conflict := pin_conflict(run_folder, requested, list(overrides))):
        raise UsageProblem(conflict)
    resources: dict[str, Any] = {
        "run_folder": {"config": {"output_root": root, "run_id": run_id}},
        "policy": {"config": policy_config},
    }
    labeling = _labeling_settings(provider, model, base_url, root)
    if os.environ.get(API_KEY_VARIABLE):
        labeling["api_key"] = {"env": API_KEY_VARIABLE}
    resources["labeling"] = {"config": labeling}
    sources = _sources_root(sources, local=not submit_url)
    sources_config: dict[str, Any] = {"limit": limit} if limit else {}
    if sources is not None:
        # explicit in the run config, so step workers in other processes need no TAXONOMY_* environment
        sources_config["root"] = str(sources)
    if sources_config:
        resources["sources"] = {"config": sources_config}
    run_config: dict[str, Any] = {
        "resources": resources,
        "loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "CRITICAL"}}},
    }
    if not submit_url or executor or os.environ.get("TAXONOMY_EXECUTOR"):
        run_config["execution"] = {"config": _execution_config(executor, broker)}
    folder = str(run_folder.root)
    where = f"submitted to {submit_url}" if submit_url else f"DAGSTER_HOME {ensure_dagster_home()}"
    selected = list(levels) or list(LEVELS)
    if run_folder.policy_snapshot_path.exists() and not repin_policies:
        policy_note = "policy pinned in the run folder (pass --repin-policies to replace it)"
    else:
        effective = settings.effective_environment(environment)
        policy_note = f"policy {policy.policy_version} ({policy_hash(policy)[:12]}, {effective})"
        if overrides:
            policy_note += f" --set {' '.join(overrides)}"
    click.echo(f"run folder {folder}  {policy_note}  {where}", err=True)
    if limit:
        click.echo(f"audit mode: the first {limit} documents of each level only (--limit {limit})", err=True)

    total_steps = len(selected) * len(assets_for_phase(resume_phase)) + 2
    progress = PipelineProgress(folder, total_steps, sys.stderr)

    def report(outcome: RunOutcome) -> None:
        progress.catch_up()
        status = "ok" if outcome.success else "FAILED"
        progress.say(
            f"{outcome.label:<18} {status:<6} {outcome.seconds:6.1f}s  dagster run {outcome.dagster_run_id}"
        )
        for error in outcome.errors:
            progress.say(f"      {error}")

    request = PipelineRequest(
        levels=selected,
        phase=resume_phase,
        run_folder=folder,
        run=run_id,
        max_parallel=max_parallel,
        run_config=run_config,
        submit_url=submit_url,
    )
    if not submit_url:
        from taxonomy_assets.cli.pipeline_runner import register_run
        from taxonomy_resources.sqlite_event_log import open_home_instance

        # create the instance's storage, and register the run folder, before any other thread or
        # process opens the instance
        with open_home_instance() as instance:
            register_run(instance, run_id)
    try:
        with progress:
            outcomes = run_pipeline(request, report, pool)
    except _submission_errors(submit_url) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageProblem(f"cannot submit to {submit_url}: {first_line}") from exc
    failed = [outcome for outcome in outcomes if not outcome.success]
    hierarchy = run_folder.hierarchy_dir
    if not failed:
        click.echo(f"taxonomy {hierarchy}/hierarchy.html  (outline {hierarchy}/hierarchy.md)", err=True)
    click.echo(f"manifest {folder}/manifest.json", err=True)
    if failed:
        for failure in progress.failures:
            click.echo(f"failed   {failure}", err=True)
        click.echo(f"error: {len(failed)} run(s) failed: {', '.join(o.label for o in failed)}", err=True)
        sys.exit(EXIT_FAILED)


def _sources_root(given: Path | None, local: bool) -> Path | None:
    """--sources, else $TAXONOMY_SOURCES, else (for runs executed here) the shipped sample corpus."""
    sources = given or (Path(os.environ["TAXONOMY_SOURCES"]) if os.environ.get("TAXONOMY_SOURCES") else None)
    if sources is None:
        return SAMPLE_SOURCES_DIR if local else None
    if local and not sources.is_dir():
        raise UsageProblem(f"--sources {sources} is not a folder")
    return sources.resolve()


def _submission_errors(submit_url: str | None) -> tuple[type[BaseException], ...]:
    """Errors that mean the deployment cannot take the runs (a usage problem, exit 2); none when local."""
    if not submit_url:
        return ()
    from dagster_graphql import DagsterGraphQLClientError
    from requests import RequestException

    return (ValueError, RequestException, DagsterGraphQLClientError)


def _executor_name(executor: str | None) -> str:
    """--executor, else $TAXONOMY_EXECUTOR, else in_process."""
    return executor or os.environ.get("TAXONOMY_EXECUTOR") or "in_process"


def _execution_config(executor: str | None, broker: str | None) -> dict[str, Any]:
    """The `execution.config` section of a run for the chosen executor (see taxonomy_assets.executors)."""
    name = _executor_name(executor)
    if name not in CLI_EXECUTORS:
        raise UsageProblem(f"unknown executor {name!r}; choose one of {', '.join(CLI_EXECUTORS)}")
    if name != "celery":
        return {name: {}}
    try:
        import dagster_celery  # noqa: F401
    except ImportError as exc:
        raise UsageProblem("--executor celery needs dagster-celery: pip install -e '.[celery]'") from exc
    if broker:
        url: str | dict[str, str] = broker
    elif os.environ.get(BROKER_VARIABLE):
        url = {"env": BROKER_VARIABLE}  # a broker password stays out of the stored run config
    else:
        url = DEFAULT_BROKER
    return {"celery": {"broker": url, "backend": "rpc://"}}


@main.group()
def config() -> None:
    """Inspect policies."""


@config.command("validate")
@policy_options
def config_validate(environment: str | None, policies_dir: Path | None, overrides: tuple[str, ...]) -> None:
    """Load, merge and validate the policies (with any --set overrides) the way `pipeline run` does; print
    the effective version and hash, and the Dagster instance (storage, run coordinator, launcher) that
    `pipeline run` would use."""
    from taxonomy_assets.cli.instance_home import describe_instance
    from taxonomy_assets.policy import policy_hash

    policy = settings.policy(environment, policies_dir, overrides)
    click.echo(f"policy_version {policy.policy_version}")
    click.echo(f"policy_hash {policy_hash(policy)}")
    click.echo(f"environment {settings.effective_environment(environment)}")
    for override in overrides:
        click.echo(f"override {override}")
    try:
        instance = describe_instance()
    except Exception as exc:  # any storage or config problem is reported as one line
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageProblem(
            f"cannot open the Dagster instance in $DAGSTER_HOME/dagster.yaml: {first_line}"
        ) from exc
    for key, value in instance.items():
        click.echo(f"{key} {value}")


def _answer_lines(
    stream: TextIO, answer: Callable[[str], dict[str, Any]], failed: Callable[[str, str], dict]
) -> None:
    """One JSON object per non-empty input line; an item the labeler gives up on is reported in-line and
    makes the exit code 1, the rest still run."""
    from taxonomy_assets.labelers import LabelingError

    failures = 0
    for line in stream:
        item = line.strip()
        if not item:
            continue
        try:
            result = answer(item)
        except LabelingError as exc:
            failures += 1
            result = failed(item, str(exc))
        click.echo(json.dumps(result, ensure_ascii=False))
    if failures:
        sys.exit(EXIT_FAILED)


def _input_option(help_text: str) -> Any:
    return click.option(
        "--input", "input_file", type=click.File("r", encoding="utf-8"), default="-", help=help_text
    )


@main.command("extract")
@level_option
@_input_option("One unit name or list item per line; '-' for stdin.")
@click.option(
    "--parent", default="", help="The parent unit as written ('Department of Physics'): headings read in it."
)
@policy_options
@labeling_options
def extract(
    level: str,
    input_file: TextIO,
    parent: str,
    environment: str | None,
    policies_dir: Path | None,
    overrides: tuple[str, ...],
    provider: str | None,
    model: str | None,
    base_url: str | None,
) -> None:
    """Extract research-field labels: one JSON object per input line (exit 1 if any item failed)."""
    from taxonomy_assets.concepts.reading import RecordReader

    policy = settings.policy(environment, policies_dir, overrides)
    reader = RecordReader(_labeler("extractor", _labeling(provider, model, base_url), policy), policy)
    _answer_lines(
        input_file,
        lambda text: {
            "text": text,
            "labels": [label.normalized for label in reader.extract(text, level, parent=parent)],
        },
        lambda text, error: {"text": text, "labels": [], "error": error},
    )


@main.command("verify")
@level_option
@_input_option("One label per line; '-' for stdin.")
@policy_options
@labeling_options
def verify(
    level: str,
    input_file: TextIO,
    environment: str | None,
    policies_dir: Path | None,
    overrides: tuple[str, ...],
    provider: str | None,
    model: str | None,
    base_url: str | None,
) -> None:
    """Verify labels: one JSON object per input line with verdict and reason (exit 1 if any failed)."""
    policy = settings.policy(environment, policies_dir, overrides)
    verifier = _labeler("verifier", _labeling(provider, model, base_url), policy)

    def answer(label: str) -> dict[str, Any]:
        verdict = verifier.verify(label, level)
        return {"label": label, "passed": verdict.passed, "reason": verdict.reason, "method": verdict.method}

    _answer_lines(input_file, answer, lambda label, error: {"label": label, "passed": False, "error": error})


@main.command("manifest")
@click.option("--run-id", default=None, help="Run folder name (default: $TAXONOMY_RUN_ID or 'dev').")
@click.option("--output-root", default=None, help="Output root (default: $TAXONOMY_OUTPUT_ROOT or 'output').")
@click.option(
    "--format", "output_format", type=click.Choice(["json", "table"]), default="table", show_default=True
)
def manifest(run_id: str | None, output_root: str | None, output_format: str) -> None:
    """Print a run folder's manifest."""
    from taxonomy_resources.run_folder import RunFolderResource

    path = RunFolderResource(
        output_root=settings.output_root(output_root), run_id=settings.run_id(run_id)
    ).manifest_path
    if not path.exists():
        raise UsageProblem(
            f"no manifest at {path}; run `taxonomy pipeline run --run-id {settings.run_id(run_id)}` first"
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    if output_format == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    click.echo(f"run {data['run_id']}  folder {data['run_folder']}")
    click.echo(
        f"policy {data['policy'].get('version')} {str(data['policy'].get('hash'))[:12]}  "
        f"repinned={data['policy'].get('repinned')}"
    )
    click.echo(f"{'asset':<22}{'part':<6}{'status':<24}{'rows':>8}{'seconds':>9}  dagster run")
    for asset_name, partitions in data["assets"].items():
        for partition, entry in partitions.items():
            seconds = entry.get("duration_seconds")
            click.echo(
                f"{asset_name:<22}{partition:<6}{entry['status']:<24}{entry.get('row_count') or '':>8}"
                f"{'' if seconds is None else f'{seconds:.2f}':>9}  {entry.get('dagster_run_id', '')}"
            )
    for failure in data["failures"]:
        click.echo(
            f"FAILURE {failure['asset']}[{failure['partition'] or 'all'}] {failure['status']} "
            f"{failure['error_class']}: {failure['message'].splitlines()[0] if failure['message'] else ''}"
        )


@main.command("explain")
@click.argument("label")
@click.option("--run-id", default=None, help="Run folder name (default: $TAXONOMY_RUN_ID or 'dev').")
@click.option("--output-root", default=None, help="Output root (default: $TAXONOMY_OUTPUT_ROOT or 'output').")
@click.option("--level", "levels", multiple=True, type=click.Choice(LEVELS), help="Level(s); default all.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def explain(
    label: str, run_id: str | None, output_root: str | None, levels: tuple[str, ...], output_format: str
) -> None:
    """Why LABEL is (or is not) in the taxonomy: records, support, verdict, merges, parent and why."""
    from taxonomy_assets.explain import explain_label, explanation_json, format_explanation
    from taxonomy_resources.run_folder import RunFolderResource

    root = RunFolderResource(
        output_root=settings.output_root(output_root), run_id=settings.run_id(run_id)
    ).root
    try:
        explanation = explain_label(root, label, list(levels) or None)
    except FileNotFoundError as exc:
        raise UsageProblem(str(exc)) from exc
    if output_format == "json":
        click.echo(json.dumps(explanation_json(explanation), indent=2, sort_keys=True, default=str))
    else:
        click.echo(format_explanation(explanation))


@main.command("ui")
@click.option("--port", type=int, default=3000, show_default=True)
def ui(port: int) -> None:
    """Start `dg dev` (webserver and daemon) on 127.0.0.1 for this project, sharing the CLI's DAGSTER_HOME."""
    from taxonomy_assets.cli.instance_home import ensure_dagster_home

    home = ensure_dagster_home()
    click.echo(f"DAGSTER_HOME {home}; open http://127.0.0.1:{port}", err=True)
    # The interpreter's own dg, so an unactivated virtualenv works too (VIRTUAL_ENV says which one).
    # It starts in DAGSTER_HOME with the project's workspace file, so the instance is the CLI's and
    # the template dagster.yaml of the project folder is not mistaken for it.
    dg = Path(sys.executable).with_name("dg")
    command = [str(dg), "dev", "-h", "127.0.0.1", "-p", str(port), "-w", str(PROJECT_ROOT / "workspace.yaml")]
    environment = {**os.environ, "VIRTUAL_ENV": sys.prefix}
    os.chdir(home)
    os.execve(str(dg), command, environment)

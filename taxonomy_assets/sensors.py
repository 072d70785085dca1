"""After a taxonomy run fails, refresh the manifest of its run folder so the failure is recorded there."""

from dagster import DefaultSensorStatus, RunFailureSensorContext, RunRequest, SkipReason, run_failure_sensor

from taxonomy_assets.constants import PARTITION_TAG
from taxonomy_assets.jobs import assembly_job, levels_job, manifest_job
from taxonomy_assets.partitions import RUN_DIMENSION

RUN_DIMENSION_TAG = f"{PARTITION_TAG}/{RUN_DIMENSION}"


@run_failure_sensor(
    monitored_jobs=[levels_job, assembly_job],
    request_job=manifest_job,
    default_status=DefaultSensorStatus.RUNNING,
    description="Materializes run_manifest for the failed run's run folder (its run partition).",
)
def manifest_after_failure(context: RunFailureSensorContext) -> RunRequest | SkipReason:
    failed = context.dagster_run
    run = failed.tags.get(RUN_DIMENSION_TAG) or failed.tags.get(PARTITION_TAG)
    if not run:
        return SkipReason(f"run {failed.run_id} targeted no run folder partition")
    resources = failed.run_config.get("resources", {})
    config = {key: resources[key] for key in ("run_folder", "policy", "labeling") if key in resources}
    return RunRequest(
        run_key=f"manifest-after-{failed.run_id}",
        run_config={"resources": config},
        partition_key=run,
        tags={key: value for key, value in failed.tags.items() if key.startswith("taxonomy/")},
    )

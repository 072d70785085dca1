"""After a taxonomy run fails, refresh the manifest of its run folder so the failure is recorded there."""

from dagster import DefaultSensorStatus, RunFailureSensorContext, RunRequest, run_failure_sensor

from taxonomy_assets.jobs import assembly_job, levels_job, manifest_job


@run_failure_sensor(
    monitored_jobs=[levels_job, assembly_job],
    request_job=manifest_job,
    default_status=DefaultSensorStatus.RUNNING,
    description="Materializes run_manifest for the failed run's run folder.",
)
def manifest_after_failure(context: RunFailureSensorContext) -> RunRequest:
    failed = context.dagster_run
    resources = failed.run_config.get("resources", {})
    config = {key: resources[key] for key in ("run_folder", "policy", "labeling") if key in resources}
    return RunRequest(
        run_key=f"manifest-after-{failed.run_id}",
        run_config={"resources": config},
        tags={key: value for key, value in failed.tags.items() if key.startswith("taxonomy/")},
    )

"""Module-level job factories, so `dagster.reconstructable` can rebuild the jobs in worker processes."""

from dagster import JobDefinition

from taxonomy_assets.jobs import ASSEMBLY_JOB, LEVELS_JOB, MANIFEST_JOB


def _job(name: str) -> JobDefinition:
    from taxonomy_assets.definitions import defs

    return defs.resolve_job_def(name)


def levels_job() -> JobDefinition:
    return _job(LEVELS_JOB)


def assembly_job() -> JobDefinition:
    return _job(ASSEMBLY_JOB)


def manifest_job() -> JobDefinition:
    return _job(MANIFEST_JOB)

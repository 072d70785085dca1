"""The one place that wires the project: assets, checks, jobs, sensor, executor, resources and IO managers.

Settings come from the environment when set (TAXONOMY_OUTPUT_ROOT, TAXONOMY_RUN_ID, TAXONOMY_SOURCES,
TAXONOMY_ENVIRONMENT) and can be overridden per run in the launchpad or by the `taxonomy` CLI; shared
resources are configured at launch so every IO manager sees the same run folder.
"""

import os

from dagster import Definitions, EnvVar

from taxonomy_assets.consolidated_concepts import consolidated_concepts
from taxonomy_assets.constants import PARQUET_IO_MANAGER, S0_IO_MANAGER
from taxonomy_assets.executors import taxonomy_executor
from taxonomy_assets.jobs import assembly_job, levels_job, manifest_job
from taxonomy_assets.run_manifest import run_manifest
from taxonomy_assets.s0_source_records import s0_source_records
from taxonomy_assets.s1_candidates import s1_candidates
from taxonomy_assets.s2_frequency_table import s2_frequency_table
from taxonomy_assets.s3_verified_concepts import s3_verified_concepts
from taxonomy_assets.sensors import manifest_after_failure
from taxonomy_assets.taxonomy_hierarchy import HIERARCHY_IO_MANAGER, taxonomy_hierarchy
from taxonomy_resources.hierarchy_io_manager import HierarchyIOManager
from taxonomy_resources.jsonl_shards_io_manager import JsonlShardsIOManager
from taxonomy_resources.labeling import LabelingResource
from taxonomy_resources.locations import child_location
from taxonomy_resources.parquet_io_manager import ParquetIOManager
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.run_folder import RunFolderResource
from taxonomy_resources.sources import SourcesResource


def _env_setting(field: str, variable: str) -> dict[str, EnvVar]:
    """{field: EnvVar(variable)} when the variable is set; otherwise the field keeps its default."""
    return {field: EnvVar(variable)} if os.getenv(variable) else {}


def build_resources(
    run_folder: RunFolderResource,
    policy: PolicyResource,
    sources: SourcesResource,
    labeling: LabelingResource,
) -> dict[str, object]:
    """Resource dictionary; the IO managers share the given run folder resource."""
    return {
        "run_folder": run_folder,
        "policy": policy,
        "sources": sources,
        "labeling": labeling,
        S0_IO_MANAGER: JsonlShardsIOManager(run_folder=run_folder),
        PARQUET_IO_MANAGER: ParquetIOManager(run_folder=run_folder),
        HIERARCHY_IO_MANAGER: HierarchyIOManager(run_folder=run_folder),
    }


ASSETS = [
    s0_source_records,
    s1_candidates,
    s2_frequency_table,
    s3_verified_concepts,
    consolidated_concepts,
    taxonomy_hierarchy,
    run_manifest,
]

_run_folder = RunFolderResource.configure_at_launch(
    **_env_setting("output_root", "TAXONOMY_OUTPUT_ROOT"), **_env_setting("run_id", "TAXONOMY_RUN_ID")
)

defs = Definitions(
    assets=ASSETS,
    jobs=[levels_job, assembly_job, manifest_job],
    sensors=[manifest_after_failure],
    executor=taxonomy_executor,
    resources=build_resources(
        run_folder=_run_folder,
        policy=PolicyResource.configure_at_launch(
            run_folder=_run_folder, **_env_setting("environment", "TAXONOMY_ENVIRONMENT")
        ),
        sources=SourcesResource(**_env_setting("root", "TAXONOMY_SOURCES")),
        labeling=LabelingResource(
            **_env_setting("api_key", "OPENAI_API_KEY"),
            **(
                {"cache_dir": child_location(os.environ["TAXONOMY_OUTPUT_ROOT"], "llm_cache")}
                if os.getenv("TAXONOMY_OUTPUT_ROOT")
                else {}
            ),
        ),
    ),
)

"""The sources resource: where the collected source documents live, one folder per level."""

from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from taxonomy_assets.project_paths import SAMPLE_SOURCES_DIR


class SourcesResource(ConfigurableResource):
    """Root folder of source snapshots: `<root>/L0/…`, `<root>/L1/…`; defaults to the shipped sample."""

    root: str = Field(str(SAMPLE_SOURCES_DIR), description="Folder holding L0/ L1/ L2/ L3/ source folders.")
    limit: int | None = Field(
        None,
        ge=1,
        description="Audit mode: read only the first N documents of each level (file-name order) for a "
        "quick look at a large corpus; the rest are counted as skipped.",
    )

    @property
    def root_dir(self) -> Path:
        """The resolved root; symlinks in the level folders may not lead outside it."""
        return Path(self.root).expanduser().resolve()

    def level_dir(self, level: str) -> Path:
        return self.root_dir / level

"""Where the project's own folders are, so defaults work from any working directory."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
POLICIES_DIR = PROJECT_ROOT / "policies"
SAMPLE_SOURCES_DIR = PROJECT_ROOT / "data" / "sample"
PROMPTS_DIR = PROJECT_ROOT / "taxonomy_resources" / "prompts"

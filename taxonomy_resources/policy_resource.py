"""The policy resource: loads and merges policies, and pins them per run folder (SPEC §4).

The first materialization in a run folder writes `policy.snapshot.yaml`; later ones read the
snapshot, so resumes use the policy the run started with. `repin_policies` replaces the snapshot
once per Dagster run and the pin record says so. Asking a pinned folder for another environment or
other overrides is refused (PinConflictError) rather than silently ignored; asking nothing takes the pin.
"""

import json
from typing import Literal

from dagster import ConfigurableResource, ResourceDependency
from pydantic import BaseModel, ConfigDict, Field

from taxonomy_assets.policy import (
    Policy,
    PolicyError,
    load_policy,
    load_policy_file,
    parse_overrides,
    policy_hash,
    policy_to_yaml,
    remember_policy_file,
)
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_resources.atomic_files import atomic_write_bytes
from taxonomy_resources.run_folder import RunFolderResource

PinState = Literal["pinned", "snapshot", "repinned"]
DEFAULT_ENVIRONMENT = "development"


class PinConflictError(PolicyError):
    """The run asks for a policy the run folder's pin does not have."""


def read_pin(folder: RunFolderResource) -> dict:
    """The run folder's pin record ({} before the first materialization)."""
    path = folder.policy_pin_path
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def pin_conflict(folder: RunFolderResource, environment: str | None, overrides: list[str]) -> str | None:
    """Why a run asking for `environment`/`overrides` cannot use the folder's pinned policy, if it cannot.

    Nothing asked (no environment, no overrides) always takes the pin.
    """
    if not folder.policy_snapshot_path.exists():
        return None
    pin = read_pin(folder)
    pinned_environment = str(pin.get("environment") or DEFAULT_ENVIRONMENT)
    pinned_overrides = [str(text) for text in pin.get("overrides", [])]
    if environment and environment != pinned_environment:
        asked = f"environment {environment!r}"
        pinned = f"environment {pinned_environment!r}"
    elif overrides and _canonical(overrides) != _canonical(pinned_overrides):
        asked = f"--set {' '.join(overrides)}"
        pinned = f"--set {' '.join(pinned_overrides)}" if pinned_overrides else "no --set overrides"
    else:
        return None
    return (
        f"run folder {folder.root} is pinned to {pinned}, not {asked}: pass --repin-policies to replace "
        "its policy, or ask for nothing to resume with the pinned one"
    )


def _canonical(overrides: list[str]) -> list[str]:
    return [override.text for override in parse_overrides(overrides)]


class PinnedPolicy(BaseModel):
    """The policy a step runs under, with where it came from."""

    model_config = ConfigDict(frozen=True)

    policy: Policy
    hash: str
    state: PinState
    environment: str
    overrides: tuple[str, ...] = Field((), description="`--set` overrides recorded in the pin.")
    pinned_by: str = Field(description="Dagster run that wrote the snapshot in use.")

    @property
    def repinned(self) -> bool:
        return self.state == "repinned"

    @property
    def version(self) -> str:
        return self.policy.policy_version

    def metadata(self) -> dict[str, str]:
        return {"policy_version": self.version, "policy_hash": self.hash, "policy_pin": self.state}


class PolicyResource(ConfigurableResource):
    """Effective policy for this run folder; configure the environment overlay and re-pinning here."""

    policies_dir: str = Field(str(POLICIES_DIR), description="Folder with default.yaml and environments/.")
    environment: str | None = Field(
        None,
        description="Overlay: development, testing or production. Unset: the run folder's pinned one "
        "(development for a new folder); set and different from the pin: refused unless repinning.",
    )
    overrides: list[str] = Field(
        default_factory=list,
        description="`section.key=value` overrides on top of the overlay (validated like the files; "
        "recorded in the pin).",
    )
    repin_policies: bool = Field(False, description="Replace the run folder's pinned policy snapshot.")
    run_folder: ResourceDependency[RunFolderResource]

    @property
    def effective_environment(self) -> str:
        return self.environment or DEFAULT_ENVIRONMENT

    def fresh(self) -> Policy:
        """The policy as the files and overrides say now, ignoring any snapshot."""
        return load_policy(self.policies_dir, self.effective_environment, parse_overrides(self.overrides))

    def pinned(self, dagster_run_id: str, run_id: str | None = None) -> PinnedPolicy:
        """The policy pinned in run folder `run_id` (default: the configured one), pinning it first."""
        folder = self.run_folder.for_run(run_id) if run_id else self.run_folder
        snapshot = folder.policy_snapshot_path
        pin_path = folder.policy_pin_path
        pin = read_pin(folder)
        repin_now = self.repin_policies and pin.get("dagster_run_id") != dagster_run_id
        if snapshot.exists() and not repin_now:
            conflict = pin_conflict(folder, self.environment, self.overrides)
            if conflict:
                raise PinConflictError(conflict)
            policy = load_policy_file(snapshot)
            state: PinState = "repinned" if pin.get("repinned") else "snapshot"
            return PinnedPolicy(
                policy=policy,
                hash=policy_hash(policy),
                state=state,
                environment=str(pin.get("environment", self.effective_environment)),
                overrides=tuple(str(text) for text in pin.get("overrides", [])),
                pinned_by=str(pin.get("dagster_run_id", "")),
            )
        policy = self.fresh()
        digest = policy_hash(policy)
        repinned = repin_now and snapshot.exists()
        overrides = _canonical(self.overrides)
        record = {
            "dagster_run_id": dagster_run_id,
            "environment": self.effective_environment,
            "overrides": overrides,
            "policy_hash": digest,
            "policy_version": policy.policy_version,
            "repinned": repinned,
        }
        # the record first: level runs pin at the same moment, and one that finds the snapshot must find
        # the record that says which environment and overrides it was pinned for
        atomic_write_bytes(pin_path, (json.dumps(record, sort_keys=True, indent=2) + "\n").encode("utf-8"))
        snapshot_bytes = policy_to_yaml(policy).encode("utf-8")
        atomic_write_bytes(snapshot, snapshot_bytes)
        remember_policy_file(snapshot_bytes, policy)
        return PinnedPolicy(
            policy=policy,
            hash=digest,
            state="repinned" if repinned else "pinned",
            environment=self.effective_environment,
            overrides=tuple(overrides),
            pinned_by=dagster_run_id,
        )

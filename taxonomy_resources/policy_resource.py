"""The policy resource: loads and merges policies, and pins them per run folder (SPEC §4).

The first materialization in a run folder writes `policy.snapshot.yaml`; later ones read the
snapshot, so resumes use the policy the run started with. `repin_policies` replaces the snapshot
once per Dagster run and the pin record says so.
"""

import json
from typing import Literal

from dagster import ConfigurableResource, ResourceDependency
from pydantic import BaseModel, ConfigDict, Field

from taxonomy_assets.policy import Policy, load_policy, load_policy_file, policy_hash, policy_to_yaml
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_resources.atomic_files import atomic_write_bytes
from taxonomy_resources.run_folder import RunFolderResource

PinState = Literal["pinned", "snapshot", "repinned"]


class PinnedPolicy(BaseModel):
    """The policy a step runs under, with where it came from."""

    model_config = ConfigDict(frozen=True)

    policy: Policy
    hash: str
    state: PinState
    environment: str
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
    environment: str = Field("development", description="Overlay: development, testing or production.")
    repin_policies: bool = Field(False, description="Replace the run folder's pinned policy snapshot.")
    run_folder: ResourceDependency[RunFolderResource]

    def fresh(self) -> Policy:
        """The policy as the files say now, ignoring any snapshot."""
        return load_policy(self.policies_dir, self.environment)

    def pinned(self, dagster_run_id: str) -> PinnedPolicy:
        snapshot = self.run_folder.policy_snapshot_path
        pin_path = self.run_folder.policy_pin_path
        pin = json.loads(pin_path.read_text(encoding="utf-8")) if pin_path.exists() else {}
        repin_now = self.repin_policies and pin.get("dagster_run_id") != dagster_run_id
        if snapshot.exists() and not repin_now:
            policy = load_policy_file(snapshot)
            state: PinState = "repinned" if pin.get("repinned") else "snapshot"
            return PinnedPolicy(
                policy=policy,
                hash=policy_hash(policy),
                state=state,
                environment=str(pin.get("environment", self.environment)),
                pinned_by=str(pin.get("dagster_run_id", "")),
            )
        policy = self.fresh()
        digest = policy_hash(policy)
        repinned = repin_now and snapshot.exists()
        atomic_write_bytes(snapshot, policy_to_yaml(policy).encode("utf-8"))
        record = {
            "dagster_run_id": dagster_run_id,
            "environment": self.environment,
            "policy_hash": digest,
            "policy_version": policy.policy_version,
            "repinned": repinned,
        }
        atomic_write_bytes(pin_path, (json.dumps(record, sort_keys=True, indent=2) + "\n").encode("utf-8"))
        return PinnedPolicy(
            policy=policy,
            hash=digest,
            state="repinned" if repinned else "pinned",
            environment=self.environment,
            pinned_by=dagster_run_id,
        )

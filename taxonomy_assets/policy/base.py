"""Base model for policy sections: unknown keys are errors and loaded policies are immutable."""

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A policy section; a typo in a key fails validation instead of being silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

"""Dagster resources and IO managers: run folders, policies, sources, artifact IO, the LLM client."""

"""What a failed step's error says, for people: Dagster wraps a step's own exception in
"Error occurred while executing op …"; the class and message worth showing are the innermost cause's."""

from typing import Any

WRAPPER_CLASSES = {
    "DagsterExecutionStepExecutionError",
    "DagsterExecutionHandleOutputError",
    "DagsterExecutionLoadInputError",
    "DagsterUserCodeExecutionError",
}


def innermost(error: Any) -> Any:
    """Follow `cause` (then `context`) from a Dagster wrapper error to the exception the step raised."""
    while error is not None and (error.cls_name or "") in WRAPPER_CLASSES:
        inner = getattr(error, "cause", None) or getattr(error, "context", None)
        if inner is None:
            break
        error = inner
    return error


def error_class(error: Any) -> str:
    found = innermost(error)
    return (found.cls_name or "") if found is not None else ""


def error_message(error: Any) -> str:
    """The innermost message, stripped; empty when there is none."""
    found = innermost(error)
    return (found.message or "").strip() if found is not None else ""


def first_line(error: Any, default: str = "failed") -> str:
    message = error_message(error)
    return message.splitlines()[0] if message else default

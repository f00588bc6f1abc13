"""A webhook event reaches `client.webhooks.unwrap()` by a spec edit alone: an entry in the spec's
`webhooks` section (and its name in the event enum) makes unwrap return the entry's model, a new
schema or an existing one, with no hand-written change. What generation refuses in that section
and in `x-progress-order`, one line each; a status added to the order reaches BatchStatus.step
and BatchStatusTracker by regeneration.

Each test works on a scratch copy of the repository (test_new_resource's fixture and helpers).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from test_new_resource import edit, environment, generate, one_line, repo

__all__ = ["repo"]  # the fixture, shared with test_new_resource

Spec = dict[str, Any]
EVENT_ENUM = "WebhookEvent"
NEW_EVENT = "widget.finished"


def _delivery(schema: str) -> dict[str, Any]:
    """A webhook entry: a POST whose JSON body is the component `schema`."""
    body = {"schema": {"$ref": f"#/components/schemas/{schema}"}}
    return {
        "post": {
            "operationId": f"webhook{schema}",
            "summary": "A delivery",
            "requestBody": {"content": {"application/json": body}},
            "responses": {"200": {"description": "Received."}},
        }
    }


def _name_event(spec: Spec, name: str) -> None:
    """Adds `name` to the enum the webhook models' event_type is (if it is not there yet)."""
    values = spec["components"]["schemas"][EVENT_ENUM]["enum"]
    if name not in values:
        values.append(name)


def add_widget_event(spec: Spec) -> None:
    """A new event with a new model of its own."""
    spec["components"]["schemas"]["Widget"] = {
        "type": "object",
        "required": ["id", "colour"],
        "properties": {"id": {"type": "string"}, "colour": {"type": "string"}},
    }
    spec["components"]["schemas"]["WidgetWebhookEvent"] = {
        "type": "object",
        "required": ["event_type"],
        "properties": {
            "event_type": {"$ref": f"#/components/schemas/{EVENT_ENUM}"},
            "data": {"$ref": "#/components/schemas/Widget"},
        },
        "additionalProperties": True,
    }
    _name_event(spec, NEW_EVENT)
    spec["webhooks"][NEW_EVENT] = _delivery("WidgetWebhookEvent")


def existing_model(spec: Spec) -> tuple[str, str]:
    """An event the spec already describes, and the component its body is."""
    name, entry = next(iter(spec["webhooks"].items()))
    body = entry["post"]["requestBody"]
    if "$ref" in body:
        body = spec["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[1]]
    return name, body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]


PROBE = textwrap.dedent(
    """
    import hashlib, hmac, json, sys, typing
    from _llama_cloud_batch_generated import webhooks as registry
    from llama_cloud_batch import AsyncLlamaCloud, LlamaCloud
    from llama_cloud_batch.webhooks import UnknownWebhookEvent, unwrap

    SECRET = "probe-secret"
    events = json.loads(sys.argv[1])

    def signed(body):
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        return {"LC-Signature": "sha256=" + digest}

    report = {}
    client = LlamaCloud(api_key="k", webhook_secret=SECRET)
    aclient = AsyncLlamaCloud(api_key="k", webhook_secret=SECRET)
    for name, sent in events.items():
        body = json.dumps(sent).encode()
        event = client.webhooks.unwrap(body, signed(body))
        same = aclient.webhooks.unwrap(body, signed(body))
        as_string = json.dumps(body.decode()).encode()  # webhook_output_format "string"
        plain = unwrap(as_string, signed(as_string), secret=SECRET)
        data = getattr(event, "data", None)
        report[name] = {
            "type": type(event).__name__,
            "same": [type(same).__name__, type(plain).__name__],
            "event_type": event.event_type,
            "data": data.to_dict() if hasattr(data, "to_dict") else data,
        }
    hints = typing.get_type_hints(client.webhooks.unwrap)["return"]
    report["return"] = sorted(arg.__name__ for arg in typing.get_args(hints))
    report["registry"] = sorted(registry.EVENT_MODELS)
    print(json.dumps(report))
    """
)


def probe(repo: Path, events: dict[str, Any]) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(events)],
        capture_output=True, text=True, timeout=120, check=False, cwd=repo,
        env=environment(repo),
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def test_a_new_event_unwraps_to_its_model_with_no_hand_written_change(repo: Path) -> None:
    seen: dict[str, Any] = {}

    def spec_change(spec: Spec) -> None:
        add_widget_event(spec)
        # An event the old section lacked, reusing an existing model: only names change.
        old_name, old_model = existing_model(spec)
        seen.update(old_name=old_name, old_model=old_model)
        reused = old_name.split(".")[0] + ".archived"
        _name_event(spec, reused)
        spec["webhooks"][reused] = _delivery(old_model)
        seen["reused"] = reused

    edit(repo, spec_change)
    before = set((repo / "overrides").rglob("*.py"))
    completed = generate(repo)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert set((repo / "overrides").rglob("*.py")) == before
    widget = {"id": "w-1", "colour": "teal", "extra": 1}
    events = {
        NEW_EVENT: {"event_type": NEW_EVENT, "data": widget},
        seen["reused"]: {"event_type": seen["reused"]},
        seen["old_name"]: {"event_type": seen["old_name"]},
        "other.thing": {"event_type": "other.thing", "data": {"x": 1}},
    }
    report = probe(repo, events)

    new = report[NEW_EVENT]
    assert new["type"] == "WidgetWebhookEvent"
    assert new["same"] == ["WidgetWebhookEvent", "WidgetWebhookEvent"]
    assert new["data"] == widget
    assert report[seen["reused"]]["type"] == seen["old_model"]
    assert report[seen["old_name"]]["type"] == seen["old_model"]
    assert report["other.thing"]["type"] == "UnknownWebhookEvent"
    assert report["other.thing"]["data"] is None  # kept in .body, not typed
    assert {NEW_EVENT, seen["reused"], seen["old_name"]} <= set(report["registry"])
    assert {"WidgetWebhookEvent", seen["old_model"], "UnknownWebhookEvent"} == set(report["return"])


def _refused(repo: Path, change: Any) -> str:
    edit(repo, change)
    (line,) = one_line(generate(repo))
    return line


def test_a_webhook_named_outside_its_event_enum_is_refused(repo: Path) -> None:
    def change(spec: Spec) -> None:
        _, model = existing_model(spec)
        spec["webhooks"]["nobody.knows"] = _delivery(model)

    line = _refused(repo, change)
    assert line.startswith("generate: webhook nobody.knows: not a value of WebhookEvent")


def test_a_webhook_body_that_is_no_component_is_refused(repo: Path) -> None:
    def change(spec: Spec) -> None:
        entry = _delivery("X")
        entry["post"]["requestBody"]["content"]["application/json"]["schema"] = {"type": "object"}
        spec["webhooks"][NEW_EVENT] = entry

    line = _refused(repo, change)
    assert line == (
        f"generate: webhook {NEW_EVENT}: its application/json body must be a $ref to a "
        "component schema (its model is named after it)"
    )


def test_a_webhook_that_is_not_a_post_is_refused(repo: Path) -> None:
    def change(spec: Spec) -> None:
        name, model = existing_model(spec)
        spec["webhooks"][name] = {"get": _delivery(model)["post"]}

    line = _refused(repo, change)
    assert line.endswith("needs one operation, `post` (a delivery is a POST)")


def test_a_webhook_model_without_event_type_is_refused(repo: Path) -> None:
    def change(spec: Spec) -> None:
        add_widget_event(spec)
        spec["webhooks"][NEW_EVENT] = _delivery("Widget")

    line = _refused(repo, change)
    assert line == (
        f"generate: webhook {NEW_EVENT}: schema Widget needs a required property event_type"
    )


def _status_order(spec: Spec) -> list[list[str]]:
    order: list[list[str]] = spec["components"]["schemas"]["BatchStatus"]["x-progress-order"]
    return order


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda o: o[0].append("NOPE"), "lists 'NOPE', not a value"),
        (lambda o: o[-1].pop(), "no step"),
        (lambda o: o.reverse(), "last step must be the x-final-values"),
        (lambda o: o[0].append(o[-1][0]), "twice"),
        (lambda o: o.append([]), "a list of steps, each a non-empty list of values"),
    ],
    ids=["unknown value", "value left out", "last step not final", "listed twice", "empty step"],
)
def test_a_progress_order_that_does_not_fit_its_enum_is_refused(
    repo: Path, change: Any, says: str
) -> None:
    line = _refused(repo, lambda spec: change(_status_order(spec)))
    assert line.startswith("generate: schema BatchStatus: x-progress-order"), line
    assert says in line


def test_a_status_added_to_the_order_reaches_step_and_the_tracker(repo: Path) -> None:
    def change(spec: Spec) -> None:
        spec["components"]["schemas"]["BatchStatus"]["enum"].append("QUEUED")
        _status_order(spec)[0].append("QUEUED")

    edit(repo, change)
    completed = generate(repo)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    script = textwrap.dedent(
        """
        import json
        from llama_cloud_batch.types import BatchStatus
        from llama_cloud_batch.webhooks import BatchStatusTracker
        tracker = BatchStatusTracker()
        first = min(BatchStatus.STEPS.values())
        starter = next(s for s, n in BatchStatus.STEPS.items() if n == first and s != "QUEUED")
        print(json.dumps([
            BatchStatus("QUEUED").is_known, BatchStatus.QUEUED.step == first,
            tracker.observe("b", starter).value, tracker.observe("b", "QUEUED").value,
        ]))
        """
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
        check=False, cwd=repo, env=environment(repo),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == [True, True, "new", "repeated"]

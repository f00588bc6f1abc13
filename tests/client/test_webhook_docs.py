"""The README's Webhooks section, run as written: its example answers each delivery as the
section says (204, acting on new progress only; 401 for a bad signature; 400 for a bad body).
(tests/server runs every README example in order, and tests/typing type-checks them; this one
sends the deliveries.)"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import pytest
from _llama_cloud_batch_generated.webhooks import EVENT_MODELS
from factories import API_KEY, batch
from llama_cloud_batch import LlamaCloud

README = Path(__file__).resolve().parents[2] / "README.md"
SECRET = "whsec-readme"
BATCH_EVENT = next(name for name in EVENT_MODELS if name.startswith("batch."))


def readme_python(section: str) -> str:
    """The python code blocks of a README section (between its snippet markers), joined."""
    text = README.read_text(encoding="utf-8")
    body = re.search(rf"\[start:{section}\] -->\n(.*?)<!-- --8<-- \[end:{section}\]", text, re.S)
    assert body, f"README has no section {section!r}"
    blocks = re.findall(r"^```python\n(.*?)^```$", body[1], re.S | re.M)
    assert blocks, f"README section {section!r} has no python block"
    return "\n".join(blocks)


def delivery(status: str, batch_id: str = "bat-1") -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"event_type": BATCH_EVENT, "data": batch(batch_id, status)}).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"lc-signature": f"sha256={digest}"}


def test_the_readme_webhooks_example_runs_as_the_section_says(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_WEBHOOK_SECRET", SECRET)
    # `client` is the quick start's, as a reader running the README in order has it.
    namespace: dict[str, Any] = {"__name__": "readme", "client": LlamaCloud(api_key=API_KEY)}
    exec(compile(readme_python("webhooks"), "README.md#webhooks", "exec"), namespace)
    on_delivery = namespace["on_delivery"]

    running, pending, completed = delivery("RUNNING"), delivery("PENDING"), delivery("COMPLETED")
    assert on_delivery(*running) == 204
    assert on_delivery(*running) == 204  # repeated
    assert on_delivery(*pending) == 204  # late
    assert on_delivery(*completed) == 204
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"{BATCH_EVENT} bat-1 RUNNING", f"{BATCH_EVENT} bat-1 COMPLETED"]

    body, headers = completed
    assert on_delivery(body + b" ", headers) == 401
    assert on_delivery(body, {}) == 401
    not_json = b"{"
    digest = hmac.new(SECRET.encode(), not_json, hashlib.sha256).hexdigest()
    assert on_delivery(not_json, {"LC-Signature": f"sha256={digest}"}) == 400
    assert capsys.readouterr().out == ""

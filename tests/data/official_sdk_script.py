# Code written for the official llama-cloud SDK (2.19.0). tests/docs/test_migrating.py runs it
# as it is, and with its two import lines changed to llama_cloud_batch: the output must match.
import json
import os

from llama_cloud import LlamaCloud
from llama_cloud.types import BatchGetResponse, BatchListResponse

client = LlamaCloud(
    api_key=os.environ.get("LLAMA_CLOUD_API_KEY"),
    default_query={"project_id": os.environ["PROJECT_ID"]},
    max_retries=5,
)

for directory in ("dir-a", "dir-b", "dir-migrating"):
    created = client.batches.create(
        source_directory_id=directory,
        config={"job": {"type": "parse_v2", "configuration_id": "cfg-migrating"}},
    )
print(created.status, created.project_id == os.environ["PROJECT_ID"])

listed: list[BatchListResponse] = list(client.batches.list(status="PENDING", page_size=2))
print(len(listed), sorted(batch.source_directory_id for batch in listed))

page = client.batches.list(page_size=2)
while page.has_next_page():
    page = page.get_next_page()
print(len(page.items) > 0, page.next_page_token)

fetched: BatchGetResponse = client.batches.get(created.id)
data = json.loads(fetched.to_json())
print(sorted(data), data["id"] == created.id, data["config"]["job"]["type"])
print(fetched.to_dict()["source_directory_id"])

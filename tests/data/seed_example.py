# The example of shared/seeds/list-batch-jobs.md, verbatim but for the import line.
import os

from llama_cloud_batch import LlamaCloud

client = LlamaCloud(
    api_key=os.environ.get("LLAMA_CLOUD_API_KEY"),  # This is the default and can be omitted
)

page = client.beta.batch.list()
page = page.items[0]
print(page.id)

# Copied by generator/generate.py from overrides/llama_cloud_batch/resources/__init__.py. Edit it there.
"""The API's resources, laid out as its URL tree: client.beta.batch, client.beta.batch.job_items."""

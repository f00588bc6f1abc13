"""The API's resources, laid out as its URL tree: client.beta.batch, client.beta.batch.job_items."""

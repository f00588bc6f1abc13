"""`python -m llama_cloud_batch`: the same command line as `llama-cloud-batch`."""

from __future__ import annotations

if __name__ == "__main__":
    from .cli import main

    main()

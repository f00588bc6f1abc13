"""The speed and memory benchmark of llama_cloud_batch against the official SDK and raw httpx.

Run it with `nox -s bench` (installs this package, and llama-cloud==2.10.0, orjson and
matplotlib into the bench session; writes docs/benchmarks.md and docs/benchmarks.png,
about four minutes on two cores) or `nox -s bench -- --quick` (seconds, nothing written). It
prints figures; nothing in it asserts on timings, and the run fails only when a contender did
not see every job in server order.

Modules: server (the local API, a process of its own, timestamps mixed `Z` / `+00:00` /
naive), data (the jobs it lists), contenders (each client's way of making one call and of
walking the listing), timing (alternating rounds, client CPU and wall time per round, the
spread of per-round ratios), sections (the measurements), memory (per kept job, and the peak
of a streaming walk, in fresh processes), report (the Markdown and issue 11's targets), plot
(docs/benchmarks.png), profile (`python -m benchmarks.profile listing-sync`: cProfile of one
contender).

Reading the figures: targets are decided on the client process's CPU time, which other work
on the machine moves less than wall time (but still moves: compare ratios, taken within one
round, rather than absolute figures). The report shows each ratio's median with its
interquartile range and range over rounds, and the load average.
"""

"""The speed and memory benchmark of llama_cloud_batch against the official SDK and raw httpx.

Run it with `nox -s bench` (installs this package and llama-cloud==2.10.0, writes
docs/benchmarks.md, about three minutes on two cores) or `nox -s bench -- --quick` (seconds,
nothing written). It prints figures; nothing in it asserts on timings, and the run fails only
when a contender did not see every job in server order.

Modules: server (the local API, a process of its own), data (the jobs it lists), contenders
(each client's way of making one call and of walking the listing), timing (alternating rounds,
medians), sections (the six measurements), memory (the per-job figure, in fresh processes),
report (the Markdown and the targets), profile (`python -m benchmarks.profile listing-sync`:
cProfile of one contender, for finding where the time goes).

Reading the figures: other work on the machine moves them by ±10 %; the report records the load
average. Ratios are taken within one run, where every contender saw the same conditions.
"""

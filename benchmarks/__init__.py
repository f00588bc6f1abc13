"""The speed and memory benchmark of llama_cloud_batch against the official SDK and raw httpx.

Run it with `nox -s bench` (installs this package, and llama-cloud==2.10.0, orjson and
matplotlib into the bench session; writes docs/benchmarks.md and docs/benchmarks.png, ten
to fifteen minutes on two cores) or `nox -s bench -- --quick` (under a minute, nothing written). It
prints figures; nothing in it asserts on timings, and the run fails only when a contender did
not see every entry in server order.

Modules: data (the jobs and v2 batches listed, in five data shapes, the realistic mix the
headline), server (the local API, a process of its own serving every shape under its own base
URL), contenders (each client's way of making one call and of walking a listing), timing
(alternating rounds, client CPU and wall time per round, the spread of per-round ratios),
sections (the measurements), memory (per kept job, and the peak of a streaming walk, in fresh
processes), processes (the server, fresh interpreters, CPU burners), report (the Markdown and
issue 18's targets), plot (docs/benchmarks.png), profile (`python -m benchmarks.profile
listing-sync`: cProfile of one contender on one shape).

Reading the figures: targets are decided on the client process's CPU time, which other work
on the machine moves less than wall time (but still moves: compare ratios, taken within one
round, rather than absolute figures). The report shows each ratio's median with its
interquartile range and range over rounds, and the load average as each stage started.
Streaming memory is measured while other processes burn CPU: a walk must not mistake a crowded
machine for a slow network.
"""

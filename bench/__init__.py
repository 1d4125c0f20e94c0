"""The Quanzi benchmark (`make bench`, `python -m bench`): latency, statement counts, throughput, budgets."""

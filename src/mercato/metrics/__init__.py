"""KPIs: declarative specs compiled to Ibis, benchmarks, comparisons, goals."""

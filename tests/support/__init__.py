"""What the tests (and the benchmarks) share that is not a test: a throwaway PostgreSQL, a generated history."""

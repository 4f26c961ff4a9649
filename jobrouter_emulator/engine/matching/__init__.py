"""Matching: the index of free workers and queued jobs, queue order, match requests, distribution and scoring."""

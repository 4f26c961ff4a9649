"""Which jobs meet which workers.

- :mod:`.index`: the free workers by queue, channel and label, and the queued jobs by queue;
- :mod:`.queue_order`: a queue's order (expedited, then priority, then arrival), a job's position, queue statistics;
- :mod:`.match_requests`: the queues that have matching to do, coalesced;
- :mod:`.distribution`: a queue's matching pass under its distribution mode; :mod:`.scoring`: best-worker scoring;
- :mod:`.selectors`: whether a worker meets a job's worker selectors.
"""

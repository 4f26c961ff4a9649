"""What commands and timers do to jobs, assignments, offers and workers, one lifecycle per module.

- :mod:`.jobs`: a job from received to queued (classification, scheduling), reclassification, cancel, selector
  expiry, wait-time exceptions;
- :mod:`.assignments`: complete, close (now or at ``closeAt``), unassign;
- :mod:`.offers`: issue, accept, decline, expire;
- :mod:`.workers`: registration and deregistration; :mod:`.capacity`: a worker's load, state and place in the index;
- :mod:`.exception_rules`: a queue's exception policy, its triggers and actions.
"""

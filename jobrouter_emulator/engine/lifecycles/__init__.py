"""The lifecycles of jobs, assignments, offers and workers: what each command and timer does to them."""

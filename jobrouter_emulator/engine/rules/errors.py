"""The one error rule evaluation raises; classification turns it into a failure event, never a server error."""


class RuleEvaluationError(Exception):
    """A rule that cannot be evaluated: a syntax or type error, or a failed outbound call."""

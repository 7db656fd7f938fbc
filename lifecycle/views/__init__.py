"""Views: what people read. Text for the terminal, diagrams from the definitions, the
least-privilege policy, and the review artifacts (a plan's comment, a run's page).

May import: ``lifecycle.errors``, ``lifecycle.log``, ``lifecycle.model``, ``lifecycle.aws``,
``lifecycle.journal``, ``lifecycle.engine`` and ``lifecycle.views``. Never fleets or the
command line.
"""

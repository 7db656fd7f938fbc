"""The pure model: the lifecycle's definition, what AWS shows and what the journal adds, the
guards, each transition's effects, the decision of the next step, the runtime machine and the
results. No I/O.

May import: the standard library, ``transitions``, botocore's service models as data
(``lifecycle.model.parameters``), ``lifecycle.errors`` and ``lifecycle.model``. Never the AWS
edge, the engine, the journal, the views, fleets or the command line.
"""

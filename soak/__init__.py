"""A soak of our own: random applies, dry runs, ``kill -9``, faults and people's changes,
over one account and over a fleet with its state in DynamoDB, against the embedded local AWS;
each run judged by invariants (:data:`soak.invariants.INVARIANTS`). ``make soak`` runs it."""

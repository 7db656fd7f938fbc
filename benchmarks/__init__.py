"""``make bench``: what the engine costs next to the calls it makes, and how it scales.

Every target is a ratio measured in one run against a baseline measured in the same run, on
the embedded local AWS, and printed as one table (``python -m benchmarks``). One module per
target:

============================  =============================================================
``overhead``                  ``slr apply`` against a hand-written boto3 script
                              (``boto3_decommission``), both whole processes
``region_scan``               the 21-region scan under 50 ms latency against one call
``drain``                     1,000 deactivations under 20 ms latency against the ideal
                              for the pool; peak RSS of the process that drains
``deletion``                  how soon a finished deletion task is seen
``startup``                   ``slr --help`` and ``slr diagram`` against ``python -c pass``
``boto3_decommission``        the overhead target's baseline: a user's own boto3 script
``fleet_status``              ``slr --accounts org status`` against a plain boto3 script
                              and its floor (``boto3_fleet_status``,
                              ``--reuse-clients``), at 100 accounts and 1,000
``fleet_decommission``        a fleet's decommission against a plain script and its floor
                              (``boto3_fleet_decommission``, ``--reuse-clients``)
``cpu``                       the runner's own CPU: per process, in process, and
                              botocore's tight loop
``local``                     the shared local AWS, its request recorder, the environment
``report``                    the rows and the table
============================  =============================================================

Nothing here is a test: the test suite asserts behaviour, never timings.
"""

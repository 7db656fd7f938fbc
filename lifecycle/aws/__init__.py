"""The AWS edge: sessions and clients (shared by a fleet's accounts, each call signed as its
own), what AWS's answers mean, the retry layer, each client's pace, the regions and the worker
threads. Everything that talks to AWS goes through here.

May import: boto3, botocore, tenacity, ``lifecycle.errors``, ``lifecycle.log``,
``lifecycle.model`` and ``lifecycle.aws``.
"""

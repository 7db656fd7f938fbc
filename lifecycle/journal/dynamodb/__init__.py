"""The shared journal in one DynamoDB table (``dynamodb://TABLE``): the table, its items, the
lease lock and the group commit, behind :class:`~lifecycle.journal.dynamodb.journal.DynamoJournal`.

May import: what ``lifecycle.journal`` may, and ``lifecycle.journal``.
"""

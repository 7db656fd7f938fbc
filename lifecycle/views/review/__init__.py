"""Reviews: a plan as a pull-request comment (Markdown) and a run as one page (HTML).

Pure functions from the plan and run documents to text; the ``slr`` command only wires them.

May import: what ``lifecycle.views`` may.
"""

from lifecycle.views.review.comment import COMMENT_LIMIT, plan_comment
from lifecycle.views.review.page import run_page

__all__ = ["COMMENT_LIMIT", "plan_comment", "run_page"]

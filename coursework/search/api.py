"""JSON: search, with the same rules as the search page."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from coursework.dumping import Extended
from coursework.policy import access
from coursework.search import services
from coursework.search.schemas import SearchArgsSchema, SearchResultsSchema
from coursework.search.views import hit_url

blp = Blueprint(
    "search-api",
    __name__,
    description="Full-text search across the lessons you can read and, for a course's "
    "staff, its questions (their wording only, never answers).",
)


@blp.route("/search")
class Search(MethodView):
    @access("learner")
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, SearchResultsSchema)
    def get(self, args: dict):
        """Best matches first, ten a page, each with a highlighted snippet."""
        found = services.search(current_user, args["q"], args["page"])
        return Extended(found, hits=[Extended(hit, url=hit_url(hit)) for hit in found.hits])

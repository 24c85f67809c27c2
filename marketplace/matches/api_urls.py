"""Router for /api/v1/matches/; included from marketplace/api/urls.py."""

from rest_framework.routers import SimpleRouter

from .api import MatchViewSet

router = SimpleRouter(use_regex_path=False)
router.register("matches", MatchViewSet, basename="match")

urlpatterns = router.urls

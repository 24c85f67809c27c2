"""Router for /api/v1/bids/; included from marketplace/api/urls.py."""

from rest_framework.routers import SimpleRouter

from .api import BidViewSet

router = SimpleRouter(use_regex_path=False)
router.register("bids", BidViewSet, basename="bid")

urlpatterns = router.urls

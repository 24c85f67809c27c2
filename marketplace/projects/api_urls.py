"""Routers for /api/v1/projects/ and the project parts; included from marketplace/api/urls.py."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("projects", api.ProjectViewSet, basename="project")
router.register("project-notices", api.NoticeViewSet, basename="project-notice")
router.register("project-objections", api.ObjectionViewSet, basename="project-objection")
router.register("project-milestones", api.MilestoneViewSet, basename="project-milestone")
router.register("project-acceptances", api.AcceptanceViewSet, basename="project-acceptance")

urlpatterns = router.urls

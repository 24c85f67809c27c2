from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# What curators may do with projects in the Wagtail admin (read only: decisions go
# through the services, from the project page).
CURATOR_PERMISSIONS = ("view_project",)


def grant_curator_permissions(sender, **kwargs) -> None:
    """Give the curators' group its project permissions once they exist (idempotent)."""
    from django.conf import settings
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name=settings.JIEBANG_CURATORS_GROUP).first()
    if group is None:
        return
    perms = Permission.objects.filter(
        content_type__app_label="projects", codename__in=CURATOR_PERMISSIONS
    )
    group.permissions.add(*perms)


class ProjectsConfig(AppConfig):
    """攻关项目: what happens after an award (公示, milestones, 验收)."""

    name = "marketplace.projects"
    label = "projects"
    verbose_name = _("攻关项目")

    def ready(self) -> None:
        from marketplace.bidding.signals import bid_awarded

        from .signal_handlers import project_for_award

        bid_awarded.connect(project_for_award, dispatch_uid="projects_from_award")
        # Demo data: seed_demo (cms) asks for the demo projects through its signal.
        from cms.demo.signals import demo_seeded

        from .signal_handlers import demo_projects

        demo_seeded.connect(demo_projects, dispatch_uid="projects_demo")
        post_migrate.connect(grant_curator_permissions, dispatch_uid="projects_curator_perms")

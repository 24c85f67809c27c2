from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class UserManager(DjangoUserManager):
    """Users log in by email; a username is kept for Wagtail and filled from the email."""

    def _create_user(self, username, email, password, **extra_fields):
        username = username or email
        return super()._create_user(username, email, password, **extra_fields)

    def create_user(self, username=None, email=None, password=None, **extra_fields):
        return super().create_user(username or email, email, password, **extra_fields)

    def create_superuser(self, username=None, email=None, password=None, **extra_fields):
        return super().create_superuser(username or email, email, password, **extra_fields)


class User(AbstractUser):
    """A person; belongs to organisations through memberships."""

    email = models.EmailField(_("邮箱"), unique=True)
    display_name = models.CharField(_("姓名"), max_length=80, blank=True)
    phone = models.CharField(_("手机号"), max_length=32, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.email

    def save(self, *args, **kwargs):
        if not self.username:
            self.username = self.email
        super().save(*args, **kwargs)

    @cached_property
    def is_curator(self) -> bool:
        if self.is_superuser:
            return True
        return self.groups.filter(name=settings.JIEBANG_CURATORS_GROUP).exists()

from django.urls import path

from . import views

app_name = "projects_public"
urlpatterns = [
    path("notices/", views.notice_list, name="notices"),
    path("notices/<dbid:pk>/", views.notice_detail, name="notice_detail"),
]
